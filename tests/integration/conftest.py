"""Fixtures of the cloning tests: moto's S3 over real HTTP and the DashScope enrollment fake, both on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.clone_support import running_moto_server, use_fresh_bucket
from tests.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from running_moto_server()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty samples bucket that the service under test uses."""
    return use_fresh_bucket(monkeypatch, s3_endpoint)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDashScopeEnrollment]:
    """The enrollment fake, with the service pointed at it and short time budgets so failures stay quick."""
    with FakeDashScopeEnrollment() as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        monkeypatch.setenv("DASHSCOPE_API_KEY", server.api_key)
        monkeypatch.setenv("OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS", "1")
        monkeypatch.setenv("OPENTALKING_COSYVOICE_TIMEOUT_SECONDS", "1")
        monkeypatch.setenv("OPENTALKING_COSYVOICE_POLL_INTERVAL_SECONDS", "0.05")
        monkeypatch.setenv("OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS", "2")
        yield server
