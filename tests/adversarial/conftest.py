"""Fixtures the hostile-caller suites share: the providers' wire fakes and an S3 server, one of each per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.hostile_world import ProviderFakes, moto_endpoint, provider_fakes


@pytest.fixture(scope="module")
def fakes() -> Iterator[ProviderFakes]:
    yield from provider_fakes()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from moto_endpoint()
