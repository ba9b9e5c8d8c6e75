"""The activities of the workflows: the steps of the forecasting monitor (``forecasting.monitor.Monitor``), each
taking and returning small plain values so a step can run again on another worker after a crash.

Registered by name (``definitions`` calls them by these names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import activity

from forecasting.monitor import Monitor


class MonitorActivities:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    @activity.defn(name="sync_ledger")
    async def sync_ledger(self) -> dict[str, int]:
        report = await self.monitor.step_sync()
        return {"history_series": report.history_series, "ledger_days": report.ledger_days}

    @activity.defn(name="forecast")
    async def forecast(self, run_at: str) -> dict[str, int]:
        step = await self.monitor.step_forecast(datetime.fromisoformat(run_at))
        return {"series": step.series, "rows_written": step.rows_written}

    @activity.defn(name="recommend")
    async def recommend(self, run_at: str) -> dict[str, int]:
        step = await self.monitor.step_recommend(datetime.fromisoformat(run_at))
        return {"orders_due": step.orders_due, "dynamic_min_updated": step.dynamic_min_updated}

    @activity.defn(name="alert")
    async def alert(self, run_at: str) -> list[str]:
        """The insights the plan calls for; those already recorded (by dedupe key) are not created again."""
        m = self.monitor
        planned = await m.forecaster.plan(await m.store.snapshot(refresh=True))
        return [i.dedupe_key for i in await m.step_alert(planned)]

    @activity.defn(name="item_alert")
    async def item_alert(self, sku: str, site: str) -> list[str]:
        return [i.dedupe_key for i in await self.monitor.item_alert(sku, site)]

    @activity.defn(name="notify")
    async def notify(self, dedupe_keys: list[str]) -> bool:
        if not dedupe_keys:
            return False
        wanted = set(dedupe_keys)
        insights = [i for i in await self.monitor.inventory.insights(limit=500) if i.dedupe_key in wanted]
        return await self.monitor.step_notify(insights)

    def all(self) -> list[Callable[..., Any]]:
        return [self.sync_ledger, self.forecast, self.recommend, self.alert, self.item_alert, self.notify]
