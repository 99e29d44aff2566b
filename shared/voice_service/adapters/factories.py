"""Lazy, cached constructors of the adapters, so warm invocations reuse clients and tests can swap them."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from voice_service.settings import (
    CatalogSettings,
    CloneSettings,
    SampleBucketSettings,
    SpeechCacheSettings,
    get_settings,
)

if TYPE_CHECKING:
    from voice_service.adapters.s3_samples import S3SampleBucket
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
    from voice_service.services.cloning import CloningService
    from voice_service.services.speech_cache import SpeechCache


@lru_cache(maxsize=1)
def get_voice_catalog() -> SqliteVoiceCatalog:
    """The process-wide catalog (one SQLite connection per warm container)."""
    # Imported on first use: the preview and upload functions never open the catalog.
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

    settings = get_settings(CatalogSettings)
    return SqliteVoiceCatalog(settings.sqlite_path, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds)


@lru_cache(maxsize=1)
def get_sample_bucket() -> S3SampleBucket:
    """The bucket for direct uploads and CosyVoice samples (its boto3 client is created on first use)."""
    from voice_service.adapters.s3_samples import S3SampleBucket

    settings = get_settings(SampleBucketSettings)
    # Without a bucket name, using it raises ProviderNotConfiguredError (Qwen clones with inline audio still work).
    return S3SampleBucket(
        settings.samples_bucket,
        region=settings.samples_bucket_region,
        sample_url_ttl_seconds=settings.sample_url_ttl_seconds,
        upload_url_ttl_seconds=settings.upload_url_ttl_seconds,
    )


@lru_cache(maxsize=1)
def get_speech_cache() -> SpeechCache:
    """The cache of finished speech: the S3 bucket when OPENTALKING_SPEECH_CACHE_BUCKET is set, else disabled."""
    from voice_service.services.speech_cache import SpeechCache

    bucket = get_settings(SpeechCacheSettings).speech_cache_bucket
    if not bucket:
        return SpeechCache(None)
    from voice_service.adapters.s3_speech_cache import S3SpeechStore

    return SpeechCache(S3SpeechStore(bucket))


@lru_cache(maxsize=1)
def get_cloning_service() -> CloningService:
    """The clone use case wired to the real catalog, ffmpeg, S3 and DashScope adapters."""
    # Imported here so the list and delete functions, which share this module, do not load them.
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
    from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
    from voice_service.adapters.enrollment.qwen import QwenVoiceEnrollment
    from voice_service.services.cloning import CloningService

    settings = get_settings(CloneSettings)
    bucket = get_sample_bucket()
    return CloningService(
        catalog=get_voice_catalog(),
        converter=FfmpegSampleConverter(
            ffmpeg_exe=settings.ffmpeg_exe,
            max_seconds=settings.max_sample_seconds,
            min_seconds=settings.min_sample_seconds,
            timeout_seconds=settings.conversion_timeout_seconds,
        ),
        uploads=bucket,
        samples=bucket,
        qwen=QwenVoiceEnrollment(timeout_seconds=settings.provider_timeout_seconds),
        cosyvoice=CosyVoiceEnrollment(timeout_seconds=settings.cosyvoice_timeout_seconds),
        direct_max_bytes=settings.direct_upload_max_bytes,
        deploy_wait_seconds=settings.cosyvoice_deploy_wait_seconds,
        poll_interval_seconds=settings.cosyvoice_poll_interval_seconds,
    )
