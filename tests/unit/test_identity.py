"""The Gate's decisions per auth mode, consent records and the auth settings rules (no sockets, fake verifier)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from voice_service.errors import AuthenticationError, ConsentRequiredError, InvalidRequestError
from voice_service.identity import ANONYMOUS, Caller, Gate, bearer_token, owner_of
from voice_service.models import SHARED_CATALOG, Owner
from voice_service.services.consent import CONSENT_AFFIRMATION, consent_record
from voice_service.settings import AuthSettings, CloneVoiceFunctionSettings, ConsentSettings, SettingsError

USERS = {"OPENTALKING_AUTH_MODE": "users", "OPENTALKING_AUTH_ISSUER": "https://i", "OPENTALKING_AUTH_AUDIENCE": "a"}
NOW = datetime(2026, 11, 29, tzinfo=UTC)


class FakeVerifier:
    """Accepts "good-<user>" tokens, with groups after a colon; refuses anything else."""

    def verify(self, token: str) -> Mapping[str, Any]:
        if not token.startswith("good-"):
            raise AuthenticationError("The token's signature is not valid.")
        user, _, groups = token.removeprefix("good-").partition(":")
        return {"sub": user, "cognito:groups": [g for g in groups.split(",") if g]}


def gate(**settings: str) -> Gate:
    auth = AuthSettings.from_environment({**USERS, "OPENTALKING_AUTH_ADMIN_GROUP": "admins", **settings})
    return Gate(auth, FakeVerifier())


def test_users_mode_names_the_caller_and_their_admin_group() -> None:
    assert gate().authorize_token("Bearer good-alice") == Caller("alice", frozenset(), admin=False)
    root = gate().authorize_token("bearer good-root:admins,ops")
    assert root.admin and root.groups == {"admins", "ops"}
    assert owner_of(root) == Owner("root", sees_unowned=True)
    assert owner_of(ANONYMOUS) == SHARED_CATALOG


@pytest.mark.parametrize("header", [None, "", "   ", "Basic abc", "Bearer", "Bearer bad"])
def test_users_mode_refuses_missing_malformed_and_invalid_tokens(header: str | None) -> None:
    with pytest.raises(AuthenticationError):
        gate().authorize_token(header)


def test_anonymous_is_allowed_only_without_a_token() -> None:
    assert gate().authorize_token(None, anonymous_allowed=True) == ANONYMOUS
    # A token that is sent is checked, even where anonymous callers are welcome
    with pytest.raises(AuthenticationError):
        gate().authorize_token("Bearer bad", anonymous_allowed=True)


def test_open_and_api_key_modes_treat_everyone_as_the_shared_catalog() -> None:
    for mode in ("open", "api-key"):
        open_gate = Gate(AuthSettings.from_environment({"OPENTALKING_AUTH_MODE": mode}), None)
        assert open_gate.authorize_token("Bearer whatever") == ANONYMOUS
        assert open_gate.caller_from_authorizer({"userId": "mallory"}) == ANONYMOUS


def test_the_authorizer_context_round_trips_and_an_empty_one_is_refused() -> None:
    the_gate = gate()
    caller = the_gate.authorize_token("Bearer good-root:admins")
    assert the_gate.caller_from_authorizer(the_gate.authorizer_context(caller)) == caller
    for context in (None, {}, {"userId": ""}, {"userId": 7}):
        with pytest.raises(AuthenticationError):
            the_gate.caller_from_authorizer(context)
    assert the_gate.caller_from_authorizer({"userId": ""}, anonymous_allowed=True) == ANONYMOUS


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer  abc ") == "abc"
    assert bearer_token(None) is None
    with pytest.raises(AuthenticationError, match="Bearer <token>"):
        bearer_token("Token abc")


def test_users_mode_needs_an_issuer_and_an_audience() -> None:
    with pytest.raises(SettingsError, match="OPENTALKING_AUTH_ISSUER"):
        CloneVoiceFunctionSettings.from_environment({"OPENTALKING_AUTH_MODE": "users"})
    with pytest.raises(SettingsError, match="OPENTALKING_AUTH_MODE"):
        CloneVoiceFunctionSettings.from_environment({"OPENTALKING_AUTH_MODE": "everyone"})


def test_jwks_location_defaults_to_the_issuers_well_known_path() -> None:
    assert AuthSettings.from_environment({**USERS, "OPENTALKING_AUTH_ISSUER": "https://x/pool/"}).jwks_location() == (
        "https://x/pool/.well-known/jwks.json"
    )
    explicit = AuthSettings.from_environment({**USERS, "OPENTALKING_AUTH_JWKS_URL": "https://x/keys"})
    assert explicit.jwks_location() == "https://x/keys"


def test_consent_is_required_by_default_only_when_users_sign_in() -> None:
    auto = ConsentSettings.from_environment({})
    assert auto.required(AuthSettings.from_environment(USERS))
    assert not auto.required(AuthSettings.from_environment({}))
    forced = ConsentSettings.from_environment({"OPENTALKING_CLONE_CONSENT": "required"})
    assert forced.required(AuthSettings.from_environment({}))


def test_consent_record_rules() -> None:
    record = consent_record(" Alice ", "TRUE", required=True, recorded_by="alice", now=NOW)
    assert record is not None
    assert (record.speaker, record.affirmation, record.recorded_by, record.recorded_at) == (
        "Alice",
        CONSENT_AFFIRMATION,
        "alice",
        NOW,
    )
    assert consent_record(None, "", required=False, recorded_by=None, now=NOW) is None
    for speaker, affirmed in ((None, None), ("Alice", None), (None, "true"), ("Alice", "false"), ("Alice", "maybe")):
        with pytest.raises(ConsentRequiredError):
            consent_record(speaker, affirmed, required=True, recorded_by="alice", now=NOW)
    with pytest.raises(InvalidRequestError):
        consent_record("A" * 201, "true", required=True, recorded_by="alice", now=NOW)
    with pytest.raises(InvalidRequestError):
        consent_record("Alice\x00", "true", required=True, recorded_by="alice", now=NOW)
