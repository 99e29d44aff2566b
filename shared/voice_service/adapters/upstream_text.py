"""The one sanitizer of upstream text: what a provider says is quoted to the caller only through `quote_upstream`.

Every provider key the process resolves is remembered here (`remember_secret`), so a key that an upstream message
echoes back is masked whichever adapter quotes it.
"""

from __future__ import annotations

import re
from typing import Final

# Upstream messages are quoted to the caller; keep them short and on one line.
MAX_QUOTED_CHARS: Final = 200
MASK: Final = "***"
_secrets: set[str] = set()


def remember_secret(value: str | None) -> None:
    """Mask `value` in every upstream message quoted from now on (blank values are ignored)."""
    if value and value.strip():
        _secrets.add(value.strip())


def quote_upstream(message: object) -> str:
    """An upstream message made safe to show: one line, no secrets, at most MAX_QUOTED_CHARS, no final period."""
    text = re.sub(r"\s+", " ", str(message)).strip()
    # Longest first, so a key that contains another is masked whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1].rstrip() + "…"
    return text.rstrip(".") or "no message"
