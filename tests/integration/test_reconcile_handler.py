"""The scheduled reconciler through its lambda_handler (events/reconcile_voices_schedule.json), and crash safety:
a clone process killed between the provider's answer and the catalog write leaves nothing the reconciler cannot
resolve, so that afterwards the provider and the catalog hold exactly the same voices."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import functions.reconcile_voices.app as reconcile_app
from testsupport.apigw import FakeLambdaContext, load_event
from testsupport.fakes.clone_support import make_sample
from testsupport.fakes.dashscope_enrollment_fake import COSYVOICE_MODEL, QWEN_MODEL, FakeDashScopeEnrollment
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice
from voice_service.services.catalog import utc_now
from voice_service.settings import ReconcileVoicesFunctionSettings

QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
KILL_POINTS = ("after_the_provider_answered", "before_the_provider_was_called")


def _clone_and_die(environment: dict[str, str], sample: bytes, kill_point: str) -> None:
    """A clone in its own process (a Lambda container) that is killed at `kill_point` by a fault hook."""
    from functions.clone_voice.app import build_cloning_service
    from voice_service.services.cloning import CloneForm
    from voice_service.settings import CloneVoiceFunctionSettings

    service = build_cloning_service(CloneVoiceFunctionSettings.from_environment(environment))

    def die(*_: object, **__: object) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)

    if kill_point == "after_the_provider_answered":
        service.catalog.add_entry = die  # type: ignore[method-assign]
    else:
        service.qwen.create_voice = die  # type: ignore[method-assign]
    service.clone(CloneForm("dashscope", QWEN_TARGET, "Interrupted"), sample)


def run_later(wiring: FunctionWiring, monkeypatch: pytest.MonkeyPatch, hours: float) -> None:
    """Make the reconcile function run with this test's settings, its clock `hours` ahead: intents and orphans
    are as old as they will be then."""
    monkeypatch.setattr(reconcile_app, "SETTINGS", ReconcileVoicesFunctionSettings.from_environment(wiring.values))
    build = reconcile_app.build_reconciler

    def later(settings: ReconcileVoicesFunctionSettings) -> Any:
        return replace(build(settings), now=lambda: utc_now() + timedelta(hours=hours))

    monkeypatch.setattr(reconcile_app, "build_reconciler", later)


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_clone_killed_midway_is_resolved_by_the_reconciler(
    kill_point: str,
    fake: FakeDashScopeEnrollment,
    wiring: FunctionWiring,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a clone process killed at the fault point
    environment = dict(wiring.values)
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_clone_and_die, args=(environment, make_sample("wav"), kill_point))
    process.start()
    process.join(timeout=60)
    assert process.exitcode == -signal.SIGKILL
    catalog = wiring.catalog()
    assert catalog.list_entries() == [] and len(catalog.list_intents()) == 1
    created = 1 if kill_point == "after_the_provider_answered" else 0
    assert len(fake.voices) == created
    # WHEN the scheduled reconciler runs (an hour later, when the intent is stale)
    run_later(wiring, monkeypatch, hours=1)
    summary = reconcile_app.lambda_handler(load_event("reconcile_voices_schedule"), lambda_context)
    # THEN the provider holds no voice the catalog lacks, and the catalog none the provider lacks
    assert {entry.voice_id for entry in catalog.list_entries()} == set(fake.voices)
    assert catalog.list_intents() == []
    if created:
        (entry,) = catalog.list_entries()
        assert (entry.display_label, entry.status) == ("Interrupted", "ready")
        assert summary["intents_completed"] == 1
    else:
        assert summary["intents_dropped"] == 1
    assert fake.problems == []


def test_scheduled_run_refreshes_marks_gone_deletes_orphans_and_reports(
    fake: FakeDashScopeEnrollment,
    wiring: FunctionWiring,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a deploying voice DashScope finished, a voice DashScope dropped, and two untracked voices at DashScope:
    # one named by this deployment (an orphan), one not (someone else's)
    catalog = wiring.catalog()
    now = utc_now()
    fake.add_voice(COSYVOICE_MODEL, "cosyvoice-v2-ota1b2c3d-0001", "cosyvoice-v2", statuses=["OK"])
    catalog.add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-ota1b2c3d-0001", "A", "cosyvoice-v2", "deploying"), now)
    )
    catalog.add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-otdropped-voice-2", "B", QWEN_TARGET), now))
    fake.add_voice(QWEN_MODEL, "qwen-tts-vc-ot9f8e7d6-voice-3", QWEN_TARGET)
    fake.add_voice(QWEN_MODEL, "qwen-tts-vc-theirs-voice-4", QWEN_TARGET)
    run_later(wiring, monkeypatch, hours=2)
    # WHEN the schedule fires
    summary = reconcile_app.lambda_handler(load_event("reconcile_voices_schedule"), lambda_context)
    # THEN statuses match DashScope, the orphan is deleted, someone else's voice is left alone
    assert [entry.status for entry in catalog.list_entries()] == ["ready", "gone"]
    assert set(fake.voices) == {"cosyvoice-v2-ota1b2c3d-0001", "qwen-tts-vc-theirs-voice-4"}
    assert fake.deleted_voices == ["qwen-tts-vc-ot9f8e7d6-voice-3"]
    assert (summary["statuses_refreshed"], summary["marked_gone"]) == (1, 1)
    assert (summary["orphans_found"], summary["orphans_deleted"]) == (1, 1)
    # AND it logged a summary and emitted its metrics (one EMF document)
    (logged,) = [record for record in caplog.records if record.getMessage() == "Reconciliation finished"]
    assert logged.summary == summary  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (emf,) = [line for line in lines if "_aws" in line]
    assert (emf["OrphansFound"], emf["OrphansDeleted"], emf["StatusesRefreshed"]) == ([1.0], [1.0], [1.0])


def test_without_a_provider_key_the_run_skips_the_providers(
    wiring: FunctionWiring, lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_later(wiring, monkeypatch, hours=0)
    summary = reconcile_app.lambda_handler(load_event("reconcile_voices_schedule"), lambda_context)
    assert summary["skipped_providers"] == ["cosyvoice", "dashscope"] and summary["provider_calls"] == 0
