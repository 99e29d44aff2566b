"""The SQLite catalog on a real temporary file: schema, de-duplication, order, filter, delete, and failures."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voice_service.adapters import sqlite_catalog
from voice_service.adapters.sqlite_catalog import SCHEMA_VERSION, SqliteVoiceCatalog
from voice_service.errors import StorageBusyError, StorageError
from voice_service.models import NewVoice
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
    first.add_entry(voice(), NOW)
    first.close()
    second = SqliteVoiceCatalog(db_path)
    assert [e.voice_id for e in second.list_entries()] == ["v1"]


def test_an_empty_existing_file_gets_the_schema(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    assert SqliteVoiceCatalog(db_path).list_entries() == []


def test_a_later_migration_runs_once_on_an_existing_catalog(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a catalog at the current version with a row
    SqliteVoiceCatalog(db_path).add_entry(voice(), NOW)
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
    first = catalog.add_entry(voice(), NOW)
    second = catalog.add_entry(voice(voice_id="v2"), NOW)
    third = catalog.add_entry(voice(voice_id="v3"), NOW)
    assert first.display_label == "Alice"
    assert second.display_label == "Alice-20261124-010203-456"
    assert third.display_label == "Alice-20261124-010203-457"


def test_same_label_for_another_model_or_provider_is_kept(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(voice(), NOW)
    assert catalog.add_entry(voice(model="other"), NOW).display_label == "Alice"
    assert catalog.add_entry(voice(provider="cosyvoice"), NOW).display_label == "Alice"


def test_listing_is_oldest_first_and_filters_by_provider(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    for index, provider in enumerate(["cosyvoice", "dashscope", "cosyvoice"]):
        catalog.add_entry(voice(label=f"L{index}", provider=provider, voice_id=f"v{index}"), NOW)
    assert [e.voice_id for e in catalog.list_entries()] == ["v0", "v1", "v2"]
    assert [e.voice_id for e in catalog.list_entries("cosyvoice")] == ["v0", "v2"]
    assert all(e.user_id is None and e.source == "clone" for e in catalog.list_entries())


def test_get_entry_finds_one_entry_by_id(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(voice(label="a"), NOW)
    second = catalog.add_entry(voice(label="b"), NOW)
    assert catalog.get_entry(second.id) == second
    assert catalog.get_entry(second.id + 1) is None


def test_delete_removes_once_and_ids_are_never_reused(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    first = catalog.add_entry(voice(label="a"), NOW)
    second = catalog.add_entry(voice(label="b"), NOW)
    assert catalog.delete_entry(second.id) is True
    assert catalog.delete_entry(second.id) is False
    third = catalog.add_entry(voice(label="c"), NOW)
    assert third.id > second.id > first.id


def test_corrupt_file_is_a_storage_error_and_is_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just text " * 100
    db_path.write_bytes(garbage)
    catalog = SqliteVoiceCatalog(db_path)
    with pytest.raises(StorageError, match="could not be read"):
        catalog.list_entries()
    with pytest.raises(StorageError):
        catalog.add_entry(voice(), NOW)
    assert db_path.read_bytes() == garbage
    assert not db_path.with_name(db_path.name + "-journal").exists()


def test_a_replaced_file_is_reopened(db_path: Path) -> None:
    catalog = SqliteVoiceCatalog(db_path)
    catalog.add_entry(voice(), NOW)
    # GIVEN the file is swapped for another catalog (a restore) while the connection is open
    other = db_path.with_name("restored.sqlite3")
    SqliteVoiceCatalog(other).add_entry(voice(voice_id="restored"), NOW)
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
            catalog.add_entry(voice(), NOW)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # THEN nothing was written, and the next request succeeds
    assert catalog.list_entries() == []
    assert catalog.add_entry(voice(), NOW).display_label == "Alice"
