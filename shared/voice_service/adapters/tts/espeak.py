"""eSpeak NG through ctypes over the `espeakng-loader` wheel: offline, keyless, in-process, 22050 Hz.

eSpeak keeps one global state per process (voice, callback), so synthesis is serialised with a lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass, field
from functools import cache

from voice_service.adapters.audio_pcm import resample_pcm16
from voice_service.errors import InvalidRequestError, ProviderUnavailableError, UpstreamError
from voice_service.services.builtin_voices import BuiltinVoice
from voice_service.services.preview import PLAIN_STYLE, SpeechStyle
from voice_service.settings import EspeakTtsSettings

PROVIDER = "espeak"
# espeak_ng.h constants.
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000  # without it a missing data directory ends the process
CHARS_UTF8 = 1
POS_CHARACTER = 1
EE_OK = 0
ESPEAK_RATE = 1  # espeak_PARAMETER espeakRATE, in words per minute
NORMAL_WORDS_PER_MINUTE = 175  # espeakRATE_NORMAL
# eSpeak NG copies the data path into a fixed buffer (N_PATH_HOME, 160 bytes on some builds).
MAX_DATA_PATH_BYTES = 150
# Voice names as eSpeak NG spells them: en-us, cmn, en-gb-x-rp, en+f3 (variant), yue.
VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,39}$")


class _EspeakVoice(ctypes.Structure):
    """espeak_VOICE of speak_lib.h."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, language, NUL) pairs ending with a 0 byte
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


GENDERS = {1: "Male", 2: "Female"}
SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass
class _Engine:
    library: ctypes.CDLL
    sample_rate: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    chunks: list[bytes] = field(default_factory=list)
    callback: object = None  # the ctypes callback must stay referenced for as long as eSpeak may call it


@cache
def _engine() -> _Engine:
    """Load and initialise libespeak-ng once per process.

    Raises:
        ProviderUnavailableError: the wheel or its native library is missing on this platform.
    """
    try:
        import espeakng_loader

        library = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path().encode()
    except (ImportError, OSError, RuntimeError) as exc:
        raise _unavailable() from exc
    if len(data_path) > MAX_DATA_PATH_BYTES:
        raise _unavailable()
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_Initialize.restype = ctypes.c_int
    library.espeak_SetSynthCallback.argtypes = [SynthCallback]
    library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    library.espeak_SetVoiceByName.restype = ctypes.c_int
    library.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    library.espeak_Synth.restype = ctypes.c_int
    library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    library.espeak_SetParameter.restype = ctypes.c_int
    library.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    library.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_EspeakVoice))
    sample_rate = library.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, INITIALIZE_DONT_EXIT)
    if sample_rate <= 0:
        raise _unavailable()
    engine = _Engine(library=library, sample_rate=sample_rate)

    def collect(samples: ctypes._Pointer[ctypes.c_short], count: int, _events: object) -> int:
        if samples and count > 0:
            engine.chunks.append(ctypes.string_at(samples, count * 2))
        return 0  # 0 = continue synthesis

    engine.callback = SynthCallback(collect)
    library.espeak_SetSynthCallback(engine.callback)
    return engine


def load_engine() -> object:
    """Load eSpeak NG now (ProviderUnavailableError where it cannot run), e.g. to tell whether it is available."""
    return _engine()


def _unavailable() -> ProviderUnavailableError:
    return ProviderUnavailableError(
        "The espeak provider is not available in this deployment (its native library could not be loaded); "
        "choose another provider."
    )


def _unknown_voice(name: str) -> InvalidRequestError:
    return InvalidRequestError(f"Unknown espeak voice {name!r}: use an eSpeak NG voice name such as en-us or cmn.")


class EspeakSynthesizer:
    """Implements `SpeechSynthesizer`; `model` is ignored (eSpeak NG has one synthesizer)."""

    def __init__(self, settings: EspeakTtsSettings) -> None:
        self._settings = settings

    def resolve_voice(self, voice: str | None, model: str | None) -> tuple[str, str]:
        voice_name = voice or self._settings.default_voice
        if not VOICE_NAME.match(voice_name):
            raise _unknown_voice(voice_name)
        return voice_name, ""

    async def synthesize(
        self,
        text: str,
        voice: str,
        model: str,
        sample_rate: int,
        timeout: float,
        style: SpeechStyle = PLAIN_STYLE,
    ) -> bytes:
        # In-process and bounded (a 240-character text takes milliseconds): run inline on the request's loop.
        voice_name = voice
        engine = _engine()
        encoded = text.encode("utf-8") + b"\0"
        with engine.lock:
            if engine.library.espeak_SetVoiceByName(voice_name.encode()) != EE_OK:
                raise _unknown_voice(voice_name)
            # The rate is process-global: set it on every request, so one request's speed never leaks into the next.
            engine.library.espeak_SetParameter(ESPEAK_RATE, round(NORMAL_WORDS_PER_MINUTE * style.speed), 0)
            engine.chunks.clear()
            status = engine.library.espeak_Synth(encoded, len(encoded), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
            pcm = b"".join(engine.chunks)
            engine.chunks.clear()
        if status != EE_OK:
            raise UpstreamError(PROVIDER, f"eSpeak NG stopped with status {status}.")
        return resample_pcm16(pcm, engine.sample_rate, sample_rate)


def list_espeak_voices() -> list[BuiltinVoice]:
    """The voices installed with eSpeak NG (its language voices, not the +variants), by their file name, which
    `espeak_SetVoiceByName` always takes (a language name may not be one: `en-gb` is the voice file `gmw/en`).

    Raises:
        ProviderUnavailableError: the native library cannot be loaded here.
    """
    engine = _engine()
    voices = []
    with engine.lock:
        listing = engine.library.espeak_ListVoices(None)
        index = 0
        while listing[index]:
            entry = listing[index].contents
            index += 1
            language = _first_language(entry.languages)
            file_name = (entry.identifier or b"").decode("utf-8", "replace").rsplit("/", 1)[-1].lower()
            if not language or not VOICE_NAME.match(file_name):
                continue
            voices.append(
                BuiltinVoice(
                    provider=PROVIDER,
                    voice=file_name,
                    name=(entry.name or b"").decode("utf-8", "replace").replace("_", " ") or file_name,
                    language=language,
                    gender=GENDERS.get(entry.gender),
                )
            )
    return sorted(voices, key=lambda voice: voice.voice)


def _first_language(languages: int | None) -> str | None:
    if not languages:
        return None
    # Skip the priority byte; the language name runs to the next NUL.
    return ctypes.string_at(languages + 1).decode("ascii", "replace") or None
