"""Lazy, cached constructors of the adapters, so warm invocations reuse clients and tests can swap them."""

from __future__ import annotations

from functools import lru_cache

from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.settings import CatalogSettings, get_settings


@lru_cache(maxsize=1)
def get_voice_catalog() -> SqliteVoiceCatalog:
    """The process-wide catalog (one SQLite connection per warm container)."""
    settings = get_settings(CatalogSettings)
    return SqliteVoiceCatalog(settings.sqlite_path, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds)
