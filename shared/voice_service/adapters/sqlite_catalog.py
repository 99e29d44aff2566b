"""The voice catalog in SQLite, safe for several Lambda containers sharing one file on EFS (NFS).

NFS rules this out: WAL (its index is shared memory, which NFS clients do not share). What is used instead: the
rollback journal, a busy timeout, `BEGIN IMMEDIATE` so that a writer takes the write lock before it reads, short
transactions, and one connection per process that is reopened when the file is replaced.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voice_service.errors import StorageBusyError, StorageError
from voice_service.models import CloneIntent, IdempotencyRecord, NewVoice, VoiceEntry, VoiceStatus
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label, idempotency_record_is_stale
from voice_service.settings import CatalogSettings

# Each entry is the SQL that takes the schema from version N to N+1 (PRAGMA user_version). Append; never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS voices (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted id is never handed out again
        user_id       TEXT,                               -- reserved for multi-tenant deployments; NULL for now
        provider      TEXT NOT NULL CHECK (provider IN ('cosyvoice', 'dashscope')),
        voice_id      TEXT NOT NULL,
        display_label TEXT NOT NULL,
        target_model  TEXT NOT NULL,
        source        TEXT NOT NULL DEFAULT 'clone' CHECK (source = 'clone'),
        created_at    TEXT NOT NULL                       -- ISO 8601, UTC
    );
    CREATE UNIQUE INDEX IF NOT EXISTS voices_unique_label ON voices (provider, target_model, display_label);
    """,
    # Version 2: the voice lifecycle. Rows of version 1 were written after the provider answered and predate
    # statuses: they become `ready` (the reconciler marks any the provider no longer has as `gone`).
    """
    ALTER TABLE voices ADD COLUMN status TEXT NOT NULL DEFAULT 'ready'
        CHECK (status IN ('deploying', 'ready', 'failed', 'gone'));
    CREATE INDEX IF NOT EXISTS voices_by_status ON voices (status);
    -- A clone recorded before the provider is called; removed when its entry is written or the call definitely
    -- failed. Whatever remains after a crash is resolved by the reconciler. Never shown by GET /voices.
    CREATE TABLE IF NOT EXISTS clone_intents (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        provider      TEXT NOT NULL CHECK (provider IN ('cosyvoice', 'dashscope')),
        target_model  TEXT NOT NULL,
        voice_name    TEXT NOT NULL,                      -- the prefix / preferred_name sent to the provider
        display_label TEXT NOT NULL,
        created_at    TEXT NOT NULL                       -- ISO 8601, UTC
    );
    -- Idempotency-Key records of POST /voices/clone (Powertools' record layout).
    CREATE TABLE IF NOT EXISTS idempotency_records (
        key                    TEXT PRIMARY KEY,
        status                 TEXT NOT NULL,
        expires_at             INTEGER NOT NULL,          -- Unix seconds
        in_progress_expires_at INTEGER,                   -- Unix milliseconds
        payload_hash           TEXT NOT NULL,
        response_data          TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

BUSY_MESSAGE = "The voice catalog is busy with other writers; retry in a moment."
_COLUMNS = ", ".join(VoiceEntry._fields)  # the row order `_entry_from_row` reads
_INTENT_COLUMNS = "id, provider, target_model, voice_name, display_label, created_at"
_RECORD_COLUMNS = "key, status, expires_at, in_progress_expires_at, payload_hash, response_data"
# A same-millisecond burst of identical labels needs at most this many distinct stamps.
_MAX_LABEL_ATTEMPTS = 1000


class SqliteVoiceCatalog:
    """Implements `VoiceCatalog` over one SQLite file."""

    def __init__(self, path: Path, busy_timeout_seconds: float = 10.0) -> None:
        self._path = Path(path)
        self._busy_timeout = busy_timeout_seconds
        self._connection: sqlite3.Connection | None = None
        self._file_identity: tuple[int, int] | None = None
        self._busy_timeout_ms = 0
        # True while the connection is an upgraded in-memory copy of an older file this process may not write.
        self._reading_a_snapshot = False
        # FastAPI runs sync routes in a thread pool; one connection is shared, so access is serialised.
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, settings: CatalogSettings) -> SqliteVoiceCatalog:
        return cls(settings.sqlite_path, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds)

    @property
    def path(self) -> Path:
        return self._path

    def list_entries(
        self, provider: CloneProvider | None = None, status: VoiceStatus | None = None
    ) -> list[VoiceEntry]:
        conditions = [(column, value) for column, value in (("provider", provider), ("status", status)) if value]
        where = " AND ".join(f"{column} = ?" for column, _ in conditions)
        query = f"SELECT {_COLUMNS} FROM voices{' WHERE ' + where if where else ''} ORDER BY id"
        # One SELECT is atomic on its own (autocommit), so no BEGIN/COMMIT round trips on the hot read path.
        try:
            with self._transaction(None) as connection:
                rows = connection.execute(query, tuple(value for _, value in conditions)).fetchall()
        except StorageError as error:
            self._reraise_unless_the_file_is_missing(error)
            return []
        return [_entry_from_row(row) for row in rows]

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        try:
            with self._transaction(None) as connection:
                row = connection.execute(f"SELECT {_COLUMNS} FROM voices WHERE id = ?", (entry_id,)).fetchone()
        except StorageError as error:
            self._reraise_unless_the_file_is_missing(error)
            return None
        return _entry_from_row(row) if row is not None else None

    def set_status(self, entry_id: int, status: VoiceStatus) -> bool:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute("UPDATE voices SET status = ? WHERE id = ?", (status, entry_id))
            return cursor.rowcount > 0

    def add_entry(
        self, voice: NewVoice, now: datetime, intent_id: int | None = None, wait_seconds: float | None = None
    ) -> VoiceEntry:
        created_at = _format_timestamp(now)
        with self._transaction("BEGIN IMMEDIATE", wait_seconds) as connection:
            label = voice.display_label
            attempt = 0
            while self._label_taken(connection, voice, label):
                if attempt >= _MAX_LABEL_ATTEMPTS:
                    raise StorageError("Could not find a free label for this voice; try another display_label.")
                label = deduplicated_label(voice.display_label, now, attempt)
                attempt += 1
            cursor = connection.execute(
                "INSERT INTO voices"
                " (user_id, provider, voice_id, display_label, target_model, source, created_at, status)"
                " VALUES (NULL, ?, ?, ?, ?, 'clone', ?, ?)",
                (voice.provider, voice.voice_id, label, voice.target_model, created_at, voice.status),
            )
            entry_id = cursor.lastrowid
            if intent_id is not None:
                # Same transaction: the entry and the end of its intent are one fact, even across a crash.
                connection.execute("DELETE FROM clone_intents WHERE id = ?", (intent_id,))
        assert entry_id is not None
        return VoiceEntry(
            id=entry_id,
            user_id=None,
            provider=voice.provider,
            voice_id=voice.voice_id,
            display_label=label,
            target_model=voice.target_model,
            source="clone",
            created_at=_parse_timestamp(created_at),
            status=voice.status,
        )

    def delete_entry(self, entry_id: int) -> bool:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute("DELETE FROM voices WHERE id = ?", (entry_id,))
            return cursor.rowcount > 0

    def record_intent(
        self, *, provider: CloneProvider, target_model: str, voice_name: str, display_label: str, now: datetime
    ) -> CloneIntent:
        created_at = _format_timestamp(now)
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute(
                "INSERT INTO clone_intents (provider, target_model, voice_name, display_label, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (provider, target_model, voice_name, display_label, created_at),
            )
            intent_id = cursor.lastrowid
        assert intent_id is not None
        return CloneIntent(intent_id, provider, target_model, voice_name, display_label, _parse_timestamp(created_at))

    def drop_intent(self, intent_id: int) -> bool:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            return connection.execute("DELETE FROM clone_intents WHERE id = ?", (intent_id,)).rowcount > 0

    def list_intents(self) -> list[CloneIntent]:
        with self._transaction(None) as connection:
            rows = connection.execute(f"SELECT {_INTENT_COLUMNS} FROM clone_intents ORDER BY id").fetchall()
        return [
            CloneIntent(intent_id, provider, model, name, label, _parse_timestamp(created_at))
            for intent_id, provider, model, name, label, created_at in rows
        ]

    def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self._transaction(None) as connection:
            row = connection.execute(
                f"SELECT {_RECORD_COLUMNS} FROM idempotency_records WHERE key = ?", (key,)
            ).fetchone()
        return IdempotencyRecord(*row) if row is not None else None

    def claim_idempotency_record(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            row = connection.execute(
                f"SELECT {_RECORD_COLUMNS} FROM idempotency_records WHERE key = ?", (record.key,)
            ).fetchone()
            if row is not None:
                existing = IdempotencyRecord(*row)
                if not idempotency_record_is_stale(existing, now_ms):
                    return existing
            connection.execute(
                f"INSERT OR REPLACE INTO idempotency_records ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                _record_row(record),
            )
        return None

    def save_idempotency_record(self, record: IdempotencyRecord) -> None:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            connection.execute(
                f"INSERT OR REPLACE INTO idempotency_records ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                _record_row(record),
            )

    def delete_idempotency_record(self, key: str) -> None:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            connection.execute("DELETE FROM idempotency_records WHERE key = ?", (key,))

    def purge_idempotency_records(self, now_ms: int) -> int:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute("DELETE FROM idempotency_records WHERE expires_at * 1000 < ?", (now_ms,))
            return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._close_connection()

    @staticmethod
    def _label_taken(connection: sqlite3.Connection, voice: NewVoice, label: str) -> bool:
        row = connection.execute(
            "SELECT 1 FROM voices WHERE provider = ? AND target_model = ? AND display_label = ?",
            (voice.provider, voice.target_model, label),
        ).fetchone()
        return row is not None

    def _reraise_unless_the_file_is_missing(self, error: StorageError) -> None:
        """A read of a file that does not exist and could not be created finds nothing; any other failure is raised.

        That is a brand-new stack seen by the list's catalog function, which mounts EFS read-only: until the first
        clone creates the file there are no voices, which is an empty answer, not an error.
        """
        if self._path.exists():
            raise error

    @contextmanager
    def _transaction(self, begin: str | None, wait_seconds: float | None = None) -> Iterator[sqlite3.Connection]:
        """Run one short transaction (`begin=None`: a single autocommit statement).

        The whole wait, for this process's other threads and for other processes' locks, is bounded by the busy
        timeout (or `wait_seconds` when shorter). SQLite errors become StorageError, or StorageBusyError when the
        lock outlasted the wait.
        """
        wait = self._busy_timeout if wait_seconds is None else max(0.0, min(wait_seconds, self._busy_timeout))
        deadline = time.monotonic() + wait
        if not self._lock.acquire(timeout=wait):
            raise StorageBusyError(BUSY_MESSAGE)
        try:
            try:
                connection = self._current_connection(max(0.0, deadline - time.monotonic()))
                if begin is None:
                    yield connection
                    return
                connection.execute(begin)
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback_quietly()
                if _is_busy(exc):
                    raise StorageBusyError(BUSY_MESSAGE) from exc
                raise StorageError(f"The voice catalog could not be used: {exc}.") from exc
            except sqlite3.DatabaseError as exc:
                # Corrupt or foreign file: drop the connection and never write to the file.
                self._close_connection()
                raise StorageError(f"The voice catalog file could not be read: {exc}.") from exc
        finally:
            self._lock.release()

    def _current_connection(self, wait: float) -> sqlite3.Connection:
        identity = _file_identity(self._path)
        if self._connection is not None and (identity != self._file_identity or self._reading_a_snapshot):
            # The file was replaced or removed (restore, manual swap): a stale handle would see the old inode. A
            # snapshot is taken afresh for every use, so it never hides what writers did since.
            self._close_connection()
        if self._connection is None:
            self._connection = self._open(wait)
            self._file_identity = _file_identity(self._path)
            self._busy_timeout_ms = int(wait * 1000)
        wait_ms = int(wait * 1000)
        if wait_ms != self._busy_timeout_ms:
            self._connection.execute(f"PRAGMA busy_timeout = {wait_ms}")
            self._busy_timeout_ms = wait_ms
        return self._connection

    def _open(self, wait: float) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; every transaction is begun explicitly above.
        connection = sqlite3.connect(self._path, timeout=wait, isolation_level=None, check_same_thread=False)
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA foreign_keys=ON")
            try:
                self._migrate(connection)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_READONLY:
                    raise
                connection = self._upgraded_snapshot(connection)
            else:
                self._reading_a_snapshot = False
        except BaseException:
            connection.close()
            raise
        return connection

    def _upgraded_snapshot(self, connection: sqlite3.Connection) -> sqlite3.Connection:
        """An older file on a read-only mount (the list's catalog function, right after an upgrade is deployed and
        before any writer migrated the file): its rows, copied into memory and upgraded there, so reads answer in
        today's schema. Writes to the copy would be lost, so only reads happen here: the read-only catalog function
        serves no write operation, and a write on a read-only mount fails before it gets here."""
        snapshot = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            connection.backup(snapshot)
            self._migrate(snapshot)
            snapshot.execute("PRAGMA query_only = ON")  # a write fails as on the mount itself, never lost silently
        except BaseException:
            snapshot.close()
            raise
        finally:
            connection.close()
        self._reading_a_snapshot = True
        return snapshot

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another container may have migrated meanwhile.
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[step]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _rollback_quietly(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            try:
                self._connection.execute("ROLLBACK")
            except sqlite3.Error:
                self._close_connection()

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._file_identity = None


def _statements(script: str) -> list[str]:
    """Split a migration into statements, so each runs inside the surrounding transaction."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"Incomplete SQL statement in a migration: {pending.strip()[:60]!r}")
    return statements


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str) -> datetime:
    # fromisoformat (C, accepts "Z" since 3.11) is ~20x faster than strptime, which dominated list latency.
    return datetime.fromisoformat(text)


def _entry_from_row(row: tuple[Any, ...]) -> VoiceEntry:
    # Columns are declared TEXT/INTEGER NOT NULL (user_id nullable), so the values already have the right types.
    entry_id, user_id, provider, voice_id, label, model, source, created_at, status = row
    return VoiceEntry(entry_id, user_id, provider, voice_id, label, model, source, _parse_timestamp(created_at), status)


def _record_row(record: IdempotencyRecord) -> tuple[Any, ...]:
    return (
        record.key,
        record.status,
        record.expires_at,
        record.in_progress_expires_at,
        record.payload_hash,
        record.response_data,
    )
