"""The activities of the workflows: the steps of the forecasting monitor (``forecasting.monitor.Monitor``), each
taking and returning small plain values so a step can run again on another worker after a crash.

Registered by name (``definitions`` calls them by these names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from forecasting.monitor import Monitor
from inventory_core.service import InventoryService
from inventory_core.store import bulk_budget
from workflows.suppliers.connectors import FeedError
from workflows.suppliers.sync import apply_feed, fetch


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


class SupplierActivities:
    """The supplier sync's steps: which suppliers publish a feed, one supplier's sync, a failure recorded."""

    def __init__(self, inventory: InventoryService, timeout_s: float = 20.0) -> None:
        self.inventory = inventory
        self.timeout_s = timeout_s

    @activity.defn(name="connected_suppliers")
    async def connected_suppliers(self) -> list[str]:
        return [s.supplier_id for s in await self.inventory.suppliers.with_connectors()]

    @activity.defn(name="sync_supplier")
    async def sync_supplier(self, supplier_id: str) -> dict[str, Any]:
        supplier = await self.inventory.suppliers.get(supplier_id)
        try:
            feed = await fetch(supplier, self.timeout_s)
        except FeedError as exc:  # Temporal retries an outage; garbage or a new page layout would fail again
            raise ApplicationError(exc.message, type="FeedError", non_retryable=not exc.retryable) from exc
        with bulk_budget(60.0):  # a batch no caller waits on: not the short timeouts of a request
            report = await apply_feed(self.inventory, supplier, feed)
        return vars(report)

    @activity.defn(name="supplier_sync_failed")
    async def supplier_sync_failed(self, supplier_id: str, reason: str, day: str) -> None:
        await self.inventory.add_insight(
            "supplier_sync_failed",
            f"The stock and prices of supplier {supplier_id} could not be read: {reason}",
            f"supplier_sync_failed:{supplier_id}:{day}",
            severity="warning",
        )

    def all(self) -> list[Callable[..., Any]]:
        return [self.connected_suppliers, self.sync_supplier, self.supplier_sync_failed]
