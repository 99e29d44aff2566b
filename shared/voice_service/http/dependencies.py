"""FastAPI dependencies that hand adapters to routes (tests override them with `app.dependency_overrides`).

Routes that touch the catalog are plain `def`, so FastAPI runs them in its thread pool: a SQLite call may wait
seconds for another writer's lock, and on the event loop that wait would stall every other request of the process
(`make run` serves all routes from one loop). The pool hop costs a fraction of a millisecond.
"""

from __future__ import annotations

from voice_service.adapters.factories import get_voice_catalog
from voice_service.services.catalog import VoiceCatalog


def voice_catalog() -> VoiceCatalog:
    return get_voice_catalog()
