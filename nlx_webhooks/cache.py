"""A tiny single-flight cache for whole-warehouse reads (what is low, what to reorder): concurrent webhook calls
share one store query, and a result is reused for ``ttl_s``, so a burst of calls stays well inside NLX's 3 s.
Per-item reads are not cached: they are cheap and a caller expects them current."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedRead(Generic[T]):
    def __init__(
        self, load: Callable[[], Awaitable[T]], ttl_s: float, clock: Callable[[], float] = time.monotonic
    ):
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._value: tuple[float, T] | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> T:
        if self._value is not None and self._clock() - self._value[0] < self._ttl_s:
            return self._value[1]
        async with self._lock:  # the first caller loads; the rest wait and take its result
            if self._value is not None and self._clock() - self._value[0] < self._ttl_s:
                return self._value[1]
            value = await self._load()
            self._value = (self._clock(), value)
            return value

    def invalidate(self) -> None:
        self._value = None
