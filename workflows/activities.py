"""The activities of the workflows: the steps of the forecasting monitor (``forecasting.monitor.Monitor``), each
taking and returning small plain values so a step can run again on another worker after a crash.

Registered by name (``definitions`` calls them by these names)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from forecasting.monitor import Monitor
from inventory_core.service import InventoryService
from inventory_core.store import bulk_budget
from workflows.definitions import HEARTBEAT_EVERY_S
from workflows.suppliers.connectors import FeedError
from workflows.suppliers.sync import apply_feed, fetch
from workflows.telemetry import WorkflowMetrics

SUPPLIER_INSIGHTS = ("supplier_out_of_stock", "supplier_price", "supplier_sync_failed")

P = ParamSpec("P")
R = TypeVar("R")


def beating(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The activity heartbeats while it runs, so the server notices a worker that died (kill -9, a lost machine)
    within the heartbeat timeout and hands the step to another worker, rather than after the step's whole
    timeout."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY_S)

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.create_task(beat())
        try:
            return await fn(*args, **kwargs)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return run


def _when(run_at: str) -> datetime:
    try:
        return datetime.fromisoformat(run_at)
    except ValueError as exc:  # the same input would fail every retry
        raise ApplicationError(f"not a time: {run_at!r}", type="InvalidInput", non_retryable=True) from exc


class MonitorActivities:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    @activity.defn(name="sync_ledger")
    @beating
    async def sync_ledger(self) -> dict[str, int]:
        report = await self.monitor.step_sync()
        return {"history_series": report.history_series, "ledger_days": report.ledger_days}

    @activity.defn(name="forecast")
    @beating
    async def forecast(self, run_at: str) -> dict[str, int]:
        step = await self.monitor.step_forecast(_when(run_at))
        return {"series": step.series, "rows_written": step.rows_written}

    @activity.defn(name="recommend")
    @beating
    async def recommend(self, run_at: str) -> dict[str, int]:
        step = await self.monitor.step_recommend(_when(run_at))
        return {"orders_due": step.orders_due, "dynamic_min_updated": step.dynamic_min_updated}

    @activity.defn(name="alert")
    @beating
    async def alert(self, run_at: str) -> dict[str, list[str]]:
        """The insights the plan calls for (``due``) and those recorded now (``created``); those already recorded
        (by dedupe key) are not created again."""
        _when(run_at)
        m = self.monitor
        planned = await m.forecaster.plan(await m.store.snapshot(refresh=True))
        step = await m.step_alert(planned)
        return {"created": [i.dedupe_key for i in step.created], "due": step.due}

    @activity.defn(name="item_alert")
    @beating
    async def item_alert(self, sku: str, site: str) -> dict[str, list[str]]:
        step = await self.monitor.item_alert(sku, site)
        return {"created": [i.dedupe_key for i in step.created], "due": step.due}

    @activity.defn(name="notify")
    @beating
    async def notify(self, dedupe_keys: list[str]) -> bool:
        """Those of these insights not sent yet, sent once (``Monitor.step_notify``)."""
        return await self.monitor.step_notify(dedupe_keys)

    def all(self) -> list[Callable[..., Any]]:
        return [self.sync_ledger, self.forecast, self.recommend, self.alert, self.item_alert, self.notify]


class SupplierActivities:
    """The supplier sync's steps: which suppliers publish a feed, one supplier's sync, a failure recorded."""

    def __init__(self, inventory: InventoryService, timeout_s: float = 20.0) -> None:
        self.inventory = inventory
        self.timeout_s = timeout_s

    @activity.defn(name="connected_suppliers")
    @beating
    async def connected_suppliers(self) -> list[str]:
        return [s.supplier_id for s in await self.inventory.suppliers.with_connectors()]

    @activity.defn(name="sync_supplier")
    @beating
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
    @beating
    async def supplier_sync_failed(self, supplier_id: str, reason: str, day: str) -> str:
        """Recorded once per supplier and day; returns its dedupe key."""
        key = f"supplier_sync_failed:{supplier_id}:{day}"
        await self.inventory.add_insight(
            "supplier_sync_failed",
            f"The stock and prices of supplier {supplier_id} could not be read: {reason}",
            key,
            severity="warning",
        )
        return key

    @activity.defn(name="supplier_insights_unsent")
    @beating
    async def supplier_insights_unsent(self, day: str) -> list[str]:
        """The day's supplier insights not notified yet: read from the store rather than from the sync's results,
        because a supplier whose activity was killed after writing its offers reports no change on its retry."""
        since = datetime.fromisoformat(day).replace(tzinfo=UTC)
        return await self.inventory.insight_book.unsent(SUPPLIER_INSIGHTS, since)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.connected_suppliers,
            self.sync_supplier,
            self.supplier_sync_failed,
            self.supplier_insights_unsent,
        ]


class FailureActivities:
    """A workflow that failed for good, recorded where people look: an insight and a metric."""

    def __init__(self, inventory: InventoryService, metrics: WorkflowMetrics) -> None:
        self.inventory = inventory
        self.metrics = metrics

    @activity.defn(name="workflow_failed")
    @beating
    async def workflow_failed(self, workflow_name: str, reason: str, day: str) -> str:
        key = f"workflow_failed:{workflow_name}:{day}"
        created = await self.inventory.add_insight(
            "workflow_failed", f"The {workflow_name} workflow failed: {reason}", key, severity="critical"
        )
        if created is not None:  # once per run, whatever the retries of this step
            self.metrics.failed_workflows.labels(workflow_name).inc()
        return key

    def all(self) -> list[Callable[..., Any]]:
        return [self.workflow_failed]
