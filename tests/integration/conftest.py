"""Fixtures of the cloning tests: moto's S3 over real HTTP and the DashScope enrollment fake, both on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.fakes.clone_support import use_fresh_bucket
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.moto_s3 import running_moto_server
from testsupport.wiring import FunctionWiring


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from running_moto_server()


@pytest.fixture
def bucket(wiring: FunctionWiring, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty samples bucket that the service under test uses."""
    return use_fresh_bucket(monkeypatch, wiring, s3_endpoint)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring) -> Iterator[FakeDashScopeEnrollment]:
    """The enrollment fake, with the service pointed at it and short time budgets so failures stay quick."""
    with FakeDashScopeEnrollment() as server:
        wiring.set(
            DASHSCOPE_HTTP_BASE_URL=server.base_url,
            DASHSCOPE_API_KEY=server.api_key,
            OPENTALKING_CLONE_PROVIDER_TIMEOUT_SECONDS="1",
            OPENTALKING_COSYVOICE_TIMEOUT_SECONDS="1",
            OPENTALKING_COSYVOICE_POLL_INTERVAL_SECONDS="0.05",
            OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS="2",
        )
        yield server
