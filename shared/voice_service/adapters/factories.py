"""Lazy, cached constructors of the adapters, so warm invocations reuse clients and tests can swap them."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from voice_service.settings import (
    CatalogSettings,
    CloneSettings,
    IdempotencySettings,
    ProviderVoicesSettings,
    ReconcileSettings,
    SampleBucketSettings,
    VoiceNamingSettings,
    get_settings,
)

if TYPE_CHECKING:
    from voice_service.adapters.s3_samples import S3SampleBucket
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
    from voice_service.services.cloning import CloningService
    from voice_service.services.idempotency import IdempotentCloning
    from voice_service.services.reconciler import Reconciler
    from voice_service.services.voice_lifecycle import ProviderDirectory

# The clone function's Lambda timeout: an in-progress idempotency record older than this belongs to a dead request.
CLONE_FUNCTION_TIMEOUT_SECONDS = 29


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
def get_cloning_service() -> CloningService:
    """The clone use case wired to the real catalog, ffmpeg, S3 and DashScope adapters."""
    # Imported here so the list and delete functions, which share this module, do not load them.
    from voice_service.adapters.audio.ffmpeg import FfmpegSampleConverter
    from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
    from voice_service.adapters.enrollment.qwen import QwenVoiceEnrollment
    from voice_service.services.cloning import CloningService
    from voice_service.services.voice_lifecycle import VoiceNaming

    settings = get_settings(CloneSettings)
    naming = VoiceNaming(get_settings(VoiceNamingSettings).voice_name_tag)
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
        new_voice_name=naming.new_name,
    )


@lru_cache(maxsize=1)
def get_idempotent_cloning() -> IdempotentCloning:
    """The clone use case behind the Idempotency-Key header, its records kept in the catalog."""
    from voice_service.services.idempotency import IdempotentCloning

    return IdempotentCloning(
        cloning=get_cloning_service(),
        catalog=get_voice_catalog(),
        retention_seconds=get_settings(IdempotencySettings).idempotency_retention_seconds,
        in_progress_seconds=CLONE_FUNCTION_TIMEOUT_SECONDS + 1,
    )


@lru_cache(maxsize=1)
def get_provider_directory() -> ProviderDirectory:
    """Each cloning provider's voices (status, deletion, listing), with short one-try requests."""
    from voice_service.adapters.enrollment.cosyvoice import CosyVoiceEnrollment
    from voice_service.adapters.enrollment.qwen import QwenVoiceEnrollment

    timeout = get_settings(ProviderVoicesSettings).provider_voices_timeout_seconds
    return {
        "cosyvoice": CosyVoiceEnrollment(timeout_seconds=timeout),
        "dashscope": QwenVoiceEnrollment(timeout_seconds=timeout),
    }


def get_reconciler() -> Reconciler:
    """The reconciler wired to the catalog and both providers (built per run: it holds no warm state)."""
    from voice_service.services.reconciler import ReconcilePolicy, Reconciler
    from voice_service.services.voice_lifecycle import VoiceNaming

    settings = get_settings(ReconcileSettings)
    return Reconciler(
        catalog=get_voice_catalog(),
        providers=get_provider_directory(),
        naming=VoiceNaming(settings.voice_name_tag),
        policy=ReconcilePolicy(
            intent_stale_seconds=settings.intent_stale_seconds,
            orphan_grace_seconds=settings.orphan_grace_seconds,
            max_provider_calls=settings.max_provider_calls,
            time_budget_seconds=settings.time_budget_seconds,
        ),
    )
