"""What the forecasting service hands out: forecasts per item, planned restocks, and the sentences that explain
them (written to be read aloud)."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

import numpy as np

from forecasting.batch import ForecastBatch
from forecasting.ports import DemandMatrix, ItemFacts
from inventory_core.models import Recommendation


@dataclass(frozen=True)
class ForecastRun:
    """One engine pass over every series, cached until the next run."""

    run_at: datetime
    demand: DemandMatrix
    batch: ForecastBatch

    @property
    def first_day(self) -> date:
        """The first forecast day: the day after the history ends (today)."""
        return self.demand.last_day + timedelta(days=1)

    @cached_property
    def _by_sku(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, (sku, _) in enumerate(self.demand.keys):
            index.setdefault(sku, []).append(i)
        return index

    def rows_for(self, sku: str, site: str | None = None) -> list[int]:
        return [i for i in self._by_sku.get(sku, []) if site is None or self.demand.keys[i][1] == site]


@dataclass(frozen=True)
class ForecastResult:
    sku: str
    site: str | None  # None: all sites together
    model: str
    model_label: str
    first_day: date
    mean: tuple[float, ...]  # units per day from ``first_day``
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    total: float
    total_lo: float
    total_hi: float
    next_month: str  # "2026-03"
    next_month_total: float
    next_month_lo: float
    next_month_hi: float
    interval_level: float
    run_at: datetime
    backtest_mase: float | None = None

    @property
    def horizon_days(self) -> int:
        return len(self.mean)

    @property
    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(len(self.mean))]

    @property
    def daily_rate(self) -> float:
        return self.total / max(len(self.mean), 1)

    # The field names of the dialogue's ``ForecastSummary``, so either can be read the same way.
    @property
    def days(self) -> int:
        return len(self.mean)

    @property
    def predicted(self) -> float:
        return self.total

    @property
    def low(self) -> float:
        return self.total_lo

    @property
    def high(self) -> float:
        return self.total_hi

    @property
    def method(self) -> str:
        return self.model


def next_month_span(first_day: date) -> tuple[str, int, int]:
    """The calendar month after ``first_day``'s: its label and its [start, end] offsets from ``first_day``."""
    year, month = (first_day.year + 1, 1) if first_day.month == 12 else (first_day.year, first_day.month + 1)
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}", (start - first_day).days, (end - first_day).days


def summarise(
    run: ForecastRun, batch: ForecastBatch, rows: list[int], sku: str, site: str | None, horizon: int
) -> ForecastResult:
    """Sum the rows (sites) of one item; errors of different sites are taken as independent."""
    z = batch.z
    mean = batch.mean[rows].sum(axis=0)
    sigma = np.sqrt((batch.sigma[rows] ** 2).sum(axis=0))
    cum_sigma = np.sqrt((batch.cum_sigma[rows] ** 2).sum(axis=0))
    label, m_start, m_end = next_month_span(run.first_day)

    def window(a: int, b: int) -> tuple[float, float, float]:
        total = float(mean[a : b + 1].sum())
        spread = math.sqrt(max(float(cum_sigma[b] ** 2 - (cum_sigma[a - 1] ** 2 if a > 0 else 0.0)), 0.0))
        spread = max(spread, float(np.sqrt((sigma[a : b + 1] ** 2).sum())))
        return total, max(total - z * spread, 0.0), total + z * spread

    total, total_lo, total_hi = window(0, horizon - 1)
    month_total, month_lo, month_hi = window(m_start, min(m_end, batch.horizon - 1))
    counts = np.bincount(batch.model[rows], minlength=len(batch.families))
    commonest = int(np.argmax(counts))
    top = next(r for r in rows if batch.model[r] == commonest)  # a row of the commonest model
    mase = batch.chosen_mase[rows]
    return ForecastResult(
        sku=sku,
        site=site,
        model=batch.model_name(top),
        model_label=batch.model_label(top),
        first_day=run.first_day,
        mean=tuple(float(v) for v in mean[:horizon]),
        lo=tuple(float(v) for v in np.maximum(mean - z * sigma, 0.0)[:horizon]),
        hi=tuple(float(v) for v in (mean + z * sigma)[:horizon]),
        total=total,
        total_lo=total_lo,
        total_hi=total_hi,
        next_month=label,
        next_month_total=month_total,
        next_month_lo=month_lo,
        next_month_hi=month_hi,
        interval_level=batch.level,
        run_at=run.run_at,
        backtest_mase=float(np.nanmean(mase)) if np.isfinite(mase).any() else None,
    )


@dataclass(frozen=True)
class PlannedItem:
    recommendation: Recommendation
    dynamic_min: int
    on_order: int
    lead_time_days: int
    days_to_stockout: float  # inf: not within sight
    demand_rate: float
    model: str

    @property
    def needs_order(self) -> bool:
        return self.recommendation.recommended_quantity > 0


def spoken_day(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"{day:%A} {day.day} {day:%B}"


def spoken_rate(per_day: float) -> str:
    if per_day >= 0.95:
        return f"about {round(per_day)} a day"
    if per_day * 7 >= 0.95:
        return f"about {round(per_day * 7)} a week"
    if per_day * 30 >= 0.5:
        return f"about {max(round(per_day * 30), 1)} a month"
    return "almost nothing"


def rationale(
    item: ItemFacts,
    *,
    rate: float,
    lead: int,
    reorder_point: int,
    user_min_wins: bool,
    quantity: int,
    days_to_stockout: float,
    order_by: date | None,
    today: date,
) -> str:
    """One sentence a person can read aloud."""
    who = f"{item.name} at {item.site}"
    supplier = item.supplier_name or "the supplier"
    point = f"your minimum of {reorder_point}" if user_min_wins else f"a reorder point of {reorder_point}"
    if days_to_stockout <= 0:
        lasts = "it is out of stock now"
    elif math.isfinite(days_to_stockout):
        lasts = f"the {item.on_hand} on hand last about {int(days_to_stockout)} days"
    else:
        lasts = f"the {item.on_hand} on hand last beyond the forecast"
    if item.on_order and days_to_stockout > 0:
        lasts += f" with {item.on_order} more on order"
    if quantity > 0:
        packs = quantity // max(item.pack_size, 1)
        cases = f" ({packs} packs of {item.pack_size})" if item.pack_size > 1 else ""
        when = spoken_day(order_by or today, today)
        return (
            f"{who} sells {spoken_rate(rate)} and {supplier} takes {lead} days, giving {point}; {lasts}, "
            f"so order {quantity}{cases} {'today' if when == 'today' else 'by ' + when}."
        )
    after = f" before {spoken_day(order_by, today)}" if order_by else ""
    return f"{who} sells {spoken_rate(rate)}; {lasts}, above {point}, so no order is needed{after}."
