"""The analytics warehouse: sales history, snapshots, forecasts, recommendations and alerts in Snowflake.

Methods are async; each runs its blocking connector calls in a worker thread. MERGE statements make every load
idempotent, so a sync that is repeated or resumed after a failure never counts a sale twice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from forecasting.ports import DemandMatrix
from forecasting.warehouse import sql
from forecasting.warehouse.connection import WarehouseConfig, WarehouseConnection


def naive_utc(moment: datetime) -> datetime:
    """Snowflake TIMESTAMP_NTZ holds UTC wall time."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def aware_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class WarehouseSummary:
    sales_rows: int
    sales_units: float
    first_day: date | None
    last_day: date | None
    alerts: int


class Warehouse:
    def __init__(self, config: WarehouseConfig, connection: WarehouseConnection | None = None) -> None:
        self.config = config
        self._conn = connection or WarehouseConnection(config)
        self._merge_lock = asyncio.Lock()  # staging tables are shared by the session

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        self._conn.open()
        self._conn.script(sql.schema_statements() + [sql.create_stage(s) for s in sql.STAGES])

    async def close(self) -> None:
        await asyncio.to_thread(self._conn.close)

    async def _run(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        return await asyncio.to_thread(self._conn.execute, statement, params or None)

    # ---- sync state -----------------------------------------------------------------------------------------

    async def ping(self) -> None:
        """One trivial statement (raises when the warehouse does not answer)."""
        await self._run("SELECT 1")

    async def high_water(self, name: str) -> datetime | None:
        rows = await self._run(sql.SELECT_HWM, name)
        return aware_utc(rows[0][0]) if rows and rows[0][0] is not None else None

    async def set_high_water(self, name: str, value: datetime) -> None:
        await self._run(sql.MERGE_HWM, name, naive_utc(value).isoformat(sep=" "))

    # ---- loads ----------------------------------------------------------------------------------------------

    async def _merge(self, stage: str, frame: pd.DataFrame, merge: str) -> int:
        if frame.empty:
            return 0
        async with self._merge_lock:
            return await asyncio.to_thread(self._merge_sync, stage, frame, merge)

    def _merge_sync(self, stage: str, frame: pd.DataFrame, merge: str) -> int:
        self._conn.execute(sql.truncate(stage))
        written = self._conn.write_frame(frame, stage)
        self._conn.execute(merge)
        self._conn.execute(sql.truncate(stage))
        return written

    async def merge_sales(self, frame: pd.DataFrame) -> int:
        """Upsert daily sales: columns SKU, SITE, SALE_DATE, QTY. A day's quantity is replaced, never added."""
        return await self._merge("SALES_STAGE", frame[["SKU", "SITE", "SALE_DATE", "QTY"]], sql.MERGE_SALES)

    async def merge_snapshots(self, frame: pd.DataFrame) -> int:
        cols = ["SKU", "SITE", "SNAPSHOT_DATE", "ON_HAND"]
        return await self._merge("SNAPSHOT_STAGE", frame[cols], sql.MERGE_SNAPSHOTS)

    async def series_fingerprints(self) -> dict[tuple[str, str], tuple[date, int, int]]:
        rows = await self._run(sql.SELECT_SERIES)
        return {(r[0], r[1]): (r[2], int(r[3]), int(r[4])) for r in rows}

    async def save_fingerprints(self, frame: pd.DataFrame) -> int:
        cols = ["SKU", "SITE", "START_DATE", "DAYS", "TOTAL"]
        return await self._merge("SERIES_STAGE", frame[cols], sql.MERGE_SERIES)

    # ---- reads ----------------------------------------------------------------------------------------------

    async def demand(self, first_day: date, last_day: date) -> DemandMatrix:
        """Daily demand of every (sku, site) between the two days inclusive, as a dense matrix."""
        days = (last_day - first_day).days + 1
        params = (first_day.isoformat(), first_day.isoformat(), last_day.isoformat())

        def read() -> DemandMatrix:  # the query and the pivot of its rows: both off the event loop
            return demand_matrix(self._conn.frame(sql.SELECT_DEMAND, params), first_day, days)

        return await asyncio.to_thread(read)

    async def summary(self) -> WarehouseSummary:
        rows = await self._run(sql.SALES_SUMMARY)
        alerts = await self._run(sql.COUNT_ALERTS)
        count, units, first, last = rows[0]
        return WarehouseSummary(int(count), float(units or 0), first, last, int(alerts[0][0]))

    async def item_sales(self, sku: str, since: date) -> list[tuple[date, float]]:
        rows = await self._run(sql.SALES_FOR_ITEM, sku, since.isoformat())
        return [(r[0], float(r[1])) for r in rows]

    async def forecast_rows(self, run_at: datetime, sku: str) -> list[tuple[Any, ...]]:
        return await self._run(sql.FORECAST_FOR_ITEM, naive_utc(run_at).isoformat(sep=" "), sku)

    async def forecast_run_size(self, run_at: datetime) -> tuple[int, int]:
        rows = await self._run(sql.COUNT_FORECAST_RUN, naive_utc(run_at).isoformat(sep=" "))
        return int(rows[0][0]), int(rows[0][1])

    async def recommendation_rows(self, run_at: datetime) -> list[tuple[Any, ...]]:
        return await self._run(sql.RECOMMENDATIONS_FOR_RUN, naive_utc(run_at).isoformat(sep=" "))

    async def alert_keys(self) -> set[str]:
        return {r[0] for r in await self._run(sql.ALERT_KEYS)}

    # ---- results (each run replaces its own rows, so a retried step writes them once) --------------------------

    async def save_forecasts(self, run_at: datetime, frame: pd.DataFrame) -> int:
        stamp = naive_utc(run_at)
        async with self._merge_lock:
            await self._run(sql.DELETE_FORECAST_RUN, stamp.isoformat(sep=" "))
            return await asyncio.to_thread(self._conn.write_frame, frame.assign(RUN_AT=stamp), "FORECASTS")

    async def save_recommendations(self, run_at: datetime, frame: pd.DataFrame) -> int:
        stamp = naive_utc(run_at)
        async with self._merge_lock:
            await self._run(sql.DELETE_RECOMMENDATION_RUN, stamp.isoformat(sep=" "))
            return await asyncio.to_thread(
                self._conn.write_frame, frame.assign(RUN_AT=stamp), "RECOMMENDATIONS"
            )

    async def record_alerts(self, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        known = await self.alert_keys()
        fresh = frame[~frame["DEDUPE_KEY"].isin(known)]
        fresh = fresh.assign(CREATED_AT=[naive_utc(t) for t in fresh["CREATED_AT"]])
        return await asyncio.to_thread(self._conn.write_frame, fresh, "ALERT_HISTORY")


def demand_matrix(frame: pd.DataFrame, first_day: date, days: int) -> DemandMatrix:
    """Pivot long rows (SKU, SITE, DAY, QTY) into an (n, days) matrix; series sorted by (sku, site)."""
    if frame.empty:
        return DemandMatrix(
            keys=[], first_day=first_day, values=np.zeros((0, days), np.float32), start=np.zeros(0, int)
        )
    keys = pd.MultiIndex.from_arrays([frame["SKU"].astype(str), frame["SITE"].astype(str)])
    codes, uniques = pd.factorize(keys, sort=True)
    day = frame["DAY"].to_numpy(dtype=np.int64)
    values = np.zeros((len(uniques), days), dtype=np.float32)
    values[codes, day] = frame["QTY"].to_numpy(dtype=np.float32)
    start = np.full(len(uniques), days, dtype=np.int64)
    np.minimum.at(start, codes, day)
    return DemandMatrix(
        keys=[(str(a), str(b)) for a, b in uniques], first_day=first_day, values=values, start=start
    )
