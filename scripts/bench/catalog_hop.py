"""Benchmark 9: the catalog hop's in-process share, against the direct SQLite call it replaced.

Three ways to list 1,000 entries and to delete a missing id: the SQLite adapter called directly (what `make run`
does), the same through the catalog boundary in one process (the JSON and pydantic work on both sides), and
through boto3's Lambda client to a loopback Invoke API running the catalog server (adds request signing, HTTP and
boto3's parsing). What a deployed invoke adds on top (network, the Lambda frontend, a warm or cold catalog function)
cannot be measured here; README "What the catalog hop costs" gives the published figures.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.bench.common import Result, median_and_p95, ms, render, time_calls

ENTRIES = 1_000
INVOCATIONS = 200


def run() -> list[Result]:
    warnings.simplefilter("ignore")
    from testsupport.fakes.lambda_endpoint import LambdaEndpoint
    from voice_service.adapters.lambda_invoker import LambdaInvoker
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
    from voice_service.catalog_boundary.client import CatalogClient, InProcessInvoker, RemoteVoiceCatalog
    from voice_service.catalog_boundary.operations import OPERATIONS
    from voice_service.catalog_boundary.server import CatalogServer
    from voice_service.models import NewEntry, NewVoice

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "voices.sqlite3"
        direct = SqliteVoiceCatalog(path)
        now = datetime.now(UTC)
        for index in range(ENTRIES):
            direct.add_entry(
                NewEntry(NewVoice("dashscope", f"qwen-tts-vc-{index:05d}", f"Voice {index}", "qwen3-tts-vc"), now)
            )
        server = CatalogServer(SqliteVoiceCatalog(path), frozenset(OPERATIONS))
        in_process = RemoteVoiceCatalog(CatalogClient(InProcessInvoker(server), frozenset(OPERATIONS)))

        def handler(event: dict[str, Any], context: Any) -> Any:
            return server.handle(event)

        with LambdaEndpoint({"CatalogBench": handler}) as endpoint:
            os.environ["AWS_ENDPOINT_URL_LAMBDA"] = endpoint.url
            try:
                invoker = LambdaInvoker("CatalogBench", timeout_seconds=10)
                over_boto3 = RemoteVoiceCatalog(CatalogClient(invoker, frozenset(OPERATIONS)))
                over_boto3.list_entries()  # builds the boto3 client (a cold-start cost, measured apart)
                for label, call in (
                    (f"list {ENTRIES:,} entries", lambda catalog: catalog.list_entries()),
                    ("delete a missing id", lambda catalog: catalog.delete_entry(10**9)),
                ):
                    base = median_and_p95(time_calls(lambda call=call: call(direct), INVOCATIONS))
                    for way, catalog in (("boundary in-process", in_process), ("boto3 invoke, loopback", over_boto3)):
                        measured = median_and_p95(
                            time_calls(lambda call=call, catalog=catalog: call(catalog), INVOCATIONS)
                        )
                        results.append(
                            Result(
                                benchmark="9. catalog hop",
                                measure=f"{label}: {way} (median / p95)",
                                value=f"{ms(measured[0])} / {ms(measured[1])}",
                                baseline=f"direct SQLite {ms(base[0])} / {ms(base[1])}",
                                ratio=measured[0] / base[0],
                                target=None,
                                note="in-process share only; a deployed invoke adds network and the Lambda frontend",
                            )
                        )
            finally:
                os.environ.pop("AWS_ENDPOINT_URL_LAMBDA", None)
    return results


if __name__ == "__main__":
    from scripts.bench.common import BENCH_ENVIRONMENT

    os.environ.update(BENCH_ENVIRONMENT)
    print(render(run()))
