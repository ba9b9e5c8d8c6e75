"""The warehouse through the Snowflake connector API (fakesnow in-process): schema, idempotent sync that resumes
after a failure without double counting, the demand matrix, stored runs and alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting.warehouse.store import Warehouse, demand_matrix
from forecasting.warehouse.sync import (
    MOVEMENTS_MARK,
    HistorySeries,
    LedgerSync,
    daily_totals,
    history_frame,
)
from inventory_core.models import StockLevel

pytestmark = pytest.mark.snowflake

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


class Ledger:
    """A LedgerSource whose movements can grow between syncs."""

    def __init__(self) -> None:
        self.histories = [
            HistorySeries("AB-1", "main", date(2025, 3, 1), np.array([1, 2, 3, 4, 5, 6, 7, 8])),  # to 8 March
            HistorySeries("CD-2", "east", date(2025, 3, 3), np.array([10, 0, 10, 0, 10, 0])),  # to 8 March
        ]
        self.moves = pd.DataFrame({"SKU": [], "SITE": [], "AT": pd.to_datetime([], utc=True), "UNITS": []})
        self.stock = [
            StockLevel(sku="AB-1", site="main", on_hand=40),
            StockLevel(sku="CD-2", site="east", on_hand=7),
        ]

    def add(self, sku: str, site: str, at: str, units: int) -> None:
        row = pd.DataFrame(
            {"SKU": [sku], "SITE": [site], "AT": pd.to_datetime([at], utc=True), "UNITS": [units]}
        )
        self.moves = pd.concat([self.moves, row], ignore_index=True)

    async def sales_histories(self) -> list[HistorySeries]:
        return self.histories

    async def sales_since(self, since: datetime | None) -> pd.DataFrame:
        return self.moves if since is None else self.moves[self.moves["AT"] >= pd.Timestamp(since)]

    async def stock_levels(self) -> list[StockLevel]:
        return self.stock


async def _units(wh: Warehouse, sku: str, day: date) -> float | None:
    rows = dict(await wh.item_sales(sku, day))
    return rows.get(day)


async def test_sync_loads_history_then_ledger_days_and_is_idempotent(warehouse: Warehouse) -> None:
    ledger = Ledger()
    ledger.add("AB-1", "main", "2025-03-08T10:00Z", 99)  # inside the history: the history wins
    ledger.add("AB-1", "main", "2025-03-09T09:00Z", 3)
    ledger.add("AB-1", "main", "2025-03-09T17:30Z", 4)
    ledger.add("ZZ-9", "main", "2025-03-10T08:00Z", 5)  # no history at all: the ledger is its demand
    sync = LedgerSync(ledger, warehouse, clock=lambda: NOW)
    first = await sync.run()
    assert (first.history_series, first.history_rows, first.ledger_days, first.snapshots) == (2, 14, 2, 2)
    assert first.high_water == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    summary = await warehouse.summary()
    assert (summary.sales_rows, summary.sales_units) == (16, 36 + 30 + 7 + 5)

    again = await sync.run()
    assert (again.history_series, again.history_rows) == (0, 0)
    assert (await warehouse.summary()).sales_units == summary.sales_units
    assert await _units(warehouse, "AB-1", date(2025, 3, 8)) == 8
    assert await _units(warehouse, "AB-1", date(2025, 3, 9)) == 7


async def test_new_movements_replace_the_day_total(warehouse: Warehouse) -> None:
    ledger = Ledger()
    ledger.add("AB-1", "main", "2025-03-10T09:00Z", 2)
    sync = LedgerSync(ledger, warehouse, clock=lambda: NOW)
    await sync.run()
    ledger.add("AB-1", "main", "2025-03-10T11:00Z", 6)  # later the same day
    ledger.add("AB-1", "main", "2025-03-08T23:00Z", 50)  # settled late, before the mark: history day, ignored
    await sync.run()
    assert await _units(warehouse, "AB-1", date(2025, 3, 10)) == 8
    assert await _units(warehouse, "AB-1", date(2025, 3, 8)) == 8


async def test_a_sync_that_fails_half_way_resumes_without_double_counting(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger()
    ledger.add("CD-2", "east", "2025-03-09T09:00Z", 4)
    ledger.add("CD-2", "east", "2025-03-10T09:00Z", 6)
    sync = LedgerSync(ledger, warehouse, clock=lambda: NOW)

    async def broken(name: str, value: datetime) -> None:
        raise ConnectionError("lost the warehouse after the MERGE")

    monkeypatch.setattr(warehouse, "set_high_water", broken)
    with pytest.raises(ConnectionError):
        await sync.run()
    assert await warehouse.high_water(MOVEMENTS_MARK) is None
    monkeypatch.undo()
    report = await sync.run()
    assert report.high_water == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert await _units(warehouse, "CD-2", date(2025, 3, 9)) == 4
    assert await _units(warehouse, "CD-2", date(2025, 3, 10)) == 6
    assert (await warehouse.summary()).sales_units == 36 + 30 + 10


async def test_a_changed_history_is_reloaded(warehouse: Warehouse) -> None:
    ledger = Ledger()
    sync = LedgerSync(ledger, warehouse, clock=lambda: NOW)
    await sync.run()
    ledger.histories[0] = HistorySeries(
        "AB-1", "main", date(2025, 3, 1), np.array([1, 2, 3, 4, 5, 6, 7, 8, 9])
    )
    report = await sync.run()
    assert report.history_series == 1
    assert await _units(warehouse, "AB-1", date(2025, 3, 9)) == 9


async def test_demand_matrix_from_the_warehouse(warehouse: Warehouse) -> None:
    ledger = Ledger()
    ledger.add("ZZ-9", "main", "2025-03-09T08:00Z", 5)
    await LedgerSync(ledger, warehouse, clock=lambda: NOW).run()
    m = await warehouse.demand(date(2025, 3, 2), date(2025, 3, 9))
    assert m.keys == [("AB-1", "main"), ("CD-2", "east"), ("ZZ-9", "main")]
    assert m.values.shape == (3, 8) and m.last_day == date(2025, 3, 9)
    np.testing.assert_array_equal(m.values[0], [2, 3, 4, 5, 6, 7, 8, 0])
    np.testing.assert_array_equal(m.values[1], [0, 10, 0, 10, 0, 10, 0, 0])
    assert m.start.tolist() == [0, 1, 7]


async def test_runs_replace_their_own_rows_and_alerts_are_kept_once(warehouse: Warehouse) -> None:
    run_at = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
    frame = pd.DataFrame(
        {
            "SKU": ["AB-1"] * 3,
            "SITE": ["main"] * 3,
            "HORIZON_DATE": [date(2025, 3, 10) + timedelta(days=i) for i in range(3)],
            "MEAN": [1.0, 2.0, 3.0],
            "LO": [0.0, 0.5, 1.0],
            "HI": [2.0, 3.5, 5.0],
            "MODEL": ["ses"] * 3,
        }
    )
    await warehouse.save_forecasts(run_at, frame)
    await warehouse.save_forecasts(run_at, frame)  # a retried step
    assert await warehouse.forecast_run_size(run_at) == (3, 1)
    rows = await warehouse.forecast_rows(run_at, "AB-1")
    assert [r[2] for r in rows] == [1.0, 2.0, 3.0]
    alerts = pd.DataFrame(
        {
            "DEDUPE_KEY": ["k1", "k2"],
            "KIND": ["low_stock"] * 2,
            "SKU": ["AB-1"] * 2,
            "SITE": ["main"] * 2,
            "SEVERITY": ["warning"] * 2,
            "MESSAGE": ["a", "b"],
            "CREATED_AT": [run_at, run_at],
        }
    )
    assert await warehouse.record_alerts(alerts) == 2
    assert await warehouse.record_alerts(alerts) == 0
    assert await warehouse.alert_keys() == {"k1", "k2"}


def test_history_expansion_and_daily_totals_are_vectorised_equivalents() -> None:
    series = [HistorySeries("A", "x", date(2024, 12, 30), np.array([1, 2, 3]))]
    frame = history_frame(series)
    assert frame["SALE_DATE"].tolist() == [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)]
    moves = pd.DataFrame(
        {
            "SKU": ["A", "A", "A"],
            "SITE": ["x"] * 3,
            "UNITS": [1, 2, 4],
            "AT": pd.to_datetime(["2025-01-01T23:59Z", "2025-01-02T00:00Z", "2025-01-02T13:00Z"], utc=True),
        }
    )
    totals = daily_totals(moves, {("A", "x"): date(2025, 1, 1)})
    assert totals[["SALE_DATE", "QTY"]].values.tolist() == [[date(2025, 1, 2), 6]]
    empty = demand_matrix(pd.DataFrame(columns=["SKU", "SITE", "DAY", "QTY"]), date(2025, 1, 1), 5)
    assert empty.values.shape == (0, 5)
