"""Offline by default: fake AWS credentials, Powertools in test mode, and every function wired to test settings."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from scripts.build_ffmpeg import cached_binary
from testsupport.apigw import FakeLambdaContext
from testsupport.wiring import FunctionWiring

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
def offline_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the libraries read from the environment themselves (boto3, Powertools)."""
    for name in LEAKY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def wiring(offline_environment: None, tmp_path: Path) -> Iterator[FunctionWiring]:
    """Every function's settings for this test: the defaults, a private catalog file, and what the test sets."""
    settings = {
        "AWS_DEFAULT_REGION": TEST_ENVIRONMENT["AWS_DEFAULT_REGION"],
        "OPENTALKING_SQLITE_PATH": str(tmp_path / "catalog" / "voices.sqlite3"),
    }
    # The service converts with the project's audio-only ffmpeg, as in Lambda; when it is not built (`make ffmpeg`)
    # the setting stays unset and a conversion answers that it is not configured.
    ffmpeg = audio_only_ffmpeg_path()
    if ffmpeg is not None:
        settings["OPENTALKING_FFMPEG_PATH"] = ffmpeg
    wired = FunctionWiring(settings)
    yield wired
    wired.close()


@cache
def audio_only_ffmpeg_path() -> str | None:
    binary = cached_binary()
    return None if binary is None else str(binary)


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
