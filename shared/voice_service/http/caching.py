"""HTTP caching semantics of synthesized audio: the response's headers, a client's bypass, conditional requests."""

from __future__ import annotations

from typing import Final

from voice_service.services.speech_cache import CacheOutcome

# `private`: the audio is the caller's (their text, possibly their cloned voice, an API key on the request), so a
# shared cache (CDN, proxy) must not keep it; the caller's own browser may. `no-cache`: it may keep it but must
# revalidate before reuse, because the same request can legitimately yield new audio after a bypass; the strong
# ETag makes that revalidation a 304 without a body. (Browsers do not reuse POST responses on their own; a client
# that keeps a preview sends If-None-Match.)
SPEECH_CACHE_CONTROL: Final = "private, no-cache"
# Tells the caller (and the access log) which path answered: hit, miss, bypass or disabled.
CACHE_STATUS_HEADER: Final = "X-Speech-Cache"
# Response headers a cross-origin script may read (ETag is not CORS-safelisted).
EXPOSED_HEADERS: Final = ("ETag", CACHE_STATUS_HEADER)
# Request headers a browser may send cross-origin for these semantics (each triggers a preflight).
ALLOWED_REQUEST_HEADERS: Final = ("Cache-Control", "Pragma", "If-None-Match")


def bypass_requested(cache_control: str | None, pragma: str | None = None) -> bool:
    """A request's `Cache-Control: no-cache` (or, without Cache-Control, HTTP/1.0's `Pragma: no-cache`)."""
    if cache_control is not None:
        return any(_directive_name(part) == "no-cache" for part in cache_control.split(","))
    return pragma is not None and any(_directive_name(part) == "no-cache" for part in pragma.split(","))


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or any listed tag equal to `etag` under weak comparison."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def speech_headers(etag: str, outcome: CacheOutcome) -> dict[str, str]:
    """The headers of every answer carrying (or standing for, in a 304) synthesized audio."""
    return {"Cache-Control": SPEECH_CACHE_CONTROL, "ETag": etag, CACHE_STATUS_HEADER: outcome.value}


def _directive_name(directive: str) -> str:
    return directive.split("=", 1)[0].strip().lower()
