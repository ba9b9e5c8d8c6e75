"""The proactive cycle: sync → forecast → recommendations → insights → notification.

Each step is a separate, idempotent coroutine with explicit inputs (the cycle's ``run_at``, the previous step's
output), so the cycle can become a Temporal workflow with one activity per step: repeating a step writes the
same rows (MERGE, or delete-and-insert keyed by ``run_at``), sets the same minimums and finds its insights
already present (dedupe keys)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from forecasting.monitor.alerts import InsightDraft, anomaly_alerts, stock_alerts
from forecasting.monitor.notify import LogNotifier, Notifier
from forecasting.ports import StoreSource
from forecasting.results import ForecastRun, PlannedItem
from forecasting.service import ForecastService
from forecasting.warehouse.store import Warehouse
from forecasting.warehouse.sync import LedgerSync, SyncReport
from inventory_core.models import Insight

log = logging.getLogger("inventorypulse.monitor")

STEPS = ("sync", "forecast", "recommend", "alert", "notify")


class InsightSink(Protocol):
    """The operational-store writes the cycle makes and the insights it reads back (``InventoryService``)."""

    async def add_insight(
        self,
        kind: str,
        message: str,
        dedupe_key: str,
        sku: str | None = None,
        site: str | None = None,
        severity: str = "info",
    ) -> Insight | None: ...

    async def set_dynamic_min(self, sku: str, site: str, value: int) -> None: ...

    async def insights(self, unread_only: bool = False, limit: int = 50) -> list[Insight]: ...

    async def insights_to_notify(self, dedupe_keys: Sequence[str]) -> list[Insight]: ...

    async def mark_insights_notified(self, dedupe_keys: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class ForecastStep:
    series: int
    horizon_days: int
    rows_written: int
    models: dict[str, int]  # how many series chose each model


@dataclass(frozen=True)
class RecommendStep:
    planned: list[PlannedItem]
    orders_due: int
    dynamic_min_updated: int


@dataclass(frozen=True)
class AlertStep:
    created: list[Insight]
    """Recorded by this step (none when a retry or a rerun of the day finds them present)."""
    due: list[str]
    """The dedupe keys of every insight the plan calls for, created now or before: what the notify step sends
    when not sent yet, so insights recorded by an attempt that was killed are still notified, once."""


@dataclass(frozen=True)
class CycleReport:
    run_at: datetime
    seconds: float = 0.0
    sync: SyncReport | None = None
    forecast: ForecastStep | None = None
    orders_due: int = 0
    dynamic_min_updated: int = 0
    insights: list[Insight] = field(default_factory=list)
    notified: bool = False
    failed_step: str | None = None
    error: str | None = None


class Monitor:
    def __init__(
        self,
        *,
        sync: LedgerSync,
        warehouse: Warehouse,
        forecaster: ForecastService,
        store: StoreSource,
        inventory: InsightSink,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sync = sync
        self.warehouse = warehouse
        self.forecaster = forecaster
        self.store = store
        self.inventory = inventory
        self.notifier = notifier or LogNotifier()
        self._clock = clock
        self._lock = asyncio.Lock()
        self.last_report: CycleReport | None = None

    # ---- steps ----------------------------------------------------------------------------------------------

    async def step_sync(self) -> SyncReport:
        return await self.sync.run()

    async def step_forecast(self, run_at: datetime) -> ForecastStep:
        run = await self.forecaster.compute(run_at)
        written = await self.warehouse.save_forecasts(run_at, forecast_frame(run))
        counts = np.bincount(run.batch.model, minlength=len(run.batch.families))
        return ForecastStep(
            series=len(run.demand.keys),
            horizon_days=run.batch.horizon,
            rows_written=written,
            models={name: int(c) for name, c in zip(run.batch.families, counts, strict=True)},
        )

    async def step_recommend(self, run_at: datetime) -> RecommendStep:
        snapshot = await self.store.snapshot(refresh=True)
        planned = await self.forecaster.plan(snapshot)
        await self.warehouse.save_recommendations(run_at, recommendation_frame(planned))
        updated = 0
        for p in planned:  # one write per changed minimum; unchanged ones are skipped
            facts = snapshot.items[(p.recommendation.sku, p.recommendation.site)]
            if facts.dynamic_min != p.dynamic_min:
                await self.inventory.set_dynamic_min(
                    p.recommendation.sku, p.recommendation.site, p.dynamic_min
                )
                updated += 1
        return RecommendStep(planned, sum(p.needs_order for p in planned), updated)

    async def step_alert(self, planned: list[PlannedItem]) -> AlertStep:
        run = await self.forecaster.ensure_run()
        today = run.first_day
        names = {p.recommendation.sku: p.recommendation.name for p in planned}
        drafts = stock_alerts(planned, today, self.forecaster.options.policy.review_period_days)
        drafts += anomaly_alerts(self.forecaster.anomalies(run), names, today)
        return await self._record(drafts)

    async def item_alert(self, sku: str, site: str) -> AlertStep:
        """The stock insight one item at one site calls for now (a write took it below its reorder point or to
        zero): the cycle's wording and dedupe key (one per item, kind and day), so the daily run never repeats
        it. Nothing is due when the item is no longer low."""
        planned = [p for p in await self.forecaster.plan(sku=sku) if p.recommendation.site == site]
        today = (await self.forecaster.ensure_run()).first_day
        review = self.forecaster.options.policy.review_period_days
        return await self._record([d for d in stock_alerts(planned, today, review) if d.kind == "low_stock"])

    async def _record(self, drafts: list[InsightDraft]) -> AlertStep:
        created: list[Insight] = []
        for d in drafts:
            insight = await self.inventory.add_insight(
                d.kind, d.message, d.dedupe_key, d.sku, d.site, d.severity
            )
            if insight is not None:
                created.append(insight)
        if created:
            await self.warehouse.record_alerts(alert_frame(created))
        return AlertStep(created, [d.dedupe_key for d in drafts])

    async def step_notify(self, dedupe_keys: Sequence[str]) -> bool:
        """Sends those of these insights not sent yet, then marks them sent (a kill between the two sends them
        again, with the same delivery id). True when something was sent."""
        pending = await self.inventory.insights_to_notify(dedupe_keys)
        if not pending:
            return False
        await self.notifier.notify(pending)
        await self.inventory.mark_insights_notified([i.dedupe_key for i in pending])
        return True

    # ---- the cycle ------------------------------------------------------------------------------------------

    async def run_cycle(self, progress: Callable[[str], None] | None = None) -> CycleReport:
        """All steps in order; a failing step stops the cycle and is named in the report (never raised)."""
        async with self._lock:
            started = time.perf_counter()
            run_at = self._clock().replace(microsecond=0)
            report = CycleReport(run_at=run_at)
            step = STEPS[0]
            try:
                report = _with(report, sync=await self.step_sync())
                _tick(progress, step := "forecast")
                report = _with(report, forecast=await self.step_forecast(run_at))
                _tick(progress, step := "recommend")
                rec = await self.step_recommend(run_at)
                report = _with(report, orders_due=rec.orders_due, dynamic_min_updated=rec.dynamic_min_updated)
                _tick(progress, step := "alert")
                alerted = await self.step_alert(rec.planned)
                report = _with(report, insights=alerted.created)
                _tick(progress, step := "notify")
                report = _with(report, notified=await self.step_notify(alerted.due))
                _tick(progress, "done")
            except Exception as exc:  # reported, so the scheduler keeps going
                log.exception("monitor step %s failed", step)
                report = _with(report, failed_step=step, error=f"{type(exc).__name__}: {exc}")
            report = _with(report, seconds=time.perf_counter() - started)
            self.last_report = report
            return report


def _with(report: CycleReport, **changes: object) -> CycleReport:
    return replace(report, **changes)  # type: ignore[arg-type]


def _tick(progress: Callable[[str], None] | None, step: str) -> None:
    if progress is not None:
        progress(step)


def forecast_frame(run: ForecastRun) -> pd.DataFrame:
    batch, keys = run.batch, run.demand.keys
    n, horizon = batch.mean.shape
    days = [run.first_day + timedelta(days=d) for d in range(horizon)]
    return pd.DataFrame(
        {
            "SKU": np.repeat([k[0] for k in keys], horizon),
            "SITE": np.repeat([k[1] for k in keys], horizon),
            "HORIZON_DATE": days * n,
            "MEAN": batch.mean.ravel().round(4),
            "LO": batch.lo.ravel().round(4),
            "HI": batch.hi.ravel().round(4),
            "MODEL": np.repeat(np.array(batch.families)[batch.model], horizon),
        }
    )


def recommendation_frame(planned: list[PlannedItem]) -> pd.DataFrame:
    recs = [p.recommendation for p in planned]
    return pd.DataFrame(
        {
            "SKU": [r.sku for r in recs],
            "SITE": [r.site for r in recs],
            "ON_HAND": [r.on_hand for r in recs],
            "ON_ORDER": [p.on_order for p in planned],
            "DYNAMIC_MIN": [p.dynamic_min for p in planned],
            "REORDER_POINT": [r.reorder_point for r in recs],
            "RECOMMENDED_QTY": [r.recommended_quantity for r in recs],
            "SUPPLIER_ID": [r.supplier_id for r in recs],
            "ORDER_BY": [r.order_by.date() if r.order_by else None for r in recs],
            "EXPECTED_STOCKOUT": [r.expected_stockout.date() if r.expected_stockout else None for r in recs],
            "MODEL": [p.model for p in planned],
            "RATIONALE": [r.rationale for r in recs],
        }
    )


def alert_frame(created: list[Insight]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "DEDUPE_KEY": [i.dedupe_key for i in created],
            "KIND": [i.kind for i in created],
            "SKU": [i.sku for i in created],
            "SITE": [i.site for i in created],
            "SEVERITY": [i.severity for i in created],
            "MESSAGE": [i.message for i in created],
            "CREATED_AT": [i.created_at for i in created],
        }
    )
