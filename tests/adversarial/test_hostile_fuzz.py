"""Property-based fuzzing (hypothesis) of every text field of every endpoint over all of Unicode: lone surrogates,
controls, bidi overrides, invisible characters and very long strings, locally and through lambda_handler.

Properties: never a 5xx; every error is `{"detail": "<sentence>"}`; a refused request called no provider and wrote
nothing; input that breaks a documented rule (a surrogate, a field over its length) is refused before any adapter
runs. Budgets are fixed and derandomized, so `make test` explores the same examples every run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.delete_voice.app import lambda_handler as delete_handler
from functions.preview.app import lambda_handler as preview_handler
from testsupport.apigw import FakeLambdaContext, json_body
from testsupport.fakes.clone_support import make_sample
from testsupport.hostile_world import (
    PREVIEW_PROVIDERS,
    QWEN_TARGET,
    HostileWorld,
    ProviderFakes,
    api_event,
    build_world,
    json_bytes,
    multipart,
    preview_event,
)
from testsupport.wiring import FunctionWiring
from voice_service.text import (
    MAX_DISPLAY_LABEL_CHARS,
    MAX_MODEL_CHARS,
    MAX_PROVIDER_NAME_CHARS,
    MAX_VOICE_CHARS,
)

# The characters a hostile caller reaches for first, mixed into arbitrary Unicode below.
SPECIAL = [
    "\ud800",  # lone surrogates: valid JSON escapes, unencodable text
    "\udfff",
    "\x00",
    "\n",
    "\r",
    "\t",
    "\x1b",
    "\x7f",
    "\x85",
    "\u200b",  # zero-width space
    "\u200e",  # bidi marks and overrides
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u3164",  # Hangul filler: a letter that shows nothing
    "\u0301",
    "😀",
    "'",
    '"',
    "<",
    "&",
    "/",
    "\\",
    "%",
    " ",
]
ANY_CHARACTER = st.one_of(
    st.characters(),  # every code point but surrogates
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from(SPECIAL),
)
HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    # Very long strings, a few shapes of them (the body caps bound what arrives at all)
    st.builds(lambda char, size: char * size, st.sampled_from(["x", "é", "😀", " ", "\u200b"]), st.integers(0, 12_000)),
)
LIMITS = {
    "voice": MAX_VOICE_CHARS,
    "model": MAX_MODEL_CHARS,
    "tts_model": MAX_MODEL_CHARS,
    "provider": MAX_PROVIDER_NAME_CHARS,
    "tts_provider": MAX_PROVIDER_NAME_CHARS,
    "text": 240,
    "display_label": MAX_DISPLAY_LABEL_CHARS,
    "target_model": MAX_MODEL_CHARS,
    "prefix": 64,
    "preferred_name": 64,
    "upload_id": 64,
}
FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def world(
    fakes: ProviderFakes, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> Iterator[HostileWorld]:
    yield from build_world(fakes, s3_endpoint, monkeypatch, wiring)


def breaks_a_rule(fields: dict[str, str]) -> bool:
    """Input every endpoint must refuse before any adapter runs: a lone surrogate, or a field over its limit."""
    return any(
        any(0xD800 <= ord(character) <= 0xDFFF for character in value) or len(value.strip()) > LIMITS[name]
        for name, value in fields.items()
    )


def check_outcome(world: HostileWorld, before: Any, status: int, body: Any, fields: dict[str, str]) -> None:
    assert status < 500, (status, body, fields)
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"detail"}, body
        detail = body["detail"]
        assert isinstance(detail, str) and detail.endswith(".") and "<class" not in detail, detail
        after = world.snapshot()
        assert (after.wire_calls, after.catalog, after.bucket) == (before.wire_calls, before.catalog, before.bucket)
    if breaks_a_rule(fields):
        assert status in (400, 413), (status, body, fields)
        assert world.snapshot() == before


PREVIEW_FIELDS = st.fixed_dictionaries(
    {"text": st.one_of(st.just("Hello there."), HOSTILE_TEXT)},
    optional={
        "provider": st.one_of(st.sampled_from(PREVIEW_PROVIDERS), HOSTILE_TEXT),
        "voice": HOSTILE_TEXT,
        "model": HOSTILE_TEXT,
        "tts_provider": HOSTILE_TEXT,
        "tts_model": HOSTILE_TEXT,
    },
)


@settings(FUZZ_SETTINGS, max_examples=60)
@given(fields=PREVIEW_FIELDS, provider=st.sampled_from(PREVIEW_PROVIDERS))
def test_preview_fields_locally(world: HostileWorld, fields: dict[str, str], provider: str) -> None:
    fields = {"provider": provider, **fields}
    before = world.snapshot()
    response = world.client.post(
        "/tts/preview", content=json_bytes(fields), headers={"content-type": "application/json"}
    )
    body = response.json() if response.headers.get("content-type") == "application/json" else None
    check_outcome(world, before, response.status_code, body, fields)


@settings(FUZZ_SETTINGS, max_examples=30)
@given(fields=PREVIEW_FIELDS)
def test_preview_fields_through_lambda(world: HostileWorld, fields: dict[str, str]) -> None:
    fields = {"provider": "espeak", **fields}
    before = world.snapshot()
    response = preview_handler(preview_event(json_bytes(fields)), FakeLambdaContext())
    body = json_body(response) if not response["isBase64Encoded"] else None
    check_outcome(world, before, response["statusCode"], body, fields)


CLONE_FIELDS = st.fixed_dictionaries(
    {
        "provider": st.one_of(st.sampled_from(["dashscope", "cosyvoice"]), HOSTILE_TEXT),
        "target_model": st.one_of(st.just(QWEN_TARGET), HOSTILE_TEXT),
        "display_label": st.one_of(st.just("Fuzzed voice"), HOSTILE_TEXT),
    },
    optional={"prefix": HOSTILE_TEXT, "preferred_name": HOSTILE_TEXT, "prompt_text": HOSTILE_TEXT},
)


@settings(FUZZ_SETTINGS, max_examples=25)
@given(fields=CLONE_FIELDS, charset=st.sampled_from([None, None, "utf-8", "utf-7", "unicode_escape"]))
def test_clone_fields(world: HostileWorld, fields: dict[str, str], charset: str | None) -> None:
    before = world.snapshot()
    body, content_type = multipart(fields, {"audio": ("s.ogg", make_sample("ogg-opus"), "audio/ogg")}, charset=charset)
    response = world.client.post("/voices/clone", content=body, headers={"content-type": content_type})
    checked = {name: value for name, value in fields.items() if name != "prompt_text"}  # ignored by the service
    check_outcome(world, before, response.status_code, response.json(), checked)
    if response.status_code == 200:
        assert len(world.snapshot().catalog) == len(before.catalog) + 1


@settings(FUZZ_SETTINGS, max_examples=25)
@given(upload_id=HOSTILE_TEXT)
def test_clone_upload_id(world: HostileWorld, upload_id: str) -> None:
    before = world.snapshot()
    fields = {"provider": "dashscope", "target_model": QWEN_TARGET, "display_label": "Fuzzed", "upload_id": upload_id}
    body, content_type = multipart(fields)
    response = world.client.post("/voices/clone", content=body, headers={"content-type": content_type})
    check_outcome(world, before, response.status_code, response.json(), {"upload_id": upload_id})
    assert response.status_code in (400, 404, 413), response.text


PRINTABLE_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(FUZZ_SETTINGS, max_examples=40)
@given(provider=st.one_of(PRINTABLE_TEXT, st.sampled_from(["dashscope", " CosyVoice ", "%ED%A0%80", "%00"])))
def test_list_filter(world: HostileWorld, provider: str) -> None:
    before = world.snapshot()
    response = world.client.get(f"/voices?provider={quote(provider, safe='%')}")
    check_outcome(world, before, response.status_code, response.json(), {})
    assert response.status_code in (200, 400), response.text


ID_SEGMENTS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(st.sampled_from("0123456789_+- .e٨٣"), min_size=1, max_size=25),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30),
)


@settings(FUZZ_SETTINGS, max_examples=40)
@given(segment=ID_SEGMENTS)
def test_delete_ids_locally_and_through_lambda(world: HostileWorld, segment: str) -> None:
    before = world.snapshot()
    response = world.client.delete(f"/voices/{quote(segment, safe='')}")
    check_outcome(world, before, response.status_code, response.json(), {})
    # The catalog is empty, so no id can name an entry: nothing is ever deleted
    assert response.status_code in (400, 404, 405), response.text
    if "/" not in segment:
        event = api_event(
            "DELETE", f"/voices/{segment}", resource="/voices/{entry_id}", path_parameters={"entry_id": segment}
        )
        lambda_response = delete_handler(event, FakeLambdaContext())
        assert lambda_response["statusCode"] in (400, 404), lambda_response
        assert set(json.loads(lambda_response["body"])) == {"detail"}
