"""The workflows. Deterministic code only: no I/O, no clock but ``workflow.now()``, activities called by name (so
this module imports nothing of the service into Temporal's sandbox).

``DailyForecast`` is the monitor cycle (``forecasting.monitor.cycle``) as one activity per step: ledger → warehouse
sync, forecast, recommendations and reorder points, insights, notification. Each step is idempotent on the run's
``run_at`` (a day run twice writes the same rows, finds its insights present and notifies nothing new), so
Temporal may retry any of them, and a worker killed mid-run resumes at the step it was in."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

TASK_QUEUE = "inventorypulse"
DAILY_SCHEDULE_ID = "daily-forecast"
SUPPLIER_SCHEDULE_ID = "supplier-sync"
SUPPLIER_TIMEOUT = timedelta(seconds=60)
SUPPLIER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3
)
"""A timeout or a 5xx is tried three times; garbage and a changed page fail at once (``non_retryable``)."""
QUIET = timedelta(seconds=20)
"""A stock-insight workflow ends once its item has had no new crossing for this long (a burst is one run)."""


def stock_insight_id(sku: str, site: str) -> str:
    """One stock-insight workflow per item and site at a time: later crossings signal the running one."""
    return f"stock-insight-{sku}@{site}"


STEP_TIMEOUT = timedelta(minutes=10)
STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=5)
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_TIMEOUT = timedelta(seconds=10)
"""Every activity heartbeats (``activities.beating``): a step whose worker died is retried on another after this,
not after its whole timeout."""


async def _step(name: str, *args: Any) -> Any:
    """One monitor step as an activity: retried with back-off, each try bounded."""
    return await workflow.execute_activity(
        name,
        args=list(args),
        start_to_close_timeout=STEP_TIMEOUT,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
        retry_policy=STEP_RETRY,
    )


async def _report_failure(name: str, exc: ActivityError) -> None:
    """A workflow failing for good is an insight (critical, once per workflow and day) and a metric, and its
    notification is tried: never silent. Then the workflow fails, as Temporal's UI shows."""
    cause = exc.cause
    reason = cause.message if isinstance(cause, ApplicationError) else str(cause or exc)
    key: str = await _step("workflow_failed", name, reason, workflow.now().date().isoformat())
    try:
        await _step("notify", [key])
    except ActivityError:
        workflow.logger.warning("the failure of %s could not be notified", name)


@dataclass
class DailyInput:
    run_at: str | None = None
    """ISO time the run is for ("now" for the forecast: history up to the day before); None: when it starts."""


@dataclass
class DailyReport:
    run_at: str
    history_series: int = 0
    forecast_series: int = 0
    orders_due: int = 0
    dynamic_min_updated: int = 0
    insights: list[str] = field(default_factory=list)
    """Dedupe keys of the insights this run created."""
    notified: bool = False


@workflow.defn(name="DailyForecast")
class DailyForecast:
    @workflow.run
    async def run(self, data: DailyInput) -> DailyReport:
        try:
            return await self._run(data)
        except ActivityError as exc:
            await _report_failure("DailyForecast", exc)
            raise

    async def _run(self, data: DailyInput) -> DailyReport:
        run_at = data.run_at or workflow.now().replace(microsecond=0).isoformat()
        synced: dict[str, int] = await _step("sync_ledger")
        forecast: dict[str, int] = await _step("forecast", run_at)
        recommended: dict[str, int] = await _step("recommend", run_at)
        alerted: dict[str, list[str]] = await _step("alert", run_at)
        notified: bool = await _step("notify", alerted["due"])
        return DailyReport(
            run_at=run_at,
            history_series=synced.get("history_series", 0),
            forecast_series=forecast.get("series", 0),
            orders_due=recommended.get("orders_due", 0),
            dynamic_min_updated=recommended.get("dynamic_min_updated", 0),
            insights=alerted["created"],
            notified=notified,
        )


@dataclass
class StockEvent:
    sku: str
    site: str
    after: int
    reorder_point: int


@workflow.defn(name="StockInsight")
class StockInsight:
    """Started with signal-with-start the moment a write takes an item below its reorder point or to zero: the
    item's insight (the daily cycle's wording and dedupe key) and its notification, then more of the same for
    crossings signalled while it waits ``QUIET``."""

    def __init__(self) -> None:
        self._events: list[StockEvent] = []

    @workflow.signal
    def crossed(self, event: StockEvent) -> None:
        self._events.append(event)

    @workflow.run
    async def run(self, first: StockEvent) -> list[str]:
        try:
            return await self._run(first)
        except ActivityError as exc:
            await _report_failure("StockInsight", exc)
            raise

    async def _run(self, first: StockEvent) -> list[str]:
        created: list[str] = []
        event: StockEvent | None = first
        while event is not None:
            self._events.clear()
            alerted: dict[str, list[str]] = await _step("item_alert", event.sku, event.site)
            if alerted["due"]:
                await _step("notify", alerted["due"])
            created += alerted["created"]
            try:
                await workflow.wait_condition(lambda: bool(self._events), timeout=QUIET)
            except TimeoutError:
                event = None
            else:
                event = self._events[-1]
        return created


@dataclass
class SupplierSyncReport:
    suppliers: int = 0
    synced: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Supplier id → why it could not be read (recorded as an insight too)."""
    updated: int = 0
    unchanged: int = 0
    insights: list[str] = field(default_factory=list)
    """Dedupe keys of the insights the sync calls for (stock-outs, price moves, suppliers that failed)."""
    notified: bool = False


@workflow.defn(name="SupplierSync")
class SupplierSync:
    """Every supplier with a feed, in parallel, one activity each: a supplier that times out is retried, one
    that answers garbage or changed its page is not, and neither stops the others; each failure becomes an
    insight."""

    @workflow.run
    async def run(self) -> SupplierSyncReport:
        try:
            return await self._run()
        except ActivityError as exc:
            await _report_failure("SupplierSync", exc)
            raise

    async def _run(self) -> SupplierSyncReport:
        ids: list[str] = await _step("connected_suppliers")
        day = workflow.now().date().isoformat()
        results = await asyncio.gather(
            *(
                workflow.execute_activity(
                    "sync_supplier",
                    args=[sid],
                    start_to_close_timeout=SUPPLIER_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=SUPPLIER_RETRY,
                )
                for sid in ids
            ),
            return_exceptions=True,
        )
        report = SupplierSyncReport(suppliers=len(ids))
        for sid, result in zip(ids, results, strict=True):
            if isinstance(result, BaseException):
                cause = result.cause if isinstance(result, ActivityError) else result
                reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
                report.failed[sid] = reason
                report.insights.append(await _step("supplier_sync_failed", sid, reason, day))
                continue
            report.synced.append(sid)
            report.updated += int(result["updated"])
            report.unchanged += int(result["unchanged"])
            report.insights += list(result["insights"])
        unsent: list[str] = await _step("supplier_insights_unsent", day)
        if unsent:
            report.notified = await _step("notify", unsent)
        return report
