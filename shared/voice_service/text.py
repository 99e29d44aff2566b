"""Text rules shared by every request field: "blank means absent"."""

from __future__ import annotations


def blank_to_none(value: str | None) -> str | None:
    """`value` without surrounding whitespace, or None when nothing is left (a blank field is an absent one)."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
