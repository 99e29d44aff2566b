"""ElevenLabs TTS through the `elevenlabs` SDK's HTTP stream, asking for raw PCM so nothing needs decoding."""

from __future__ import annotations

import asyncio
import re
import ssl
from functools import cache

from voice_service.adapters.audio_pcm import resample_pcm16
from voice_service.adapters.provider_keys import ProviderKeys
from voice_service.adapters.tts.common import MAX_UPSTREAM_AUDIO_BYTES, TOO_MUCH_AUDIO, deadline_reason
from voice_service.adapters.upstream_text import quote_upstream
from voice_service.errors import InvalidRequestError, ProviderNotConfiguredError, UpstreamError
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
from voice_service.settings import ElevenLabsTtsSettings

PROVIDER = "elevenlabs"
VOICE_ID_SETTING = "OPENTALKING_TTS_ELEVENLABS_VOICE_ID"
# PCM rates every plan may request (pcm_44100 needs Pro); any other session rate is resampled from 24 kHz.
PCM_RATES = (8000, 16000, 22050, 24000)
FALLBACK_PCM_RATE = 24000
# The SDK puts the voice id into the URL path unescaped; ElevenLabs ids are short alphanumeric strings.
VOICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MODEL_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ElevenLabsSynthesizer:
    """Implements `SpeechSynthesizer` with the SDK's async client, awaited on the request's event loop."""

    def __init__(self, settings: ElevenLabsTtsSettings, keys: ProviderKeys) -> None:
        self._settings = settings
        self._keys = keys

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        settings = self._settings
        voice_id = voice or settings.default_voice_id
        if not voice_id:
            raise ProviderNotConfiguredError(PROVIDER, f"{VOICE_ID_SETTING} (or send a voice)")
        if not VOICE_ID.match(voice_id):
            raise InvalidRequestError(f"Invalid elevenlabs voice id {voice_id!r}: use the voice_id ElevenLabs shows.")
        model_id = model or settings.default_model
        if not MODEL_ID.match(model_id):
            raise InvalidRequestError(
                f"Invalid elevenlabs model {model_id!r}: use a model id such as eleven_flash_v2_5."
            )
        return voice_id, model_id

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        settings = self._settings
        api_key = self._keys.elevenlabs()
        native_rate = sample_rate if sample_rate in PCM_RATES else FALLBACK_PCM_RATE
        # The SDK's first import takes a while (a second on a busy machine): it is not the provider's time.
        import elevenlabs.client  # noqa: F401

        try:
            async with asyncio.timeout(timeout):
                pcm = await _stream_pcm(
                    api_key, settings.base_url, voice, model, text, native_rate, timeout, style.speed
                )
        except TimeoutError as exc:
            raise UpstreamError(PROVIDER, deadline_reason(timeout)) from exc
        return resample_pcm16(pcm, native_rate, sample_rate)


async def _stream_pcm(
    api_key: str, base_url: str, voice_id: str, model_id: str, text: str, rate: int, timeout: float, speed: float
) -> bytes:
    import httpx
    from elevenlabs import VoiceSettings
    from elevenlabs.client import AsyncElevenLabs
    from elevenlabs.core import ApiError

    # A client of our own, closed after the call, so sockets do not pile up in warm containers; it shares the
    # process's TLS context, because loading the CA bundle anew costs about 15 ms per request.
    async with httpx.AsyncClient(timeout=timeout, verify=tls_context()) as http:
        client = AsyncElevenLabs(api_key=api_key, base_url=base_url.rstrip("/"), timeout=timeout, httpx_client=http)
        # Only a changed speed sends voice_settings: otherwise the voice keeps its own stored settings.
        options = {} if speed == 1.0 else {"voice_settings": VoiceSettings(speed=speed)}
        # The stream is lazy: the request is made, and every error raised, while iterating.
        try:
            buffer = bytearray()
            stream = client.text_to_speech.stream(
                voice_id, text=text, model_id=model_id, output_format=f"pcm_{rate}", **options
            )
            async for chunk in stream:
                buffer += chunk
                if len(buffer) > MAX_UPSTREAM_AUDIO_BYTES:
                    raise UpstreamError(PROVIDER, TOO_MUCH_AUDIO)
            return bytes(buffer)
        except ApiError as exc:
            raise UpstreamError(PROVIDER, f"the API answered HTTP {exc.status_code} ({_api_message(exc)}).") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamError(PROVIDER, deadline_reason(timeout)) from exc
        except httpx.ConnectError as exc:
            raise UpstreamError(PROVIDER, "the server could not be reached.") from exc
        except httpx.RemoteProtocolError as exc:
            raise UpstreamError(PROVIDER, "the connection dropped before the audio was complete.") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(PROVIDER, f"the request failed ({type(exc).__name__}).") from exc


@cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every ElevenLabs client of this process uses (httpx's defaults, built once)."""
    import httpx

    return httpx.create_ssl_context()


def _api_message(error: object) -> str:
    """The `detail.message` / `detail.status` of an ElevenLabs error body, or its raw text."""
    body = getattr(error, "body", None)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        message = detail.get("message") or detail.get("status") or detail
    elif isinstance(detail, list) and detail and isinstance(detail[0], dict):
        message = detail[0].get("msg", detail[0])
    else:
        message = detail or body or "no message"
    return quote_upstream(message)
