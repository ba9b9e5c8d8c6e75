"""What the dialogue and the tools need from a forecast engine, and a simple stand-in until the real engine
(``inventory_core/forecast``) is wired: demand = recent daily movement × days."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from inventory_core.models import Recommendation
from inventory_core.ports import Inventory


@dataclass(frozen=True)
class ForecastSummary:
    sku: str
    days: int
    predicted: float
    low: float
    high: float
    daily_rate: float
    method: str


class Forecasts(Protocol):
    async def forecast(self, sku: str, days: int) -> ForecastSummary: ...

    async def recommend(self, sku: str | None = None) -> list[Recommendation]: ...


class MovementRateForecasts:
    """Stand-in forecasts: the recent mean daily movement carried forward, with a Poisson-style 95 % band.
    Recommendations are the store's own (``Inventory.recommendations``)."""

    method = "movement_rate"

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    async def forecast(self, sku: str, days: int) -> ForecastSummary:
        rate = max(0.0, await self._inventory.typical_daily_movement(sku))
        predicted = rate * days
        spread = 1.96 * math.sqrt(predicted) if predicted > 0 else 0.0
        return ForecastSummary(
            sku=sku,
            days=days,
            predicted=predicted,
            low=max(0.0, predicted - spread),
            high=predicted + spread,
            daily_rate=rate,
            method=self.method,
        )

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        recs = await self._inventory.recommendations()
        return [r for r in recs if sku is None or r.sku == sku]
