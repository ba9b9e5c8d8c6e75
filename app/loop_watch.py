"""How late the event loop runs: a task that sleeps ``interval_s`` and measures how much later it woke. A late
wake-up is time every call's audio, every health check and every request waited, so it is the one number that
shows something CPU-bound slipped onto the loop. Exported as ``event_loop_lag_seconds`` (histogram) and
``event_loop_lag_max_seconds`` (the worst since the last scrape); a stall past ``stall_s`` is logged."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Gauge, Histogram

log = logging.getLogger("inventorypulse.loop")

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class LoopWatch:
    def __init__(
        self, registry: CollectorRegistry, *, interval_s: float = 0.05, stall_s: float = 0.1
    ) -> None:
        self.interval_s = interval_s
        self.stall_s = stall_s
        self.lag = Histogram(
            "event_loop_lag_seconds",
            f"How much later than asked the event loop woke a {interval_s * 1000:.0f} ms sleep.",
            buckets=_BUCKETS,
            registry=registry,
        )
        self.worst = 0.0
        Gauge(
            "event_loop_lag_max_seconds",
            "The event loop's worst lag since the last scrape of this metric.",
            registry=registry,
        ).set_function(self._take_worst)

    def _take_worst(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst

    def observe(self, lag_s: float) -> None:
        self.lag.observe(lag_s)
        self.worst = max(self.worst, lag_s)
        if lag_s >= self.stall_s:
            log.warning("the event loop stalled for %.0f ms", lag_s * 1000)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval_s)
            self.observe(max(0.0, loop.time() - start - self.interval_s))
