"""Recovery of claims cut off from their request, against the real wire-protocol server: each place a crash can
cut a movement, many claims on one record, retries of a cut-off key, counts, guards that refuse a roll-forward,
the recovery loop, and legacy claims. A crash is simulated by doing a movement's first steps by hand and then
dropping it, which is what a killed request leaves behind."""

from __future__ import annotations

import asyncio
import time

import pytest

from inventory_core.errors import Conflict, InsufficientStock
from inventory_core.ledger_legacy import explaining_subset
from inventory_core.ledger_recovery import LedgerRecovery, RecoveryOptions
from inventory_core.models import Location, MovementKind, Product, StockLevel
from inventory_core.service import InventoryService
from inventory_core.stock_ops import StockLedger, _Decided, mark_key, stock_id
from inventory_core.store import Doc
from tests.conftest import write_ctx

pytestmark = pytest.mark.mongo

SITE = "main"


async def _product(inv: InventoryService, sku: str, on_hand: int) -> None:
    product = Product(
        sku=sku,
        name=f"recovery widget {sku.lower()}",
        category="test",
        locations=[Location(site=SITE, bin="A-01-1", check_digits="42")],
    )
    await inv.create_product(product, [StockLevel(sku=sku, site=SITE, on_hand=on_hand)], write_ctx())


async def _cut_off(
    ledger: StockLedger, sku: str, kind: MovementKind, qty: int, key: str | None = None, *, applied: bool
) -> Doc:
    """A claim whose request died right after the claim (``applied=False``) or after the stock update."""
    entry = ledger._claim(ledger._entry(sku, SITE, kind, qty, write_ctx(key), None, None))
    await ledger._store.movements.insert_one(dict(entry))
    if applied:
        await ledger._apply_to_stock(entry)
    return entry


async def _on_hand(inv: InventoryService, sku: str) -> int:
    doc = await inv.store.stock.find_one({"_id": stock_id(sku, SITE)})
    assert doc is not None
    return int(doc["on_hand"])


async def _entry(inv: InventoryService, movement_id: str) -> Doc | None:
    return await inv.store.movements.find_one({"movement_id": movement_id})


async def _marks(inv: InventoryService, sku: str) -> dict[str, object]:
    doc = await inv.store.stock.find_one({"_id": stock_id(sku, SITE)})
    assert doc is not None
    return dict(doc.get("applied") or {})


async def test_a_settled_movement_leaves_no_mark(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0001", 10)
    await inv.ledger.apply("REC-0001", SITE, MovementKind.RECEIPT, 5, write_ctx())
    assert await _marks(inv, "REC-0001") == {}
    assert (await inv.reconcile("REC-0001")).ok


async def test_a_claim_cut_off_before_its_stock_update_is_rolled_forward_once(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0002", 30)
    ledger = StockLedger(inv.store, lease_s=0.05)
    claim = await _cut_off(ledger, "REC-0002", MovementKind.PICK, 4, "cut-before", applied=False)
    assert await ledger.resolve_pending() == 0  # still within its lease
    await asyncio.sleep(0.06)
    assert await ledger.resolve_pending() == 1
    assert await ledger.resolve_pending() == 0
    entry = await _entry(inv, claim["movement_id"])
    assert entry is not None
    assert (entry["status"], entry["delta"], entry["before"], entry["after"], entry["recovered"]) == (
        "applied",
        -4,
        30,
        26,
        True,
    )
    assert await _on_hand(inv, "REC-0002") == 26 and (await inv.reconcile("REC-0002")).ok
    again = await ledger.apply("REC-0002", SITE, MovementKind.PICK, 4, write_ctx("cut-before"))
    assert again.replayed and again.movement.movement_id == claim["movement_id"]
    assert await _on_hand(inv, "REC-0002") == 26


async def test_a_claim_cut_off_after_its_stock_update_is_settled_not_applied_again(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0003", 30)
    claim = await _cut_off(inv.ledger, "REC-0003", MovementKind.PICK, 4, applied=True)
    [drift] = (await inv.reconcile("REC-0003")).drift
    assert (drift.on_hand, drift.ledger_total, drift.pending, drift.in_flight) == (26, 30, 1, -4)
    assert await inv.ledger.resolve_pending(older_than_s=0) == 1
    entry = await _entry(inv, claim["movement_id"])
    assert entry is not None
    assert (entry["status"], entry["delta"], entry["after"], entry["recovered"]) == ("applied", -4, 26, True)
    assert await _on_hand(inv, "REC-0003") == 26 and (await inv.reconcile("REC-0003")).ok


async def test_many_claims_cut_off_on_one_sku_are_each_settled_exactly(
    fresh_inventory: InventoryService,
) -> None:
    # The case: a burst on one SKU, kill -9, 20 claims left pending, some in on-hand and some not.
    inv = fresh_inventory
    await _product(inv, "REC-0004", 100)
    await inv.ledger.apply("REC-0004", SITE, MovementKind.RECEIPT, 7, write_ctx())
    kinds = [MovementKind.PICK, MovementKind.RECEIPT, MovementKind.ADJUSTMENT, MovementKind.SALE]
    claims = [
        await _cut_off(inv.ledger, "REC-0004", kinds[i % 4], 1 + i % 3, applied=i % 5 < 3) for i in range(20)
    ]
    expected = 107 + sum((-1 if c["kind"] in ("pick", "sale") else 1) * c["requested"] for c in claims)
    assert await _on_hand(inv, "REC-0004") != expected  # the unapplied ones are missing from on-hand
    assert await inv.ledger.resolve_pending(older_than_s=0) == 20
    assert await _on_hand(inv, "REC-0004") == expected
    assert (await inv.reconcile("REC-0004")).ok
    statuses = [(await _entry(inv, c["movement_id"]) or {}).get("status") for c in claims]
    assert statuses == ["applied"] * 20


async def test_a_retried_key_of_a_cut_off_claim_completes_once(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0005", 50)
    ledger = StockLedger(inv.store, lease_s=0.2)
    applied = await _cut_off(ledger, "REC-0005", MovementKind.PICK, 5, "retry-applied", applied=True)
    unapplied = await _cut_off(ledger, "REC-0005", MovementKind.RECEIPT, 8, "retry-unapplied", applied=False)
    began = time.monotonic()
    first, second = await asyncio.gather(
        ledger.apply("REC-0005", SITE, MovementKind.PICK, 5, write_ctx("retry-applied")),
        ledger.apply("REC-0005", SITE, MovementKind.RECEIPT, 8, write_ctx("retry-unapplied")),
    )
    assert time.monotonic() - began < 2.0  # waited out the lease, not a 409
    assert first.replayed and first.movement.movement_id == applied["movement_id"]
    assert second.replayed and second.movement.movement_id == unapplied["movement_id"]
    assert await _on_hand(inv, "REC-0005") == 53
    again = await ledger.apply("REC-0005", SITE, MovementKind.RECEIPT, 8, write_ctx("retry-unapplied"))
    assert again.replayed and await _on_hand(inv, "REC-0005") == 53
    assert (await inv.reconcile("REC-0005")).ok


async def test_live_requests_racing_their_roll_forward_apply_once(fresh_inventory: InventoryService) -> None:
    # A zero lease: every claim may be rolled forward while its own request is still applying it.
    inv = fresh_inventory
    await _product(inv, "REC-0006", 200)
    ledger = StockLedger(inv.store, lease_s=0.0)
    done = asyncio.Event()

    async def recover_all_the_time() -> None:
        while not done.is_set():
            await ledger.resolve_pending(older_than_s=0)

    recoverers = [asyncio.create_task(recover_all_the_time()) for _ in range(3)]
    kinds = [MovementKind.PICK, MovementKind.RECEIPT, MovementKind.COUNT, MovementKind.ADJUSTMENT]
    ops = [(i, kinds[i % 4]) for i in range(80)]  # never short: counts of 150+, picks of at most 7
    results = await asyncio.gather(
        *(
            ledger.apply("REC-0006", SITE, k, 150 + i if k == "count" else 1 + i % 7, write_ctx())
            for i, k in ops
        )
    )
    done.set()
    await asyncio.gather(*recoverers)
    deltas = [r.movement.delta for r in results]
    await ledger.resolve_pending(older_than_s=0)
    report = await inv.reconcile("REC-0006")
    assert report.ok, report.drift
    assert await inv.store.movements.count_documents({"sku": "REC-0006", "status": "applied"}) == 81
    assert 200 + sum(deltas) == await _on_hand(inv, "REC-0006")


async def test_a_count_cut_off_keeps_its_exact_delta(fresh_inventory: InventoryService) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0007", 30)
    applied = await _cut_off(inv.ledger, "REC-0007", MovementKind.COUNT, 50, applied=True)  # 30 → 50
    await inv.ledger.apply("REC-0007", SITE, MovementKind.RECEIPT, 5, write_ctx())  # 55
    unapplied = await _cut_off(inv.ledger, "REC-0007", MovementKind.COUNT, 20, applied=False)
    await inv.ledger.apply("REC-0007", SITE, MovementKind.PICK, 3, write_ctx())  # 52
    assert await inv.ledger.resolve_pending(older_than_s=0) == 2
    first, second = await _entry(inv, applied["movement_id"]), await _entry(inv, unapplied["movement_id"])
    assert first is not None and second is not None
    assert first["delta"] == 20  # counted 50 when there were 30, whatever happened since
    assert (second["delta"], second["before"], second["after"]) == (-32, 52, 20)  # applied at recovery
    assert await _on_hand(inv, "REC-0007") == 20 and (await inv.reconcile("REC-0007")).ok


async def test_a_roll_forward_its_guard_refuses_is_withdrawn_for_good(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0008", 10)
    claim = await _cut_off(inv.ledger, "REC-0008", MovementKind.PICK, 50, "too-many", applied=False)
    assert await inv.ledger.resolve_pending(older_than_s=0) == 1
    assert await _entry(inv, claim["movement_id"]) is None  # withdrawn: the key is free again
    assert await _marks(inv, "REC-0008") == {mark_key(claim["movement_id"]): "refused"}
    with pytest.raises(_Decided):  # the cut-off request, were it to go on, can no longer apply it
        await inv.ledger._apply_to_stock(claim)
    with pytest.raises(InsufficientStock) as refused:
        await inv.ledger.apply("REC-0008", SITE, MovementKind.PICK, 50, write_ctx("too-many"))
    assert not refused.value.retryable
    await inv.ledger.apply("REC-0008", SITE, MovementKind.RECEIPT, 45, write_ctx())
    result = await inv.ledger.apply("REC-0008", SITE, MovementKind.PICK, 50, write_ctx("too-many"))
    assert not result.replayed and result.movement.movement_id != claim["movement_id"]
    assert await _on_hand(inv, "REC-0008") == 5 and (await inv.reconcile("REC-0008")).ok


async def test_the_recovery_loop_settles_cut_off_claims_and_releases_their_marks(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0009", 20)
    ledger = StockLedger(inv.store, lease_s=0.05)
    await _cut_off(ledger, "REC-0009", MovementKind.RECEIPT, 6, applied=True)
    await _cut_off(ledger, "REC-0009", MovementKind.PICK, 2, applied=False)
    await _cut_off(ledger, "REC-0009", MovementKind.PICK, 99, applied=False)
    options = RecoveryOptions(interval_s=0.05, sweep_every_s=0.0, mark_grace_s=0.0)
    task = asyncio.create_task(LedgerRecovery(ledger, inv.store, options).run())
    try:
        deadline = time.monotonic() + 5
        while not ((await inv.reconcile("REC-0009")).ok and not await _marks(inv, "REC-0009")):
            assert time.monotonic() < deadline, await _marks(inv, "REC-0009")
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await _on_hand(inv, "REC-0009") == 24


async def test_the_sweep_keeps_marks_of_pending_claims_and_within_the_grace(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0010", 20)
    now = [0.0]
    claim = await _cut_off(inv.ledger, "REC-0010", MovementKind.RECEIPT, 3, applied=True)
    sweep = LedgerRecovery(inv.ledger, inv.store, RecoveryOptions(mark_grace_s=60.0), clock=lambda: now[0])
    assert await sweep.sweep_marks() == 0  # pending: its mark is what makes its recovery exact
    await inv.ledger.resolve_pending(older_than_s=0)
    assert await sweep.sweep_marks() == 0  # settled, first seen now
    now[0] = 59.0
    assert await sweep.sweep_marks() == 0
    now[0] = 61.0
    assert await sweep.sweep_marks() == 1
    assert await _marks(inv, "REC-0010") == {} and mark_key(claim["movement_id"])


async def test_legacy_claims_are_settled_from_the_gap(fresh_inventory: InventoryService) -> None:
    # Entries without a lease were claimed by a version that did not mark movements on the stock document.
    inv = fresh_inventory
    await _product(inv, "REC-0011", 30)
    ledger = inv.ledger
    legacy = [ledger._entry("REC-0011", SITE, k, q, write_ctx(), None, None) for k, q in _LEGACY]
    for entry in legacy:
        await inv.store.movements.insert_one(dict(entry))
    await inv.store.stock.update_one(
        {"_id": "REC-0011@main"}, {"$inc": {"on_hand": 5 - 2}}
    )  # two reached stock
    assert await ledger.resolve_pending() == 3
    statuses = [(await _entry(inv, e["movement_id"]) or {}).get("status") for e in legacy]
    assert statuses == ["applied", "applied", None]  # the third was withdrawn: a retry applies it
    assert (await inv.reconcile("REC-0011")).ok
    retry = await ledger.apply(
        "REC-0011", SITE, MovementKind.RECEIPT, 4, write_ctx(legacy[2]["idempotency_key"])
    )
    assert not retry.replayed and await _on_hand(inv, "REC-0011") == 37


_LEGACY = [(MovementKind.RECEIPT, 5), (MovementKind.PICK, 2), (MovementKind.RECEIPT, 4)]


async def test_legacy_claims_that_do_not_explain_the_gap_are_abandoned(
    fresh_inventory: InventoryService,
) -> None:
    inv = fresh_inventory
    await _product(inv, "REC-0012", 30)
    entry = inv.ledger._entry("REC-0012", SITE, MovementKind.COUNT, 12, write_ctx("old-count"), None, None)
    await inv.store.movements.insert_one(dict(entry))
    await inv.store.stock.update_one({"_id": "REC-0012@main"}, {"$set": {"on_hand": 12}})
    assert await inv.ledger.resolve_pending() == 1
    assert ((await _entry(inv, entry["movement_id"])) or {}).get("status") == "abandoned"
    with pytest.raises(Conflict) as refused:  # a clear answer, never a retryable 409 forever
        await inv.ledger.apply("REC-0012", SITE, MovementKind.COUNT, 12, write_ctx("old-count"))
    assert not refused.value.retryable
    assert not (await inv.reconcile("REC-0012")).ok  # the drift stays reported


def test_explaining_subset() -> None:
    assert explaining_subset([5, -2, 4], 3) == [0, 1]
    assert explaining_subset([1, 1, 1], 2) == [0, 1]
    assert explaining_subset([1, 1], 0) == []
    assert explaining_subset([2, 4], 3) is None
