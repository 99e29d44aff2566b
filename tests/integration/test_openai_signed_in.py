"""The `openai` SDK in the signed-in mode: each user lists and speaks only their own clones.

Two users, two tokens from a loopback issuer, sent the way OpenAI clients send a key (`Authorization: Bearer`).
Through `make run`'s app the token is verified in-process; through `lambda_handler` the API's authorizer runs first
and hands its verdict on in `requestContext.authorizer`, as API Gateway does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import openai
import pytest

from functions.authorizer.app import UNAUTHORIZED
from functions.authorizer.app import lambda_handler as authorizer_handler
from functions.local_api import create_local_app
from functions.openai_speech.app import lambda_handler as speech_handler
from scripts.local_issuer import SigningKey
from tests.template.stack import load_template
from testsupport.apigw import FakeLambdaContext, load_event
from testsupport.fakes.openai_support import LambdaTransport, ProviderFakes, all_provider_fakes, serve_local_app
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, running_issuer, users_mode_settings
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice, Owner, VoiceEntry

HOST = "https://abc123.execute-api.eu-west-1.amazonaws.com"
ClientFor = Callable[[str | None], openai.OpenAI]


@pytest.fixture
def issuer(wiring: FunctionWiring) -> Iterator[SigningKey]:
    with running_issuer() as (key, server):
        wiring.set(**users_mode_settings(server))
        yield key


@pytest.fixture
def fakes(wiring: FunctionWiring, issuer: SigningKey) -> Iterator[ProviderFakes]:
    with all_provider_fakes(wiring) as running:
        yield running


def token(key: SigningKey, user: str) -> str:
    return key.token(user, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


def through_the_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway's order: the authorizer's verdict on the request, then the function with it in the context."""
    request = load_event("authorizer_list_voices")
    request["resource"] = request["path"] = event["resource"]
    request["httpMethod"] = event["httpMethod"]
    request["headers"] = event["headers"]
    request["multiValueHeaders"] = event["multiValueHeaders"]
    try:
        verdict = authorizer_handler(request, FakeLambdaContext())
    except Exception as refused:
        assert str(refused) == UNAUTHORIZED
        return gateway_unauthorized()
    event["requestContext"]["authorizer"] = {**verdict["context"], "principalId": verdict["principalId"]}
    return speech_handler(event, context)


def gateway_unauthorized() -> dict[str, Any]:
    """What API Gateway answers when the authorizer refuses: the template's UNAUTHORIZED gateway response."""
    response = load_template()["Resources"]["VoiceApi"]["Properties"]["GatewayResponses"]["UNAUTHORIZED"]
    # Static header values are quoted strings ('...'); the CORS origin (a !Sub of the studio's domain) is left out.
    headers = {
        name: value.strip("'")
        for name, value in response["ResponseParameters"]["Headers"].items()
        if isinstance(value, str)
    }
    headers["Content-Type"] = "application/json"
    body = response["ResponseTemplates"]["application/json"]
    return {"statusCode": int(response["StatusCode"]), "headers": headers, "body": body, "isBase64Encoded": False}


@pytest.fixture(params=["lambda_handler", "make_run_app"])
def client_for(request: pytest.FixtureRequest, wiring: FunctionWiring, fakes: ProviderFakes) -> Iterator[ClientFor]:
    """An `openai.OpenAI` for a token (None: a client sending no Authorization header)."""
    clients: list[openai.OpenAI] = []

    def make(base_url: str, key: str | None, **extra: Any) -> openai.OpenAI:
        client = openai.OpenAI(api_key=key or "unused", base_url=base_url, max_retries=0, **extra)
        if key is None:
            # The SDK always sends its key; an anonymous caller sends no Authorization header at all.
            client = client.with_options(default_headers={"Authorization": ""})
        clients.append(client)
        return client

    if request.param == "lambda_handler":
        http_client = httpx.Client(transport=LambdaTransport(through_the_authorizer))
        yield lambda key: make(f"{HOST}/v1", key, http_client=http_client)
        http_client.close()
    else:
        app = create_local_app()
        wiring.attach(app)
        with serve_local_app(app) as url:
            yield lambda key: make(f"{url}/v1", key)
            for client in clients:
                client.close()


def clone_of(wiring: FunctionWiring, user: str, voice_id: str, label: str) -> VoiceEntry:
    entry: VoiceEntry = wiring.catalog().add_entry(
        NewEntry(NewVoice("cosyvoice", voice_id, label, "cosyvoice-v2"), datetime.now(UTC), owner=Owner(user_id=user))
    )
    return entry


def clone_ids(client: openai.OpenAI) -> set[str]:
    voices = client.get("/audio/voices", cast_to=httpx.Response).json()["voices"]
    return {voice["id"] for voice in voices if voice["source"] == "clone"}


def test_each_user_lists_and_speaks_only_their_own_clones(
    client_for: ClientFor, issuer: SigningKey, fakes: ProviderFakes, wiring: FunctionWiring
) -> None:
    # GIVEN a clone of Alice's and one of Bob's
    alice_voice = clone_of(wiring, "alice", "cosyvoice-v2-alice-1", "Alice")
    bob_voice = clone_of(wiring, "bob", "cosyvoice-v2-bob-1", "Bob")
    alice = client_for(token(issuer, "alice"))
    bob = client_for(token(issuer, "bob"))
    # THEN each lists only their own
    assert clone_ids(alice) == {alice_voice.voice_id}
    assert clone_ids(bob) == {bob_voice.voice_id}
    # AND each speaks with their own
    alice.audio.speech.create(model="tts-1", voice=alice_voice.voice_id, input="Hi.")
    assert fakes.cosyvoice.calls[-1].parameters["voice"] == alice_voice.voice_id
    # AND the other's clone id is a 404 voice_not_found that reaches no provider, as an unknown voice would be
    calls = len(fakes.cosyvoice.calls)
    with pytest.raises(openai.NotFoundError) as raised:
        bob.audio.speech.create(model="tts-1", voice=alice_voice.voice_id, input="Hi.")
    assert (raised.value.code, raised.value.param) == ("voice_not_found", "voice")
    assert len(fakes.cosyvoice.calls) == calls
    # AND models name only the caller's clones' models' owners (Bob's list never shows Alice's voice)
    assert alice_voice.voice_id not in {model.id for model in bob.models.list()}


def test_without_a_token_v1_is_a_401_in_openais_envelope(client_for: ClientFor, wiring: FunctionWiring) -> None:
    anonymous = client_for(None)
    with pytest.raises(openai.AuthenticationError) as raised:
        anonymous.audio.speech.create(model="tts-1", voice="alloy", input="Hi.")
    assert (raised.value.type, raised.value.code) == ("authentication_error", "invalid_api_key")
    assert raised.value.response.headers["www-authenticate"].startswith("Bearer")
    with pytest.raises(openai.AuthenticationError):
        anonymous.models.list()


def test_a_bad_token_is_a_401_even_where_anonymous_callers_are_allowed(
    client_for: ClientFor, issuer: SigningKey, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_AUTH_ANONYMOUS_PREVIEW="true")
    stranger = SigningKey.generate()
    with pytest.raises(openai.AuthenticationError) as raised:
        client_for(stranger.token("alice", issuer=TEST_ISSUER, audience=TEST_AUDIENCE)).models.list()
    assert (raised.value.type, raised.value.code) == ("authentication_error", "invalid_api_key")


def test_anonymous_callers_use_built_in_voices_only_when_anonymous_previews_are_on(
    client_for: ClientFor, wiring: FunctionWiring, fakes: ProviderFakes
) -> None:
    # GIVEN anonymous previews allowed, and a clone of Alice's
    wiring.set(OPENTALKING_AUTH_ANONYMOUS_PREVIEW="true")
    alice_voice = clone_of(wiring, "alice", "cosyvoice-v2-alice-1", "Alice")
    anonymous = client_for(None)
    # THEN an anonymous caller lists and speaks with built-in voices
    assert clone_ids(anonymous) == set()
    anonymous.audio.speech.create(model="tts-1", voice="alloy", input="Hi.")
    # AND never with a clone
    with pytest.raises(openai.NotFoundError) as raised:
        anonymous.audio.speech.create(model="tts-1", voice=alice_voice.voice_id, input="Hi.")
    assert raised.value.code == "voice_not_found"


def test_open_mode_keeps_one_shared_catalog_on_v1(wiring: FunctionWiring, fakes: ProviderFakes) -> None:
    # The open mode (no issuer): every caller lists every ready clone, as before sign-in existed.
    wiring.unset("OPENTALKING_AUTH_MODE", "OPENTALKING_AUTH_ISSUER", "OPENTALKING_AUTH_AUDIENCE")
    entry = clone_of(wiring, "alice", "cosyvoice-v2-alice-1", "Alice")
    shared = wiring.catalog().add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-shared-1", "Shared", "cosyvoice-v2"), datetime.now(UTC))
    )
    with httpx.Client(transport=LambdaTransport(speech_handler)) as http_client:
        client = openai.OpenAI(api_key="sk-test", base_url=f"{HOST}/v1", http_client=http_client, max_retries=0)
        assert {entry.voice_id, shared.voice_id} <= clone_ids(client)
