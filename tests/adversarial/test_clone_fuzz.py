"""Fuzzed uploads for cloning: seeded mutations of valid samples in every accepted container (bit flips,
truncations, header fields, spliced containers, references to a canary file) never crash, never hang past the
conversion timeout, never read anything but the upload, and never write anything when refused."""

from __future__ import annotations

import io
import random
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.clone_voice.app import lambda_handler
from testsupport.apigw import FakeLambdaContext, json_body
from testsupport.fakes.audio_mutations import Mutation, mutations, reference_lines
from testsupport.fakes.clone_support import (
    RecordingServer,
    apigw_event,
    audio_only_ffmpeg,
    bucket_keys,
    make_sample,
    s3_client,
    use_fresh_bucket,
)
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment, is_clone_wav
from testsupport.moto_s3 import running_moto_server
from testsupport.wiring import FunctionWiring
from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
from voice_service.errors import InvalidRequestError
from voice_service.models import NewEntry, NewVoice

SEED = 20261124
BASES = ("aac-adts", "flac", "m4a", "mp3", "mp4-fragmented", "ogg-opus", "wav", "webm-opus")
MUTATIONS_PER_SAMPLE = 10
MAX_SECONDS = 60
# Generous for a 3.5 s sample, yet it bounds every case: a hung ffmpeg is killed and the upload refused.
CONVERSION_TIMEOUT_SECONDS = 10
QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"


@dataclass(frozen=True)
class Canary:
    """A WAV of seeded noise at exactly the clone format: if ffmpeg ever read it, its bytes would be in the output."""

    paths: tuple[Path, ...]
    fingerprint: bytes


def write_canaries(*directories: Path) -> Canary:
    noise = random.Random(SEED).randbytes(24_000 * 2 * 4)  # 4 s, 24 kHz mono 16-bit
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(24_000)
        writer.writeframes(noise)
    paths = []
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "canary.wav"
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return Canary(tuple(paths), noise[48_000:48_064])


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Canary:
    """Canaries in the working directory and next to the conversion's private directory (tempfile's parent)."""
    conversions = tmp_path / "tmp"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(conversions))
    return write_canaries(tmp_path, conversions)


@pytest.fixture(scope="module")
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.stop()


def cases_for(base: str, canary: Canary, recorder: RecordingServer) -> list[Mutation]:
    samples = {name: make_sample(name) for name in BASES}
    # The canaries by absolute and relative path, and a URL that would show up as a hit on the recorder.
    targets = [*(str(path) for path in canary.paths), "canary.wav", "../canary.wav", f"{recorder.url}/canary.wav"]
    everything = mutations(samples, reference_lines(targets), SEED, MUTATIONS_PER_SAMPLE)
    return [case for case in everything if case.name.split()[0] == base]


@pytest.mark.parametrize("base", BASES)
def test_mutated_samples_convert_cleanly_or_are_refused(base: str, canary: Canary, recorder: RecordingServer) -> None:
    converter = FfmpegSampleConverter(
        ffmpeg_exe=audio_only_ffmpeg(),
        max_seconds=MAX_SECONDS,
        min_seconds=3,
        timeout_seconds=CONVERSION_TIMEOUT_SECONDS,
    )
    cases = cases_for(base, canary, recorder)
    assert len(cases) >= MUTATIONS_PER_SAMPLE + 4
    outcomes: dict[str, str] = {}
    for case in cases:
        # WHEN the mutated upload is converted
        try:
            sample = converter.to_clone_wav(case.content)
        except InvalidRequestError as refused:
            # THEN a refusal is one sentence for the caller (no ffmpeg output, no traceback)
            assert str(refused).endswith(".") and "\n" not in str(refused), case.name
            outcomes[case.name] = "refused"
            continue
        # OR the result is a clone-format WAV of bounded length that holds none of the canary
        assert is_clone_wav(sample.wav), case.name
        assert 3 <= sample.duration_seconds <= MAX_SECONDS, case.name
        assert canary.fingerprint not in sample.wav, case.name
        outcomes[case.name] = "converted"
    # AND nothing was fetched, and every private conversion directory is gone again
    assert recorder.hits == []
    assert sorted(path.name for path in Path(tempfile.gettempdir()).iterdir()) == ["canary.wav"]
    # AND the fuzzing reached both outcomes, so it neither only fed garbage nor only valid files
    assert "refused" in outcomes.values(), outcomes


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from running_moto_server()


@pytest.fixture
def world(
    s3_endpoint: str, canary: Canary, monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring
) -> Iterator[tuple[FakeDashScopeEnrollment, str]]:
    """A bucket with one object, a catalog with one voice and a DashScope enrollment fake that accepts clones."""
    bucket = use_fresh_bucket(monkeypatch, wiring, s3_endpoint)
    # A generous conversion bound on this shared machine; the provider budgets shrink so that the total still fits
    # the 27 s a clone may take (the settings refuse more).
    wiring.set(
        OPENTALKING_CLONE_CONVERSION_TIMEOUT_SECONDS=str(CONVERSION_TIMEOUT_SECONDS),
        OPENTALKING_COSYVOICE_TIMEOUT_SECONDS="1",
        OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS="1",
    )
    with FakeDashScopeEnrollment() as fake:
        wiring.set(DASHSCOPE_HTTP_BASE_URL=fake.base_url, DASHSCOPE_API_KEY=fake.api_key)
        s3_client(s3_endpoint).put_object(Bucket=bucket, Key="samples/keep-me.wav", Body=b"unrelated")
        wiring.catalog().add_entry(
            NewEntry(NewVoice("cosyvoice", "existing", "Existing", "cosyvoice-v2"), datetime.now(UTC))
        )
        yield fake, bucket


@pytest.mark.parametrize("base", BASES)
def test_mutated_uploads_through_the_handler_are_never_5xx_and_refusals_write_nothing(
    wiring: FunctionWiring,
    base: str,
    world: tuple[FakeDashScopeEnrollment, str],
    s3_endpoint: str,
    canary: Canary,
    recorder: RecordingServer,
) -> None:
    fake, bucket = world
    # The splices, which carry the canary references, and the first few random mutations.
    cases = [case for case in cases_for(base, canary, recorder) if "#" not in case.name or case.name.endswith(" #0")]
    bucket_before = bucket_keys(s3_endpoint, bucket)
    for case in cases:
        catalog_before = wiring.catalog().list_entries()
        requests_before = len(fake.requests)
        event = apigw_event(
            "POST",
            "/voices/clone",
            fields={"provider": "dashscope", "target_model": QWEN_TARGET, "display_label": "Fuzzed"},
            files={"audio": ("sample.webm", case.content, "audio/webm")},
        )
        response = lambda_handler(event, FakeLambdaContext())
        status, detail = response["statusCode"], json_body(response).get("detail")
        assert status in (200, 400), (case.name, status, detail)
        if status == 400:
            # THEN a refusal is a sentence, nothing reached DashScope and nothing was stored
            assert isinstance(detail, str) and detail.endswith("."), case.name
            assert len(fake.requests) == requests_before, case.name
            assert wiring.catalog().list_entries() == catalog_before, case.name
        else:
            # A mutation that still decodes is a clone like any other: one new voice from a clean sample
            assert len(wiring.catalog().list_entries()) == len(catalog_before) + 1, case.name
            assert is_clone_wav(fake.fetched_samples[-1]), case.name
            assert canary.fingerprint not in fake.fetched_samples[-1], case.name
    # AND the bucket (Qwen clones never use it) is untouched, and nothing was fetched from the network
    assert bucket_keys(s3_endpoint, bucket) == bucket_before
    assert recorder.hits == []
    assert fake.problems == []
