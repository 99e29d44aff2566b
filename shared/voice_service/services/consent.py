"""The consent record a clone carries: who gave consent, that the caller affirmed it, who recorded it and when.

OpenAI and Azure require the speaker's consent before a voice is cloned; a deployment where users sign in requires
it by default (OPENTALKING_CLONE_CONSENT). The record is stored on the catalog entry, returned with it, and deleted
with it. Optionally (or, with OPENTALKING_CLONE_CONSENT_STATEMENT=required, always) the speaker's recorded consent
statement goes with it: stored in the samples bucket under its own prefix, which lives as long as the voice.

One rule keeps a statement from outliving its voice: the reference is written before the object, and the object is
deleted before the reference. A clone records the intent (whose consent names the statement's key) before it puts
the object; whoever removes an intent or an entry deletes the object first and keeps the row if that fails. So every
stored statement is named by an intent or an entry, and a failure at worst leaves a row whose statement is already
gone (while it is being deleted anyway), never a recording of someone's voice that nothing points to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Protocol

from voice_service.errors import ConsentRequiredError, InvalidRequestError
from voice_service.models import ConsentRecord
from voice_service.text import blank_to_none

# What the caller affirms by sending consent_affirmed=true; stored word for word with the entry.
CONSENT_AFFIRMATION: Final = (
    "The person named as consent_speaker is the speaker in this sample and has consented to having their voice "
    "cloned and used for synthetic speech by this service."
)
MAX_SPEAKER_CHARS: Final = 200
# The recorded statement: a sentence or two of speech, so a small file; its duration is checked after decoding.
STATEMENT_FIELD: Final = "consent_statement"
MIN_STATEMENT_BYTES: Final = 256
MAX_STATEMENT_BYTES: Final = 2 * 1024 * 1024
MIN_STATEMENT_SECONDS: Final = 1.0
MAX_STATEMENT_SECONDS: Final = 60.0
_TRUE: Final = frozenset({"true", "yes", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "0", "off"})


def consent_record(
    speaker: str | None, affirmed: str | None, *, required: bool, recorded_by: str | None, now: datetime
) -> ConsentRecord | None:
    """The record for a clone request's consent fields; None when none were sent and none is required.

    Raises:
        ConsentRequiredError: consent is required and missing, or only half given.
        InvalidRequestError: a field is malformed (affirmed not a yes/no word, speaker too long or not printable).
    """
    speaker = blank_to_none(speaker)
    affirmed = blank_to_none(affirmed)
    if speaker is None and affirmed is None:
        if required:
            raise ConsentRequiredError(
                "Cloning needs the speaker's consent here: send consent_speaker (who is speaking in the sample) and "
                "consent_affirmed=true to affirm that they agreed to be cloned."
            )
        return None
    if affirmed is None or affirmed.strip().lower() not in _TRUE | _FALSE:
        raise ConsentRequiredError("consent_affirmed must be true to affirm the speaker's consent.")
    if affirmed.strip().lower() in _FALSE:
        raise ConsentRequiredError("A voice is cloned only with the speaker's consent: consent_affirmed is false.")
    if speaker is None:
        raise ConsentRequiredError("consent_speaker must name the person speaking in the sample.")
    speaker = speaker.strip()
    if len(speaker) > MAX_SPEAKER_CHARS or not speaker.isprintable():
        raise InvalidRequestError(f"consent_speaker must be printable text of at most {MAX_SPEAKER_CHARS} characters.")
    return ConsentRecord(speaker=speaker, affirmation=CONSENT_AFFIRMATION, recorded_by=recorded_by, recorded_at=now)


class ConsentStatementStore(Protocol):
    """Port: where recorded consent statements live, as long as their voices (never expired by a lifecycle rule)."""

    def new_statement_key(self) -> str:
        """A fresh random key under the statements' prefix (nothing is written)."""
        ...

    def put_statement(self, key: str, wav: bytes) -> None:
        """Store the statement; StorageError on failure."""
        ...

    def delete_statement(self, key: str) -> None:
        """Remove the statement (no error when it is already gone); StorageError on failure, so the caller keeps
        the row that names it."""
        ...

    def statement_url(self, key: str) -> str:
        """A short-lived GET URL of the statement, for its owner to listen to."""
        ...

    @property
    def url_ttl_seconds(self) -> int:
        """How long `statement_url`'s URLs live."""
        ...


def check_statement(statement: bytes | None, consent: ConsentRecord | None, *, required: bool) -> None:
    """Refuse a missing (when required), orphaned or oversized statement before anything is decoded or written.

    Raises:
        ConsentRequiredError: a statement is required and missing, or sent without the consent record it belongs to.
        InvalidRequestError: the statement is smaller than a real recording or larger than MAX_STATEMENT_BYTES.
    """
    if statement is None:
        if required:
            raise ConsentRequiredError(
                f"Cloning needs the speaker's recorded consent statement here: send it as the file field "
                f"'{STATEMENT_FIELD}' (up to {MAX_STATEMENT_SECONDS:g} seconds of audio), with consent_speaker and "
                "consent_affirmed=true."
            )
        return
    if consent is None:
        raise ConsentRequiredError(
            f"A {STATEMENT_FIELD} belongs to a consent record: send consent_speaker and consent_affirmed=true with it."
        )
    if len(statement) < MIN_STATEMENT_BYTES:
        raise InvalidRequestError(
            f"The {STATEMENT_FIELD} is too small ({len(statement)} bytes): send a recording of at least "
            f"{MIN_STATEMENT_BYTES} bytes."
        )
    if len(statement) > MAX_STATEMENT_BYTES:
        raise InvalidRequestError(
            f"The {STATEMENT_FIELD} is larger than 2 MiB ({MAX_STATEMENT_BYTES} bytes): send a shorter recording."
        )


def check_statement_duration(seconds: float) -> None:
    """Raises InvalidRequestError when the decoded statement is longer than MAX_STATEMENT_SECONDS."""
    if seconds > MAX_STATEMENT_SECONDS:
        raise InvalidRequestError(
            f"The {STATEMENT_FIELD} is longer than {MAX_STATEMENT_SECONDS:g} seconds: record a shorter statement."
        )
