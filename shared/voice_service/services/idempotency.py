"""`Idempotency-Key` for POST /voices/clone: Powertools' idempotency utility over a persistence layer in the catalog.

Why Powertools and not our own: its state machine (claim an in-progress record, replay a completed one, refuse a
different payload under the same key, release the key when the request fails) is the part that is easy to get
wrong, and its `BasePersistenceLayer` needs only four primitives. Here they are four catalog operations
(`get/claim/save/delete_idempotency_record`), one transaction each, so the records live with the catalog and hold
across Lambda containers, and the same layer works wherever the catalog port is served from. The one atomic step,
"store unless a live record exists", is `claim_idempotency_record`.

Keys are per caller: the record's key is derived from the caller's user id and the header together, so user B
sending user A's key starts B's own clone and never sees A's result (the shared catalog of the open and api-key
modes is one caller).

What the caller sees: the same key and the same form within the retention window replays the first answer
without calling the provider; the same key with a different form is IdempotencyKeyReusedError (422); the same key
while the first request still runs is IdempotencyConflictError (409). A request that fails releases its key, so a
retry runs again. An in-progress record of a request that crashed stops blocking once the request must have ended
(the clone function's timeout), as Powertools does with the Lambda context's remaining time.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from voice_service.errors import (
    IdempotencyConflictError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    StorageError,
    VoiceServiceError,
)
from voice_service.models import SHARED_CATALOG, ConsentRecord, ConsentStatement, IdempotencyRecord, Owner, VoiceEntry
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.cloning import CloneForm, CloneResult, CloningService

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
# Visible ASCII, as the IETF draft's examples and Stripe's keys are; long enough for a UUID or a hash.
KEY_PATTERN: Final = re.compile(r"[\x21-\x7e]{1,255}")
KEY_PREFIX: Final = "voices-clone"


def parse_idempotency_key(raw: str) -> str:
    key = raw.strip()
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidRequestError(
            f"The {IDEMPOTENCY_HEADER} header must be 1 to 255 visible ASCII characters (a UUID is a good choice)."
        )
    return key


def request_fingerprint(form: CloneForm, audio: bytes | None) -> str:
    """What makes two clone requests "the same": every form field as sent, and the audio's digest."""
    fields = {
        "provider": form.provider,
        "target_model": form.target_model,
        "display_label": form.display_label,
        "prefix": form.prefix,
        "preferred_name": form.preferred_name,
        "upload_id": form.upload_id,
        "consent_speaker": form.consent_speaker,
        "consent_affirmed": form.consent_affirmed,
        "audio_sha256": hashlib.sha256(audio).hexdigest() if audio is not None else None,
        "consent_statement_sha256": (
            hashlib.sha256(form.consent_statement).hexdigest() if form.consent_statement is not None else None
        ),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class CatalogPersistenceLayer(BasePersistenceLayer):
    """Powertools' persistence layer over the catalog port."""

    def __init__(self, catalog: VoiceCatalog, now_ms: Callable[[], int] | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools leaves its constructor unannotated
        self._catalog = catalog
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))

    def _get_record(self, idempotency_key: str) -> DataRecord:
        record = self._catalog.get_idempotency_record(idempotency_key)
        if record is None:
            raise IdempotencyItemNotFoundError
        return _data_record(record)

    def _put_record(self, data_record: DataRecord) -> None:
        blocking = self._catalog.claim_idempotency_record(_stored_record(data_record), self._now_ms())
        if blocking is not None:
            old_data_record = _data_record(blocking)
            # As Powertools' DynamoDB layer does with the record its failed condition returns: the caller uses it
            # as is, so a different payload must be refused here.
            self._validate_payload(data_payload=data_record, stored_data_record=old_data_record)
            raise IdempotencyItemAlreadyExistsError(old_data_record=old_data_record)

    def _update_record(self, data_record: DataRecord) -> None:
        self._catalog.save_idempotency_record(_stored_record(data_record))

    def _delete_record(self, data_record: DataRecord) -> None:
        self._catalog.delete_idempotency_record(data_record.idempotency_key)


def _stored_record(data_record: DataRecord) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=data_record.idempotency_key,
        status=data_record._status,  # the raw status: `.status` would report EXPIRED instead
        expires_at=int(data_record.expiry_timestamp or 0),
        in_progress_expires_at=data_record.in_progress_expiry_timestamp,
        payload_hash=data_record.payload_hash,
        response_data=data_record.response_data,
    )


def _data_record(record: IdempotencyRecord) -> DataRecord:
    return DataRecord(
        idempotency_key=record.key,
        status=record.status,
        expiry_timestamp=record.expires_at,
        in_progress_expiry_timestamp=record.in_progress_expires_at,
        response_data=record.response_data,
        payload_hash=record.payload_hash,
    )


@dataclass(frozen=True, slots=True)
class _RequestDeadline:
    """Stands in for the Lambda context, whose remaining time Powertools uses as the in-progress expiry."""

    seconds: float

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


@dataclass
class IdempotentCloning:
    """Wraps the clone use case with the Idempotency-Key behaviour (module docstring)."""

    cloning: CloningService
    catalog: VoiceCatalog
    retention_seconds: int
    # Longer than the clone function may run, so a live request's record never looks abandoned.
    in_progress_seconds: float
    now_ms: Callable[[], int] | None = None
    _run: Callable[..., dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="fingerprint",
            expires_after_seconds=self.retention_seconds,
            lambda_context=_RequestDeadline(self.in_progress_seconds),  # type: ignore[arg-type]
        )
        store = CatalogPersistenceLayer(self.catalog, self.now_ms)
        self._run = idempotent_function(
            data_keyword_argument="request", persistence_store=store, config=config, key_prefix=KEY_PREFIX
        )(self._clone_once)

    def clone(
        self, form: CloneForm, audio: bytes | None, idempotency_key: str | None, *, owner: Owner = SHARED_CATALOG
    ) -> CloneResult:
        """Clone for `owner` once per key of theirs (see the module docstring); without a key, simply clone.

        Raises:
            InvalidRequestError: the key is malformed (and whatever CloningService.clone raises).
            IdempotencyConflictError: a request with this key is still running.
            IdempotencyKeyReusedError: this key was used for a different request within the retention window.
        """
        if idempotency_key is None:
            return self.cloning.clone(form, audio, owner)
        key = parse_idempotency_key(idempotency_key)
        # Powertools hashes what `event_key_jmespath` selects: the owner is part of the stored key.
        request = {"key": {"user_id": owner.user_id, "key": key}, "fingerprint": request_fingerprint(form, audio)}
        try:
            stored = self._run(request=request, form=form, audio=audio, owner=owner)
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyConflictError(
                f"A clone with this {IDEMPOTENCY_HEADER} is still in progress: retry in a few seconds to get its "
                "result (it never creates a second voice)."
            ) from exc
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReusedError(
                f"This {IDEMPOTENCY_HEADER} was already used for a different clone request: use a new key for a "
                "new request."
            ) from exc
        except IdempotencyPersistenceLayerError as exc:
            cause = exc.__cause__
            if isinstance(cause, VoiceServiceError):
                raise cause from exc
            raise StorageError("The idempotency record of this request could not be used.") from exc
        return _result_from_dict(stored)

    def _clone_once(
        self, request: dict[str, Any], form: CloneForm, audio: bytes | None, owner: Owner
    ) -> dict[str, Any]:
        return _result_to_dict(self.cloning.clone(form, audio, owner))


def _result_to_dict(result: CloneResult) -> dict[str, Any]:
    entry = result.entry._asdict()
    entry["created_at"] = result.entry.created_at.isoformat()
    consent = result.entry.consent
    entry["consent"] = (
        None
        if consent is None
        else {
            "speaker": consent.speaker,
            "affirmation": consent.affirmation,
            "recorded_by": consent.recorded_by,
            "recorded_at": consent.recorded_at.isoformat(),
            "statement": None
            if consent.statement is None
            else {"key": consent.statement.key, "duration_seconds": consent.statement.duration_seconds},
        }
    )
    return {"entry": entry, "message": result.message}


def _result_from_dict(stored: dict[str, Any]) -> CloneResult:
    fields = dict(stored["entry"])
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    consent = fields.get("consent")
    if consent is not None:
        statement = consent.get("statement")
        fields["consent"] = ConsentRecord(
            consent["speaker"],
            consent["affirmation"],
            consent["recorded_by"],
            datetime.fromisoformat(consent["recorded_at"]),
            None if statement is None else ConsentStatement(statement["key"], float(statement["duration_seconds"])),
        )
    return CloneResult(VoiceEntry(**fields), str(stored["message"]))
