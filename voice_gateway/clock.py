"""Time as a call session sees it: a ``Clock`` protocol (now, sleep, timeouts) and the event loop's clock.
Tests drive sessions with a manual clock instead, so a scripted call runs the same on every machine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    async def wait_for(self, aw: Awaitable[T], limit_s: float) -> T:
        """``aw``'s result, or TimeoutError after ``limit_s`` seconds of this clock."""
        ...


class LoopClock:
    """The event loop's monotonic clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait_for(self, aw: Awaitable[T], limit_s: float) -> T:
        async with asyncio.timeout(limit_s):
            return await aw
