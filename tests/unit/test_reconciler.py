"""The reconciler with in-memory fakes: statuses, vanished voices, interrupted clones, orphans and its budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from testsupport.fakes.catalog import InMemoryVoiceCatalog
from testsupport.fakes.provider_voices import InMemoryProviderVoices
from voice_service.models import ConsentRecord, NewEntry, NewVoice, Owner
from voice_service.services.reconciler import LIST_PAGE_SIZE, ReconcilePolicy, Reconciler
from voice_service.services.voice_lifecycle import VoiceNaming

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NAMING = VoiceNaming("ot")


class Account:
    """The catalog and both providers' voices, with a reconciler over them."""

    def __init__(self, **policy: float) -> None:
        self.catalog = InMemoryVoiceCatalog()
        self.cosyvoice = InMemoryProviderVoices("cosyvoice")
        self.qwen = InMemoryProviderVoices("dashscope")
        self.policy = ReconcilePolicy(**policy)  # type: ignore[arg-type]

    def run(self, now: datetime = NOW):  # type: ignore[no-untyped-def]
        providers = {"cosyvoice": self.cosyvoice, "dashscope": self.qwen}
        return Reconciler(self.catalog, providers, NAMING, self.policy, now=lambda: now).run()

    def entry(self, voice_id: str, status: str = "ready", provider: str = "cosyvoice") -> int:
        voice = NewVoice(provider, voice_id, f"label {voice_id}", "cosyvoice-v2", status)  # type: ignore[arg-type]
        return self.catalog.add_entry(NewEntry(voice, NOW - 2 * HOUR)).id


def test_statuses_follow_the_listing_and_vanished_voices_become_gone() -> None:
    # GIVEN a deploying entry the provider finished, one it could not build, and one it no longer has
    account = Account()
    ready = account.entry("cosyvoice-v2-a-1", "deploying")
    failed = account.entry("cosyvoice-v2-b-2", "deploying")
    vanished = account.entry("cosyvoice-v2-c-3", "ready")
    account.cosyvoice.add("cosyvoice-v2-a-1", status="ready")
    account.cosyvoice.add("cosyvoice-v2-b-2", status="failed")
    # WHEN the reconciler runs
    summary = account.run()
    # THEN the catalog agrees with the provider
    statuses = {entry.id: entry.status for entry in account.catalog.list_entries()}
    assert statuses == {ready: "ready", failed: "failed", vanished: "gone"}
    assert (summary.statuses_refreshed, summary.marked_gone) == (2, 1)
    # One listing page per provider was enough
    assert summary.provider_calls == 2 and not summary.budget_exhausted


def test_an_incomplete_listing_never_marks_voices_gone_but_still_refreshes_deploying_ones() -> None:
    # GIVEN more voices than one page, and a budget of two calls (one page, one status query)
    account = Account(max_provider_calls=2)
    for number in range(LIST_PAGE_SIZE + 1):
        account.cosyvoice.add(f"cosyvoice-v2-x-{number}")
    missing = account.entry("cosyvoice-v2-y-1", "ready")
    deploying = account.entry(f"cosyvoice-v2-x-{LIST_PAGE_SIZE}", "deploying")
    account.cosyvoice.voices[f"cosyvoice-v2-x-{LIST_PAGE_SIZE}"] = account.cosyvoice.add(
        f"cosyvoice-v2-x-{LIST_PAGE_SIZE}", status="ready"
    )
    # WHEN the reconciler runs out of budget after the first page
    summary = account.run()
    # THEN absence from a partial listing proves nothing: no entry became gone
    statuses = {entry.id: entry.status for entry in account.catalog.list_entries()}
    assert statuses[missing] == "ready"
    # ... the deploying entry beyond the page was asked about directly, and the run stopped at its budget
    assert statuses[deploying] == "ready"
    assert summary.provider_calls == 2 and summary.budget_exhausted
    assert account.qwen.calls == []


def test_a_stale_intent_whose_voice_exists_becomes_its_entry() -> None:
    # GIVEN a clone interrupted after the provider created its voice (the intent is older than the threshold)
    account = Account()
    intent = account.catalog.record_intent(
        provider="cosyvoice", target_model="cosyvoice-v2", voice_name="alice", display_label="Alice", now=NOW - HOUR
    )
    account.cosyvoice.add("cosyvoice-v2-alice-7", name="alice", status="deploying", target_model="cosyvoice-v2")
    # WHEN the reconciler runs
    summary = account.run()
    # THEN the voice is in the catalog under the intent's label, and the intent is resolved
    (entry,) = account.catalog.list_entries()
    assert (entry.voice_id, entry.display_label, entry.status) == ("cosyvoice-v2-alice-7", "Alice", "deploying")
    assert entry.created_at == intent.created_at
    assert account.catalog.list_intents() == [] and summary.intents_completed == 1


def test_an_interrupted_clone_completed_by_the_reconciler_stays_its_users_with_its_consent() -> None:
    # GIVEN alice's interrupted clone (signed in, with a consent record), and bob's entry with the same label
    account = Account()
    consent = ConsentRecord("Alice", "I agree.", "alice", NOW - HOUR)
    alice, bob = Owner("alice"), Owner("bob")
    account.catalog.add_entry(
        NewEntry(NewVoice("cosyvoice", "cosyvoice-v2-bob-1", "Mine", "cosyvoice-v2"), NOW, owner=bob)
    )
    account.catalog.record_intent(
        provider="cosyvoice",
        target_model="cosyvoice-v2",
        voice_name="alice",
        display_label="Mine",
        now=NOW - HOUR,
        owner=alice,
        consent=consent,
    )
    account.cosyvoice.add("cosyvoice-v2-bob-1", name="bob", status="ready", target_model="cosyvoice-v2")
    account.cosyvoice.add("cosyvoice-v2-alice-7", name="alice", status="ready", target_model="cosyvoice-v2")
    # WHEN the reconciler, acting over every owner, completes it
    assert account.run().intents_completed == 1
    # THEN the entry is alice's alone, keeps her label (labels are per user) and her consent; bob's is untouched
    (entry,) = account.catalog.list_entries(owner=alice)
    assert (entry.user_id, entry.display_label, entry.consent) == ("alice", "Mine", consent)
    assert [e.voice_id for e in account.catalog.list_entries(owner=bob)] == ["cosyvoice-v2-bob-1"]


def test_a_stale_intent_without_a_voice_is_dropped_and_one_with_a_failed_voice_deletes_it() -> None:
    account = Account()
    for name in ("nothing", "broken"):
        account.catalog.record_intent(
            provider="cosyvoice", target_model="cosyvoice-v2", voice_name=name, display_label=name, now=NOW - HOUR
        )
    account.cosyvoice.add("cosyvoice-v2-broken-1", name="broken", status="failed")
    summary = account.run()
    assert account.catalog.list_intents() == [] and account.catalog.list_entries() == []
    assert account.cosyvoice.voices == {} and summary.intents_dropped == 2


def test_a_fresh_intent_is_left_alone_and_protects_its_voice_from_the_orphan_sweep() -> None:
    # GIVEN a clone in flight: its intent is recent, its (tagged) voice already exists at the provider
    account = Account(orphan_grace_seconds=0)
    account.catalog.record_intent(
        provider="dashscope",
        target_model="m",
        voice_name="ot1234567",
        display_label="A",
        now=NOW - timedelta(seconds=5),
    )
    account.qwen.add("qwen-tts-vc-ot1234567-voice-1", name="ot1234567")
    # WHEN the reconciler runs THEN it neither completes nor deletes anything
    summary = account.run()
    assert len(account.catalog.list_intents()) == 1 and account.catalog.list_entries() == []
    assert "qwen-tts-vc-ot1234567-voice-1" in account.qwen.voices
    assert (summary.orphans_found, summary.orphans_deleted) == (0, 0)


def test_orphans_with_this_deployments_tag_are_deleted_after_the_grace_period_only() -> None:
    account = Account(orphan_grace_seconds=3600)
    account.qwen.add("qwen-tts-vc-ot1234567-voice-1", name="ot1234567", created_at=NOW - 2 * HOUR)  # old orphan
    account.qwen.add("qwen-tts-vc-ot7654321-voice-2", name="ot7654321", created_at=NOW - timedelta(minutes=5))
    account.qwen.add("qwen-tts-vc-xx1234567-voice-3", name="xx1234567", created_at=NOW - 2 * HOUR)  # not ours
    account.qwen.add("qwen-tts-vc-alice-voice-4", name="alice", created_at=NOW - 2 * HOUR)  # not ours either
    account.qwen.add("qwen-tts-vc-ot0000000-voice-5", name="ot0000000", created_at=None)  # age unknown
    account.entry("qwen-tts-vc-ot1111111-voice-6", provider="dashscope")
    account.qwen.add("qwen-tts-vc-ot1111111-voice-6", name="ot1111111", created_at=NOW - 2 * HOUR)  # catalogued
    summary = account.run()
    assert set(account.qwen.voices) == {
        "qwen-tts-vc-ot7654321-voice-2",
        "qwen-tts-vc-xx1234567-voice-3",
        "qwen-tts-vc-alice-voice-4",
        "qwen-tts-vc-ot0000000-voice-5",
        "qwen-tts-vc-ot1111111-voice-6",
    }
    assert (summary.orphans_found, summary.orphans_deleted) == (3, 1)


def test_a_failing_or_unconfigured_provider_does_not_stop_the_other() -> None:
    account = Account()
    account.cosyvoice.failing.add("list")
    account.qwen.configured = False
    account.entry("cosyvoice-v2-a-1", "deploying")
    summary = account.run()
    assert summary.skipped_providers == ["dashscope"]
    assert summary.errors == ["cosyvoice: The cosyvoice provider failed: the list request failed."]
    assert account.catalog.list_entries()[0].status == "deploying"
    # Now the other way round: the working provider is reconciled despite the failing one
    account = Account()
    account.cosyvoice.failing.add("list")
    account.entry("qwen-tts-vc-gone-voice-1", "ready", provider="dashscope")
    assert account.run().marked_gone == 1


@pytest.mark.parametrize("calls", [1, 3])
def test_the_provider_call_budget_bounds_a_run(calls: int) -> None:
    account = Account(max_provider_calls=calls, orphan_grace_seconds=0)
    for number in range(5):
        account.cosyvoice.add(f"cosyvoice-v2-ot{number}abcdef-{number}", name=f"ot{number}abcdef")
    summary = account.run()
    assert summary.provider_calls == calls and summary.budget_exhausted
    assert len(account.cosyvoice.calls) + len(account.qwen.calls) == calls


def test_expired_idempotency_records_are_purged() -> None:
    account = Account()
    from voice_service.models import IdempotencyRecord

    account.catalog.records["old"] = IdempotencyRecord("old", "COMPLETED", int((NOW - HOUR).timestamp()), None, "", "")
    account.catalog.records["new"] = IdempotencyRecord("new", "COMPLETED", int((NOW + HOUR).timestamp()), None, "", "")
    assert account.run().idempotency_records_purged == 1
    assert set(account.catalog.records) == {"new"}
