"""template.yaml after the SAM transform (aws-sam-translator, as CloudFormation runs it): what API Gateway gets."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.helpers import REGIONS

from tests.template.stack import TEMPLATE_PATH, Stack, load_template

TRANSLATE = Path(__file__).with_name("sam_translate.py")
STACK = Stack(load_template())
PREFLIGHT = "options"
AUTHORIZER = "TokenAuthorizer"
NO_AUTH = [{"NONE": []}]
# The voice studio is served by CloudFront, which the GovCloud, China and ISO partitions do not have.
DEPLOYABLE_REGIONS = [region for region in REGIONS if not region.startswith(("us-gov-", "cn-", "us-iso"))]


def translate(python: Path, **parameters: str) -> dict[str, Any]:
    environment = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"}
    completed = subprocess.run(
        [str(python), str(TRANSLATE), str(TEMPLATE_PATH), *(f"{name}={value}" for name, value in parameters.items())],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


def openapi_methods(translated: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    body = translated["Resources"]["VoiceApi"]["Properties"]["Body"]
    return {(path, method): spec for path, methods in body["paths"].items() for method, spec in methods.items()}


@pytest.fixture(scope="module")
def with_api_key(sam_cli: Path) -> dict[str, Any]:
    return translate(sam_cli, ApiKeyRequired="true")


@pytest.fixture(scope="module")
def without_api_key(sam_cli: Path) -> dict[str, Any]:
    return translate(sam_cli, ApiKeyRequired="")


def test_api_key_switched_on_guards_every_route_but_not_the_preflights(with_api_key: dict[str, Any]) -> None:
    methods = openapi_methods(with_api_key)
    assert {method for _, method in methods} >= {PREFLIGHT, "get", "post", "delete"}
    for (path, method), spec in methods.items():
        if method == PREFLIGHT:
            # Browsers never send a key or a token on a preflight (SAM writes "no authorizer" as NONE)
            assert spec.get("security") == NO_AUTH, path
        else:
            assert spec.get("security") == [{AUTHORIZER: []}, {"api_key": []}], (path, method)
    assert {"VoiceApiUsagePlan", "VoiceApiApiKey", "VoiceApiUsagePlanKey"} <= set(with_api_key["Resources"])
    # The key may come as x-api-key or as a bearer token: the authorizer hands it to API Gateway
    assert with_api_key["Resources"]["VoiceApi"]["Properties"]["ApiKeySourceType"] == "AUTHORIZER"


def test_api_key_switched_off_leaves_only_the_authorizer_on_the_routes(without_api_key: dict[str, Any]) -> None:
    for (path, method), spec in openapi_methods(without_api_key).items():
        expected = NO_AUTH if method == PREFLIGHT else [{AUTHORIZER: []}]
        assert spec.get("security") == expected, (path, method)


def test_the_authorizer_is_a_request_authorizer_without_a_result_cache(without_api_key: dict[str, Any]) -> None:
    body = without_api_key["Resources"]["VoiceApi"]["Properties"]["Body"]
    scheme = body["components"]["securitySchemes"][AUTHORIZER]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    # No cache: the open mode and anonymous previews send no header a cached verdict could be keyed by
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    assert "identitySource" not in authorizer
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    # API Gateway may invoke it, and only this API
    permissions = [
        resource["Properties"]
        for resource in without_api_key["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Permission"
        and "AuthorizerFunction" in json.dumps(resource["Properties"]["FunctionName"])
    ]
    assert permissions and all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    assert all(p["SourceArn"]["Fn::Sub"][1] == {"__ApiId__": {"Ref": "VoiceApi"}} for p in permissions)


def test_the_authorizers_role_only_writes_logs_and_traces(without_api_key: dict[str, Any]) -> None:
    role = without_api_key["Resources"]["AuthorizerFunctionRole"]["Properties"]
    assert "Policies" not in role  # no inline statement: it calls no AWS API
    assert {arn.rsplit("/", 1)[-1] for arn in role["ManagedPolicyArns"]} == {
        "AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess",
    }


def test_the_user_pool_exists_only_when_asked_for(sam_cli: Path) -> None:
    with_pool = translate(sam_cli, CreateUserPool="true", AuthMode="users")
    assert with_pool["Conditions"]["CreateCognitoUserPool"] == {"Fn::Equals": [{"Ref": "CreateUserPool"}, "true"]}
    pool = with_pool["Resources"]["UserPool"]
    assert pool["Condition"] == "CreateCognitoUserPool"
    # Nobody signs themselves up to spend the operator's provider account
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    client = with_pool["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False and client["AllowedOAuthFlows"] == ["code"]
    # Unless an issuer is given, the functions trust the stack's own pool and client
    variables = with_pool["Resources"]["ListVoicesFunction"]["Properties"]["Environment"]["Variables"]
    issuer = json.dumps(variables["OPENTALKING_AUTH_ISSUER"])
    assert "cognito-idp" in issuer and "UserPool" in issuer
    assert "UserPoolClient" in json.dumps(variables["OPENTALKING_AUTH_AUDIENCE"])


def test_every_route_is_a_lambda_proxy_to_its_function(without_api_key: dict[str, Any]) -> None:
    methods = openapi_methods(without_api_key)
    expected = {
        (route.path, route.method.lower()): function.logical_id
        for function in STACK.functions.values()
        for route in function.routes
    } | {
        (path, PREFLIGHT): function.logical_id
        for function in STACK.functions.values()
        for path in function.preflight_paths
    }
    assert set(methods) == set(expected)
    for key, spec in methods.items():
        integration = spec["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert f"${{{expected[key]}.Arn}}" in json.dumps(integration["uri"])


def test_binary_media_types_reach_api_gateway_unescaped(without_api_key: dict[str, Any]) -> None:
    body = without_api_key["Resources"]["VoiceApi"]["Properties"]["Body"]
    assert set(body["x-amazon-apigateway-binary-media-types"]) == STACK.binary_media_types


def test_gateway_responses_carry_the_cors_header(without_api_key: dict[str, Any]) -> None:
    body = without_api_key["Resources"]["VoiceApi"]["Properties"]["Body"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE"} <= set(responses)
    for response in responses.values():
        assert "gatewayresponse.header.Access-Control-Allow-Origin" in response["responseParameters"]


def test_functions_mounting_efs_get_vpc_access_and_wait_for_mount_targets(without_api_key: dict[str, Any]) -> None:
    resources = without_api_key["Resources"]
    for function in STACK.functions.values():
        role = resources[f"{function.logical_id}Role"]["Properties"]
        vpc_policy = any("AWSLambdaVPCAccessExecutionRole" in str(arn) for arn in role["ManagedPolicyArns"])
        assert vpc_policy is function.in_vpc, function.logical_id
        if function.mount_paths:
            depends_on = resources[function.logical_id].get("DependsOn", [])
            assert set(STACK.of_type("AWS::EFS::MountTarget")) <= set(depends_on)


def test_the_translated_template_lints_clean(without_api_key: dict[str, Any]) -> None:
    # cfn-lint 1.x no longer runs the SAM transform, so it checks raw AWS resources only here (e.g. EFS mount paths)
    errors = [
        match
        for match in lint(json.dumps(without_api_key), regions=DEPLOYABLE_REGIONS)
        # Cognito is not offered in every region; the optional user pool is for those that have it.
        if match.rule.id.startswith("E") and not (match.rule.id == "E3006" and "AWS::Cognito::" in match.message)
    ]
    assert not errors, [str(error) for error in errors]


# Resource types of the translated stack that cost nothing while idle (storage aside: EFS, the secret and the logs
# are billed per GB-month, per secret-month and per GB; README "What it costs idle"). Anything billed by the hour
# (NAT gateway, public IPv4, interface endpoints, instances, load balancers, ...) is not on this list.
NOT_BILLED_BY_THE_HOUR = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    # CreateUserPool=true: Cognito bills monthly active users, nothing while nobody signs in.
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::Cognito::UserPoolDomain",
    # The voice studio: CloudFront bills requests and transfer, its policies nothing.
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPC",
    # The reconciler's schedule: EventBridge charges nothing for scheduled rules; the runs are Lambda requests.
    "AWS::Events::Rule",
    "AWS::EFS::AccessPoint",
    "AWS::EFS::FileSystem",
    "AWS::EFS::MountTarget",
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
}


def test_nothing_in_the_deployed_stack_is_billed_by_the_hour(with_api_key: dict[str, Any]) -> None:
    # GIVEN every resource CloudFormation creates, after the SAM transform
    types = {resource["Type"] for resource in with_api_key["Resources"].values()}
    # THEN each is of a type with no hourly charge
    assert types - NOT_BILLED_BY_THE_HOUR == set()
    assert "AWS::Lambda::Function" in types and "AWS::EFS::FileSystem" in types
