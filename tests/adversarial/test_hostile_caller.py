"""What a hostile caller of the public API found (issue 11), each closed for every field and path where the same
class of input can arrive. Every refusal is asserted whole: the status, the detail, that no provider was called
(neither the adapter nor its wire fake) and that nothing was written (catalog and bucket unchanged)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.clone_voice.app import cloning_service
from functions.clone_voice.app import lambda_handler as clone_handler
from functions.delete_voice.app import lambda_handler as delete_handler
from functions.list_voices.app import lambda_handler as list_handler
from functions.preflight.app import lambda_handler as preflight_handler
from functions.preview.app import lambda_handler as preview_handler
from scripts import REPO_ROOT
from testsupport.apigw import FakeLambdaContext, header, json_body
from testsupport.fakes.clone_support import make_sample, s3_client
from testsupport.hostile_world import (
    PREVIEW_PROVIDERS,
    QWEN_TARGET,
    HostileWorld,
    ProviderFakes,
    Snapshot,
    api_event,
    build_world,
    json_bytes,
    multipart,
    preview_event,
    serialize_conditional_writes,
)
from testsupport.wiring import FunctionWiring
from voice_service.errors import InvalidRequestError
from voice_service.http.request_guard import (
    BODY_READ_TIMEOUT_SECONDS,
    CLONE_FORM_ALLOWANCE_BYTES,
    DEFAULT_BODY_MAX_BYTES,
    PREVIEW_BODY_MAX_BYTES,
)
from voice_service.models import NewEntry, NewVoice
from voice_service.services.catalog import ENTRY_ID_PATTERN, MAX_ENTRY_ID
from voice_service.services.cloning import CloneForm
from voice_service.services.uploads import MAX_SAMPLE_BYTES
from voice_service.text import (
    MAX_DISPLAY_LABEL_CHARS,
    MAX_MODEL_CHARS,
    MAX_PROVIDER_NAME_CHARS,
    MAX_PROVIDER_VOICE_ID_CHARS,
    MAX_VOICE_CHARS,
)

LONE_SURROGATE = "\ud800"
NOT_UNICODE = "is not valid Unicode text (it holds a lone surrogate); send UTF-8 text."
COSYVOICE_TARGET = "cosyvoice-v2"
NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.fixture
def world(
    fakes: ProviderFakes, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> Iterator[HostileWorld]:
    serialize_conditional_writes(monkeypatch)
    yield from build_world(fakes, s3_endpoint, monkeypatch, wiring)


def assert_refused(world: HostileWorld, before: Snapshot, response: Any, status: int, detail: str) -> None:
    """The request got `status` with exactly `detail`, as JSON, and changed and called nothing."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": detail}
    assert world.snapshot() == before


def assert_event_refused(world: HostileWorld, before: Snapshot, response: dict[str, Any], status: int, detail: str):  # type: ignore[no-untyped-def]
    assert response["statusCode"] == status, response["body"]
    assert header(response, "content-type") == "application/json"
    assert json_body(response) == {"detail": detail}
    assert world.snapshot() == before


def clone_fields(**overrides: str) -> dict[str, str]:
    fields = {"provider": "dashscope", "target_model": QWEN_TARGET, "display_label": "Alice"}
    fields.update(overrides)
    return fields


def post_clone(world: HostileWorld, fields: dict[str, str], *, charset: str | None = None, audio: bool = True) -> Any:
    files = {"audio": ("sample.ogg", make_sample("ogg-opus"), "audio/ogg")} if audio else None
    body, content_type = multipart(fields, files, charset=charset)
    return world.client.post("/voices/clone", content=body, headers={"content-type": content_type})


# Finding 1: unencodable text is a 400 before any provider call, for every text field of every endpoint.

PREVIEW_TEXT_FIELDS = ("text", "voice", "provider", "model", "tts_provider", "tts_model")


@pytest.mark.parametrize("field", PREVIEW_TEXT_FIELDS)
def test_a_lone_surrogate_in_any_preview_field_is_400_for_every_provider(world: HostileWorld, field: str) -> None:
    for provider in PREVIEW_PROVIDERS:
        before = world.snapshot()
        payload = {"text": "Hello there.", "provider": provider, field: f"x{LONE_SURROGATE}y"}
        response = world.client.post(
            "/tts/preview", content=json_bytes(payload), headers={"content-type": "application/json"}
        )
        assert_refused(world, before, response, 400, f"The field {field!r} {NOT_UNICODE}")


CLONE_TEXT_FIELDS = ("provider", "target_model", "display_label", "prefix", "preferred_name", "upload_id")


@pytest.mark.parametrize("provider", ["dashscope", "cosyvoice"])
@pytest.mark.parametrize("field", CLONE_TEXT_FIELDS)
def test_a_lone_surrogate_in_any_clone_field_is_refused_by_the_clone_itself(
    world: HostileWorld, provider: str, field: str
) -> None:
    # A UTF-8 form cannot carry a surrogate (Starlette decodes it leniently) and other charsets are refused at the
    # door (below); the clone still refuses one in every field, whatever front end builds its form.
    before = world.snapshot()
    target = QWEN_TARGET if provider == "dashscope" else COSYVOICE_TARGET
    fields = clone_fields(provider=provider, target_model=target)
    fields[field] = f"a{LONE_SURROGATE}"
    with pytest.raises(InvalidRequestError) as refused:
        world.wiring.collaborator(cloning_service).clone(CloneForm(**fields), make_sample("ogg-opus"), None)
    assert refused.value.message == f"The field {field!r} {NOT_UNICODE}"
    assert world.snapshot() == before


@pytest.mark.parametrize("charset", ["utf-7", "unicode_escape", "raw_unicode_escape", "utf-16", "latin-1", "nope"])
def test_a_form_in_any_charset_but_utf8_is_400_and_creates_no_voice(world: HostileWorld, charset: str) -> None:
    # The attack: a UTF-7 display_label decoded by the form parser into a lone surrogate; the provider created the
    # voice, then the catalog write failed with a 500, leaving a voice the catalog does not know.
    before = world.snapshot()
    response = post_clone(world, clone_fields(display_label=f"Alice{LONE_SURROGATE}"), charset=charset)
    assert_refused(
        world, before, response, 400, "Multipart form fields must be UTF-8: drop the charset parameter or use utf-8."
    )


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "Utf-8"])
def test_a_form_that_names_utf8_is_served(world: HostileWorld, charset: str) -> None:
    response = post_clone(world, clone_fields(display_label="Zoë"), charset=charset)
    assert response.status_code == 200, response.text
    assert response.json()["display_label"] == "Zoë"


def test_invalid_utf8_in_the_list_filter_is_a_400(world: HostileWorld) -> None:
    # Percent-decoding replaces invalid UTF-8 (here an encoded lone surrogate), so it is an unknown name.
    before = world.snapshot()
    response = world.client.get("/voices?provider=%ED%A0%80")
    assert_refused(
        world, before, response, 400, "Unknown provider filter '\ufffd\ufffd\ufffd': use one of cosyvoice, dashscope."
    )


@pytest.mark.parametrize("field", ["text", "voice", "model"])
def test_a_lone_surrogate_through_lambda_is_400(world: HostileWorld, field: str) -> None:
    before = world.snapshot()
    payload = {"text": "Hello.", "provider": "espeak", field: LONE_SURROGATE + "z"}
    response = preview_handler(preview_event(json_bytes(payload)), FakeLambdaContext())
    assert_event_refused(world, before, response, 400, f"The field {field!r} {NOT_UNICODE}")


# Finding 2: a single-use upload is claimed by exactly one request, atomically in the bucket.


def new_upload(world: HostileWorld, content: bytes) -> str:
    ticket = world.client.post("/voices/uploads").json()
    # What the browser's POST leaves behind (moto does not enforce presigned POST policies; see test_upload_flow).
    s3_client(world.s3_endpoint).put_object(Bucket=world.bucket, Key=ticket["fields"]["key"], Body=content)
    return str(ticket["upload_id"])


@pytest.mark.parametrize("attempt", range(3))
def test_eight_concurrent_clones_of_one_upload_make_exactly_one_voice(world: HostileWorld, attempt: int) -> None:
    upload_id = new_upload(world, make_sample("ogg-opus"))
    created_before = len(world.fakes.enrollment.created_voices)
    barrier = threading.Barrier(8)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def clone() -> None:
        body, content_type = multipart(clone_fields(display_label=f"Race {attempt}", upload_id=upload_id))
        barrier.wait()
        response = world.client.post("/voices/clone", content=body, headers={"content-type": content_type})
        with lock:
            outcomes.append((response.status_code, response.text))

    threads = [threading.Thread(target=clone) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200] + [404] * 7, outcomes
    losers = [json.loads(text) for status, text in outcomes if status == 404]
    assert all(
        loser == {"detail": "No upload has that upload_id: it was never completed, already used, or expired."}
        for loser in losers
    )
    # One provider voice, one catalog entry, and the upload gone (its claim marker stays for the lifecycle rule)
    assert len(world.fakes.enrollment.created_voices) == created_before + 1
    assert [entry.display_label for entry in world.catalog().list_entries()] == [f"Race {attempt}"]
    assert world.snapshot().bucket == (f"uploads/{upload_id}.claim",)


def test_a_claimed_upload_uploaded_again_with_the_same_form_is_still_404(world: HostileWorld) -> None:
    upload_id = new_upload(world, make_sample("ogg-opus"))
    assert post_clone(world, clone_fields(upload_id=upload_id), audio=False).status_code == 200
    # The presigned POST stays valid for minutes: the same form may put a new object under the same key
    s3_client(world.s3_endpoint).put_object(
        Bucket=world.bucket, Key=f"uploads/{upload_id}", Body=make_sample("ogg-opus")
    )
    before = world.snapshot()
    response = post_clone(world, clone_fields(upload_id=upload_id), audio=False)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No upload has that upload_id")
    assert world.snapshot().catalog == before.catalog and world.snapshot().wire_calls == before.wire_calls


# Finding 3: bounded text fields; a label needs a visible character; the listing stays bounded.

LABEL_TOO_LONG = f"The field 'display_label' is 101 characters long; use at most {MAX_DISPLAY_LABEL_CHARS} characters."
NO_VISIBLE = "The field 'display_label' has no visible character; use letters, digits or symbols people can read."


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"display_label": "L" * 101}, LABEL_TOO_LONG),
        (
            {"display_label": "L" * 1_000_000},
            "The field 'display_label' is 1000000 characters long; use at most 100 characters.",
        ),
        (
            {"target_model": "m" * (MAX_MODEL_CHARS + 1)},
            f"The field 'target_model' is 101 characters long; use at most {MAX_MODEL_CHARS} characters.",
        ),
        (
            {"target_model": "qwen3 tts"},
            "The field 'target_model' must be a model name without spaces or invisible characters.",
        ),
        (
            {"target_model": "qwen3\u200btts"},
            "The field 'target_model' must be a model name without spaces or invisible characters.",
        ),
        (
            {"prefix": "p" * 65, "provider": "cosyvoice", "target_model": COSYVOICE_TARGET},
            "The field 'prefix' is 65 characters long; use at most 64 characters.",
        ),
        ({"preferred_name": "n" * 17}, "The DashScope preferred_name must be 1 to 16 letters, digits or underscores."),
        ({"display_label": "\u200b\u200e\u202e\u2066"}, NO_VISIBLE),
        ({"display_label": "\u3164\u3164"}, NO_VISIBLE),
        ({"display_label": "\u0301\u0301"}, NO_VISIBLE),
        (
            {"display_label": "Al\x00ice"},
            "The field 'display_label' must not contain control characters such as line breaks.",
        ),
        (
            {"display_label": "Al\nice"},
            "The field 'display_label' must not contain control characters such as line breaks.",
        ),
        (
            {"display_label": "\x1b[31mred"},
            "The field 'display_label' must not contain control characters such as line breaks.",
        ),
    ],
)
def test_oversized_or_invisible_clone_fields_are_refused(
    world: HostileWorld, overrides: dict[str, str], detail: str
) -> None:
    before = world.snapshot()
    response = post_clone(world, clone_fields(**overrides))
    assert_refused(world, before, response, 400, detail)


def test_the_longest_label_and_model_are_accepted(world: HostileWorld) -> None:
    label = "é" * MAX_DISPLAY_LABEL_CHARS
    model = "qwen3-tts-vc-realtime-" + "9" * (MAX_MODEL_CHARS - 22)
    response = post_clone(world, clone_fields(display_label=label, target_model=model))
    assert response.status_code == 200, response.text
    assert (response.json()["display_label"], response.json()["target_model"]) == (label, model)


def test_a_label_with_bidi_controls_around_visible_text_is_kept(world: HostileWorld) -> None:
    # Right-to-left names legitimately carry bidi marks; only labels with nothing visible are refused.
    response = post_clone(world, clone_fields(display_label="\u2067שלום\u2069"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        (
            "voice",
            "v" * (MAX_VOICE_CHARS + 1),
            f"The field 'voice' is 201 characters long; use at most {MAX_VOICE_CHARS} characters.",
        ),
        (
            "model",
            "m" * (MAX_MODEL_CHARS + 1),
            f"The field 'model' is 101 characters long; use at most {MAX_MODEL_CHARS} characters.",
        ),
        (
            "tts_model",
            "m" * (MAX_MODEL_CHARS + 1),
            f"The field 'tts_model' is 101 characters long; use at most {MAX_MODEL_CHARS} characters.",
        ),
        ("provider", "p" * 33, "The field 'provider' is 33 characters long; use at most 32 characters."),
        (
            "voice",
            "en-us\r\nX-Injected: 1",
            "The field 'voice' must not contain control characters such as line breaks.",
        ),
        ("model", "eleven flash", "The field 'model' must be a model name without spaces or invisible characters."),
    ],
)
def test_oversized_or_multiline_preview_fields_are_refused(
    world: HostileWorld, field: str, value: str, detail: str
) -> None:
    for provider in PREVIEW_PROVIDERS:
        before = world.snapshot()
        payload = {"text": "Hello.", "provider": provider, field: value}
        response = world.client.post("/tts/preview", json=payload)
        assert_refused(world, before, response, 400, detail)


def test_the_listing_at_quota_with_maximal_entries_stays_far_below_the_lambda_response_limit(
    world: HostileWorld,
) -> None:
    # GIVEN each provider's quota of 1,000 voices, every label and model at its limit in the widest characters
    # JSON can carry (4-byte UTF-8, or a quote that escapes to two bytes), plus the de-duplication suffix
    wide_label = ("😀" * (MAX_DISPLAY_LABEL_CHARS // 2)) + ('"' * (MAX_DISPLAY_LABEL_CHARS // 2))
    suffixed = [f"{wide_label}-20261129-000000-{number:03d}" for number in range(1000)]
    rows = [
        (provider, f"{provider}-{number:04d}-" + "v" * (MAX_PROVIDER_VOICE_ID_CHARS - 15), label, "m" * MAX_MODEL_CHARS)
        for provider in ("dashscope", "cosyvoice")
        for number, label in enumerate(suffixed)
    ]
    # One transaction instead of 2,000 (each catalog write syncs the file); the schema is the catalog's own.
    path = world.catalog().path
    world.catalog().list_intents()  # creates the file with its schema
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO voices (provider, voice_id, display_label, target_model, created_at)"
            " VALUES (?, ?, ?, ?, '2026-11-29T00:00:00.000000Z')",
            rows,
        )
    connection.close()
    # WHEN the whole catalog is listed through the Lambda handler
    response = list_handler(api_event("GET", "/voices"), FakeLambdaContext())
    # THEN it is complete and under 4.5 MB, so even base64-encoded it fits Lambda's 6 MB response
    assert response["statusCode"] == 200
    assert len(json_body(response)["items"]) == 2000
    assert len(response["body"].encode("utf-8")) < 2_000_000  # README: "under 2 MB"


# Finding 4: only canonical decimal ids name an entry.

NOT_CANONICAL = (
    "entry_id must be a positive decimal number as GET /voices lists it, without sign, spaces, separators "
    "or leading zeros."
)


@pytest.fixture
def hundred_entries(world: HostileWorld) -> list[int]:
    catalog = world.catalog()
    return [
        catalog.add_entry(NewEntry(NewVoice("dashscope", f"v{n}", f"Voice {n}", QWEN_TARGET), NOW)).id
        for n in range(100)
    ]


LAX_IDS = ["8_3", "+85", "%2084%20", "%20", "084", "-1", "0", "1e1", "0x10", "%D9%A8%D9%A3", "83.0", "9" * 20]


def test_lax_ids_are_400_and_delete_nothing(world: HostileWorld, hundred_entries: list[int]) -> None:
    for raw in LAX_IDS:
        before = world.snapshot()
        response = world.client.delete(f"/voices/{raw}")
        assert_refused(world, before, response, 400, NOT_CANONICAL)


def test_lax_ids_through_lambda_are_400_and_delete_nothing(world: HostileWorld, hundred_entries: list[int]) -> None:
    # API Gateway hands the function the decoded path and the path parameter
    for raw in ["8_3", "+85", " 84 ", "٨٣", "083"]:
        before = world.snapshot()
        event = api_event("DELETE", f"/voices/{raw}", resource="/voices/{entry_id}", path_parameters={"entry_id": raw})
        assert_event_refused(world, before, delete_handler(event, FakeLambdaContext()), 400, NOT_CANONICAL)


def test_a_canonical_id_deletes_exactly_that_entry(world: HostileWorld, hundred_entries: list[int]) -> None:
    # Catalog-only: the entries' voices exist at no provider (the provider-first path is tested with the fakes)
    response = world.client.delete("/voices/83", params={"catalog_only": "true"})
    assert response.status_code == 200 and response.json() == {"deleted": True, "provider_voice": "kept"}
    remaining = [entry.id for entry in world.catalog().list_entries()]
    assert remaining == [entry_id for entry_id in hundred_entries if entry_id != 83]


# Finding 5: every error the service produces is JSON {"detail": "<English sentence>"}.


@pytest.mark.parametrize(
    ("origin", "method", "refused"),
    [
        ("https://evil.example", "POST", "origin"),
        ("http://localhost:5173", "PUT", "method"),
        ("https://evil.example", "PATCH", "origin, method"),
    ],
)
@pytest.mark.parametrize("path", ["/tts/preview", "/voices", "/voices/clone", "/voices/uploads", "/voices/1"])
def test_a_refused_preflight_is_a_json_detail(
    world: HostileWorld, path: str, origin: str, method: str, refused: str
) -> None:
    before = world.snapshot()
    response = world.client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method})
    assert_refused(
        world,
        before,
        response,
        400,
        f"This cross-origin request is not allowed (its {refused} is not on the API's CORS allow-list).",
    )
    if "origin" in refused:
        assert "access-control-allow-origin" not in response.headers


def test_a_refused_preflight_through_lambda_is_a_json_detail(world: HostileWorld) -> None:
    # API Gateway sends every path's OPTIONS to the preflight function
    event = api_event("OPTIONS", "/tts/preview")
    event["headers"].update({"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    response = preflight_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 400
    assert json_body(response)["detail"].startswith("This cross-origin request is not allowed")


@pytest.mark.parametrize("path", ["/voices/", "/tts/preview/", "/voices/clone/"])
def test_a_trailing_slash_is_a_404_never_a_redirect_built_from_host(world: HostileWorld, path: str) -> None:
    response = world.client.request(
        "GET" if path == "/voices/" else "POST", path, headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json() == {"detail": "No such route."}


def test_audio_sent_as_text_names_no_python_type(world: HostileWorld) -> None:
    before = world.snapshot()
    body, content_type = multipart({**clone_fields(), "audio": "not a file"})
    response = world.client.post("/voices/clone", content=body, headers={"content-type": content_type})
    assert_refused(
        world, before, response, 400, "The field 'audio' must be a file part of the multipart form, not a text field."
    )
    assert "<class" not in response.text


# Finding 6: every route caps its body at what it can use, with a 413, the same locally and on Lambda.

PREVIEW_TOO_LARGE = "The request body is larger than 65536 bytes, the most /tts/preview takes."
DIRECT_TOO_LARGE = (
    "The audio is larger than 4500000 bytes, the most a direct request carries: "
    "upload it with POST /voices/uploads and send its upload_id instead of audio."
)


def test_a_50_mb_preview_body_is_413_locally_and_on_lambda(world: HostileWorld) -> None:
    before = world.snapshot()
    huge = json_bytes({"text": "Hello.", "provider": "espeak", "padding": "x" * 50_000_000})
    response = world.client.post("/tts/preview", content=huge, headers={"content-type": "application/json"})
    assert_refused(world, before, response, 413, PREVIEW_TOO_LARGE)
    assert_event_refused(
        world, before, preview_handler(preview_event(huge[:5_000_000]), FakeLambdaContext()), 413, PREVIEW_TOO_LARGE
    )


def test_a_chunked_preview_body_without_length_is_cut_at_the_limit(world: HostileWorld) -> None:
    before = world.snapshot()

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "Hello.", "provider": "espeak", "padding": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = world.client.post("/tts/preview", content=chunks(), headers={"content-type": "application/json"})
    assert_refused(world, before, response, 413, PREVIEW_TOO_LARGE)


@pytest.mark.parametrize("size", [4_500_001, 6_000_000, MAX_SAMPLE_BYTES, MAX_SAMPLE_BYTES + 1, 20_000_000])
def test_any_direct_sample_over_the_direct_limit_is_413_pointing_at_uploads(world: HostileWorld, size: int) -> None:
    before = world.snapshot()
    sample = make_sample("wav")
    audio = sample + bytes(size - len(sample))
    body, content_type = multipart(clone_fields(), {"audio": ("big.wav", audio, "audio/wav")})
    response = world.client.post("/voices/clone", content=body, headers={"content-type": content_type})
    assert_refused(world, before, response, 413, DIRECT_TOO_LARGE)
    if size <= 6_000_000:  # what API Gateway and Lambda can deliver at all
        event = api_event("POST", "/voices/clone", body, content_type=content_type)
        assert_event_refused(world, before, clone_handler(event, FakeLambdaContext()), 413, DIRECT_TOO_LARGE)


@pytest.mark.parametrize(("method", "path"), [("GET", "/voices"), ("DELETE", "/voices/1"), ("POST", "/voices/uploads")])
def test_routes_without_a_body_cap_it_small(world: HostileWorld, method: str, path: str) -> None:
    before = world.snapshot()
    response = world.client.request(method, path, content=b"x" * 100_000)
    assert_refused(world, before, response, 413, f"The request body is larger than 16384 bytes, the most {path} takes.")


def test_a_lying_content_length_is_400(world: HostileWorld) -> None:
    before = world.snapshot()
    response = world.client.post(
        "/tts/preview", content=b'{"text": "hi"}', headers={"content-type": "application/json", "content-length": "-5"}
    )
    assert_refused(world, before, response, 400, "The Content-Length header must be a decimal number.")


def test_the_readme_states_the_limits_the_code_enforces() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    limits = readme.split("### Limits callers can rely on", 1)[1].split("\n## ", 1)[0]
    for statement in (
        f"at most {MAX_DISPLAY_LABEL_CHARS} characters",
        f"at most {MAX_MODEL_CHARS} characters",
        f"at most {MAX_VOICE_CHARS} characters",
        f"at most {MAX_PROVIDER_NAME_CHARS} characters",
        f"voice id over {MAX_PROVIDER_VOICE_ID_CHARS} characters",
        f"`POST /tts/preview` {PREVIEW_BODY_MAX_BYTES // 1024} KiB",
        f"+ {CLONE_FORM_ALLOWANCE_BYTES // 1024} KiB",
        f"every other route {DEFAULT_BODY_MAX_BYTES // 1024} KiB",
        f"within {BODY_READ_TIMEOUT_SECONDS:g} s",
        "`[1-9][0-9]*` up to 2^63−1",
    ):
        assert statement in limits, statement
    assert ENTRY_ID_PATTERN.pattern == "[1-9][0-9]{0,18}" and MAX_ENTRY_ID == 2**63 - 1
