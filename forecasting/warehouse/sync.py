"""Operational store → warehouse, incrementally and idempotently.

Demand is the two-year daily history of each (sku, site) (``sales_daily``), then the applied pick and sale
movements after it. Movements are read from a high-water mark (minus a look-back, so late or settled entries are
caught), summed per whole day and MERGEd with the day's total replacing the stored one: repeating a sync, or
resuming one that failed half-way, recomputes the same totals and never counts a sale twice. The mark moves only
after the MERGE succeeded. On-hand figures are snapshotted once per day (re-running the same day replaces)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from forecasting.warehouse.store import Warehouse
from inventory_core.models import StockLevel

MOVEMENTS_MARK = "movements"


@dataclass(frozen=True)
class HistorySeries:
    sku: str
    site: str
    start: date
    qty: np.ndarray  # units per day from ``start``

    @property
    def end(self) -> date:
        return self.start + timedelta(days=len(self.qty) - 1)

    @property
    def fingerprint(self) -> tuple[date, int, int]:
        return (self.start, len(self.qty), int(self.qty.sum()))


class LedgerSource(Protocol):
    async def sales_histories(self) -> list[HistorySeries]: ...

    async def sales_since(self, since: datetime | None) -> pd.DataFrame:
        """Applied picks and sales at or after ``since``: columns SKU, SITE, AT (aware UTC), UNITS."""
        ...

    async def stock_levels(self) -> list[StockLevel]: ...


@dataclass(frozen=True)
class SyncReport:
    history_series: int  # series (re)loaded from the two-year history
    history_rows: int
    ledger_days: int  # (sku, site, day) totals merged from movements
    snapshots: int
    high_water: datetime | None


def history_frame(series: list[HistorySeries]) -> pd.DataFrame:
    """Long rows for many series at once (one numpy expansion, not a row loop)."""
    if not series:
        return pd.DataFrame(columns=["SKU", "SITE", "SALE_DATE", "QTY"])
    lengths = np.array([len(s.qty) for s in series])
    offsets = np.concatenate([np.arange(n) for n in lengths])
    starts = np.repeat(np.array([np.datetime64(s.start, "D") for s in series]), lengths)
    return pd.DataFrame(
        {
            "SKU": np.repeat([s.sku for s in series], lengths),
            "SITE": np.repeat([s.site for s in series], lengths),
            "SALE_DATE": (starts + offsets.astype("timedelta64[D]")).astype(object),
            "QTY": np.concatenate([s.qty for s in series]).astype(np.int64),
        }
    )


def daily_totals(moves: pd.DataFrame, history_end: dict[tuple[str, str], date]) -> pd.DataFrame:
    """Units per (sku, site, UTC day), keeping only days after that series' history ends."""
    if moves.empty:
        return pd.DataFrame(columns=["SKU", "SITE", "SALE_DATE", "QTY"])
    day = moves["AT"].dt.tz_convert(UTC).dt.date
    totals = moves.assign(SALE_DATE=day).groupby(["SKU", "SITE", "SALE_DATE"], as_index=False)["UNITS"].sum()
    ends = [history_end.get((k, s)) for k, s in zip(totals["SKU"], totals["SITE"], strict=True)]
    keep = [e is None or d > e for d, e in zip(totals["SALE_DATE"], ends, strict=True)]
    return totals[keep].rename(columns={"UNITS": "QTY"}).reset_index(drop=True)


class LedgerSync:
    def __init__(
        self,
        source: LedgerSource,
        warehouse: Warehouse,
        *,
        lookback_days: int = 2,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._warehouse = warehouse
        self._lookback = timedelta(days=lookback_days)
        self._clock = clock

    async def run(self) -> SyncReport:
        histories = await self._source.sales_histories()
        loaded, rows = await self._sync_histories(histories)
        ends = {(h.sku, h.site): h.end for h in histories}
        ledger_days, mark = await self._sync_ledger(ends)
        snapshots = await self._snapshot()
        return SyncReport(loaded, rows, ledger_days, snapshots, mark)

    async def _sync_histories(self, histories: list[HistorySeries]) -> tuple[int, int]:
        known = await self._warehouse.series_fingerprints()
        changed = [h for h in histories if known.get((h.sku, h.site)) != h.fingerprint]
        if not changed:
            return 0, 0
        rows = await self._warehouse.merge_sales(history_frame(changed))
        # Fingerprints are written after the sales they describe, so a failure in between reloads the series.
        prints = pd.DataFrame(
            {
                "SKU": [h.sku for h in changed],
                "SITE": [h.site for h in changed],
                "START_DATE": [h.start for h in changed],
                "DAYS": [len(h.qty) for h in changed],
                "TOTAL": [int(h.qty.sum()) for h in changed],
            }
        )
        await self._warehouse.save_fingerprints(prints)
        return len(changed), rows

    async def _sync_ledger(self, ends: dict[tuple[str, str], date]) -> tuple[int, datetime | None]:
        mark = await self._warehouse.high_water(MOVEMENTS_MARK)
        since = None if mark is None else datetime.combine(mark.date() - self._lookback, time(), tzinfo=UTC)
        moves = await self._source.sales_since(since)
        if moves.empty:
            return 0, mark
        totals = daily_totals(moves, ends)
        merged = await self._warehouse.merge_sales(totals) if not totals.empty else 0
        newest = moves["AT"].max().to_pydatetime()
        if mark is None or newest > mark:
            await self._warehouse.set_high_water(MOVEMENTS_MARK, newest)
            mark = newest
        return merged, mark

    async def _snapshot(self) -> int:
        levels = await self._source.stock_levels()
        today = self._clock().astimezone(UTC).date()
        frame = pd.DataFrame(
            {
                "SKU": [s.sku for s in levels],
                "SITE": [s.site for s in levels],
                "SNAPSHOT_DATE": [today] * len(levels),
                "ON_HAND": [s.on_hand for s in levels],
            }
        )
        return await self._warehouse.merge_snapshots(frame)
