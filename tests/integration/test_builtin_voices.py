"""GET /tts/voices through lambda_handler: Edge's live list from its loopback fake (and the fallback when it fails),
eSpeak NG's installed voices, the configured defaults of the other providers, only the providers that can run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from functions.list_tts_voices.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, header, json_body, load_event
from testsupport.fakes.edge_fake import VOICE_LIST, EdgeFake
from testsupport.fakes.preview_checks import post_preview, read_wav
from testsupport.fakes.tts_loopback import LoopbackServer, closed_port
from testsupport.wiring import FunctionWiring
from voice_service.adapters.tts import edge as edge_adapter
from voice_service.providers import PREVIEW_PROVIDERS
from voice_service.services.openai_names import OPENAI_VOICE_TABLE

KEYS = {"DASHSCOPE_API_KEY": "sk-dashscope-test", "OPENTALKING_TTS_ELEVENLABS_API_KEY": "sk-eleven-test"}


@pytest.fixture
def edge(wiring: FunctionWiring) -> Iterator[EdgeFake]:
    fake = EdgeFake()
    fake.server = LoopbackServer(fake.app).start()
    wiring.set(OPENTALKING_EDGE_VOICE_LIST_URL=fake.voice_list_url, OPENTALKING_EDGE_TTS_URL=fake.url)
    edge_adapter._voice_list_cache.clear()
    try:
        yield fake
    finally:
        edge_adapter._voice_list_cache.clear()
        fake.server.stop()


def listing(event: str, lambda_context: FakeLambdaContext) -> tuple[dict[str, Any], dict[str, Any]]:
    response = lambda_handler(load_event(event), lambda_context)
    assert response["statusCode"] == 200, response
    return response, json_body(response)


def by_provider(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["provider"]: entry for entry in body["providers"]}


def test_lists_every_provider_that_can_run_with_the_preview_defaults(
    edge: EdgeFake, lambda_context: FakeLambdaContext, wiring: FunctionWiring
) -> None:
    # GIVEN a deployment with both keys, its own limit and defaults
    wiring.set(
        **KEYS,
        OPENTALKING_TTS_PREVIEW_MAX_CHARS="120",
        OPENTALKING_TTS_PROVIDER="Qwen",
        OPENTALKING_TTS_COSYVOICE_VOICE="longwan_v2",
    )

    # WHEN the browser asks for the voice lists
    response, body = listing("list_tts_voices_all", lambda_context)

    # THEN every provider is there in the documented order, with what a preview would use by default
    assert [entry["provider"] for entry in body["providers"]] == list(PREVIEW_PROVIDERS)
    assert body["max_chars"] == 120
    assert body["default_provider"] == "dashscope"
    providers = by_provider(body)
    cosyvoice_ids = [voice["id"] for voice in providers["cosyvoice"]["voices"]]
    assert cosyvoice_ids[0] == "longwan_v2"
    assert set(cosyvoice_ids) == {"longwan_v2", *OPENAI_VOICE_TABLE["cosyvoice"].values()}
    assert providers["cosyvoice"]["default_voice"] == "longwan_v2"
    assert providers["cosyvoice"]["default_model"] == "cosyvoice-v2"
    assert providers["dashscope"]["default_voice"] == "Cherry"
    assert providers["dashscope"]["models"] == ["qwen3-tts-flash-realtime"]
    # ElevenLabs has no default voice unless configured: its premade voices only
    assert providers["elevenlabs"]["default_voice"] is None
    assert {voice["id"] for voice in providers["elevenlabs"]["voices"]} == set(
        OPENAI_VOICE_TABLE["elevenlabs"].values()
    )
    assert providers["edge"]["models"] == [] and providers["edge"]["default_model"] is None
    # Cacheable for a few minutes, readable cross-origin from the allowed origin
    assert header(response, "cache-control") == "public, max-age=300"
    assert header(response, "access-control-allow-origin") == "http://localhost:5173"


def test_providers_without_a_key_are_left_out(edge: EdgeFake, lambda_context: FakeLambdaContext) -> None:
    # GIVEN no key at all (make run's defaults)
    _, body = listing("list_tts_voices_all", lambda_context)

    # THEN only the keyless providers are offered: a picked voice would otherwise fail with a 503
    assert [entry["provider"] for entry in body["providers"]] == ["edge", "espeak"]


def test_edge_voices_come_from_the_live_list(edge: EdgeFake, lambda_context: FakeLambdaContext) -> None:
    _, body = listing("list_tts_voices_all", lambda_context)
    entry = by_provider(body)["edge"]

    assert {voice["id"] for voice in entry["voices"]} == {voice["ShortName"] for voice in VOICE_LIST}
    assert {
        "id": "zh-CN-XiaoxiaoNeural",
        "name": "Microsoft Xiaoxiao Online (Natural) - Chinese (Mainland)",
        "locale": "zh-CN",
        "gender": "Female",
    } in entry["voices"]
    # A region variant keeps its region
    assert {
        "id": "zh-CN-liaoning-XiaobeiNeural",
        "name": "Microsoft Xiaobei Online (Natural) - Chinese (Northeastern Mandarin)",
        "locale": "zh-CN-liaoning",
        "gender": "Female",
    } in entry["voices"]
    # edge-tts signed the request as it does for Microsoft's server
    (query,) = edge.voice_list_queries
    assert query["trustedclienttoken"] == "fake-token" and query["Sec-MS-GEC"]


def test_the_live_list_is_fetched_once_per_warm_container(edge: EdgeFake, lambda_context: FakeLambdaContext) -> None:
    for _ in range(3):
        listing("list_tts_voices_all", lambda_context)
    assert len(edge.voice_list_queries) == 1


@pytest.mark.parametrize(
    ("attribute", "mode"), [("voice_list_mode", "http_403"), ("voice_list_mode", "stall"), ("mode", "http_503")]
)
def test_edge_falls_back_to_a_fixed_selection(
    edge: EdgeFake, lambda_context: FakeLambdaContext, attribute: str, mode: str
) -> None:
    # GIVEN Edge's list refusing or hanging, or the whole service down
    setattr(edge, attribute, mode)
    started = time.monotonic()

    _, body = listing("list_tts_voices_all", lambda_context)

    # THEN the configured default and the voices OpenAI's names map to are offered instead
    ids = [voice["id"] for voice in by_provider(body)["edge"]["voices"]]
    assert ids[0] == "zh-CN-XiaoxiaoNeural"
    assert set(ids) == {"zh-CN-XiaoxiaoNeural", *OPENAI_VOICE_TABLE["edge"].values()}
    # The deadline holds: the page is never left waiting on Edge
    assert time.monotonic() - started < edge_adapter.VOICE_LIST_TIMEOUT_SECONDS + 5


def test_an_unreachable_edge_list_answers_the_fallback(
    lambda_context: FakeLambdaContext, wiring: FunctionWiring
) -> None:
    wiring.set(OPENTALKING_EDGE_VOICE_LIST_URL=f"http://127.0.0.1:{closed_port()}/list?trustedclienttoken=x")
    edge_adapter._voice_list_cache.clear()
    _, body = listing("list_tts_voices_all", lambda_context)
    assert "zh-CN-XiaoxiaoNeural" in {voice["id"] for voice in by_provider(body)["edge"]["voices"]}
    # A failure is not kept as if it were the list: the next request asks Edge again
    assert edge_adapter._voice_list_cache == {}


def test_espeak_lists_its_installed_voices_and_each_one_speaks(lambda_context: FakeLambdaContext) -> None:
    # WHEN only eSpeak NG's voices are asked for (the filter takes any letter case)
    _, body = listing("list_tts_voices_espeak", lambda_context)

    (entry,) = body["providers"]
    assert entry["provider"] == "espeak"
    voices = {voice["id"]: voice for voice in entry["voices"]}
    # THEN the engine's own voices are there, Chinese and English among them, by the names a preview takes
    assert len(voices) > 50
    assert {"cmn", "yue", "en", "de", "en-us"} <= set(voices)
    assert voices["en-us"]["name"] == "English (America)"
    assert voices["en"]["locale"] == "en-gb"
    assert entry["default_voice"] in voices
    # Two voices sharing a language (yue and its Jyutping variant) keep distinct ids, and the listed ids speak
    for voice_id in ("cmn", "yue", "yue-latn-jyutping", "en", "en-us-nyc"):
        audio = read_wav(post_preview({"text": "你好 hello", "provider": "espeak", "voice": voice_id}).content)
        assert audio.duration > 0.3


def test_an_unknown_provider_is_a_400_naming_the_supported_ones(lambda_context: FakeLambdaContext) -> None:
    event = load_event("list_tts_voices_espeak")
    event["queryStringParameters"] = {"provider": "azure"}
    event["multiValueQueryStringParameters"] = {"provider": ["azure"]}
    response = lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert json_body(response)["detail"] == (
        "Unknown provider 'azure': use one of edge, dashscope, cosyvoice, elevenlabs, espeak."
    )
