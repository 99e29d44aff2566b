"""FastAPI dependencies that hand adapters to routes (tests override them with `app.dependency_overrides`).

Routes that only touch the catalog are `async def`: a Lambda container serves one request at a time, so a
millisecond of SQLite on the event loop costs nothing, while FastAPI's thread-pool hop for sync routes and
dependencies was about a third of a warm request.
"""

from __future__ import annotations

from voice_service.adapters.factories import (
    DELETE_VOICE_CATALOG_OPERATIONS,
    LIST_VOICES_CATALOG_OPERATIONS,
    get_catalog_for,
)
from voice_service.services.catalog import VoiceCatalog


async def catalog_for_listing() -> VoiceCatalog:
    return get_catalog_for(LIST_VOICES_CATALOG_OPERATIONS)


async def catalog_for_deleting() -> VoiceCatalog:
    return get_catalog_for(DELETE_VOICE_CATALOG_OPERATIONS)
