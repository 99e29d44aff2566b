"""How the deployed studio signs users in, evaluated from template.yaml as CloudFormation would: the user pool's
domain, the app client's exact callback and logout pages, the page's Content-Security-Policy letting it trade its
code, and the outputs `make deploy-studio` reads, which must name what the functions trust."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from scripts.studio_config import cognito_sign_in
from tests.template.stack import Deployment, Stack, load_template

STACK = Stack(load_template())
DOMAIN = "d111111abcdef8.cloudfront.net"
NAMES = {
    "StudioDistribution.DomainName": DOMAIN,
    "UserPool": "eu-west-1_AbCdEf123",
    "UserPoolClient": "4tq9client",
}
COGNITO_RESERVED = ("aws", "amazon", "cognito")


def deployment(**parameters: str) -> Deployment:
    with_pool = Deployment(STACK, NAMES, **parameters)
    if with_pool.condition("CreateCognitoUserPool"):
        domain = with_pool.evaluate(STACK.properties("UserPoolDomain")["Domain"])
        with_pool.values["UserPoolDomain"] = domain  # its Ref is the prefix
    return with_pool


# The outputs `make deploy-studio` reads (scripts.deploy_studio, scripts.studio_config).
DEPLOY_OUTPUTS = ("StudioUrl", "AuthMode", "SignInIssuer", "SignInAudience", "UserPoolId", "UserPoolDomainUrl")


def outputs(stack: Deployment) -> dict[str, str]:
    return {
        name: stack.evaluate(output["Value"])
        for name, output in STACK.template["Outputs"].items()
        if name in DEPLOY_OUTPUTS and ("Condition" not in output or stack.condition(output["Condition"]))
    }


def connect_sources(stack: Deployment) -> list[str]:
    csp = STACK.properties("StudioSecurityHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    policy = stack.evaluate(csp["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    (connect,) = [directive.split()[1:] for directive in policy.split(";") if directive.split()[0] == "connect-src"]
    return list(connect)


class TestUserPoolDomain:
    def test_is_created_with_the_pool_only(self) -> None:
        assert STACK.resources["UserPoolDomain"]["Condition"] == "CreateCognitoUserPool"
        assert not deployment().condition("CreateCognitoUserPool")

    def test_the_derived_prefix_is_one_cognito_accepts(self) -> None:
        stack = deployment(CreateUserPool="true", AuthMode="users")
        prefix = stack.values["UserPoolDomain"]
        # Lower-case letters, digits and hyphens, at most 63, none of the words Cognito reserves
        assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", prefix), prefix
        assert not any(word in prefix for word in COGNITO_RESERVED)
        # Unique per stack: the stack id's own part
        assert prefix.endswith("51af3dc0-da77-11e4-872e-1234567db123")
        assert STACK.properties("UserPoolDomain")["ManagedLoginVersion"] == 1

    def test_a_given_prefix_is_used(self) -> None:
        stack = deployment(CreateUserPool="true", AuthMode="users", UserPoolDomainPrefix="acme-voices")
        assert stack.values["UserPoolDomain"] == "acme-voices"
        assert outputs(stack)["UserPoolDomainUrl"] == "https://acme-voices.auth.eu-west-1.amazoncognito.com"

    @pytest.mark.parametrize("prefix", ["Acme", "-acme", "acme-", "a" * 64, "acme_voices"])
    def test_a_prefix_cognito_would_refuse_is_refused_by_the_parameter(self, prefix: str) -> None:
        pattern = STACK.template["Parameters"]["UserPoolDomainPrefix"]["AllowedPattern"]
        assert not re.fullmatch(pattern, prefix)


class TestStudioClient:
    def client(self, **parameters: str) -> dict[str, list[str]]:
        stack = deployment(CreateUserPool="true", AuthMode="users", **parameters)
        properties = STACK.properties("UserPoolClient")
        return {name: stack.evaluate(properties[name]) for name in ("CallbackURLs", "LogoutURLs")}

    def test_the_studio_may_sign_in_and_out_at_both_of_its_addresses(self) -> None:
        pages = [f"https://{DOMAIN}/", f"https://{DOMAIN}/index.html"]
        assert self.client() == {"CallbackURLs": pages, "LogoutURLs": pages}

    def test_other_pages_are_added_exactly(self) -> None:
        client = self.client(SignInCallbackUrls="http://localhost:8000/studio/,https://app.example.com/voices")
        extra = ["http://localhost:8000/studio/", "https://app.example.com/voices"]
        assert client["CallbackURLs"][2:] == extra and client["LogoutURLs"][2:] == extra

    def test_the_pages_the_studio_is_sent_back_to_are_registered(self) -> None:
        # The page returns to location.origin + location.pathname (web/auth.js) from StudioUrl, and signs out
        # with StudioUrl as Cognito's logout_uri (scripts.studio_config): Cognito accepts only exact matches.
        stack = deployment(CreateUserPool="true", AuthMode="users")
        found = outputs(stack)
        studio_url = found["StudioUrl"]
        auth = cognito_sign_in(found["UserPoolDomainUrl"], found["SignInAudience"], studio_url)
        client = self.client()
        assert studio_url in client["CallbackURLs"]
        (logout_uri,) = parse_qs(urlsplit(auth["logoutUrl"]).query)["logout_uri"]
        assert logout_uri in client["LogoutURLs"]
        assert auth["clientId"] == NAMES["UserPoolClient"]

    def test_the_callback_parameter_takes_only_urls(self) -> None:
        pattern = STACK.template["Parameters"]["SignInCallbackUrls"]["AllowedPattern"]
        assert re.fullmatch(pattern, "") and re.fullmatch(pattern, "http://localhost:8000/studio/,https://a.b/c")
        assert not re.fullmatch(pattern, "javascript:alert(1)")
        assert not re.fullmatch(pattern, "https://a.b/c, https://d.e/")


class TestTheStudiosPolicyLetsItSignIn:
    def test_cognito_domains_of_the_region(self) -> None:
        assert "https://*.auth.eu-west-1.amazoncognito.com" in connect_sources(deployment())

    def test_an_oidc_issuers_host(self) -> None:
        stack = deployment(
            AuthMode="users", OidcIssuerUrl="https://login.example.com:8443/realms/voices", OidcAudience="studio"
        )
        sources = connect_sources(stack)
        assert "https://login.example.com:8443" in sources
        assert all(source == "'self'" or source.startswith("https://") for source in sources)

    def test_nothing_more_without_an_issuer(self) -> None:
        sources = connect_sources(deployment())
        assert len(sources) == 5 and "https://" not in sources


class TestOutputsNameWhatTheFunctionsTrust:
    @pytest.mark.parametrize(
        "parameters",
        [
            {"CreateUserPool": "true", "AuthMode": "users"},
            {"AuthMode": "users", "OidcIssuerUrl": "https://login.example.com/realms/v", "OidcAudience": "studio"},
            {"AuthMode": "open"},
        ],
        ids=["cognito", "oidc", "open"],
    )
    def test_issuer_audience_and_mode(self, parameters: dict[str, str]) -> None:
        stack = deployment(**parameters)
        found = outputs(stack)
        for function in STACK.api_functions.values():
            variables = function.environment
            assert found["SignInIssuer"] == stack.evaluate(variables["OPENTALKING_AUTH_ISSUER"]), function.logical_id
            assert found["SignInAudience"] == stack.evaluate(variables["OPENTALKING_AUTH_AUDIENCE"])
            assert found["AuthMode"] == stack.evaluate(variables["OPENTALKING_AUTH_MODE"])
        assert ("UserPoolDomainUrl" in found) == (parameters.get("CreateUserPool") == "true")
