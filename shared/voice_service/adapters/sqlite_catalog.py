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
from voice_service.models import NewVoice, VoiceEntry
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label
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
)
SCHEMA_VERSION = len(MIGRATIONS)

BUSY_MESSAGE = "The voice catalog is busy with other writers; retry in a moment."
_COLUMNS = ", ".join(VoiceEntry._fields)  # the row order `_entry_from_row` reads
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
        # FastAPI runs sync routes in a thread pool; one connection is shared, so access is serialised.
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, settings: CatalogSettings) -> SqliteVoiceCatalog:
        return cls(settings.sqlite_path, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds)

    @property
    def path(self) -> Path:
        return self._path

    def list_entries(self, provider: CloneProvider | None = None) -> list[VoiceEntry]:
        # One SELECT is atomic on its own (autocommit), so no BEGIN/COMMIT round trips on the hot read path.
        with self._transaction(None) as connection:
            if provider is None:
                rows = connection.execute(f"SELECT {_COLUMNS} FROM voices ORDER BY id").fetchall()
            else:
                query = f"SELECT {_COLUMNS} FROM voices WHERE provider = ? ORDER BY id"
                rows = connection.execute(query, (provider,)).fetchall()
        return [_entry_from_row(row) for row in rows]

    def add_entry(self, voice: NewVoice, now: datetime, wait_seconds: float | None = None) -> VoiceEntry:
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
                "INSERT INTO voices (user_id, provider, voice_id, display_label, target_model, source, created_at)"
                " VALUES (NULL, ?, ?, ?, ?, 'clone', ?)",
                (voice.provider, voice.voice_id, label, voice.target_model, created_at),
            )
            entry_id = cursor.lastrowid
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
        )

    def get_entry(self, entry_id: int) -> VoiceEntry | None:
        with self._transaction(None) as connection:
            row = connection.execute(f"SELECT {_COLUMNS} FROM voices WHERE id = ?", (entry_id,)).fetchone()
        return None if row is None else _entry_from_row(row)

    def delete_entry(self, entry_id: int) -> bool:
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute("DELETE FROM voices WHERE id = ?", (entry_id,))
            return cursor.rowcount > 0

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
        if self._connection is not None and identity != self._file_identity:
            # The file was replaced or removed (restore, manual swap): a stale handle would see the old inode.
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
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

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
    return VoiceEntry._make((*row[:-1], _parse_timestamp(row[-1])))
