"""The stack served by `sam local start-api` (podman + stand-in Lambda image), with its fakes on this machine.

One stack per test package: sam builds once and keeps warm containers. The fakes listen on all interfaces because
functions reach them from their containers through host.containers.internal; the forward-drop rules keep every
container packet on this machine. A machine that cannot host the runtime (not Linux, not root, no package access)
skips this package with one reason; on CI (CI=true) that is a failure, as is any other setup failure anywhere.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scripts.sam_local.host import HostUnsupportedError, check_supported
from scripts.sam_local.runner import (
    HOST_FROM_CONTAINERS,
    HostS3,
    RunningStack,
    StackOptions,
    running_stack,
    s3_for_containers,
)
from scripts.sam_local.stack import ensure_sam_cli
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.tts_loopback import closed_port
from testsupport.unhostable import group_unhostable_skips

ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
NOT_RUN = "sam local end-to-end suite not run on this machine"


@dataclass
class SamLocalStack:
    stack: RunningStack
    http: httpx.Client
    enrollment: FakeDashScopeEnrollment
    s3: HostS3
    bucket: str
    catalog_dir: Path
    cache_bucket: str


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def not_hostable(reason: object) -> None:
    if ON_CI:
        pytest.fail(f"sam local end-to-end suite cannot run on CI: {reason}")
    pytest.skip(f"{NOT_RUN}: {reason}")


@pytest.fixture(scope="package")
def sam_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamLocalStack]:
    try:
        check_supported()
        ensure_sam_cli()
    except HostUnsupportedError as error:
        not_hostable(error)
    bucket = f"samples-{uuid.uuid4().hex[:12]}"
    cache_bucket = f"speech-cache-{uuid.uuid4().hex[:12]}"
    with ExitStack() as started:
        bucket_host = HostS3.bucket_host(bucket)
        # The fake downloads presigned sample URLs as DashScope would; on this machine their host is loopback.
        enrollment = started.enter_context(
            FakeDashScopeEnrollment(
                bind_host="0.0.0.0",
                sample_url_prefix=f"http://{bucket_host}:",
                resolve={bucket_host: "127.0.0.1"},
            )
        )
        s3 = started.enter_context(s3_for_containers(bucket, cache_bucket))
        catalog_dir = tmp_path_factory.mktemp("sam-local-catalog")
        options = StackOptions(
            port=free_loopback_port(),
            catalog_dir=catalog_dir,
            build_dir=tmp_path_factory.mktemp("sam-build"),
            overrides={
                "AWS_ENDPOINT_URL_S3": s3.container_endpoint,
                "OPENTALKING_SAMPLES_BUCKET": bucket,
                "OPENTALKING_SPEECH_CACHE_BUCKET": cache_bucket,
                "DASHSCOPE_API_KEY": enrollment.api_key,
                "DASHSCOPE_HTTP_BASE_URL": f"http://{HOST_FROM_CONTAINERS}:{enrollment.port}/api/v1",
                # GET /v1/audio/voices asks Edge for its voice list: here a port on this machine that refuses, so
                # the listing uses its fallback and nothing leaves the machine.
                "OPENTALKING_EDGE_VOICE_LIST_URL": f"http://{HOST_FROM_CONTAINERS}:{closed_port()}/voices/list",
            },
            host_aliases=[bucket_host, HostS3.bucket_host(cache_bucket)],
        )
        try:
            stack = started.enter_context(running_stack(options))
        except HostUnsupportedError as error:
            not_hostable(error)
        http = started.enter_context(httpx.Client(base_url=stack.base_url, timeout=httpx.Timeout(90.0)))
        yield SamLocalStack(stack, http, enrollment, s3, bucket, catalog_dir, cache_bucket)
    # Everything the suite started is gone: sam, its containers, the podman service.
    assert stack.api.process is not None and stack.api.process.poll() is not None
    assert stack.podman.process is not None and stack.podman.process.poll() is not None
    assert stack.podman.own_containers() == []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    group_unhostable_skips(report, item, __file__, not_hostable, NOT_RUN)
    # A failed test shows the end of `sam`'s log: the function's own output (tracebacks, timeouts) is there.
    stack = getattr(item, "funcargs", {}).get("sam_stack")
    if report.failed and call.when == "call" and isinstance(stack, SamLocalStack):
        lines = stack.stack.sam_log.read_text(encoding="utf-8", errors="replace").splitlines()
        report.sections.append(("sam local start-api log (last 60 lines)", "\n".join(lines[-60:])))
        if stack.stack.lambda_log.exists():
            lines = stack.stack.lambda_log.read_text(encoding="utf-8", errors="replace").splitlines()
            report.sections.append(("sam local start-lambda log (last 40 lines)", "\n".join(lines[-40:])))
    return report
