"""The consent record a clone carries: who gave consent, that the caller affirmed it, who recorded it and when.

OpenAI and Azure require the speaker's consent before a voice is cloned; a deployment where users sign in requires
it by default (OPENTALKING_CLONE_CONSENT). The record is stored on the catalog entry, returned with it, and deleted
with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from voice_service.errors import ConsentRequiredError, InvalidRequestError
from voice_service.models import ConsentRecord
from voice_service.text import blank_to_none

# What the caller affirms by sending consent_affirmed=true; stored word for word with the entry.
CONSENT_AFFIRMATION: Final = (
    "The person named as consent_speaker is the speaker in this sample and has consented to having their voice "
    "cloned and used for synthetic speech by this service."
)
MAX_SPEAKER_CHARS: Final = 200
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
