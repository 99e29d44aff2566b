"""Running a coroutine to completion from synchronous test code."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on a private loop, leaving the thread's current-loop setting alone.

    `asyncio.run` would clear it afterwards, and Mangum's `asyncio.get_event_loop()` then fails in later tests.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
