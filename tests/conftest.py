"""Offline by default: fake AWS credentials, Powertools in test mode, fresh settings and adapters per test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voice_service.adapters.factories import (
    get_cloning_service,
    get_idempotent_cloning,
    get_provider_directory,
    get_sample_bucket,
    get_voice_catalog,
)
from voice_service.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = REPO_ROOT / "events"

TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "voice-service-test",
    "POWERTOOLS_METRICS_NAMESPACE": "OpenTalkingVoiceTest",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "NO_PROXY": "127.0.0.1,localhost",
}
# Variables a developer's shell may carry that would send a test somewhere real.
LEAKY_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "DASHSCOPE_API_KEY",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
    "OPENTALKING_TTS_ELEVENLABS_API_KEY",
)


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in LEAKY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENTALKING_SQLITE_PATH", str(tmp_path / "catalog" / "voices.sqlite3"))
    reset_cached_state()
    yield
    reset_cached_state()


def reset_cached_state() -> None:
    """Forget settings and adapters built from an earlier test's environment."""
    if get_voice_catalog.cache_info().currsize:
        get_voice_catalog().close()
    get_voice_catalog.cache_clear()
    get_cloning_service.cache_clear()
    get_idempotent_cloning.cache_clear()
    get_provider_directory.cache_clear()
    get_sample_bucket.cache_clear()
    get_settings.cache_clear()


@dataclass
class FakeLambdaContext:
    function_name: str = "voice-service-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:voice-service-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 25_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def load_event(name: str) -> dict[str, Any]:
    """An API Gateway REST proxy event from events/ (the same files `sam local invoke -e` uses)."""
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
