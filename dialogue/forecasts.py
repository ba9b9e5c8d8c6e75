"""What the dialogue and the tools need from a forecast engine: the engine itself (``forecasting.service``)
through ``EngineForecasts``, and a simple stand-in (demand = recent daily movement × days) for when it is cold
or down."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Protocol

from inventory_core.errors import InvalidInput, NotFound
from inventory_core.models import Recommendation
from inventory_core.ports import Inventory

log = logging.getLogger(__name__)


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
    async def forecast(self, sku: str, days: int, site: str | None = None) -> ForecastSummary:
        """Demand for ``sku`` over the next ``days`` days, at ``site`` or (None) across every site."""
        ...

    async def forecast_all(self, days: int) -> dict[str, ForecastSummary]:
        """Demand over the next ``days`` days of every item with sales history, across every site, by SKU."""
        ...

    async def recommend(self, sku: str | None = None) -> list[Recommendation]: ...


RATE_DAYS = 28
"""The stand-in's daily rate is the mean of this many recent days (as ``Inventory.typical_daily_movement``)."""


def _summary(sku: str, days: int, rate: float, method: str) -> ForecastSummary:
    predicted = max(0.0, rate) * days
    spread = 1.96 * math.sqrt(predicted) if predicted > 0 else 0.0
    return ForecastSummary(
        sku=sku,
        days=days,
        predicted=predicted,
        low=max(0.0, predicted - spread),
        high=predicted + spread,
        daily_rate=max(0.0, rate),
        method=method,
    )


class MovementRateForecasts:
    """Stand-in forecasts: the recent mean daily movement carried forward, with a Poisson-style 95 % band.
    The movement rate covers every site, so ``site`` does not narrow it. Recommendations are the store's own
    (``Inventory.recommendations``)."""

    method = "movement_rate"

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    async def forecast(self, sku: str, days: int, site: str | None = None) -> ForecastSummary:
        return _summary(sku, days, await self._inventory.typical_daily_movement(sku), self.method)

    async def forecast_all(self, days: int) -> dict[str, ForecastSummary]:
        """One read of every item's recent history (not one per item)."""
        rates: dict[str, float] = {}
        for series in await self._inventory.daily_sales(days=RATE_DAYS):
            rates[series.sku] = rates.get(series.sku, 0.0) + sum(series.qty) / max(len(series.qty), 1)
        return {sku: _summary(sku, days, rate, self.method) for sku, rate in rates.items()}

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        return await self._inventory.recommendations(sku)


class _Engine(Protocol):
    """The part of ``forecasting.service.ForecastService`` the dialogue uses."""

    async def forecast(self, sku: str, horizon_days: int = 28, site: str | None = None) -> _EngineResult: ...

    async def recommend(self, sku: str | None = None) -> list[Recommendation]: ...


class _EngineResult(Protocol):
    @property
    def total(self) -> float: ...
    @property
    def total_lo(self) -> float: ...
    @property
    def total_hi(self) -> float: ...
    @property
    def model_label(self) -> str: ...


class EngineForecasts:
    """The forecasting engine behind the dialogue's ``Forecasts``. A voice turn cannot wait for a cold
    engine (the first question syncs the warehouse), so past ``timeout_s`` — or when the engine fails — the
    answer comes from the movement-rate stand-in and says so in ``method``."""

    def __init__(self, engine: _Engine, inventory: Inventory, *, timeout_s: float = 2.0) -> None:
        self._engine = engine
        self._inventory = inventory
        self._stand_in = MovementRateForecasts(inventory)
        self._timeout_s = timeout_s

    async def forecast(self, sku: str, days: int, site: str | None = None) -> ForecastSummary:
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await self._engine.forecast(sku, days, site)
        except (NotFound, InvalidInput):
            raise
        except Exception as exc:  # a cold, slow or broken warehouse: answer from the movement rate
            log.warning("forecast engine unavailable for %s (%s); using the movement rate", sku, exc)
            return await self._stand_in.forecast(sku, days, site)
        return ForecastSummary(
            sku=sku,
            days=days,
            predicted=result.total,
            low=result.total_lo,
            high=result.total_hi,
            daily_rate=result.total / days if days else 0.0,
            method=result.model_label,
        )

    async def forecast_all(self, days: int) -> dict[str, ForecastSummary]:
        """Every item the engine knows, within one ``timeout_s``; else the movement-rate stand-in's."""
        try:
            skus = [p.sku for p in (await self._inventory.catalogue()).products]
            async with asyncio.timeout(self._timeout_s):
                found = await asyncio.gather(
                    *(self._engine.forecast(s, days) for s in skus), return_exceptions=True
                )
        except Exception as exc:  # as ``forecast``
            log.warning("forecast engine unavailable for the totals (%s); using the movement rate", exc)
            return await self._stand_in.forecast_all(days)
        out: dict[str, ForecastSummary] = {}
        for sku, result in zip(skus, found, strict=True):
            if isinstance(result, BaseException):
                continue  # no history for the item (NotFound): it has no forecast
            out[sku] = ForecastSummary(sku, days, result.total, result.total_lo, result.total_hi,
                                       result.total / days if days else 0.0, result.model_label)  # fmt: skip
        return out

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._engine.recommend(sku)
        except Exception as exc:  # as above
            log.warning("restock advice engine unavailable (%s); using the store's recommendations", exc)
            return await self._stand_in.recommend(sku)
