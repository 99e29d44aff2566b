"""The voice studio's hosting in template.yaml: a private bucket read only by its CloudFront distribution (origin
access control), HTTPS only, security headers, and the studio's origin on the API's and the samples bucket's CORS."""

from __future__ import annotations

import re
from typing import Any

from scripts import REPO_ROOT
from tests.template.stack import Stack, load_template

STACK = Stack(load_template())
STUDIO_ORIGIN = {"Fn::Sub": "https://${StudioDistribution.DomainName}"}
ALLOW_LIST = {"Fn::Join": [",", [STUDIO_ORIGIN, {"Ref": "CorsAllowOrigins"}]]}
ONE_YEAR_SECONDS = 365 * 24 * 3600


def distribution() -> dict[str, Any]:
    return dict(STACK.properties("StudioDistribution")["DistributionConfig"])


def cache_behaviors() -> list[dict[str, Any]]:
    config = distribution()
    return [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]


def headers_policy() -> dict[str, Any]:
    return dict(STACK.properties("StudioSecurityHeaders")["ResponseHeadersPolicyConfig"])


def csp_directives() -> dict[str, list[str]]:
    policy = headers_policy()["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    policy = policy[0] if isinstance(policy, list) else policy  # the text, without its variables
    directives = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def studio_bucket_policy() -> dict[str, Any]:
    (policy,) = [
        resource["Properties"]
        for resource in STACK.of_type("AWS::S3::BucketPolicy").values()
        if resource["Properties"]["Bucket"] == {"Ref": "StudioBucket"}
    ]
    return dict(policy["PolicyDocument"])


class TestStudioBucket:
    """Private, encrypted and TLS-only like every bucket of the stack (test_resources.py); read only by CloudFront."""

    def test_only_this_distribution_may_read_it(self) -> None:
        statements = studio_bucket_policy()["Statement"]
        (allow,) = [statement for statement in statements if statement["Effect"] == "Allow"]
        assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert allow["Action"] == "s3:GetObject"
        assert allow["Resource"] == {"Fn::Sub": "${StudioBucket.Arn}/*"}
        source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${StudioDistribution}")


class TestStudioDistribution:
    def test_reads_the_bucket_through_origin_access_control(self) -> None:
        (origin,) = distribution()["Origins"]
        # The bucket's REST endpoint (signed requests), never its website endpoint
        assert origin["DomainName"] == {"Fn::GetAtt": ["StudioBucket", "RegionalDomainName"]}
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["StudioOriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
        control = STACK.properties("StudioOriginAccessControl")["OriginAccessControlConfig"]
        assert (control["OriginAccessControlOriginType"], control["SigningBehavior"], control["SigningProtocol"]) == (
            "s3",
            "always",
            "sigv4",
        )

    def test_serves_only_over_https_and_only_reads(self) -> None:
        for behavior in cache_behaviors():
            assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
            assert set(behavior["AllowedMethods"]) <= {"GET", "HEAD", "OPTIONS"}
            assert behavior["ResponseHeadersPolicyId"] == {"Ref": "StudioSecurityHeaders"}
        assert distribution()["DefaultRootObject"] == "index.html"
        assert distribution()["Enabled"] is True

    def test_security_headers(self) -> None:
        headers = headers_policy()["SecurityHeadersConfig"]
        assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= ONE_YEAR_SECONDS
        assert headers["ContentTypeOptions"]["Override"] is True
        assert headers["FrameOptions"]["FrameOption"] == "DENY"
        assert headers["ReferrerPolicy"]["ReferrerPolicy"] in {"strict-origin-when-cross-origin", "no-referrer"}
        for header in headers.values():
            assert header["Override"] is True
        (permissions,) = headers_policy()["CustomHeadersConfig"]["Items"]
        assert permissions["Header"] == "Permissions-Policy"
        assert "microphone=(self)" in permissions["Value"]

    def test_content_security_policy_allows_only_the_page_the_api_and_the_samples_bucket(self) -> None:
        directives = csp_directives()
        assert directives["default-src"] == ["'none'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in str(directives) and "'unsafe-eval'" not in str(directives)
        # The preview WAV plays from a blob: URL
        assert "blob:" in directives["media-src"]
        # A recorded consent statement plays from its presigned S3 URL
        assert "https://*.s3.${AWS::Region}.${AWS::URLSuffix}" in directives["media-src"]
        connect = directives["connect-src"]
        assert "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}" in connect
        assert "https://*.s3.${AWS::Region}.${AWS::URLSuffix}" in connect
        assert all(source == "'self'" or source.startswith("https://") for source in connect)

    def test_the_page_calls_nothing_the_policy_refuses(self) -> None:
        # The page loads only its own files: no inline script or style, no other host
        html = (REPO_ROOT / "web" / "index.html").read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline scripts are refused by script-src"
        assert "style=" not in html and "<style" not in html, "inline styles are refused by style-src"
        assert not re.search(r"""(src|href)=["']https?://""", html), "the page loads nothing from other hosts"

    def test_outputs_give_the_https_url_and_the_bucket(self) -> None:
        outputs = STACK.template["Outputs"]
        assert outputs["StudioUrl"]["Value"] == {"Fn::Sub": "https://${StudioDistribution.DomainName}/"}
        assert outputs["StudioBucketName"]["Value"] == {"Ref": "StudioBucket"}


class TestStudioOriginIsAllowed:
    def test_every_function_behind_the_api_allows_the_studio_first(self) -> None:
        # The catalog functions in the VPC are invoked by the other functions, never by a browser: no CORS there.
        # The preflight function's list is the one browsers see first (every path's OPTIONS goes to it).
        api_functions = [
            function for function in STACK.functions.values() if function.routes or function.preflight_paths
        ]
        assert {function.logical_id for function in api_functions} == {
            "PreviewFunction",
            "ListTtsVoicesFunction",
            "ListVoicesFunction",
            "GetVoiceFunction",
            "DeleteVoiceFunction",
            "CloneVoiceFunction",
            "CreateUploadFunction",
            "OpenAiSpeechFunction",
            "PreflightFunction",
        }
        for function in api_functions:
            assert function.environment["OPENTALKING_CORS_ALLOW_ORIGINS"] == ALLOW_LIST, function.logical_id

    def test_errors_made_by_api_gateway_carry_the_studios_origin(self) -> None:
        for response in STACK.api["GatewayResponses"].values():
            origin = response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"]
            assert origin == {"Fn::Sub": "'https://${StudioDistribution.DomainName}'"}

    def test_the_samples_bucket_accepts_the_studios_upload_posts(self) -> None:
        (rule,) = STACK.properties("SamplesBucket")["CorsConfiguration"]["CorsRules"]
        assert rule["AllowedMethods"] == ["POST"]
        assert rule["AllowedOrigins"] == {"Fn::Split": [",", ALLOW_LIST]}
        assert rule["AllowedHeaders"] == ["*"]
