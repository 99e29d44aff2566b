"""`make smoke` against what `make run` serves: the local app on loopback, eSpeak NG for previews and the DashScope
enrollment fake (the real SDK's wire protocol) for the clone."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from functions.local_api import create_local_app
from scripts import smoke
from testsupport.fakes.dashscope_enrollment_fake import QWEN_MODEL, FakeDashScopeEnrollment
from testsupport.wiring import FunctionWiring
from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.errors import StorageError

pytestmark = pytest.mark.slow


@pytest.fixture
def local_api(wiring: FunctionWiring, fake: FakeDashScopeEnrollment, bucket: str) -> Iterator[str]:
    """The local app (`make run`'s) on a loopback port, wired like the integration tests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_local_app()
    wiring.attach(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the local app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def table_rows(output: str) -> dict[str, str]:
    """Step name → result, from the printed table (the app's own log lines share stdout in this process)."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("step ") and "result" in line)
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        cells = [cell.strip() for cell in line.split("  ") if cell.strip()]
        if cells[0].startswith("{"):
            continue  # a log line the app printed meanwhile
        rows[cells[0]] = cells[1]
    return rows


def test_every_step_passes_against_the_local_run_and_no_voice_is_left(
    local_api: str, wiring: FunctionWiring, fake: FakeDashScopeEnrollment, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the smoke test runs against the local app with the offline provider and a DashScope clone
    status = smoke.main(["--api-url", local_api, "--providers", "espeak", "--clone-provider", "dashscope"])
    output = capsys.readouterr().out
    rows = table_rows(output)
    # THEN each of the spec's examples passed, with a timing, and the summary says so
    assert status == 0, output
    assert rows["GET /voices"] == "PASS"
    assert rows["POST /tts/preview espeak"] == "PASS"
    assert rows["POST /voices/clone dashscope"] == "PASS"
    assert [name for name in rows if name.startswith("DELETE /voices/")] and all(
        result == "PASS" for name, result in rows.items() if name.startswith("DELETE")
    )
    assert "smoke: passed" in output
    # AND the clone really reached the provider with the spoken sample, and nothing is left in the catalog
    assert fake.problems == [] and any(request["model"] == QWEN_MODEL for request in fake.requests)
    assert wiring.catalog().list_entries() == []


def test_an_unconfigured_provider_is_a_skip_not_a_failure(local_api: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no ElevenLabs key (the offline environment has none)
    status = smoke.main(["--api-url", local_api, "--providers", "elevenlabs,espeak", "--clone-provider", "none"])
    output = capsys.readouterr().out
    assert status == 0, output
    assert table_rows(output)["POST /tts/preview elevenlabs"] == "SKIP"
    assert "not configured" in output


def test_a_failed_delete_fails_the_run_and_names_the_voice_left_behind(
    local_api: str, wiring: FunctionWiring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a catalog that cannot delete
    def refuse(self: SqliteVoiceCatalog, entry_id: int) -> bool:
        raise StorageError("The voice catalog could not be used: disk I/O error.")

    monkeypatch.setattr(SqliteVoiceCatalog, "delete_entry", refuse)
    status = smoke.main(["--api-url", local_api, "--providers", "espeak"])
    output = capsys.readouterr().out
    # THEN the run fails and says which voice is still there
    assert status == 1
    [entry] = wiring.catalog().list_entries()
    assert f"voice entry {entry.id} LEFT BEHIND" in output
    assert "smoke: FAILED" in output


def test_a_failing_step_is_reported_and_the_run_fails(local_api: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a provider name the service does not know (a 400)
    status = smoke.main(["--api-url", local_api, "--providers", "nonexistent,espeak", "--clone-provider", "none"])
    output = capsys.readouterr().out
    assert status == 1
    assert table_rows(output)["POST /tts/preview nonexistent"] == "FAIL"
    assert table_rows(output)["POST /tts/preview espeak"] == "PASS"
