"""ForecastService over in-memory sources: answers from the cached run, sites summed, fresh stock, errors."""

from __future__ import annotations

import asyncio
import math
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest

from forecasting.ports import ItemFacts
from forecasting.service import ForecastOptions, ForecastService
from inventory_core.errors import InvalidInput, NotFound
from tests.forecast.conftest import NOW, TODAY, FixedStore, MatrixHistory

pytestmark = pytest.mark.unit


def _service(world: tuple[MatrixHistory, FixedStore], **kw: object) -> ForecastService:
    history, store = world
    return ForecastService(history, store, ForecastOptions(), clock=lambda: NOW, **kw)  # type: ignore[arg-type]


async def test_forecast_sums_sites_and_keeps_intervals_consistent(
    small_world: tuple[MatrixHistory, FixedStore],
) -> None:
    svc = _service(small_world)
    both = await svc.forecast("AAA-1", 28)
    main = await svc.forecast("AAA-1", 28, site="main")
    east = await svc.forecast("AAA-1", 28, site="east")
    assert both.first_day == TODAY and both.dates[0] == TODAY and both.horizon_days == 28
    np.testing.assert_allclose(both.mean, np.add(main.mean, east.mean), rtol=1e-9)
    assert both.total == pytest.approx(main.total + east.total)
    assert both.total_lo <= both.total <= both.total_hi
    # Independent errors: the combined band is narrower than the two bands stacked.
    assert both.total_hi - both.total_lo < (main.total_hi - main.total_lo) + (east.total_hi - east.total_lo)
    assert both.next_month == "2025-04"
    assert both.next_month_lo <= both.next_month_total <= both.next_month_hi
    assert both.predicted == both.total and both.days == 28 and both.method == both.model


async def test_one_run_serves_many_questions_and_longer_horizons_recompute(
    small_world: tuple[MatrixHistory, FixedStore],
) -> None:
    history, _ = small_world
    svc = _service(small_world)
    await asyncio.gather(*(svc.forecast("BBB-2", 14) for _ in range(5)))
    assert history.calls == 1
    short = await svc.forecast("BBB-2", 14)
    long = await svc.forecast("BBB-2", 200)
    assert history.calls == 1
    assert long.horizon_days == 200
    np.testing.assert_allclose(long.mean[:14], short.mean, rtol=1e-6)


async def test_prepare_runs_once_before_the_first_run(small_world: tuple[MatrixHistory, FixedStore]) -> None:
    calls: list[int] = []

    async def prepare() -> None:
        calls.append(1)
        await asyncio.sleep(0)

    svc = _service(small_world, prepare=prepare)
    await asyncio.gather(svc.forecast("AAA-1"), svc.recommend(), svc.forecast("CCC-3"))
    await svc.compute()
    assert calls == [1]


async def test_unknown_items_and_bad_horizons_are_typed_errors(
    small_world: tuple[MatrixHistory, FixedStore],
) -> None:
    svc = _service(small_world)
    with pytest.raises(NotFound):
        await svc.forecast("NOPE-9")
    with pytest.raises(NotFound):
        await svc.forecast("AAA-1", site="west")
    with pytest.raises(InvalidInput):
        await svc.forecast("AAA-1", 0)
    assert (await svc.forecast("aaa-1")).sku == "AAA-1"


async def test_recommendations_use_current_stock(small_world: tuple[MatrixHistory, FixedStore]) -> None:
    _, store = small_world
    svc = _service(small_world)
    due = await svc.recommend()
    assert due and all(r.recommended_quantity > 0 for r in due)
    assert [r.order_by for r in due] == sorted(r.order_by for r in due if r.order_by)
    for r in due:
        assert r.recommended_quantity % 6 == 0 and r.recommended_quantity >= 12  # packs of 6, minimum 12
        assert r.on_hand <= r.reorder_point
        assert r.rationale.endswith(".") and r.name in r.rationale
    # Stock arrives: the same question now has nothing due for that item.
    key = (due[0].sku, due[0].site)
    store.items[key] = replace(store.items[key], on_hand=100_000)
    again = await svc.recommend()
    assert key not in {(r.sku, r.site) for r in again}


async def test_one_item_gets_its_plan_at_every_site_even_when_nothing_is_due(
    small_world: tuple[MatrixHistory, FixedStore],
) -> None:
    svc = _service(small_world)
    plans = await svc.recommend("AAA-1")
    assert {r.site for r in plans} == {"main", "east"}
    calm = next(r for r in plans if r.site == "main")  # stocked for 20 x the recent daily rate
    assert calm.recommended_quantity == 0
    assert "no order is needed" in calm.rationale
    assert calm.expected_stockout is not None and calm.expected_stockout.date() > TODAY
    with pytest.raises(NotFound):
        await svc.recommend("NOPE-9")


async def test_items_without_history_are_planned_on_their_minimum(
    small_world: tuple[MatrixHistory, FixedStore],
) -> None:
    history, store = small_world
    store.items[("NEW-7", "main")] = ItemFacts(
        sku="NEW-7", site="main", name="new thing", on_hand=3, min_qty=10
    )
    svc = ForecastService(history, store, clock=lambda: NOW)
    [plan] = await svc.plan(sku="NEW-7")
    assert plan.model == "none" and plan.dynamic_min == 0
    assert plan.recommendation.reorder_point == 10
    assert plan.needs_order
    assert math.isinf(plan.days_to_stockout)


async def test_chart_for_an_item(small_world: tuple[MatrixHistory, FixedStore]) -> None:
    svg = await _service(small_world).chart_svg("AAA-1", "east")
    root = ET.fromstring(svg)
    assert "item aaa-1" in (root.findtext("{http://www.w3.org/2000/svg}title") or "")


async def test_a_run_older_than_its_refresh_age_is_computed_again(
    small_world: tuple[MatrixHistory, FixedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance that does not execute the daily workflow refreshes its cached run on its own."""
    history, _ = small_world
    svc = _service(small_world)
    first = await svc.ensure_run()
    assert await svc.ensure_run() is first and history.calls == 1
    later = time.monotonic() + 7 * 3600  # past the 6 h refresh age
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert await svc.ensure_run() is not first and history.calls == 2
