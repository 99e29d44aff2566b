"""The speech cache end to end: lambda_handler, the real edge-tts client against the Edge fake, S3 over HTTP (moto).

Hit, miss, bypass (header and field), 304, the key layout that lets a voice's previews be purged, the purge on
voice deletion, and S3 failures that degrade to synthesis without caching anything incomplete; and
/v1/audio/speech (the official openai client) on the same cache: the provider's audio cached, encoded afterwards.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import httpx
import openai
import pytest
import soundfile

from functions.delete_voice.app import lambda_handler as delete_handler
from functions.openai_speech.app import lambda_handler as openai_handler
from testsupport.apigw import FakeLambdaContext, load_event
from testsupport.fakes.clone_support import bucket_keys, s3_client
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.edge_fake import AUDIO_SECONDS, EdgeFake
from testsupport.fakes.openai_support import LambdaTransport
from testsupport.fakes.preview_checks import assert_error, assert_preview_wav, post_preview
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring
from voice_service.adapters.s3_speech_cache import CACHE_PREFIX, S3SpeechStore, voice_prefix
from voice_service.models import NewEntry, NewVoice
from voice_service.services.catalog import utc_now
from voice_service.services.speech_cache import SpeechKey

WEB_CLIENT_TEXT = "你好，我正在测试音色。"
DEFAULT_EDGE_VOICE = "zh-CN-XiaoxiaoNeural"


@pytest.fixture
def edge(wiring: FunctionWiring) -> Iterator[EdgeFake]:
    fake = EdgeFake()
    fake.server = LoopbackServer(fake.app).start()
    wiring.set(OPENTALKING_EDGE_TTS_URL=fake.url)
    yield fake
    fake.server.stop()


@pytest.fixture
def cache_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> str:
    """A new, empty cache bucket that the preview and delete functions use (S3 over loopback HTTP)."""
    bucket = f"speech-cache-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)  # boto3 reads it itself
    wiring.set(OPENTALKING_SPEECH_CACHE_BUCKET=bucket)
    return bucket


@pytest.fixture
def openai_client() -> Iterator[openai.OpenAI]:
    """The official client, sending each request through the OpenAI function's lambda_handler."""
    with httpx.Client(transport=LambdaTransport(openai_handler)) as http_client:
        yield openai.OpenAI(api_key="sk-test", base_url="https://api.test/v1", http_client=http_client, max_retries=0)


def _unreachable_cache(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> None:
    """A cache bucket behind an endpoint that refuses connections (S3 down)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{closed_port()}")
    wiring.set(OPENTALKING_SPEECH_CACHE_BUCKET="speech-cache-unreachable")


def test_a_repeated_preview_is_served_from_the_cache(edge: EdgeFake, cache_bucket: str, s3_endpoint: str) -> None:
    # GIVEN the web client's preview request, never made before
    body = {"text": WEB_CLIENT_TEXT, "tts_provider": "edge"}
    # WHEN it is made twice
    first = post_preview(body)
    second = post_preview(body)
    # THEN the provider was called once; both answers carry the same WAV, headers and strong ETag
    assert len(edge.calls) == 1
    assert_preview_wav(first, 16000, AUDIO_SECONDS)
    assert_preview_wav(second, 16000, AUDIO_SECONDS)
    assert (first.headers["x-speech-cache"], second.headers["x-speech-cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert {k: v for k, v in second.headers.items() if k != "x-speech-cache"} == {
        k: v for k, v in first.headers.items() if k != "x-speech-cache"
    }
    # AND the one stored object sits under the default voice's prefix
    (stored,) = bucket_keys(s3_endpoint, cache_bucket)
    assert stored.startswith(voice_prefix("edge", DEFAULT_EDGE_VOICE))


def test_equal_requests_written_differently_hit_the_same_entry(edge: EdgeFake, cache_bucket: str) -> None:
    post_preview({"text": WEB_CLIENT_TEXT, "tts_provider": "edge"})
    # The default voice given explicitly, the spec's field name, other whitespace
    again = post_preview({"text": f"  {WEB_CLIENT_TEXT}\n", "provider": "EDGE", "voice": DEFAULT_EDGE_VOICE})
    assert again.headers["x-speech-cache"] == "hit"
    assert len(edge.calls) == 1


def test_if_none_match_with_the_current_etag_is_304_without_a_body(edge: EdgeFake, cache_bucket: str) -> None:
    # GIVEN a preview the browser already holds
    body = {"text": "hello", "provider": "edge"}
    etag = post_preview(body).headers["etag"]
    # WHEN it asks again with that ETag
    response = post_preview(body, headers={"If-None-Match": etag})
    # THEN 304, no body, the same validators
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "private, no-cache"
    # AND another ETag gets the audio
    assert post_preview(body, headers={"If-None-Match": '"stale"'}).status_code == 200


@pytest.mark.parametrize(
    ("extra_body", "headers"),
    [({}, {"Cache-Control": "no-cache"}), ({"no_cache": True}, {}), ({}, {"Pragma": "no-cache"})],
    ids=["cache-control-header", "json-field", "pragma-header"],
)
def test_a_bypass_synthesizes_afresh_and_replaces_the_stored_copy(
    edge: EdgeFake, cache_bucket: str, s3_endpoint: str, extra_body: dict[str, object], headers: dict[str, str]
) -> None:
    # GIVEN a cached preview
    body = {"text": "hello", "provider": "edge"}
    post_preview(body)
    before = bucket_keys(s3_endpoint, cache_bucket)
    # WHEN the caller bypasses the cache
    fresh = post_preview({**body, **extra_body}, headers=headers)
    # THEN the provider was asked again, the answer says so, and the same entry was rewritten
    assert fresh.headers["x-speech-cache"] == "bypass"
    assert len(edge.calls) == 2
    assert bucket_keys(s3_endpoint, cache_bucket) == before
    assert post_preview(body).headers["x-speech-cache"] == "hit"


def test_the_bypass_field_must_be_a_boolean(cache_bucket: str) -> None:
    response = post_preview({"text": "hello", "provider": "edge", "no_cache": "yes"})
    assert response.status_code == 400
    assert "no_cache" in response.json()["detail"]


def test_truncated_audio_is_a_502_and_never_cached(edge: EdgeFake, cache_bucket: str, s3_endpoint: str) -> None:
    # GIVEN an upstream that drops the connection after its first audio frame
    edge.mode = "close_mid_audio"
    # WHEN / THEN the preview fails and nothing was stored
    assert_error(
        post_preview({"text": "hello", "provider": "edge"}),
        502,
        "The edge provider failed: the connection closed before the audio was complete.",
    )
    assert bucket_keys(s3_endpoint, cache_bucket) == []
    # AND the next, complete answer is stored
    edge.mode = "ok"
    assert post_preview({"text": "hello", "provider": "edge"}).headers["x-speech-cache"] == "miss"
    assert len(bucket_keys(s3_endpoint, cache_bucket)) == 1


def test_an_unreachable_cache_degrades_to_synthesis(
    edge: EdgeFake, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    # GIVEN a cache bucket behind an endpoint that refuses connections (S3 down)
    _unreachable_cache(monkeypatch, wiring)
    # WHEN previews are made, THEN each is synthesized and returned
    for _ in range(2):
        response = post_preview({"text": "hello", "provider": "edge"})
        assert_preview_wav(response, 16000, AUDIO_SECONDS)
        assert response.headers["x-speech-cache"] == "miss"
    assert len(edge.calls) == 2


def test_a_denied_or_missing_bucket_degrades_to_synthesis(
    edge: EdgeFake, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> None:
    # GIVEN a cache bucket that does not exist (S3 answers an error, not a miss)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    wiring.set(OPENTALKING_SPEECH_CACHE_BUCKET=f"missing-{uuid.uuid4().hex[:8]}")
    # WHEN / THEN the preview still answers
    assert_preview_wav(post_preview({"text": "hello", "provider": "edge"}), 16000, AUDIO_SECONDS)


def test_deleting_a_cloned_voice_purges_its_cached_previews(
    cache_bucket: str, s3_endpoint: str, wiring: FunctionWiring, fake: FakeDashScopeEnrollment
) -> None:
    # GIVEN a cloned voice (catalog entry 1) with previews cached under two models and texts, and another voice's
    voice = "cosyvoice-v2-mine-0123456789"
    wiring.catalog().add_entry(NewEntry(NewVoice("cosyvoice", voice, "Mine", "cosyvoice-v2"), utc_now()))
    store = S3SpeechStore(cache_bucket)
    for model, text in (("cosyvoice-v2", "hello"), ("cosyvoice-v3", "你好")):
        store.put_audio(SpeechKey("cosyvoice", voice, model, text, 16000, "wav-pcm16"), b"RIFF")
    store.put_audio(SpeechKey("cosyvoice", "someone-else", "cosyvoice-v2", "hello", 16000, "wav-pcm16"), b"RIFF")
    assert len(bucket_keys(s3_endpoint, cache_bucket)) == 3
    # WHEN the voice is deleted through its function (DashScope, the loopback fake, no longer has it)
    response = delete_handler(load_event("delete_voice_first"), FakeLambdaContext())
    # THEN it is gone from the catalog, and so are its previews; the other voice's stays
    assert response["statusCode"] == 200, response["body"]
    assert json.loads(response["body"]) == {"deleted": True, "provider_voice": "already_gone"}
    assert wiring.catalog().list_entries() == []
    remaining = bucket_keys(s3_endpoint, cache_bucket)
    assert len(remaining) == 1 and remaining[0].startswith(voice_prefix("cosyvoice", "someone-else"))


def test_a_purge_that_fails_keeps_the_voice(
    monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, fake: FakeDashScopeEnrollment
) -> None:
    # GIVEN a cloned voice and a cache that cannot be reached
    wiring.catalog().add_entry(
        NewEntry(NewVoice("dashscope", "qwen-tts-vc-1", "Mine", "qwen3-tts-vc-realtime"), utc_now())
    )
    _unreachable_cache(monkeypatch, wiring)
    # WHEN it is deleted, THEN the caller learns it failed, and the entry stays for a retry
    response = delete_handler(load_event("delete_voice_first"), FakeLambdaContext())
    assert response["statusCode"] == 500
    assert "cached previews could not be removed" in response["body"]
    assert len(wiring.catalog().list_entries()) == 1


def test_purge_pages_through_listings_and_batches(
    cache_bucket: str, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN listing pages of 2 keys and delete batches of 1 (S3 allows 1,000 each), and 5 entries of one voice
    from voice_service.adapters import s3_speech_cache

    monkeypatch.setattr(s3_speech_cache, "LIST_PAGE_KEYS", 2)
    monkeypatch.setattr(s3_speech_cache, "DELETE_BATCH", 1)
    client = s3_client(s3_endpoint)
    prefix, other = voice_prefix("edge", "en-US-AriaNeural"), voice_prefix("edge", "other")
    for index in range(5):
        client.put_object(Bucket=cache_bucket, Key=f"{prefix}{index:064x}", Body=b"x")
    client.put_object(Bucket=cache_bucket, Key=f"{other}keep", Body=b"x")
    # WHEN / THEN all five go, and nothing else
    assert S3SpeechStore(cache_bucket).purge_voice("edge", "en-US-AriaNeural") == 5
    assert bucket_keys(s3_endpoint, cache_bucket) == [f"{other}keep"]


def test_keys_stay_under_the_cache_prefix_whatever_the_voice() -> None:
    for voice in ("../../etc/passwd", "a/b", "x" * 200, "语音"):
        prefix = voice_prefix("dashscope", voice)
        assert prefix.startswith(CACHE_PREFIX) and prefix.count("/") == 3 and len(prefix) < 64


def test_openai_speech_caches_the_providers_audio_and_encodes_each_format_from_it(
    edge: EdgeFake, cache_bucket: str, s3_endpoint: str, openai_client: openai.OpenAI
) -> None:
    # GIVEN a speech request in OpenAI's default format
    voice = "edge:en-US-AriaNeural"
    first = openai_client.audio.speech.with_raw_response.create(model="tts-1", voice=voice, input="Hello there.")
    # WHEN the same speech is asked for again, and then as FLAC
    again = openai_client.audio.speech.with_raw_response.create(model="tts-1", voice=voice, input="Hello there.")
    flac = openai_client.audio.speech.with_raw_response.create(
        model="edge", voice=voice, input=" Hello  there. ", response_format="flac"
    )
    # THEN Edge spoke once; the other answers came from the cache, each in its own format
    assert len(edge.calls) == 1
    outcomes = [response.headers["x-speech-cache"] for response in (first, again, flac)]
    assert outcomes == ["miss", "hit", "hit"]
    assert (first.headers["content-type"], flac.headers["content-type"]) == ("audio/mpeg", "audio/flac")
    assert again.content == first.content
    with soundfile.SoundFile(io.BytesIO(flac.content)) as clip:
        assert (clip.samplerate, clip.channels) == (24_000, 1)
        assert abs(clip.frames / 24_000 - AUDIO_SECONDS) < 0.1
    # AND the one stored object is the provider's audio under the voice's prefix, so deleting the voice purges it
    (stored,) = bucket_keys(s3_endpoint, cache_bucket)
    assert stored.startswith(voice_prefix("edge", "en-US-AriaNeural"))


def test_a_24k_preview_and_the_same_openai_speech_share_one_entry(
    edge: EdgeFake, cache_bucket: str, wiring: FunctionWiring, openai_client: openai.OpenAI
) -> None:
    # GIVEN previews at OpenAI's rate, and one made
    wiring.set(OPENTALKING_TTS_SAMPLE_RATE="24000")
    post_preview({"text": "Shared speech.", "provider": "edge", "voice": "en-US-AriaNeural"})
    # WHEN /v1/audio/speech asks for the same speech as WAV
    speech = openai_client.audio.speech.with_raw_response.create(
        model="edge", voice="edge:en-US-AriaNeural", input="Shared speech.", response_format="wav"
    )
    # THEN it is the preview's entry, and the provider was not called again
    assert speech.headers["x-speech-cache"] == "hit"
    assert len(edge.calls) == 1


def test_openai_speech_with_no_cache_synthesizes_afresh_and_another_speed_is_another_entry(
    edge: EdgeFake, cache_bucket: str, s3_endpoint: str, openai_client: openai.OpenAI
) -> None:
    fields = {"model": "edge", "voice": "edge:en-US-AriaNeural", "input": "Again."}
    openai_client.audio.speech.create(**fields)  # type: ignore[arg-type]
    bypass = openai_client.audio.speech.with_raw_response.create(
        **fields,  # type: ignore[arg-type]
        extra_headers={"Cache-Control": "no-cache"},
    )
    faster = openai_client.audio.speech.with_raw_response.create(**fields, speed=1.5)  # type: ignore[arg-type]
    assert (bypass.headers["x-speech-cache"], faster.headers["x-speech-cache"]) == ("bypass", "miss")
    assert len(edge.calls) == 3
    assert len(bucket_keys(s3_endpoint, cache_bucket)) == 2
