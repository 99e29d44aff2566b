"""Property-based fuzzing of the local app from its own OpenAPI document (schemathesis).

Every generated request must get a documented status and a body matching the documented schema, no 5xx, and every
4xx carries a string `detail` (on the OpenAI routes: OpenAI's `error.message`). The providers are the loopback
fakes (answering normally), so a schema-valid preview must succeed; nothing leaves the machine. Examples are bounded
so the suite stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from functions.local_api import create_local_app
from testsupport.fakes.clone_support import use_fresh_bucket
from testsupport.fakes.dashscope_cosyvoice_fake import CosyVoiceFake
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.dashscope_qwen_fake import QwenRealtimeFake
from testsupport.fakes.edge_fake import EdgeFake
from testsupport.fakes.elevenlabs_fake import API_KEY as ELEVENLABS_KEY
from testsupport.fakes.elevenlabs_fake import ElevenLabsFake
from testsupport.fakes.tts_loopback import LoopbackServer
from testsupport.moto_s3 import running_moto_server
from testsupport.wiring import FunctionWiring

DASHSCOPE_KEY = "sk-fuzz-0123456789"
LOCAL_APP = create_local_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", LOCAL_APP)
# The service is deliberately more lenient than its documented enums (names in any letter case, a blank filter
# meaning "no filter"), and some rules span fields (two spellings of the provider must agree), which JSON Schema
# cannot state: whether a request is accepted is asserted by the endpoint tests, not here. Every other check runs.
NOT_EXPRESSIBLE_IN_THE_SCHEMA = [
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.positive_data_acceptance,
]


@pytest.fixture(scope="module")
def provider_fakes() -> Iterator[dict[str, str]]:
    edge, elevenlabs = EdgeFake(), ElevenLabsFake()
    qwen, cosyvoice = QwenRealtimeFake(api_key=DASHSCOPE_KEY), CosyVoiceFake(api_key=DASHSCOPE_KEY)
    fakes = (edge, qwen, cosyvoice, elevenlabs)
    servers = []
    for fake in fakes:
        fake.server = LoopbackServer(fake.app).start()
        servers.append(fake.server)
    try:
        yield {
            "OPENTALKING_EDGE_TTS_URL": edge.url,
            "OPENTALKING_EDGE_VOICE_LIST_URL": edge.voice_list_url,
            "OPENTALKING_QWEN_TTS_WS_URL": qwen.url,
            "DASHSCOPE_WEBSOCKET_BASE_URL": cosyvoice.url,
            "OPENTALKING_TTS_ELEVENLABS_BASE_URL": servers[-1].base_url,
            "OPENTALKING_TTS_ELEVENLABS_VOICE_ID": "21m00Tcm4TlvDq8ikWAM",
            "DASHSCOPE_API_KEY": DASHSCOPE_KEY,
            "OPENTALKING_TTS_ELEVENLABS_API_KEY": ELEVENLABS_KEY,
            "OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS": "5",
        }
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from running_moto_server()


@pytest.fixture(scope="module")
def enrollment() -> Iterator[FakeDashScopeEnrollment]:
    with FakeDashScopeEnrollment(api_key=DASHSCOPE_KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def upstreams_are_loopback_fakes(
    provider_fakes: dict[str, str],
    enrollment: FakeDashScopeEnrollment,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    wiring: FunctionWiring,
) -> None:
    wiring.attach(LOCAL_APP)
    wiring.set(
        **provider_fakes,
        DASHSCOPE_HTTP_BASE_URL=enrollment.base_url,
        OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS="2",
        OPENTALKING_COSYVOICE_TIMEOUT_SECONDS="2",
    )
    use_fresh_bucket(monkeypatch, wiring, s3_endpoint)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_its_documented_contract(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, excluded_checks=NOT_EXPRESSIBLE_IN_THE_SCHEMA)
    assert response.status_code < 500, response.text
    if 400 <= response.status_code < 500:
        body = response.json()
        # OpenAI's envelope on its routes, `{"detail": ...}` everywhere else
        detail = body["error"]["message"] if case.path.startswith("/v1/") else body.get("detail")
        assert isinstance(detail, str) and detail, response.text
