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
from voice_service.models import (
    SHARED_CATALOG,
    CloneIntent,
    ConsentRecord,
    ConsentStatement,
    IdempotencyRecord,
    NewEntry,
    NewVoice,
    Owner,
    VoiceEntry,
    VoiceStatus,
)
from voice_service.providers import CloneProvider
from voice_service.services.catalog import deduplicated_label, idempotency_record_is_stale
from voice_service.services.quotas import voice_limit_reached
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
    # Version 3: per-user catalogs. Labels are unique per owner (unowned rows count as one owner), listing by owner
    # is an index lookup, an entry and an intent carry the speaker's consent, an intent its owner (so the entry the
    # reconciler completes keeps it), and request_log counts each user's requests for the rate quotas.
    """
    DROP INDEX IF EXISTS voices_unique_label;
    CREATE UNIQUE INDEX voices_unique_label ON voices (ifnull(user_id, ''), provider, target_model, display_label);
    CREATE INDEX voices_by_user ON voices (user_id, id);
    ALTER TABLE voices ADD COLUMN consent_speaker TEXT;
    ALTER TABLE voices ADD COLUMN consent_affirmation TEXT;
    ALTER TABLE voices ADD COLUMN consent_recorded_by TEXT;
    ALTER TABLE voices ADD COLUMN consent_recorded_at TEXT;
    ALTER TABLE clone_intents ADD COLUMN user_id TEXT;
    ALTER TABLE clone_intents ADD COLUMN consent_speaker TEXT;
    ALTER TABLE clone_intents ADD COLUMN consent_affirmation TEXT;
    ALTER TABLE clone_intents ADD COLUMN consent_recorded_by TEXT;
    ALTER TABLE clone_intents ADD COLUMN consent_recorded_at TEXT;
    CREATE TABLE request_log (
        user_id TEXT NOT NULL,
        action  TEXT NOT NULL,
        at      REAL NOT NULL  -- Unix seconds
    );
    CREATE INDEX request_log_by_user ON request_log (user_id, action, at);
    """,
    # Version 4: the recorded consent statement. An entry's (and an intent's) consent names the statement's object
    # in the samples bucket and its duration; rows of earlier versions have none (NULL).
    """
    ALTER TABLE voices ADD COLUMN consent_statement_key TEXT;
    ALTER TABLE voices ADD COLUMN consent_statement_seconds REAL;
    ALTER TABLE clone_intents ADD COLUMN consent_statement_key TEXT;
    ALTER TABLE clone_intents ADD COLUMN consent_statement_seconds REAL;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

BUSY_MESSAGE = "The voice catalog is busy with other writers; retry in a moment."
_CONSENT_COLUMNS = (
    "consent_speaker, consent_affirmation, consent_recorded_by, consent_recorded_at, consent_statement_key,"
    " consent_statement_seconds"
)
# The row order `_entry_from_row` reads: the entry's plain fields, then its consent record's.
_COLUMNS = ", ".join((*VoiceEntry._fields[:-1], _CONSENT_COLUMNS))
_INTENT_COLUMNS = f"id, provider, target_model, voice_name, display_label, created_at, user_id, {_CONSENT_COLUMNS}"
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
        self,
        provider: CloneProvider | None = None,
        status: VoiceStatus | None = None,
        *,
        owner: Owner = SHARED_CATALOG,
    ) -> list[VoiceEntry]:
        where, parameters = _owned_by(owner)
        for column, value in (("provider", provider), ("status", status)):
            if value:
                where.append(f"{column} = ?")
                parameters.append(value)
        query = f"SELECT {_COLUMNS} FROM voices {_where(where)} ORDER BY id"
        # One SELECT is atomic on its own (autocommit), so no BEGIN/COMMIT round trips on the hot read path.
        try:
            with self._transaction(None) as connection:
                rows = connection.execute(query, parameters).fetchall()
        except StorageError as error:
            self._reraise_unless_the_file_is_missing(error)
            return []
        return [_entry_from_row(row) for row in rows]

    def get_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> VoiceEntry | None:
        where, parameters = _owned_by(owner)
        query = f"SELECT {_COLUMNS} FROM voices {_where(['id = ?', *where])}"
        try:
            with self._transaction(None) as connection:
                row = connection.execute(query, (entry_id, *parameters)).fetchone()
        except StorageError as error:
            self._reraise_unless_the_file_is_missing(error)
            return None
        return _entry_from_row(row) if row is not None else None

    def set_status(self, entry_id: int, status: VoiceStatus, *, owner: Owner = SHARED_CATALOG) -> bool:
        where, parameters = _owned_by(owner)
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute(
                f"UPDATE voices SET status = ? {_where(['id = ?', *where])}", (status, entry_id, *parameters)
            )
            return cursor.rowcount > 0

    def add_entry(self, new: NewEntry) -> VoiceEntry:
        voice, owner, max_voices = new.voice, new.owner, new.max_voices
        created_at = _format_timestamp(new.now)
        # BEGIN IMMEDIATE takes the write lock before the count: concurrent clones by one user cannot both pass it.
        with self._transaction("BEGIN IMMEDIATE", new.wait_seconds) as connection:
            if max_voices is not None:
                # Every status counts, `deploying` included: each row holds a voice at the provider.
                (count,) = connection.execute(
                    "SELECT count(*) FROM voices WHERE user_id IS ?", (owner.user_id,)
                ).fetchone()
                if count >= max_voices:
                    raise voice_limit_reached(count, max_voices)
            label = voice.display_label
            attempt = 0
            while self._label_taken(connection, voice, label, owner):
                if attempt >= _MAX_LABEL_ATTEMPTS:
                    raise StorageError("Could not find a free label for this voice; try another display_label.")
                label = deduplicated_label(voice.display_label, new.now, attempt)
                attempt += 1
            cursor = connection.execute(
                "INSERT INTO voices"
                " (user_id, provider, voice_id, display_label, target_model, source, created_at, status,"
                f" {_CONSENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'clone', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    owner.user_id,
                    voice.provider,
                    voice.voice_id,
                    label,
                    voice.target_model,
                    created_at,
                    voice.status,
                    *_consent_columns(new.consent),
                ),
            )
            entry_id = cursor.lastrowid
            if new.intent_id is not None:
                # Same transaction: the entry and the end of its intent are one fact, even across a crash.
                connection.execute("DELETE FROM clone_intents WHERE id = ?", (new.intent_id,))
        assert entry_id is not None
        return VoiceEntry(
            id=entry_id,
            user_id=owner.user_id,
            provider=voice.provider,
            voice_id=voice.voice_id,
            display_label=label,
            target_model=voice.target_model,
            source="clone",
            created_at=_parse_timestamp(created_at),
            status=voice.status,
            consent=new.consent,
        )

    def delete_entry(self, entry_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        where, parameters = _owned_by(owner)
        with self._transaction("BEGIN IMMEDIATE") as connection:
            # Someone else's entry is not there for this owner: False, so the caller answers 404, never 403.
            cursor = connection.execute(f"DELETE FROM voices {_where(['id = ?', *where])}", (entry_id, *parameters))
            return cursor.rowcount > 0

    def voice_owners(self, provider: str, voice_id: str) -> list[str | None]:
        with self._transaction(None) as connection:
            rows = connection.execute(
                "SELECT user_id FROM voices WHERE provider = ? AND voice_id = ?", (provider, voice_id)
            ).fetchall()
        return [user_id for (user_id,) in rows]

    def count_entries(self, owner: Owner) -> int:
        with self._transaction(None) as connection:
            (count,) = connection.execute("SELECT count(*) FROM voices WHERE user_id IS ?", (owner.user_id,)).fetchone()
        return int(count)

    def take_request_slot(self, user_id: str, action: str, now: datetime, limit: int, window_seconds: int) -> bool:
        moment = now.timestamp()
        # Under the write lock, so concurrent requests from several containers cannot both take the last slot.
        with self._transaction("BEGIN IMMEDIATE") as connection:
            connection.execute(
                "DELETE FROM request_log WHERE user_id = ? AND action = ? AND at <= ?",
                (user_id, action, moment - window_seconds),
            )
            (recent,) = connection.execute(
                "SELECT count(*) FROM request_log WHERE user_id = ? AND action = ?", (user_id, action)
            ).fetchone()
            if recent >= limit:
                return False
            connection.execute(
                "INSERT INTO request_log (user_id, action, at) VALUES (?, ?, ?)", (user_id, action, moment)
            )
        return True

    def record_intent(
        self,
        *,
        provider: CloneProvider,
        target_model: str,
        voice_name: str,
        display_label: str,
        now: datetime,
        owner: Owner = SHARED_CATALOG,
        consent: ConsentRecord | None = None,
    ) -> CloneIntent:
        created_at = _format_timestamp(now)
        with self._transaction("BEGIN IMMEDIATE") as connection:
            cursor = connection.execute(
                "INSERT INTO clone_intents (provider, target_model, voice_name, display_label, created_at, user_id,"
                f" {_CONSENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    provider,
                    target_model,
                    voice_name,
                    display_label,
                    created_at,
                    owner.user_id,
                    *_consent_columns(consent),
                ),
            )
            intent_id = cursor.lastrowid
        assert intent_id is not None
        return CloneIntent(
            intent_id,
            provider,
            target_model,
            voice_name,
            display_label,
            _parse_timestamp(created_at),
            owner.user_id,
            consent,
        )

    def drop_intent(self, intent_id: int, *, owner: Owner = SHARED_CATALOG) -> bool:
        where, parameters = _owned_by(owner)
        with self._transaction("BEGIN IMMEDIATE") as connection:
            query = f"DELETE FROM clone_intents {_where(['id = ?', *where])}"
            return connection.execute(query, (intent_id, *parameters)).rowcount > 0

    def list_intents(self) -> list[CloneIntent]:
        with self._transaction(None) as connection:
            rows = connection.execute(f"SELECT {_INTENT_COLUMNS} FROM clone_intents ORDER BY id").fetchall()
        return [
            CloneIntent(
                intent_id, provider, model, name, label, _parse_timestamp(created_at), user_id, _consent_from(consent)
            )
            for intent_id, provider, model, name, label, created_at, user_id, *consent in rows
        ]

    def assign_unowned(self, user_id: str, now: datetime, entry_ids: list[int] | None = None) -> list[int]:
        owner = Owner(user_id=user_id)
        assigned: list[int] = []
        with self._transaction("BEGIN IMMEDIATE") as connection:
            rows = connection.execute(
                "SELECT id, provider, voice_id, display_label, target_model FROM voices WHERE user_id IS NULL"
                " ORDER BY id"
            ).fetchall()
            wanted = None if entry_ids is None else set(entry_ids)
            for entry_id, provider, voice_id, label, target_model in rows:
                if wanted is not None and entry_id not in wanted:
                    continue
                voice = NewVoice(provider, voice_id, label, target_model)
                new_label, attempt = label, 0
                while self._label_taken(connection, voice, new_label, owner):
                    if attempt >= _MAX_LABEL_ATTEMPTS:
                        raise StorageError(f"Could not find a free label for entry {entry_id}.")
                    new_label = deduplicated_label(label, now, attempt)
                    attempt += 1
                connection.execute(
                    "UPDATE voices SET user_id = ?, display_label = ? WHERE id = ? AND user_id IS NULL",
                    (user_id, new_label, entry_id),
                )
                assigned.append(entry_id)
        return assigned

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
    def _label_taken(connection: sqlite3.Connection, voice: NewVoice, label: str, owner: Owner) -> bool:
        row = connection.execute(
            "SELECT 1 FROM voices WHERE ifnull(user_id, '') = ? AND provider = ? AND target_model = ?"
            " AND display_label = ?",
            (owner.user_id or "", voice.provider, voice.target_model, label),
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


def _owned_by(owner: Owner) -> tuple[list[str], list[Any]]:
    """The WHERE terms that keep a query to `owner`'s rows (none for the shared catalog)."""
    if owner.shared:
        return [], []
    if owner.sees_unowned:
        return ["(user_id = ? OR user_id IS NULL)"], [owner.user_id]
    return ["user_id = ?"], [owner.user_id]


def _where(terms: list[str]) -> str:
    return f"WHERE {' AND '.join(terms)}" if terms else ""


def _consent_columns(consent: ConsentRecord | None) -> tuple[str | float | None, ...]:
    if consent is None:
        return (None, None, None, None, None, None)
    statement = consent.statement
    return (
        consent.speaker,
        consent.affirmation,
        consent.recorded_by,
        _format_timestamp(consent.recorded_at),
        None if statement is None else statement.key,
        None if statement is None else statement.duration_seconds,
    )


def _consent_from(columns: list[Any] | tuple[Any, ...]) -> ConsentRecord | None:
    speaker, affirmation, recorded_by, recorded_at, statement_key, statement_seconds = columns
    if speaker is None:
        return None
    statement = None if statement_key is None else ConsentStatement(statement_key, float(statement_seconds))
    return ConsentRecord(speaker, affirmation, recorded_by, _parse_timestamp(recorded_at), statement)


def _entry_from_row(row: tuple[Any, ...]) -> VoiceEntry:
    # Columns are declared TEXT/INTEGER NOT NULL (user_id nullable), so the values already have the right types.
    entry_id, user_id, provider, voice_id, label, model, source, created_at, status, *consent = row
    return VoiceEntry(
        entry_id,
        user_id,
        provider,
        voice_id,
        label,
        model,
        source,
        _parse_timestamp(created_at),
        status,
        _consent_from(consent),
    )


def _record_row(record: IdempotencyRecord) -> tuple[Any, ...]:
    return (
        record.key,
        record.status,
        record.expires_at,
        record.in_progress_expires_at,
        record.payload_hash,
        record.response_data,
    )
