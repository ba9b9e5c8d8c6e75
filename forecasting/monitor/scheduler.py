"""The in-process scheduler: one cycle every ``interval_s``. It owns its task and cancels it on close."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from forecasting.monitor.cycle import Monitor

log = logging.getLogger("inventorypulse.monitor")


class MonitorScheduler:
    def __init__(self, monitor: Monitor, interval_s: float, *, run_at_start: bool = True) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.monitor = monitor
        self.interval_s = interval_s
        self.run_at_start = run_at_start
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="inventorypulse-monitor")

    async def _loop(self) -> None:
        if not self.run_at_start:
            await asyncio.sleep(self.interval_s)
        while True:
            report = await self.monitor.run_cycle()  # failures are caught and reported by the cycle
            if report.failed_step:
                log.warning("monitor cycle stopped at %s: %s", report.failed_step, report.error)
            await asyncio.sleep(self.interval_s)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
