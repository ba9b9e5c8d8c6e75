"""The proactive cycle against the real embedded MongoDB and the warehouse (fakesnow in-process): sync,
forecast, reorder points written back, deduplicated insights, the webhook, the scheduler."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from forecasting.monitor import STEPS, ForecastingOptions, MonitorScheduler, open_forecasting
from forecasting.service import ForecastOptions
from forecasting.warehouse.connection import WarehouseConfig
from inventory_core.models import MovementKind, WriteContext
from inventory_core.ports import MovementRequest, ProductFilter
from inventory_core.service import InventoryService
from tests.forecast.conftest import Webhook

pytestmark = pytest.mark.mongo

WAREHOUSE = WarehouseConfig(account="in-process", user="test", password="x", bulk="write_pandas")


def _options(**kw: object) -> ForecastingOptions:
    return ForecastingOptions(warehouse=WAREHOUSE, forecast=ForecastOptions(), **kw)  # type: ignore[arg-type]


async def test_a_cycle_writes_reorder_points_and_insights_once(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    inv = loaded_inventory
    hook = Webhook()
    async with hook as url, open_forecasting(inv, _options(notify_webhook_url=url)) as stack:
        steps: list[str] = []
        report = await stack.monitor.run_cycle(progress=steps.append)
        assert report.failed_step is None, report.error
        assert steps == [*STEPS[1:], "done"]
        assert report.sync is not None and report.sync.history_series == len(
            stack.forecaster.latest.demand.keys
        )
        assert report.forecast is not None and report.forecast.series == report.sync.history_series
        assert report.dynamic_min_updated == report.forecast.series

        # Reorder points are back in the operational store, and "low" now means below them.
        plans = await stack.forecaster.plan()
        for p in plans[:5]:
            level = (await inv.get_product(p.recommendation.sku)).at(p.recommendation.site)
            assert level is not None and level.dynamic_min == p.dynamic_min
            assert level.effective_min == p.recommendation.reorder_point

        kinds = {i.kind for i in report.insights}
        assert "low_stock" in kinds  # the demo subset has an item out of stock and one with a single unit
        out = next(i for i in report.insights if i.kind == "low_stock" and "out of stock" in i.message)
        assert out.severity == "critical"
        stored = {i.dedupe_key for i in await inv.insights(limit=500)}
        assert {i.dedupe_key for i in report.insights} <= stored
        assert report.notified and len(hook.bodies) == 1

        again = await stack.monitor.run_cycle()
        assert again.failed_step is None
        assert again.insights == [] and not again.notified and again.dynamic_min_updated == 0
        assert await stack.warehouse.alert_keys() == {i.dedupe_key for i in report.insights}
        assert len(hook.bodies) == 1  # nothing new, nothing sent


async def test_the_webhook_receives_the_new_insights(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    hook = Webhook()
    async with hook as url, open_forecasting(loaded_inventory, _options(notify_webhook_url=url)) as stack:
        report = await stack.monitor.run_cycle()
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["source"] == "inventorypulse"
    assert [i["dedupe_key"] for i in body["insights"]] == [i.dedupe_key for i in report.insights]


async def test_a_failing_webhook_is_reported_and_insights_are_kept(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    async with (
        Webhook(status=500) as url,
        open_forecasting(loaded_inventory, _options(notify_webhook_url=url)) as s,
    ):
        report = await s.monitor.run_cycle()
    assert report.failed_step == "notify" and "500" in (report.error or "")
    assert report.insights and len(await loaded_inventory.insights(limit=500)) >= len(report.insights)


async def test_picks_after_the_history_reach_the_warehouse_once(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    inv = loaded_inventory
    async with open_forecasting(inv, _options()) as stack:
        await stack.monitor.step_sync()
        view = (await inv.list_products(ProductFilter(limit=20))).items[5]
        level = view.stock[0]
        ctx = WriteContext(actor="tester", channel="api", idempotency_key=uuid.uuid4().hex)
        await inv.record_movement(
            view.sku, MovementRequest(kind=MovementKind.PICK, quantity=3, site=level.site), ctx
        )
        before = (await stack.warehouse.summary()).sales_units
        first = await stack.monitor.step_sync()
        second = await stack.monitor.step_sync()
        assert first.ledger_days == 1 and second.ledger_days == 1  # the day is recomputed, not added
        assert (await stack.warehouse.summary()).sales_units == before + 3


async def test_first_question_without_a_cycle_syncs_and_answers(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    async with open_forecasting(loaded_inventory, _options()) as stack:
        assert stack.forecaster.latest is None
        sku = (await loaded_inventory.catalogue()).products[0].sku
        result = await stack.forecaster.forecast(sku, 14)
        assert result.horizon_days == 14 and result.total >= 0
        recs = await stack.forecaster.recommend()
        assert recs and all(r.recommended_quantity > 0 for r in recs)


async def test_the_scheduler_runs_cycles_and_stops_with_its_owner(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    async with open_forecasting(loaded_inventory, _options(interval_s=0.05)) as stack:
        scheduler = stack.scheduler
        assert isinstance(scheduler, MonitorScheduler) and scheduler.running
        for _ in range(600):
            if stack.monitor.last_report is not None:
                break
            await asyncio.sleep(0.05)
        assert stack.monitor.last_report is not None and stack.monitor.last_report.failed_step is None
    assert not scheduler.running


async def test_warm_up_runs_one_cycle_in_the_background(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> None:
    async with open_forecasting(loaded_inventory, _options(warm_up=True)) as stack:
        assert stack.scheduler is None
        for _ in range(600):
            if stack.monitor.last_report is not None:
                break
            await asyncio.sleep(0.05)
        assert stack.monitor.last_report is not None and stack.forecaster.latest is not None
