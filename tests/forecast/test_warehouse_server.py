"""The production path: the real Snowflake connector over HTTP to the embedded fakesnow server, with the
stage-free JSON bulk load, and a warehouse persisted to disk across restarts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from forecasting.warehouse.connection import WarehouseConfig, WarehouseConnection
from forecasting.warehouse.store import Warehouse
from forecasting.warehouse.sync import HistorySeries, history_frame

pytestmark = pytest.mark.snowflake


async def test_bulk_load_and_read_back_over_http(tmp_path: Path) -> None:
    config = WarehouseConfig(embedded_path=tmp_path / "wh")
    conn = WarehouseConnection(config)
    wh = Warehouse(config, conn)
    await wh.open()
    try:
        rng = np.random.default_rng(0)
        series = [HistorySeries(f"S-{i}", "main", date(2024, 1, 1), rng.poisson(3, 400)) for i in range(60)]
        frame = history_frame(series)  # 24,000 rows: more than one JSON chunk
        assert await wh.merge_sales(frame) == len(frame)
        matrix = await wh.demand(date(2024, 1, 1), date(2025, 2, 3))
        assert matrix.values.shape == (60, 400)
        expected = np.stack([s.qty for s in sorted(series, key=lambda s: s.sku)])
        np.testing.assert_array_equal(matrix.values, expected)
        assert conn._bulk == "json"  # the stage-free path, since the embedded server has no stages
    finally:
        await wh.close()

    reopened = Warehouse(config)
    await reopened.open()
    try:
        summary = await reopened.summary()
        assert summary.sales_rows == 24_000 and summary.last_day == date(2025, 2, 3)
    finally:
        await reopened.close()
