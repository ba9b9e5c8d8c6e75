"""Stock movements against the real wire-protocol server: atomic guards, idempotency, reconcile."""

from __future__ import annotations

import asyncio

import pytest

from inventory_core.errors import Conflict, InsufficientStock, InvalidInput, NotFound
from inventory_core.models import Location, MovementKind, Product, StockLevel
from inventory_core.ports import MovementRequest
from inventory_core.service import InventoryService
from tests.conftest import write_ctx

pytestmark = pytest.mark.mongo


async def _product(inv: InventoryService, sku: str, on_hand: int, sites: tuple[str, ...] = ("main",)) -> None:
    product = Product(
        sku=sku,
        name=f"test widget {sku.lower()}",
        category="test",
        pack_size=10,
        locations=[Location(site=s, bin="A-01-1", check_digits="42") for s in sites],
    )
    await inv.create_product(
        product, [StockLevel(sku=sku, site=s, on_hand=on_hand) for s in sites], write_ctx()
    )


async def test_200_concurrent_decrements_never_oversell(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0001", 150)
    pick = MovementRequest(kind=MovementKind.PICK, quantity=1)

    async def one() -> str:
        try:
            await inv.record_movement("TST-0001", pick, write_ctx())
            return "ok"
        except InsufficientStock:
            return "short"

    results = await asyncio.gather(*(one() for _ in range(200)))
    assert results.count("ok") == 150
    assert results.count("short") == 50
    view = await inv.get_product("TST-0001")
    assert view.on_hand == 0
    report = await inv.reconcile("TST-0001")
    assert report.checked == 1 and report.ok, report.drift


async def test_same_key_applies_once_even_when_racing(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0002", 100)
    ctx = write_ctx("turn-42-yes")
    req = MovementRequest(kind=MovementKind.PICK, quantity=7)
    first, *others = await asyncio.gather(*(inv.record_movement("TST-0002", req, ctx) for _ in range(5)))
    results = [first, *others]
    assert sum(not r.replayed for r in results) == 1
    assert {r.movement.movement_id for r in results} == {first.movement.movement_id}
    assert (await inv.get_product("TST-0002")).on_hand == 93
    again = await inv.record_movement("TST-0002", req, ctx)
    assert again.replayed and again.movement.after == 93
    assert (await inv.reconcile("TST-0002")).ok


async def test_key_reused_for_a_different_movement_is_refused(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0003", 10)
    ctx = write_ctx("k1")
    await inv.record_movement("TST-0003", MovementRequest(kind=MovementKind.PICK, quantity=1), ctx)
    with pytest.raises(Conflict):
        await inv.record_movement("TST-0003", MovementRequest(kind=MovementKind.PICK, quantity=2), ctx)
    assert (await inv.get_product("TST-0003")).on_hand == 9


async def test_oversell_says_how_many_are_on_hand_and_a_retry_can_succeed(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0004", 5)
    ctx = write_ctx("pick-8")
    with pytest.raises(InsufficientStock) as info:
        await inv.record_movement("TST-0004", MovementRequest(kind=MovementKind.PICK, quantity=8), ctx)
    assert info.value.details["on_hand"] == 5
    await inv.record_movement(
        "TST-0004", MovementRequest(kind=MovementKind.RECEIPT, quantity=10), write_ctx()
    )
    result = await inv.record_movement("TST-0004", MovementRequest(kind=MovementKind.PICK, quantity=8), ctx)
    assert not result.replayed and result.movement.after == 7


async def test_count_receipt_adjustment_and_reconcile(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0005", 20, sites=("main", "east"))
    await inv.record_movement(
        "TST-0005", MovementRequest(kind=MovementKind.RECEIPT, quantity=30, site="east"), write_ctx()
    )
    count = await inv.record_movement(
        "TST-0005", MovementRequest(kind=MovementKind.COUNT, quantity=48), write_ctx()
    )
    assert (count.movement.before, count.movement.after, count.movement.delta) == (20, 48, 28)
    adj = MovementRequest(kind=MovementKind.ADJUSTMENT, quantity=-3, site="east", reason="damaged")
    assert (await inv.record_movement("TST-0005", adj, write_ctx())).movement.after == 47
    view = await inv.get_product("TST-0005")
    assert {s.site: s.on_hand for s in view.stock} == {"main": 48, "east": 47}
    assert (await inv.reconcile()).ok


async def test_reconcile_reports_drift_when_stock_is_changed_behind_the_ledger(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0006", 12)
    await inv.store.stock.update_one({"_id": "TST-0006@main"}, {"$inc": {"on_hand": 5}})
    report = await inv.reconcile("TST-0006")
    assert not report.ok
    assert report.drift[0].difference == 5


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [
        (MovementKind.PICK, 0),
        (MovementKind.PICK, -3),
        (MovementKind.RECEIPT, 10_000_000),
        (MovementKind.COUNT, -1),
        (MovementKind.ADJUSTMENT, 0),
        (MovementKind.OPENING, 5),
    ],
)
async def test_absurd_quantities_are_rejected(
    fresh_inventory: InventoryService, kind: MovementKind, quantity: int
) -> None:
    await _product(fresh_inventory, "TST-0007", 10)
    with pytest.raises(InvalidInput):
        await fresh_inventory.record_movement(
            "TST-0007", MovementRequest(kind=kind, quantity=quantity), write_ctx()
        )
    assert (await fresh_inventory.get_product("TST-0007")).on_hand == 10


async def test_unknown_sku_and_site(fresh_inventory: InventoryService) -> None:
    await _product(fresh_inventory, "TST-0008", 10)
    with pytest.raises(NotFound) as info:
        await fresh_inventory.record_movement(
            "TST-0009", MovementRequest(kind=MovementKind.PICK, quantity=1), write_ctx()
        )
    assert "TST-0008" in info.value.details["suggestions"]
    with pytest.raises(NotFound):
        req = MovementRequest(kind=MovementKind.PICK, quantity=1, site="east")
        await fresh_inventory.record_movement("TST-0008", req, write_ctx())


async def test_pending_entry_left_by_a_crash_is_settled(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "TST-0010", 30)
    # Simulate a crash after the stock update but before the ledger entry was settled.
    entry = inv.ledger._entry("TST-0010", "main", MovementKind.PICK, 4, write_ctx("crashed"), None, None)
    await inv.store.movements.insert_one(entry)
    await inv.store.stock.update_one({"_id": "TST-0010@main"}, {"$inc": {"on_hand": -4}})
    assert (await inv.reconcile("TST-0010")).drift[0].pending == 1
    assert await inv.ledger.resolve_pending(older_than_s=-1) == 1
    assert (await inv.reconcile("TST-0010")).ok
    replay = await inv.record_movement(
        "TST-0010", MovementRequest(kind=MovementKind.PICK, quantity=4), write_ctx("crashed")
    )
    assert replay.replayed and (await inv.get_product("TST-0010")).on_hand == 26
