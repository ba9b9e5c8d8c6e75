"""A write that takes an item below its reorder point or to zero starts the item's stock-insight workflow
(signal-with-start, one per item and site): one insight within seconds, whatever the burst, the notification,
and the next greeting names the item. On the real Temporal dev server, through the service as it runs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from inventory_core.models import MovementKind
from inventory_core.ports import MovementRequest, ProductFilter
from inventory_core.service import InventoryService
from tests.conftest import write_ctx
from tests.workflows.conftest import running_service

pytestmark = pytest.mark.mongo


async def low_insights(inv: InventoryService, sku: str) -> list[str]:
    return [i.dedupe_key for i in await inv.insights(limit=500) if i.sku == sku and i.kind == "low_stock"]


async def test_a_pick_that_empties_a_bin_gives_one_insight_within_seconds_and_the_greeting_names_it(
    mongo_uri: str, tmp_path: Path
) -> None:
    async with running_service(mongo_uri, tmp_path) as services:
        inv, dialogue = services.inventory, services.dialogue
        assert services.workflows is not None and dialogue is not None
        page = await inv.list_products(ProductFilter(limit=500))
        view = next(v for v in page.items if v.stock and v.stock[0].on_hand > v.stock[0].effective_min > 0)
        level = view.stock[0]
        assert await low_insights(inv, view.sku) == []
        assert services.forecaster is not None
        await services.forecaster.ensure_run()  # as a running service has it (its warm-up is off in tests)
        began = time.monotonic()
        pick = MovementRequest(kind=MovementKind.PICK, quantity=level.on_hand, site=level.site)
        await inv.record_movement(view.sku, pick, write_ctx())
        while not await low_insights(inv, view.sku) and time.monotonic() - began < 30:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the store offers no event to wait on
        seconds = time.monotonic() - began
        assert await low_insights(inv, view.sku), "no insight within 30 s"
        # a burst of crossings the same day: restocked and emptied again, twice
        for _ in range(2):
            await inv.record_movement(
                view.sku, MovementRequest(MovementKind.RECEIPT, 5, site=level.site), write_ctx()
            )
            await inv.record_movement(
                view.sku, MovementRequest(MovementKind.PICK, 5, site=level.site), write_ctx()
            )
        await asyncio.sleep(2.0)
        assert len(await low_insights(inv, view.sku)) == 1  # one per item and day
        hello = await dialogue.greet(None, "tester", "voice")
        assert view.product.name in hello.reply, hello.reply
    print(f"pick → insight {seconds:.2f} s")


async def test_a_write_that_stays_above_the_reorder_point_starts_nothing(
    mongo_uri: str, tmp_path: Path
) -> None:
    async with running_service(mongo_uri, tmp_path) as services:
        inv = services.inventory
        assert services.workflows is not None
        page = await inv.list_products(ProductFilter(limit=500))
        view = next(v for v in page.items if v.stock and v.stock[0].on_hand > v.stock[0].effective_min + 2)
        level = view.stock[0]
        await inv.record_movement(
            view.sku, MovementRequest(MovementKind.PICK, 1, site=level.site), write_ctx()
        )
        await asyncio.sleep(0.5)
        started = [w async for w in services.workflows.client.list_workflows('WorkflowType="StockInsight"')]
        assert started == []
