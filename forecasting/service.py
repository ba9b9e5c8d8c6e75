"""ForecastService: forecasts and restock recommendations for the dialogue, the MCP tools, the REST routes and
the monitor.

A run (history from the warehouse → engine over every series) is cached; questions are answered from it, with
current stock read fresh, so a voice turn costs a few small store queries and some vector arithmetic. With no
run yet, or one older than ``refresh_after_s``, the next question computes one."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from forecasting.anomaly import Anomaly, demand_anomalies
from forecasting.chart import ChartData, render_svg
from forecasting.engine import EngineConfig, forecast_batch
from forecasting.ports import HistorySource, ItemFacts, StoreSnapshot, StoreSource
from forecasting.restock import RestockInputs, RestockPolicy, plan_restock
from forecasting.results import (
    ForecastResult,
    ForecastRun,
    PlannedItem,
    next_month_span,
    rationale,
    summarise,
)
from inventory_core.errors import InvalidInput, NotFound
from inventory_core.models import Recommendation

MAX_HORIZON_DAYS = 366


@dataclass(frozen=True)
class ForecastOptions:
    horizon_days: int = 28
    """Default forecast length for answers and the stored run."""
    history_days: int = 730
    """Days of history fed to the engine."""
    interval_level: float = 0.95
    policy: RestockPolicy = field(default_factory=RestockPolicy)
    chart_history_days: int = 56
    refresh_after_s: float | None = 6 * 3600.0
    """A run older than this is computed again on the next question (None: never). The daily workflow refreshes
    the run of the process that executes it; this keeps every other instance's answers from going stale."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ForecastService:
    def __init__(
        self,
        history: HistorySource,
        store: StoreSource,
        options: ForecastOptions | None = None,
        clock: Callable[[], datetime] = _utcnow,
        prepare: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """``prepare`` runs once before the first run is computed on demand (the warehouse sync)."""
        self._history = history
        self._prepare = prepare
        self._store = store
        self.options = options or ForecastOptions()
        self._clock = clock
        self._run: ForecastRun | None = None
        self._computed_at = 0.0  # time.monotonic() of the cached run
        self._lock = asyncio.Lock()
        self._ensure_lock = asyncio.Lock()

    @property
    def latest(self) -> ForecastRun | None:
        return self._run

    # ---- runs -----------------------------------------------------------------------------------------------

    async def compute(self, run_at: datetime | None = None) -> ForecastRun:
        """Load the history up to yesterday and forecast every series; the result becomes the cached run."""
        async with self._lock:
            now = run_at or self._clock()
            last = now.astimezone(UTC).date() - timedelta(days=1)
            demand = await self._history.demand(last - timedelta(days=self.options.history_days - 1), last)
            batch = await asyncio.to_thread(
                forecast_batch, demand.values, self._engine_config(last + timedelta(days=1)), demand.start
            )
            self._run = ForecastRun(run_at=now, demand=demand, batch=batch)
            self._computed_at = time.monotonic()
            return self._run

    def _engine_config(self, first_day: date, horizon: int | None = None) -> EngineConfig:
        _, _, month_end = next_month_span(first_day)
        wanted = max(horizon or self.options.horizon_days, self.options.horizon_days, month_end + 1)
        return EngineConfig(horizon_days=wanted, interval_level=self.options.interval_level)

    async def ensure_run(self) -> ForecastRun:
        """The cached run, or (once, however many callers wait) a freshly prepared and computed one when there
        is none or it is older than ``refresh_after_s``."""
        if self._stale():
            async with self._ensure_lock:
                if self._stale():
                    if self._prepare is not None:
                        await self._prepare()
                        self._prepare = None
                    await self.compute()
        assert self._run is not None
        return self._run

    def _stale(self) -> bool:
        limit = self.options.refresh_after_s
        return self._run is None or (limit is not None and time.monotonic() - self._computed_at > limit)

    # ---- forecasts ------------------------------------------------------------------------------------------

    async def forecast(self, sku: str, horizon_days: int = 28, site: str | None = None) -> ForecastResult:
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidInput(f"a forecast covers 1 to {MAX_HORIZON_DAYS} days", horizon_days=horizon_days)
        run = await self.ensure_run()
        sku, rows = self._rows(run, sku, site)
        batch = run.batch
        if horizon_days > batch.horizon:  # longer than the cached run: recompute just this item
            sub = run.demand.values[rows]
            cfg = self._engine_config(run.first_day, horizon_days)
            batch = await asyncio.to_thread(forecast_batch, sub, cfg, run.demand.start[rows])
            rows = list(range(len(rows)))
        return await asyncio.to_thread(summarise, run, batch, rows, sku, site, horizon_days)

    def _rows(self, run: ForecastRun, sku: str, site: str | None) -> tuple[str, list[int]]:
        for candidate in dict.fromkeys([sku, sku.strip().upper()]):
            rows = run.rows_for(candidate, site)
            if rows:
                return candidate, rows
        where = f" at {site}" if site else ""
        raise NotFound(f"no sales history for {sku}{where}", sku=sku, site=site)

    def anomalies(self, run: ForecastRun) -> list[tuple[str, str, date, Anomaly]]:
        found = demand_anomalies(run.demand.values)
        return [(*run.demand.keys[a.row], run.demand.first_day + timedelta(days=a.day), a) for a in found]

    # ---- restock --------------------------------------------------------------------------------------------

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        """Orders due now, most urgent first; for one ``sku``, its plan at every site even when nothing is due."""
        planned = await self.plan(sku=sku)
        if sku is None:
            planned = [p for p in planned if p.needs_order]
        return [p.recommendation for p in planned]

    async def plan(self, snapshot: StoreSnapshot | None = None, sku: str | None = None) -> list[PlannedItem]:
        run = await self.ensure_run()
        if snapshot is None:
            snapshot = await self._store.snapshot(sku.strip().upper() if sku else None)
        items = [
            f
            for k, f in sorted(snapshot.items.items())
            if sku is None or f.sku.upper() == sku.strip().upper()
        ]
        if not items:
            raise NotFound(f"{sku} is not stocked anywhere", sku=sku)
        return await asyncio.to_thread(self._plan_items, run, items)  # every item at once: CPU, off the loop

    def _plan_items(self, run: ForecastRun, items: list[ItemFacts]) -> list[PlannedItem]:
        batch, policy = run.batch, self.options.policy
        index = {key: i for i, key in enumerate(run.demand.keys)}
        rows = np.array([index.get((f.sku, f.site), -1) for f in items])
        known = rows >= 0
        mean = np.zeros((len(items), batch.horizon))
        mean[known] = batch.mean[rows[known]]
        sigma = np.zeros(len(items))
        sigma[known] = batch.sigma_daily[rows[known]]
        lead = np.array([f.lead_time_days or policy.default_lead_time_days for f in items])
        inputs = RestockInputs(
            on_hand=np.array([f.on_hand for f in items]),
            on_order=np.array([f.on_order for f in items]),
            min_qty=np.array([f.min_qty for f in items]),
            lead_time_days=lead,
            pack_size=np.array([f.pack_size for f in items]),
            min_order_qty=np.array([f.min_order_qty for f in items]),
        )
        plan = plan_restock(mean, sigma, inputs, policy)
        today = run.first_day
        out: list[PlannedItem] = []
        for i, item in enumerate(items):  # wording only; the maths above is vectorised
            stockout = float(plan.days_to_stockout[i])
            order_in = float(plan.order_in_days[i])
            order_by = today + timedelta(days=int(order_in)) if math.isfinite(order_in) else None
            quantity = int(plan.quantity[i])
            text = rationale(
                item,
                rate=float(plan.demand_rate[i]),
                lead=int(lead[i]),
                reorder_point=int(plan.reorder_point[i]),
                user_min_wins=item.min_qty > int(plan.dynamic_min[i]),
                quantity=quantity,
                days_to_stockout=stockout,
                order_by=order_by,
                today=today,
            )
            out.append(
                PlannedItem(
                    recommendation=Recommendation(
                        sku=item.sku,
                        name=item.name,
                        site=item.site,
                        on_hand=item.on_hand,
                        reorder_point=int(plan.reorder_point[i]),
                        recommended_quantity=quantity,
                        supplier_id=item.supplier_id,
                        order_by=_midnight(order_by),
                        expected_stockout=_midnight(today + timedelta(days=int(stockout)))
                        if math.isfinite(stockout)
                        else None,
                        rationale=text,
                    ),
                    dynamic_min=int(plan.dynamic_min[i]),
                    on_order=item.on_order,
                    lead_time_days=int(lead[i]),
                    days_to_stockout=stockout,
                    demand_rate=float(plan.demand_rate[i]),
                    model=batch.model_name(int(rows[i])) if known[i] else "none",
                )
            )
        out.sort(
            key=lambda p: (p.recommendation.order_by or datetime.max.replace(tzinfo=UTC), p.days_to_stockout)
        )
        return out

    # ---- chart ----------------------------------------------------------------------------------------------

    async def chart_svg(self, sku: str, site: str | None = None, horizon_days: int | None = None) -> str:
        result = await self.forecast(sku, horizon_days or self.options.horizon_days, site)
        run = await self.ensure_run()
        _, rows = self._rows(run, result.sku, site)
        days = min(self.options.chart_history_days, run.demand.days)
        history = run.demand.values[rows, -days:].sum(axis=0)
        planned = [
            p for p in await self.plan(sku=result.sku) if site is None or p.recommendation.site == site
        ]
        on_hand = sum(p.recommendation.on_hand for p in planned) if planned else None
        reorder = sum(p.recommendation.reorder_point for p in planned) if planned else None
        name = planned[0].recommendation.name if planned else result.sku
        data = ChartData(
            title=f"{name} ({result.sku}{' at ' + site if site else ''}): {result.model_label}",
            history_start=run.demand.last_day - timedelta(days=days - 1),
            history=history,
            forecast_start=result.first_day,
            mean=np.array(result.mean),
            lo=np.array(result.lo),
            hi=np.array(result.hi),
            reorder_point=float(reorder) if reorder is not None else None,
            on_hand=float(on_hand) if on_hand is not None else None,
        )
        return render_svg(data)


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
