"""FastAPI dependencies that hand adapters to routes (tests override them with `app.dependency_overrides`).

Routes that only touch the catalog are `async def`: a Lambda container serves one request at a time, so a
millisecond of SQLite on the event loop costs nothing, while FastAPI's thread-pool hop for sync routes and
dependencies was about a third of a warm request.
"""

from __future__ import annotations

from voice_service.adapters.factories import get_provider_directory, get_voice_catalog
from voice_service.services.catalog import VoiceCatalog
from voice_service.services.voice_lifecycle import ProviderDirectory


async def voice_catalog() -> VoiceCatalog:
    return get_voice_catalog()


async def provider_directory() -> ProviderDirectory:
    return get_provider_directory()
