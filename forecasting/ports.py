"""What the forecasting service needs from the outside: demand history and current store facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class DemandMatrix:
    """Daily units demanded per (sku, site): row i is ``keys[i]``, column d is ``first_day + d``."""

    keys: list[tuple[str, str]]
    first_day: date
    values: np.ndarray  # (n, days) float32
    start: np.ndarray  # (n,) first column with data for each series

    @property
    def days(self) -> int:
        return int(self.values.shape[1])

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class ItemFacts:
    """One (sku, site) as the restock maths needs it."""

    sku: str
    site: str
    name: str
    on_hand: int
    min_qty: int = 0
    dynamic_min: int = 0
    on_order: int = 0
    pack_size: int = 1
    lead_time_days: int | None = None  # None: no supplier offer
    min_order_qty: int = 1
    supplier_id: str | None = None
    supplier_name: str | None = None


@dataclass(frozen=True)
class StoreSnapshot:
    items: dict[tuple[str, str], ItemFacts]
    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class HistorySource(Protocol):
    async def demand(self, first_day: date, last_day: date) -> DemandMatrix: ...


class StoreSource(Protocol):
    async def snapshot(self, sku: str | None = None, refresh: bool = False) -> StoreSnapshot:
        """Current facts for every stocked (sku, site), or only for ``sku``. Stock is always read fresh;
        slow-changing catalogue facts may come from a cache unless ``refresh``."""
        ...
