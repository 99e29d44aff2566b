"""Text rules shared by every request field: "blank means absent", and the limits and checks of free text.

Every text field is hostile: it may hold lone UTF-16 surrogates (valid in JSON, impossible to encode, so a crash in
whatever encodes it next), control characters, invisible or bidi-override characters only, or megabytes. Each field
is checked with these before any provider call or write, with one English sentence per failure (the README's
"Limits" lists them).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from voice_service.errors import InvalidRequestError

# Field lengths in characters (after trimming surrounding whitespace).
MAX_DISPLAY_LABEL_CHARS: Final = 100
MAX_MODEL_CHARS: Final = 100
MAX_VOICE_CHARS: Final = 200
MAX_PROVIDER_NAME_CHARS: Final = 32
# A voice id a provider returns is stored and listed: bound it too, so the catalog listing stays bounded.
MAX_PROVIDER_VOICE_ID_CHARS: Final = 200

# Letters that render as nothing (fillers, blank braille): a label of only these is as invisible as spaces.
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def text_field(name: str, value: str | None, max_chars: int, *, single_line: bool = True) -> str | None:
    """`value` trimmed, or None when it is absent or blank.

    Raises:
        InvalidRequestError: the value cannot be encoded as UTF-8 (lone surrogates), is longer than `max_chars`,
            or (single-line fields) holds a control character such as a newline or NUL.
    """
    if value is None:
        return None
    require_unicode(name, value)
    stripped = blank_to_none(value)
    if stripped is None:
        return None
    if len(stripped) > max_chars:
        raise InvalidRequestError(
            f"The field {name!r} is {len(stripped)} characters long; use at most {max_chars} characters."
        )
    if single_line and any(unicodedata.category(character) == "Cc" for character in stripped):
        raise InvalidRequestError(f"The field {name!r} must not contain control characters such as line breaks.")
    return stripped


def require_unicode(name: str, value: str) -> None:
    """Refuse text that is not a sequence of Unicode scalar values (JSON's "\\ud800", UTF-7 or escape charsets)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequestError(
            f"The field {name!r} is not valid Unicode text (it holds a lone surrogate); send UTF-8 text."
        ) from None


def has_visible_character(text: str) -> bool:
    """True when some character would show: a letter, digit, punctuation mark or symbol that is not a blank filler."""
    return any(unicodedata.category(character)[0] in "LNPS" and character not in _BLANK_LETTERS for character in text)


def display_label(value: str | None) -> str | None:
    """A label for people to read: bounded, single-line and with at least one visible character."""
    label = text_field("display_label", value, MAX_DISPLAY_LABEL_CHARS)
    if label is not None and not has_visible_character(label):
        raise InvalidRequestError(
            "The field 'display_label' has no visible character; use letters, digits or symbols people can read."
        )
    return label


def model_name(name: str, value: str | None) -> str | None:
    """A provider model identifier: bounded, no whitespace or control characters inside."""
    model = text_field(name, value, MAX_MODEL_CHARS)
    if model is not None and not all(character.isprintable() and not character.isspace() for character in model):
        raise InvalidRequestError(f"The field {name!r} must be a model name without spaces or invisible characters.")
    return model


def blank_to_none(value: str | None) -> str | None:
    """`value` without surrounding whitespace, or None when nothing is left (a blank field is an absent one)."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
