"""The event-loop watch: a blocked loop shows up as lag in the metrics and a logged stall."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from prometheus_client import CollectorRegistry

from app.loop_watch import LoopWatch


async def test_a_blocked_loop_is_measured_logged_and_reported_once_per_scrape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    watch = LoopWatch(registry, interval_s=0.01, stall_s=0.1)
    task = asyncio.create_task(watch.run())
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.WARNING, logger="inventorypulse.loop"):
        time.sleep(0.25)  # noqa: ASYNC251 - the point: something holding the loop
        await asyncio.sleep(0.05)
    task.cancel()
    worst = registry.get_sample_value("event_loop_lag_max_seconds")
    assert worst is not None and 0.2 <= worst < 1.0
    assert registry.get_sample_value("event_loop_lag_max_seconds") == 0.0  # taken by the scrape
    assert registry.get_sample_value("event_loop_lag_seconds_bucket", {"le": "0.1"}) < (
        registry.get_sample_value("event_loop_lag_seconds_count") or 0
    )
    assert any("stalled" in r.message for r in caplog.records)
