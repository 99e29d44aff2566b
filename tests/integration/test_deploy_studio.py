"""`make deploy-studio` against moto: the page's files land in the studio bucket with types the browser accepts,
config.json names the stack's API (and, in the users mode, how the page signs in), and files removed from web/
leave the bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto import mock_aws

from scripts.deploy_studio import SITE_DIR, publish_site, stack_name_for, stack_outputs
from scripts.local_issuer import LocalIdentityProvider, SigningKey
from scripts.studio_config import StudioConfigError, cognito_sign_in, discover, sign_in_from_outputs
from tests.template.stack import load_template

API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"


@pytest.fixture
def s3() -> object:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="studio", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def test_publishes_every_file_with_its_type_and_the_apis_url(s3: object) -> None:
    # GIVEN a bucket holding a file the page no longer has
    s3.put_object(Bucket="studio", Key="old.js", Body=b"//")  # type: ignore[attr-defined]

    # WHEN the studio is published
    written = publish_site(s3, "studio", f"{API_URL}/")

    # THEN every file of web/ is there, typed for the browser, revalidated on each load
    expected = sorted(path.relative_to(SITE_DIR).as_posix() for path in SITE_DIR.rglob("*") if path.is_file())
    assert sorted(written) == expected and written[-1] == "config.json"
    types = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
    for key, media_type in types.items():
        head = s3.head_object(Bucket="studio", Key=key)  # type: ignore[attr-defined]
        assert head["ContentType"] == media_type
        assert head["CacheControl"] == "no-cache"
    # config.json names the API without a trailing slash (the page appends /tts/voices, ...)
    config = s3.get_object(Bucket="studio", Key="config.json")["Body"].read()  # type: ignore[attr-defined]
    assert json.loads(config) == {"apiBaseUrl": API_URL}
    # The stale file is gone
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="studio")["Contents"]]  # type: ignore[attr-defined]
    assert "old.js" not in keys and sorted(keys) == expected


def test_reads_the_bucket_and_the_api_from_the_stacks_outputs() -> None:
    # GIVEN a stack with the outputs the template declares
    outputs = load_template()["Outputs"]
    assert {"ApiUrl", "StudioBucketName", "StudioUrl"} <= set(outputs)
    template = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "ApiUrl": {"Value": API_URL},
            "StudioBucketName": {"Value": {"Ref": "Bucket"}},
            "StudioUrl": {"Value": "https://d111111abcdef8.cloudfront.net/"},
        },
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
        cloudformation.create_stack(StackName="voices", TemplateBody=json.dumps(template))

        found = stack_outputs(cloudformation, "voices")

    assert found["ApiUrl"] == API_URL and found["StudioUrl"].startswith("https://") and found["StudioBucketName"]


@pytest.mark.parametrize(
    ("environment", "stack"), [("default", "opentalking-voices-dev"), ("prod", "opentalking-voices-prod")]
)
def test_the_stack_is_the_one_sam_deploy_deploys(environment: str, stack: str) -> None:
    assert stack_name_for(environment) == stack


# ---------------------------------------------------------------- the users mode: how the page signs in

STUDIO_URL = "https://d111111abcdef8.cloudfront.net/"
COGNITO_OUTPUTS = {
    "AuthMode": "users",
    "StudioUrl": STUDIO_URL,
    "SignInIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
    "SignInAudience": "4tq9client",
    "UserPoolId": "eu-west-1_AbCdEf123",
    "UserPoolDomainUrl": "https://voices-51af3dc0.auth.eu-west-1.amazoncognito.com",
}


@pytest.fixture
def provider() -> Iterator[LocalIdentityProvider]:
    server = LocalIdentityProvider(SigningKey.generate(), client_id="studio-client").start()
    try:
        yield server
    finally:
        server.stop()


def test_publishes_the_sign_in_next_to_the_api(s3: object) -> None:
    sign_in = cognito_sign_in(COGNITO_OUTPUTS["UserPoolDomainUrl"], "4tq9client", STUDIO_URL)
    publish_site(s3, "studio", API_URL, sign_in=sign_in)
    config = json.loads(s3.get_object(Bucket="studio", Key="config.json")["Body"].read())  # type: ignore[attr-defined]
    assert config == {"apiBaseUrl": API_URL, "auth": sign_in}


def test_the_stacks_user_pool_signs_in_through_its_domain() -> None:
    with httpx.Client(transport=httpx.MockTransport(refuse_every_request)) as http:
        auth = sign_in_from_outputs(COGNITO_OUTPUTS, http)
    domain = COGNITO_OUTPUTS["UserPoolDomainUrl"]
    assert auth == {
        "mode": "users",
        "authorizeUrl": f"{domain}/oauth2/authorize",
        "tokenUrl": f"{domain}/oauth2/token",
        "clientId": "4tq9client",
        "scope": "openid email profile",
        "tokenType": "id_token",
        "logoutUrl": f"{domain}/logout?client_id=4tq9client&logout_uri=https%3A%2F%2Fd111111abcdef8.cloudfront.net%2F",
    }


def test_any_other_issuer_signs_in_through_its_discovery_document(provider: LocalIdentityProvider) -> None:
    outputs = {"AuthMode": "users", "StudioUrl": STUDIO_URL, "SignInIssuer": provider.issuer}
    outputs["SignInAudience"] = "studio-client"
    with httpx.Client() as http:
        auth = sign_in_from_outputs(outputs, http)
    assert auth is not None
    assert (auth["authorizeUrl"], auth["tokenUrl"]) == (f"{provider.url}/authorize", f"{provider.url}/token")
    assert auth["clientId"] == "studio-client" and auth["tokenType"] == "id_token"
    assert parse_qs(urlsplit(auth["logoutUrl"]).query) == {
        "client_id": ["studio-client"],
        "post_logout_redirect_uri": [STUDIO_URL],
    }


def test_a_separate_client_sends_its_access_token(provider: LocalIdentityProvider) -> None:
    # A provider whose access tokens name the API (OidcAudience) rather than the page's client
    outputs = {"AuthMode": "users", "StudioUrl": STUDIO_URL, "SignInIssuer": provider.issuer, "SignInAudience": "api"}
    with httpx.Client() as http:
        auth = sign_in_from_outputs(outputs, http, client_id="studio-client", token_type="access_token")
    assert auth is not None and (auth["clientId"], auth["tokenType"]) == ("studio-client", "access_token")


def test_open_and_api_key_stacks_have_no_sign_in() -> None:
    with httpx.Client(transport=httpx.MockTransport(refuse_every_request)) as http:
        for mode in ("open", "api-key"):
            assert sign_in_from_outputs({**COGNITO_OUTPUTS, "AuthMode": mode}, http) is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"UserPoolDomainUrl": ""}, "no domain"),
        ({"SignInAudience": ""}, "no issuer or audience"),
        ({"UserPoolId": "", "SignInIssuer": "https://login.example.com/other"}, "discovery document"),
    ],
)
def test_a_stack_that_cannot_sign_in_says_why(change: dict[str, str], problem: str) -> None:
    with httpx.Client(transport=httpx.MockTransport(refuse_every_request)) as http:
        with pytest.raises(StudioConfigError, match=problem):
            sign_in_from_outputs({**COGNITO_OUTPUTS, **change}, http)


def test_a_discovery_document_of_another_issuer_is_refused() -> None:
    impostor = LocalIdentityProvider(SigningKey.generate(), issuer="https://login.example.com").start()
    try:
        with httpx.Client() as http, pytest.raises(StudioConfigError, match="another issuer"):
            discover(impostor.url, http)
    finally:
        impostor.stop()


def refuse_every_request(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404)
