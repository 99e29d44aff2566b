"""The provider vocabulary, used by every endpoint: names, aliases, normalization, who previews and who clones.

`dashscope` is Alibaba Cloud's DashScope serving Qwen (realtime TTS and Qwen voice enrollment); `cosyvoice` is
CosyVoice, also served by DashScope. The original server called the Qwen provider `bailian`, `qwen` or `qwen_tts`,
and older clients still send those names.
"""

from __future__ import annotations

from typing import Final, Literal

from voice_service.errors import InvalidRequestError
from voice_service.text import MAX_PROVIDER_NAME_CHARS, text_field

PreviewProvider = Literal["edge", "dashscope", "cosyvoice", "elevenlabs", "espeak"]
CloneProvider = Literal["cosyvoice", "dashscope"]
PREVIEW_PROVIDERS: Final[tuple[PreviewProvider, ...]] = ("edge", "dashscope", "cosyvoice", "elevenlabs", "espeak")
CLONE_PROVIDERS: Final[tuple[CloneProvider, ...]] = ("cosyvoice", "dashscope")
# Contract rule 2: the original server's names for DashScope Qwen.
PROVIDER_ALIASES: Final[dict[str, PreviewProvider]] = {
    "bailian": "dashscope",
    "qwen": "dashscope",
    "qwen_tts": "dashscope",
}


def canonical_name(raw: str) -> str:
    """`raw` trimmed, lower-cased and with aliases resolved (not yet checked against any list)."""
    name = raw.strip().lower()
    return PROVIDER_ALIASES.get(name, name)


def preview_provider(raw: str, origin: str = "provider") -> PreviewProvider:
    """The canonical preview provider for `raw` (already checked as text); unknown names are an
    InvalidRequestError naming `origin`."""
    name = canonical_name(raw)
    for provider in PREVIEW_PROVIDERS:
        if name == provider:
            return provider
    raise InvalidRequestError(f"Unknown {origin} {raw.strip()!r}: use one of {', '.join(PREVIEW_PROVIDERS)}.")


def clone_provider(raw: str | None) -> CloneProvider:
    """The canonical cloning provider for the clone form's `provider` field (required; aliases accepted)."""
    given = text_field("provider", raw, MAX_PROVIDER_NAME_CHARS)
    if given is None:
        raise InvalidRequestError("The field 'provider' is required: use cosyvoice or dashscope.")
    name = canonical_name(given)
    for provider in CLONE_PROVIDERS:
        if name == provider:
            return provider
    raise InvalidRequestError(f"Unknown clone provider {given!r}: use cosyvoice or dashscope.")


def catalog_filter(raw: str | None) -> CloneProvider | None:
    """The `?provider=` filter of GET /voices: blank means no filter; only the canonical names (any letter case)."""
    given = text_field("provider", raw, MAX_PROVIDER_NAME_CHARS)
    if given is None:
        return None
    name = given.lower()
    for provider in CLONE_PROVIDERS:
        if name == provider:
            return provider
    raise InvalidRequestError(f"Unknown provider filter {given!r}: use one of {', '.join(CLONE_PROVIDERS)}.")
