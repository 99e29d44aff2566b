"""How routes get their collaborators: `Depends(<a Dependency of the function's composition root>)`, one style.

A `Dependency` builds its collaborator from the function's settings on first use and reuses it on warm
invocations. It is an `async` callable: building is quick, and FastAPI's thread-pool hop for a sync dependency was
about a third of a warm catalog request. Routes that use the catalog are plain `def` all the same, so FastAPI runs
them in its thread pool: a SQLite call may wait seconds for another writer's lock, and on the event loop that wait
would stall every other request of the process (`make run` serves all routes from one loop). Tests replace a
collaborator with `app.dependency_overrides[dependency] = dependency.rebuilt(other_settings)` (or any callable
returning a fake).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

SettingsT = TypeVar("SettingsT")
T = TypeVar("T")


class Dependency(Generic[SettingsT, T]):
    """A route dependency: `build(settings)` once, on first use."""

    def __init__(self, build: Callable[[SettingsT], T], settings: SettingsT) -> None:
        self.build = build
        self.settings = settings
        self._value: T | None = None

    async def __call__(self) -> T:
        return self.get()

    def get(self) -> T:
        if self._value is None:
            self._value = self.build(self.settings)
        return self._value

    def built(self) -> T | None:
        """The collaborator if it was built already (for closing it), else None."""
        return self._value

    def rebuilt(self, settings: SettingsT) -> Dependency[SettingsT, T]:
        """The same wiring from other settings (what tests install as an override)."""
        return Dependency(self.build, settings)

    def __repr__(self) -> str:
        return f"Dependency({getattr(self.build, '__qualname__', self.build)!r})"
