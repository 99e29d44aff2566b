"""The SQLite catalog on a real temporary file: schema, de-duplication, order, filter, delete, and failures."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voice_service.adapters import sqlite_catalog
from voice_service.adapters.sqlite_catalog import SCHEMA_VERSION, SqliteVoiceCatalog
from voice_service.errors import StorageBusyError, StorageError
from voice_service.models import ConsentRecord, ConsentStatement, IdempotencyRecord, NewEntry, NewVoice, Owner
from voice_service.providers import CloneProvider

NOW = datetime(2026, 11, 24, 1, 2, 3, 456000, tzinfo=UTC)


def voice(
    label: str = "Alice",
    provider: CloneProvider = "dashscope",
    model: str = "qwen3-tts-vc-realtime-2026-01-15",
    voice_id: str = "v1",
) -> NewVoice:
    return NewVoice(provider, voice_id, label, model)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "voices.sqlite3"


def test_schema_is_created_on_first_use_with_version_and_unique_index(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    assert catalog.list_entries() == []
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        indexes = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
    assert any("UNIQUE" in (sql or "") and "display_label" in (sql or "") for _, sql in indexes)


def test_existing_catalog_is_reopened_without_losing_rows(db_path: Path) -> None:
    first = SqliteVoiceCatalog(db_path)
    first.add_entry(NewEntry(voice(), NOW))
    first.close()
    second = SqliteVoiceCatalog(db_path)
    assert [e.voice_id for e in second.list_entries()] == ["v1"]


def test_an_empty_existing_file_gets_the_schema(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    assert SqliteVoiceCatalog(db_path).list_entries() == []


def test_a_later_migration_runs_once_on_an_existing_catalog(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a catalog at the current version with a row
    SqliteVoiceCatalog(db_path).add_entry(NewEntry(voice(), NOW))
    # WHEN the code ships one more migration
    extra = "ALTER TABLE voices ADD COLUMN note TEXT;"
    monkeypatch.setattr(sqlite_catalog, "MIGRATIONS", (*sqlite_catalog.MIGRATIONS, extra))
    monkeypatch.setattr(sqlite_catalog, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    catalog = SqliteVoiceCatalog(db_path)
    catalog.list_entries()
    SqliteVoiceCatalog(db_path).list_entries()  # a second opener must not re-run it
    # THEN the row survived and the version moved on
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert raw.execute("SELECT voice_id, note FROM voices").fetchall() == [("v1", None)]


def test_same_label_twice_gets_a_utc_suffix(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    first = catalog.add_entry(NewEntry(voice(), NOW))
    second = catalog.add_entry(NewEntry(voice(voice_id="v2"), NOW))
    third = catalog.add_entry(NewEntry(voice(voice_id="v3"), NOW))
    assert first.display_label == "Alice"
    assert second.display_label == "Alice-20261124-010203-456"
    assert third.display_label == "Alice-20261124-010203-457"


def test_same_label_for_another_model_or_provider_is_kept(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(NewEntry(voice(), NOW))
    assert catalog.add_entry(NewEntry(voice(model="other"), NOW)).display_label == "Alice"
    assert catalog.add_entry(NewEntry(voice(provider="cosyvoice"), NOW)).display_label == "Alice"


def test_listing_is_oldest_first_and_filters_by_provider(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    for index, provider in enumerate(["cosyvoice", "dashscope", "cosyvoice"]):
        catalog.add_entry(NewEntry(voice(label=f"L{index}", provider=provider, voice_id=f"v{index}"), NOW))
    assert [e.voice_id for e in catalog.list_entries()] == ["v0", "v1", "v2"]
    assert [e.voice_id for e in catalog.list_entries("cosyvoice")] == ["v0", "v2"]
    assert all(e.user_id is None and e.source == "clone" for e in catalog.list_entries())


def test_get_entry_finds_one_entry_by_id(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(NewEntry(voice(label="a"), NOW))
    second = catalog.add_entry(NewEntry(voice(label="b"), NOW))
    assert catalog.get_entry(second.id) == second
    assert catalog.get_entry(second.id + 1) is None


def test_delete_removes_once_and_ids_are_never_reused(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    first = catalog.add_entry(NewEntry(voice(label="a"), NOW))
    second = catalog.add_entry(NewEntry(voice(label="b"), NOW))
    assert catalog.delete_entry(second.id) is True
    assert catalog.delete_entry(second.id) is False
    third = catalog.add_entry(NewEntry(voice(label="c"), NOW))
    assert third.id > second.id > first.id


def test_corrupt_file_is_a_storage_error_and_is_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just text " * 100
    db_path.write_bytes(garbage)
    catalog = SqliteVoiceCatalog(db_path)
    with pytest.raises(StorageError, match="could not be read"):
        catalog.list_entries()
    with pytest.raises(StorageError):
        catalog.add_entry(NewEntry(voice(), NOW))
    assert db_path.read_bytes() == garbage
    assert not db_path.with_name(db_path.name + "-journal").exists()


def test_a_replaced_file_is_reopened(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(NewEntry(voice(), NOW))
    # GIVEN the file is swapped for another catalog (a restore) while the connection is open
    other = db_path.with_name("restored.sqlite3")
    SqliteVoiceCatalog(other).add_entry(NewEntry(voice(voice_id="restored"), NOW))
    os.replace(other, db_path)
    # THEN the next read sees the new file, not the old inode
    assert [e.voice_id for e in catalog.list_entries()] == ["restored"]


def test_lock_held_past_the_busy_timeout_is_a_busy_error_and_recovers(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path, busy_timeout_seconds=0.2)
    catalog.list_entries()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageBusyError, match="busy"):
            catalog.add_entry(NewEntry(voice(), NOW))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # THEN nothing was written, and the next request succeeds
    assert catalog.list_entries() == []
    assert catalog.add_entry(NewEntry(voice(), NOW)).display_label == "Alice"


def test_a_version_1_catalog_file_is_upgraded_keeping_its_rows(db_path: Path) -> None:
    # GIVEN a catalog file as version 1 wrote it (its schema, its timestamp format, a gap left by a delete)
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        raw.executescript(sqlite_catalog.MIGRATIONS[0])
        raw.executemany(
            "INSERT INTO voices (id, user_id, provider, voice_id, display_label, target_model, source, created_at)"
            " VALUES (?, NULL, ?, ?, ?, ?, 'clone', ?)",
            [
                (
                    1,
                    "dashscope",
                    "qwen-tts-vc-a-voice-1",
                    "Alice",
                    "qwen3-tts-vc-realtime-2026-01-15",
                    "2026-01-02T03:04:05.678000Z",
                ),
                (3, "cosyvoice", "cosyvoice-v2-b-0003", "Bob", "cosyvoice-v2", "2026-02-03T04:05:06.000000Z"),
            ],
        )
        raw.execute("PRAGMA user_version = 1")
    raw.close()
    # WHEN the current adapter opens it
    catalog = SqliteVoiceCatalog(db_path)
    entries = catalog.list_entries()
    # THEN every row is kept, as `ready` with its original creation time, and the id sequence goes on
    assert [(e.id, e.voice_id, e.display_label, e.status) for e in entries] == [
        (1, "qwen-tts-vc-a-voice-1", "Alice", "ready"),
        (3, "cosyvoice-v2-b-0003", "Bob", "ready"),
    ]
    assert entries[0].created_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert catalog.add_entry(NewEntry(voice(label="Carol", voice_id="v4"), NOW)).id == 4
    # AND the lifecycle's tables work on the upgraded file
    intent = catalog.record_intent(
        provider="cosyvoice", target_model="cosyvoice-v2", voice_name="ot1234567", display_label="Dan", now=NOW
    )
    assert catalog.list_intents() == [intent]
    assert catalog.set_status(3, "gone") and catalog.list_entries(status="gone")[0].id == 3
    # AND so do sign-in's (version 3): the upgraded rows are unowned, a user may take their label, an intent keeps
    # its owner and consent, and the unowned rows can be handed to a user
    consent = ConsentRecord("Eve", "I agree.", "eve", NOW)
    assert {e.user_id for e in catalog.list_entries()} == {None}
    mine = catalog.add_entry(NewEntry(voice(label="Alice", voice_id="v5"), NOW, owner=Owner("eve"), consent=consent))
    assert (mine.display_label, catalog.get_entry(mine.id, owner=Owner("eve"))) == ("Alice", mine)
    owned = catalog.record_intent(
        provider="dashscope",
        target_model="m",
        voice_name="ot7654321",
        display_label="F",
        now=NOW,
        owner=Owner("eve"),
        consent=consent,
    )
    assert (owned.user_id, owned.consent) == ("eve", consent) and catalog.list_intents()[-1] == owned
    assert catalog.assign_unowned("eve", NOW, [1]) == [1]
    assert catalog.get_entry(1, owner=Owner("eve")).display_label.startswith("Alice-")  # type: ignore[union-attr]
    catalog.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    raw.close()


def test_a_version_3_catalog_is_upgraded_keeping_its_rows_and_consent_and_stores_consent_statements(
    db_path: Path,
) -> None:
    # GIVEN a catalog file as version 3 (sign-in) wrote it: an owned row with a consent record, an intent with one
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        for migration in sqlite_catalog.MIGRATIONS[:3]:
            raw.executescript(migration)
        raw.execute(
            "INSERT INTO voices (id, user_id, provider, voice_id, display_label, target_model, created_at, status,"
            " consent_speaker, consent_affirmation, consent_recorded_by, consent_recorded_at)"
            " VALUES (7, 'eve', 'dashscope', 'vc-7', 'Eve', 'm', '2026-03-04T05:06:07.000000Z', 'ready', 'Eve',"
            " 'I agree.', 'eve', '2026-03-04T05:06:07.000000Z')"
        )
        raw.execute(
            "INSERT INTO clone_intents (provider, target_model, voice_name, display_label, created_at, user_id,"
            " consent_speaker, consent_affirmation, consent_recorded_by, consent_recorded_at)"
            " VALUES ('cosyvoice', 'cosyvoice-v2', 'ot1234567', 'F', '2026-03-04T05:06:07.000000Z', 'eve', 'Eve',"
            " 'I agree.', 'eve', '2026-03-04T05:06:07.000000Z')"
        )
        raw.execute("PRAGMA user_version = 3")
    raw.close()
    eve = Owner("eve")
    stamp = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    # WHEN the current adapter opens it
    catalog = SqliteVoiceCatalog(db_path)
    # THEN the row, its owner and consent are kept (with no statement), and so is the intent's
    (entry,) = catalog.list_entries(owner=eve)
    assert (entry.id, entry.consent) == (7, ConsentRecord("Eve", "I agree.", "eve", stamp))
    (intent,) = catalog.list_intents()
    assert intent.consent == ConsentRecord("Eve", "I agree.", "eve", stamp) and intent.user_id == "eve"
    # AND a consent record with a recorded statement round-trips through an intent and an entry
    with_statement = ConsentRecord("Eve", "I agree.", "eve", NOW, ConsentStatement("consent/abc.wav", 4.25))
    recorded = catalog.record_intent(
        provider="dashscope",
        target_model="m",
        voice_name="ot7654321",
        display_label="G",
        now=NOW,
        owner=eve,
        consent=with_statement,
    )
    assert catalog.list_intents()[-1].consent == with_statement
    added = catalog.add_entry(
        NewEntry(voice(label="G", voice_id="vc-8"), NOW, intent_id=recorded.id, owner=eve, consent=with_statement)
    )
    assert catalog.get_entry(added.id, owner=eve).consent == with_statement  # type: ignore[union-attr]
    catalog.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    raw.close()


def test_a_version_1_file_on_a_read_only_mount_is_read_in_todays_schema_without_being_written(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a version-1 catalog (an upgrade was just deployed; no writer has migrated the file yet), opened the way
    # the list's catalog function opens it: EFS mounted read-only (SQLite's own read-only mode plays the mount)
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as raw:
        raw.executescript(sqlite_catalog.MIGRATIONS[0])
        raw.execute(
            "INSERT INTO voices (provider, voice_id, display_label, target_model, created_at)"
            " VALUES ('dashscope', 'qwen-tts-vc-a-voice-1', 'Alice', 'm', '2026-01-02T03:04:05.678000Z')"
        )
        raw.execute("PRAGMA user_version = 1")
    raw.close()
    connect = sqlite3.connect

    def read_only_mount(database: Path, *args: object, **kwargs: object) -> sqlite3.Connection:
        if str(database) == ":memory:":
            return connect(database, *args, **kwargs)  # type: ignore[arg-type]
        return connect(f"file:{database}?mode=ro", *args, uri=True, **kwargs)  # type: ignore[arg-type,misc]

    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", read_only_mount)
    reader = SqliteVoiceCatalog(db_path)
    # WHEN the listing is read
    # THEN it answers in today's schema (the row `ready`), not with an error, and the file is left as it was
    assert [(e.voice_id, e.status) for e in reader.list_entries()] == [("qwen-tts-vc-a-voice-1", "ready")]
    assert reader.list_entries(status="deploying") == [] and reader.get_entry(1) is not None
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    raw.close()
    # AND a write on the read-only mount fails loudly rather than landing in the copy
    with pytest.raises(StorageError):
        reader.add_entry(NewEntry(voice(label="Bob", voice_id="v2"), NOW))
    # AND what a writer (another catalog function) adds and migrates meanwhile is seen at the next read
    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", connect)
    SqliteVoiceCatalog(db_path).add_entry(NewEntry(voice(label="Carol", voice_id="v3"), NOW))
    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", read_only_mount)
    assert [e.voice_id for e in reader.list_entries()] == ["qwen-tts-vc-a-voice-1", "v3"]
    reader.close()


def test_an_entry_replaces_its_intent_in_one_transaction(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    intent = catalog.record_intent(
        provider="dashscope", target_model="m", voice_name="ot1234567", display_label="Alice", now=NOW
    )
    # Intents are invisible to the listing
    assert catalog.list_entries() == []
    entry = catalog.add_entry(NewEntry(voice(voice_id="qwen-tts-vc-ot1234567-voice-1"), NOW, intent_id=intent.id))
    assert catalog.list_intents() == [] and catalog.get_entry(entry.id) == entry
    assert catalog.get_entry(entry.id + 1) is None
    # An intent dropped twice reports the second time that it was gone
    other = catalog.record_intent(provider="dashscope", target_model="m", voice_name="x", display_label="B", now=NOW)
    assert catalog.drop_intent(other.id) is True and catalog.drop_intent(other.id) is False


def test_idempotency_records_are_claimed_once_until_stale(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    now_ms = 1_000_000_000
    record = IdempotencyRecord("k", "INPROGRESS", now_ms // 1000 + 60, now_ms + 30_000, "hash", "")
    # The first claim stores the record; a second one gets the live record back
    assert catalog.claim_idempotency_record(record, now_ms) is None
    assert catalog.claim_idempotency_record(replace(record, payload_hash="other"), now_ms) == record
    # Once the in-progress deadline passed (a crashed request), a new claim takes over
    later = now_ms + 31_000
    assert catalog.claim_idempotency_record(replace(record, payload_hash="new"), later) is None
    assert catalog.get_idempotency_record("k") == replace(record, payload_hash="new")
    # Completed records are replaced, and purged after their retention
    done = replace(record, status="COMPLETED", in_progress_expires_at=None, response_data='{"a": 1}')
    catalog.save_idempotency_record(done)
    assert catalog.get_idempotency_record("k") == done
    assert catalog.purge_idempotency_records(now_ms) == 0
    assert catalog.purge_idempotency_records(now_ms + 61_000) == 1
    assert catalog.get_idempotency_record("k") is None


def test_a_catalog_file_that_does_not_exist_yet_on_a_read_only_mount_lists_no_voices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a brand-new stack: no clone has created the file, and the list's catalog function mounts EFS read-only,
    # where SQLite cannot create it (a fault hook plays the read-only mount: this suite runs as root)
    path = tmp_path / "mnt" / "catalog" / "voices.sqlite3"
    connect = sqlite3.connect

    def read_only_mount(database: Path, *args: object, **kwargs: object) -> sqlite3.Connection:
        if not Path(database).exists():
            raise sqlite3.OperationalError("unable to open database file")
        return connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", read_only_mount)
    catalog = SqliteVoiceCatalog(path)
    # WHEN the listing and a single entry are read
    # THEN there are no voices, not an error
    assert catalog.list_entries() == []
    assert catalog.list_entries("dashscope", "ready") == []
    assert catalog.get_entry(1) is None
    assert not path.exists()
    # AND a write still fails loudly (only reads may take a missing file for an empty one)
    with pytest.raises(StorageError, match="could not be used"):
        catalog.add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-1", "A", "qwen3-tts-vc"), NOW))
    # AND once the file exists (a clone's catalog function created it), the same reads see it
    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", connect)
    SqliteVoiceCatalog(path).add_entry(NewEntry(NewVoice("dashscope", "qwen-tts-vc-1", "A", "qwen3-tts-vc"), NOW))
    monkeypatch.setattr(sqlite_catalog.sqlite3, "connect", read_only_mount)
    assert [entry.voice_id for entry in catalog.list_entries()] == ["qwen-tts-vc-1"]
    catalog.close()
