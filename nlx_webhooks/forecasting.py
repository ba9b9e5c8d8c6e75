"""Forecasts and restock advice for the webhooks, from the forecast service when one is wired, else from the
store's own recommendations and a movement-rate estimate.

The forecast service's result type belongs to another package; it is read by field name (object attributes or
mapping keys) so that this module depends on the values, not the class."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inventory_core.models import Recommendation
from inventory_core.ports import Inventory

log = logging.getLogger("inventorypulse.nlx")

# Totals before per-day series: summing daily interval bounds would overstate the interval.
_TOTAL = ("total", "predicted", "predicted_units", "expected_units", "mean_total")
_LOW = ("total_lo", "total_low", "low", "lower")
_HIGH = ("total_hi", "total_high", "high", "upper")
_RATE = ("daily_rate", "mean_daily", "rate")
_MEAN = ("mean", "daily_mean")
_METHOD = ("model_label", "method", "model", "model_name")


@dataclass(frozen=True)
class Outlook:
    sku: str
    horizon_days: int
    predicted: float
    low: float
    high: float
    daily_rate: float
    method: str


def _field(result: Any, names: Sequence[str]) -> Any:
    for name in names:
        value = result.get(name) if isinstance(result, Mapping) else getattr(result, name, None)
        if value is not None:
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        try:
            return float(sum(float(v) for v in value))
        except (TypeError, ValueError):
            return None
    return None


def read_outlook(result: Any, sku: str, horizon_days: int) -> Outlook | None:
    """An ``Outlook`` from a forecast result, or None when it has no recognisable total."""
    total = _number(_field(result, _TOTAL))
    if total is None:
        total = _number(_field(result, _MEAN))  # a daily mean series sums to the horizon total
    if total is None:
        return None
    rate = _number(_field(result, _RATE))
    low = _number(_field(result, _LOW))
    high = _number(_field(result, _HIGH))
    method = _field(result, _METHOD)
    return Outlook(
        sku=sku,
        horizon_days=horizon_days,
        predicted=total,
        low=low if low is not None else total,
        high=high if high is not None else total,
        daily_rate=rate if rate is not None else total / horizon_days,
        method=str(method) if method is not None else "forecast",
    )


class Forecasting:
    def __init__(self, inventory: Inventory, forecaster: Any = None) -> None:
        self._inventory = inventory
        self._forecaster = forecaster

    @property
    def has_forecaster(self) -> bool:
        return self._ready()

    def _ready(self) -> bool:
        """A forecaster whose first run is not computed yet would compute it inside this call, which can take
        longer than NLX allows; until a run exists (the service computes it at startup), use the fallback."""
        if self._forecaster is None:
            return False
        return getattr(self._forecaster, "latest", True) is not None

    async def outlook(self, sku: str, horizon_days: int, site: str | None = None) -> Outlook | None:
        """None when neither the forecaster nor the sales history can say anything."""
        if self._ready():
            try:
                result = await self._forecaster.forecast(sku, horizon_days=horizon_days, site=site)
                outlook = read_outlook(result, sku, horizon_days)
                if outlook is not None:
                    return outlook
                log.warning("forecast result for %s has no total; using the movement rate", sku)
            except (
                Exception
            ) as exc:  # a failing forecaster must not fail the call; the estimate still answers
                log.warning("forecaster failed for %s (%s); using the movement rate", sku, exc)
        return await self._movement_rate(sku, horizon_days)

    async def _movement_rate(self, sku: str, horizon_days: int) -> Outlook | None:
        try:
            rate = max(0.0, await self._inventory.typical_daily_movement(sku))
        except Exception as exc:  # an estimate is optional; the caller says there is no forecast
            log.warning("no movement rate for %s: %s", sku, exc)
            return None
        predicted = rate * horizon_days
        spread = 1.96 * math.sqrt(predicted)  # Poisson-style band around a count
        return Outlook(
            sku,
            horizon_days,
            predicted,
            max(0.0, predicted - spread),
            predicted + spread,
            rate,
            "movement_rate",
        )

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        if self._ready():
            try:
                recs = await self._forecaster.recommend(sku)
                return [
                    r
                    if isinstance(r, Recommendation)
                    else Recommendation.model_validate(r, from_attributes=True)
                    for r in recs
                ]
            except Exception as exc:  # same: fall back to the store's own advice
                log.warning("forecaster recommend failed (%s); using the store's recommendations", exc)
        recs = await self._inventory.recommendations()
        return [r for r in recs if sku is None or r.sku == sku]
