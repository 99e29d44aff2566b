"""template.yaml's storage, network, API and observability settings, and samconfig.toml."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from scripts import REPO_ROOT
from tests.template.stack import TEMPLATE_PATH, Stack, as_list, load_template

STACK = Stack(load_template())
NFS_PORT = 2049
# The voice studio's origin first, then the configured ones (see test_studio_hosting.py).
CORS_ORIGINS = {
    "Fn::Join": [",", [{"Fn::Sub": "https://${StudioDistribution.DomainName}"}, {"Ref": "CorsAllowOrigins"}]]
}


def rules(bucket: dict[str, Any]) -> list[dict[str, Any]]:
    return list(bucket["LifecycleConfiguration"]["Rules"])


def rule_prefix(rule: dict[str, Any]) -> str | None:
    if "Prefix" in rule:
        return str(rule["Prefix"])
    return rule.get("Filter", {}).get("Prefix")


def assert_tls_only(bucket: str) -> None:
    (policy,) = (
        p["Properties"]
        for p in STACK.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    )
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": [bucket, "Arn"]} in deny["Resource"]
    assert {"Fn::Sub": f"${{{bucket}.Arn}}/*"} in deny["Resource"]


def test_every_bucket_has_a_tls_only_policy() -> None:
    assert {"SamplesBucket", "SpeechCacheBucket", "StudioBucket"} <= set(STACK.of_type("AWS::S3::Bucket"))
    for bucket in STACK.of_type("AWS::S3::Bucket"):
        assert_tls_only(bucket)


@pytest.mark.parametrize("bucket", sorted(STACK.of_type("AWS::S3::Bucket")))
def test_every_bucket_is_private_and_encrypted(bucket: str) -> None:
    properties = STACK.properties(bucket)
    block = properties["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    # No website endpoint or canned ACL: either would serve objects over plain HTTP or to anyone
    assert "WebsiteConfiguration" not in properties and "AccessControl" not in properties


class TestSamplesBucket:
    bucket = STACK.properties("SamplesBucket")

    @pytest.mark.parametrize("prefix", ["samples/", "uploads/"])
    def test_lifecycle_expires_each_sample_prefix(self, prefix: str) -> None:
        (rule,) = [rule for rule in rules(self.bucket) if rule_prefix(rule) == prefix and "ExpirationInDays" in rule]
        assert rule["Status"] == "Enabled"
        assert rule["ExpirationInDays"] == {"Ref": "SampleExpirationDays"}

    def test_no_expiry_rule_matches_a_consent_statements_key(self) -> None:
        # GIVEN a key the statement store hands out (the code's prefix, not a literal copied here)
        from voice_service.adapters.s3_consent_statements import S3ConsentStatements

        key = S3ConsentStatements("bucket", region="us-east-1").new_statement_key()
        # THEN no lifecycle rule that expires objects applies to it: a statement lives as long as its voice
        expiring = [rule for rule in rules(self.bucket) if "ExpirationInDays" in rule or "Expiration" in rule]
        assert expiring and all(
            rule_prefix(rule) and not key.startswith(str(rule_prefix(rule))) for rule in expiring
        ), expiring
        assert not any("ExpirationDate" in rule or "NoncurrentVersionExpiration" in rule for rule in rules(self.bucket))

    def test_incomplete_multipart_uploads_are_aborted_by_a_prefix_only_rule(self) -> None:
        # S3 rejects AbortIncompleteMultipartUpload next to a tag or size filter at deploy (cfn-lint and moto don't)
        (rule,) = [rule for rule in rules(self.bucket) if "AbortIncompleteMultipartUpload" in rule]
        assert rule["Status"] == "Enabled"
        assert rule_prefix(rule) is not None
        assert not {"TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan"} & set(rule)
        assert not {"Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"} & set(rule.get("Filter", {}))

    def test_cors_lets_the_allowed_origins_post_uploads(self) -> None:
        (cors,) = self.bucket["CorsConfiguration"]["CorsRules"]
        assert cors["AllowedMethods"] == ["POST"]
        assert cors["AllowedOrigins"] == {"Fn::Split": [",", CORS_ORIGINS]}


class TestSpeechCacheBucket:
    bucket = STACK.properties("SpeechCacheBucket")

    def test_is_private_and_encrypted_like_the_samples_bucket(self) -> None:
        samples = STACK.properties("SamplesBucket")
        for setting in ("PublicAccessBlockConfiguration", "OwnershipControls", "BucketEncryption"):
            assert self.bucket[setting] == samples[setting], setting

    def test_lifecycle_expires_the_cache_prefix_after_the_parameters_days(self) -> None:
        from voice_service.adapters.s3_speech_cache import CACHE_PREFIX

        (rule,) = [rule for rule in rules(self.bucket) if "ExpirationInDays" in rule]
        assert rule["Status"] == "Enabled" and rule_prefix(rule) == CACHE_PREFIX
        assert rule["ExpirationInDays"] == {"Ref": "SpeechCacheExpirationDays"}
        assert STACK.parameter_defaults["SpeechCacheExpirationDays"] == 30

    def test_incomplete_multipart_uploads_are_aborted_by_a_prefix_only_rule(self) -> None:
        (rule,) = [rule for rule in rules(self.bucket) if "AbortIncompleteMultipartUpload" in rule]
        assert rule_prefix(rule) is not None and "ExpirationInDays" not in rule

    def test_no_browser_reaches_it(self) -> None:
        assert "CorsConfiguration" not in self.bucket


class TestCatalogFileSystem:
    file_system = STACK.properties("CatalogFileSystem")
    access_point = STACK.properties("CatalogAccessPoint")

    def test_is_encrypted_backed_up_and_kept(self) -> None:
        assert self.file_system["Encrypted"] is True
        assert self.file_system["BackupPolicy"] == {"Status": "ENABLED"}
        # The catalog survives redeployments, and even deleting the stack
        resource = STACK.resources["CatalogFileSystem"]
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"

    def test_access_point_pins_a_posix_user_that_owns_its_root_directory(self) -> None:
        user = self.access_point["PosixUser"]
        root = self.access_point["RootDirectory"]
        assert root["Path"] not in ("", "/")
        assert (root["CreationInfo"]["OwnerUid"], root["CreationInfo"]["OwnerGid"]) == (user["Uid"], user["Gid"])
        assert user["Uid"] != "0"

    def test_functions_mount_the_access_point_under_mnt(self) -> None:
        for function in STACK.functions.values():
            for config in function.properties.get("FileSystemConfigs", []):
                assert config["Arn"] == {"Fn::GetAtt": ["CatalogAccessPoint", "Arn"]}
                assert re.fullmatch(r"/mnt/[a-zA-Z0-9-_.]+", config["LocalMountPath"])

    def test_a_mount_target_in_each_subnet_the_functions_use(self) -> None:
        targets = [target["Properties"] for target in STACK.of_type("AWS::EFS::MountTarget").values()]
        subnets = {str(target["SubnetId"]) for target in targets}
        for function in STACK.functions.values():
            if function.mount_paths:
                assert {str(subnet) for subnet in function.properties["VpcConfig"]["SubnetIds"]} <= subnets


class TestNetwork:
    def security_group_rules(self, kind: type) -> list[dict[str, Any]]:
        found = []
        for resource in STACK.resources.values():
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                key = "SecurityGroupIngress" if kind == "ingress" else "SecurityGroupEgress"
                found += [{**rule, "GroupId": None} for rule in resource["Properties"].get(key, [])]
            elif resource["Type"] == f"AWS::EC2::SecurityGroup{'Ingress' if kind == 'ingress' else 'Egress'}":
                found.append(resource["Properties"])
        return found

    def test_nfs_reaches_the_mount_targets_only_from_the_catalog_functions(self) -> None:
        mount_groups = {
            str(group)
            for target in STACK.of_type("AWS::EFS::MountTarget").values()
            for group in target["Properties"]["SecurityGroups"]
        }
        function_groups = {
            str(group)
            for function in STACK.functions.values()
            if function.mount_paths
            for group in function.properties["VpcConfig"]["SecurityGroupIds"]
        }
        ingress = self.security_group_rules("ingress")
        # Nothing anywhere accepts traffic from an address range: only from a security group
        assert not [rule for rule in ingress if "CidrIp" in rule or "CidrIpv6" in rule]
        into_mounts = [rule for rule in ingress if str(rule["GroupId"]) in mount_groups]
        assert into_mounts
        for rule in into_mounts:
            assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", NFS_PORT, NFS_PORT)
            assert str(rule["SourceSecurityGroupId"]) in function_groups

    def catalog_function_group(self) -> str:
        (group,) = {
            str(group["Ref"])
            for function in STACK.functions.values()
            if function.in_vpc
            for group in function.properties["VpcConfig"]["SecurityGroupIds"]
        }
        return group

    def egress_of(self, logical_id: str) -> list[dict[str, Any]]:
        inline = STACK.properties(logical_id).get("SecurityGroupEgress", [])
        separate = [
            rule["Properties"]
            for rule in STACK.of_type("AWS::EC2::SecurityGroupEgress").values()
            if rule["Properties"]["GroupId"] == {"Ref": logical_id}
        ]
        return [*inline, *separate]

    def test_catalog_functions_send_nothing_but_nfs_to_the_mount_targets(self) -> None:
        # GIVEN the one security group of the functions in the VPC
        group = self.catalog_function_group()
        mount_groups = {
            group["Ref"]
            for target in STACK.of_type("AWS::EFS::MountTarget").values()
            for group in target["Properties"]["SecurityGroups"]
        }
        # THEN its egress is NFS to the mount targets' group and nothing else (an empty list would mean allow-all)
        (rule,) = self.egress_of(group)
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", NFS_PORT, NFS_PORT)
        assert rule["DestinationSecurityGroupId"]["Ref"] in mount_groups
        assert not {"CidrIp", "CidrIpv6", "DestinationPrefixListId"} & set(rule)

    def test_mount_targets_send_nothing(self) -> None:
        for target in STACK.of_type("AWS::EFS::MountTarget").values():
            for group in target["Properties"]["SecurityGroups"]:
                # The documented way to replace the default allow-all egress with a rule that matches no packet
                (rule,) = self.egress_of(group["Ref"])
                assert rule["CidrIp"] == "255.255.255.255/32" and rule["IpProtocol"] == "icmp"

    def test_no_nat_gateway_public_address_or_internet_gateway_exists(self) -> None:
        types = {resource["Type"] for resource in STACK.resources.values()}
        assert not types & {
            "AWS::EC2::NatGateway",
            "AWS::EC2::EIP",
            "AWS::EC2::InternetGateway",
            "AWS::EC2::EgressOnlyInternetGateway",
            "AWS::EC2::VPCGatewayAttachment",
            "AWS::EC2::VPNGateway",
            "AWS::EC2::TransitGatewayAttachment",
        }
        for subnet in STACK.of_type("AWS::EC2::Subnet").values():
            assert not subnet["Properties"].get("MapPublicIpOnLaunch")

    def test_the_private_subnets_have_no_route_out_of_the_vpc(self) -> None:
        # GIVEN the subnets the catalog functions run in
        subnets = {
            str(subnet)
            for function in STACK.functions.values()
            if function.in_vpc
            for subnet in function.properties["VpcConfig"]["SubnetIds"]
        }
        associations = [a["Properties"] for a in STACK.of_type("AWS::EC2::SubnetRouteTableAssociation").values()]
        tables = {str(a["RouteTableId"]) for a in associations if str(a["SubnetId"]) in subnets}
        # THEN each has an explicit route table of this stack, and no route is added to any of them (nor to any
        # other table: the VPC's implicit local route is the only one), and no endpoint adds one either
        assert subnets and {str(a["SubnetId"]) for a in associations} >= subnets and tables
        assert STACK.of_type("AWS::EC2::Route") == {}
        assert STACK.of_type("AWS::EC2::VPCEndpoint") == {}


class TestApi:
    api = STACK.api

    def test_binary_media_types_are_escaped_as_sam_expects(self) -> None:
        assert self.api["BinaryMediaTypes"]
        assert all("~1" in entry and "/" not in entry for entry in self.api["BinaryMediaTypes"])

    def test_throttling_comes_from_parameters(self) -> None:
        (setting,) = self.api["MethodSettings"]
        assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
        assert setting["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
        assert setting["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}

    def test_api_key_is_a_switch_that_never_locks_out_preflights(self) -> None:
        auth = self.api["Auth"]
        assert auth["ApiKeyRequired"] == {"Ref": "ApiKeyRequired"}
        assert auth["AddApiKeyRequiredToCorsPreflight"] is False
        assert auth["UsagePlan"]["CreateUsagePlan"] == "PER_API"

    @pytest.mark.parametrize(
        "response_type", ["DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE", "THROTTLED", "UNAUTHORIZED"]
    )
    def test_gateway_errors_carry_cors_and_a_detail_body(self, response_type: str) -> None:
        response = self.api["GatewayResponses"][response_type]
        origin = response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"]
        # A gateway response names one origin: the voice studio's, first in the functions' allow-list too
        assert origin == {"Fn::Sub": "'https://${StudioDistribution.DomainName}'"}
        assert CORS_ORIGINS["Fn::Join"][1][0] == {"Fn::Sub": "https://${StudioDistribution.DomainName}"}
        assert response["ResponseTemplates"]["application/json"].startswith('{"detail": ')

    def test_the_authorizers_refusal_is_a_401_asking_for_a_bearer_token(self) -> None:
        # The authorizer raises "Unauthorized" (tests/integration/test_sign_in.py); API Gateway answers with this
        response = self.api["GatewayResponses"]["UNAUTHORIZED"]
        assert response["StatusCode"] == "401"
        assert response["ResponseParameters"]["Headers"]["WWW-Authenticate"].startswith("'Bearer ")

    @pytest.mark.parametrize("response_type", ["DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE", "THROTTLED"])
    def test_gateway_errors_also_carry_openais_envelope(self, response_type: str) -> None:
        # GIVEN the body API Gateway renders, with its variables as it fills them in (messageString is quoted)
        template = self.api["GatewayResponses"][response_type]["ResponseTemplates"]["application/json"]
        rendered = template.replace("$context.error.messageString", '"Limit Exceeded"').replace(
            "$context.error.responseType", "THROTTLED"
        )
        # THEN it is JSON with both shapes: the API's detail and OpenAI's error envelope
        body = json.loads(rendered)
        assert isinstance(body["detail"], str)
        assert set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["type"] in ("invalid_request_error", "rate_limit_error", "server_error")

    def test_the_413_explains_the_upload_route(self) -> None:
        response = self.api["GatewayResponses"]["REQUEST_TOO_LARGE"]
        assert response["StatusCode"] == "413"
        assert "/voices/uploads" in response["ResponseTemplates"]["application/json"]

    def test_access_logs_go_to_a_log_group_with_retention(self) -> None:
        destination = self.api["AccessLogSetting"]["DestinationArn"]
        (group,) = destination["Fn::GetAtt"][:1]
        assert STACK.properties(group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert "$context.requestId" in self.api["AccessLogSetting"]["Format"]

    def test_tracing_is_on_for_the_api_and_every_function(self) -> None:
        assert self.api["TracingEnabled"] is True
        assert all(function.properties["Tracing"] == "Active" for function in STACK.functions.values())


class TestFunctions:
    def test_each_function_logs_to_its_own_group_with_retention(self) -> None:
        groups = [function.properties["LoggingConfig"]["LogGroup"] for function in STACK.functions.values()]
        assert len({str(group) for group in groups}) == len(groups)
        for group in groups:
            assert STACK.properties(group["Ref"])["RetentionInDays"] == {"Ref": "LogRetentionDays"}

    def test_runtime_and_architecture(self) -> None:
        for function in STACK.functions.values():
            assert function.properties["Runtime"] == "python3.12"
            assert function.properties["Architectures"] == [{"Ref": "Architecture"}]
        assert STACK.template["Parameters"]["Architecture"]["Default"] == "arm64"

    def test_powertools_is_configured_globally(self) -> None:
        variables = STACK.template["Globals"]["Function"]["Environment"]["Variables"]
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)
        # The preview's response is base64 audio: it must not be copied into trace segments
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"

    def test_timeouts_leave_room_under_api_gateways_29_seconds(self) -> None:
        for function in STACK.functions.values():
            # A scheduled function answers no one: Lambda's own 15-minute limit is its bound
            limit = 29 if function.routes else 900
            assert function.properties["Timeout"] <= limit, function.logical_id

    def test_provider_secret_is_created_or_given_never_inlined(self) -> None:
        (secret,) = STACK.of_type("AWS::SecretsManager::Secret").values()
        assert secret["Condition"] == "CreateProviderSecret"
        placeholder = secret["Properties"]["SecretString"]
        assert re.fullmatch(r'\{("[A-Z_]+": "", )*"[A-Z_]+": ""\}', placeholder), "the created secret holds no key"


def test_every_resource_says_what_it_is_for() -> None:
    # GIVEN the template's text, resource by resource
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    resources_text = text.split("\nResources:\n", 1)[1].split("\nOutputs:\n", 1)[0]
    blocks = re.split(r"\n(?=  [A-Za-z0-9]+:\n)", resources_text)
    described = {}
    for block in blocks:
        name_match = re.match(r"\s*([A-Za-z0-9]+):\n", block)
        if name_match is None:
            continue
        name = name_match.group(1)
        properties = STACK.properties(name)
        # THEN each has a Description (or a security group's GroupDescription) or a comment inside its block
        described[name] = bool(
            properties.get("Description") or properties.get("GroupDescription") or re.search(r"\n\s+# ", block)
        )
    assert set(described) == set(STACK.resources)
    assert all(described.values()), sorted(name for name, ok in described.items() if not ok)


def test_outputs_name_the_api_the_bucket_and_every_function() -> None:
    values = [output["Value"] for output in STACK.template["Outputs"].values()]
    assert any("execute-api" in str(value) and "VoiceApi" in str(value) for value in values)
    assert {"Ref": "SamplesBucket"} in values
    for function in STACK.functions:
        assert {"Ref": function} in values


class TestSamconfig:
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))

    @pytest.mark.parametrize("environment", ["default", "prod"])
    def test_each_environment_deploys_with_a_managed_bucket(self, environment: str) -> None:
        deploy = self.config[environment]["deploy"]["parameters"]
        assert deploy["resolve_s3"] is True
        assert "s3_bucket" not in deploy
        assert "CAPABILITY_IAM" in as_list(deploy["capabilities"])
        assert f"Environment={'prod' if environment == 'prod' else 'dev'}" in deploy["parameter_overrides"]
        assert self.config[environment]["validate"]["parameters"]["lint"] is True

    def test_environments_tag_their_voices_differently(self) -> None:
        # Both stacks may share one DashScope account: each reconciler deletes unclaimed voices with its own tag
        tags = [
            re.search(r"VoiceNameTag=(\S+)", self.config[environment]["deploy"]["parameters"]["parameter_overrides"])
            for environment in ("default", "prod")
        ]
        assert all(tags) and len({tag.group(1) for tag in tags if tag}) == 2

    def test_holds_no_account_specific_value(self) -> None:
        def settings(table: dict[str, Any]) -> list[tuple[str, Any]]:
            found = []
            for key, value in table.items():
                found += settings(value) if isinstance(value, dict) else [(key, value)]
            return found

        for key, value in settings(self.config):
            assert key not in {"profile", "s3_bucket", "image_repository", "role_arn", "kms_key_id"}, key
            assert not re.search(r"\b\d{12}\b", str(value)), f"{key} holds an account id"
            assert "arn:" not in str(value), key
