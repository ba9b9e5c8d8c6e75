"""Time for tests: a manual clock that sessions and fakes sleep on, and helpers that wait for other tasks."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


# -- time --------------------------------------------------------------------------------------------------
class WallClock:
    """Epoch seconds that move only when a test sets ``now`` (for stores that stamp leases and expiries)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class ManualClock:
    """Virtual time: ``sleep`` resolves only when a test advances the clock past its deadline."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + seconds, next(self._seq), fut))
        await fut

    async def wait_for(self, aw: Awaitable[T], limit_s: float) -> T:
        task = asyncio.ensure_future(aw)
        timer = asyncio.ensure_future(self.sleep(limit_s))
        try:
            done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if task in done:
            return task.result()
        raise TimeoutError

    async def advance(self, seconds: float) -> None:
        target = self.t + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target + 1e-9:
            deadline, _, fut = heapq.heappop(self._sleepers)
            self.t = max(self.t, deadline)
            if not fut.done():
                fut.set_result(None)
            await settle()
        self.t = target
        await settle()


async def eventually(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait until ``condition()`` holds (state changed by another task or a server), or fail after a while."""
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110 - polling state that offers no event to wait on
            await asyncio.sleep(0.005)


async def settle(rounds: int = 30) -> None:
    """Let every ready task run until the loop has nothing left to do at this instant."""
    for _ in range(rounds):
        await asyncio.sleep(0)
