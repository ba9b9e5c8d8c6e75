"""Settles legacy claims: ledger entries left ``pending`` by versions whose stock update did not mark the movement
on the stock document (entries without ``lease_until``). Whether such a claim reached on-hand cannot be read off
the stock document, so it is worked out per stock record from the gap between on-hand and the applied ledger:

- the claims whose changes add up exactly to the gap are settled ``applied`` (``recovered``; after = on-hand now),
  the others are withdrawn (deleted), so a retry of their key applies them;
- a record whose gap no set of claims explains (a pending count, or stock changed behind the ledger) has its
  claims marked ``abandoned``: a retry of their key gets a clear refusal, never a second application, and
  ``reconcile`` keeps reporting the drift;
- a record with current claims pending, or whose stock changes while it is read, is left for the next pass.

Units are fungible, so when several sets explain the gap, any of them gives the right on-hand and the right total
once the withdrawn claims are retried."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from inventory_core.store import Doc, MongoStore

log = logging.getLogger("inventorypulse.ledger")

MAX_SUMS = 20_000  # bound on the subset search; beyond it the record is treated as unexplained
_DECREMENTS = {"pick", "sale"}


def explaining_subset(deltas: Sequence[int], gap: int) -> list[int] | None:
    """Indexes of a subset of ``deltas`` adding up to ``gap`` (earliest claims first), or None."""
    reach: dict[int, tuple[int, ...]] = {0: ()}
    for i, delta in enumerate(deltas):
        for total, picked in list(reach.items()):
            if total + delta not in reach:
                reach[total + delta] = (*picked, i)
        if len(reach) > MAX_SUMS:
            return None
    found = reach.get(gap)
    return None if found is None else list(found)


def _delta(doc: Doc) -> int:
    quantity = int(doc["requested"])
    return -quantity if doc["kind"] in _DECREMENTS else quantity


async def settle_legacy_claims(store: MongoStore) -> int:
    """Settle every legacy claim that can be settled now; returns how many were."""
    records: dict[tuple[str, str], list[Doc]] = {}
    async for doc in store.movements.find({"status": "pending"}):
        if "lease_until" not in doc:
            records.setdefault((doc["sku"], doc["site"]), []).append(doc)
    settled = 0
    for (sku, site), claims in records.items():
        settled += await _settle_record(store, sku, site, sorted(claims, key=lambda d: d["at"]))
    return settled


async def _settle_record(store: MongoStore, sku: str, site: str, claims: list[Doc]) -> int:
    fields = {"on_hand": 1, "updated_at": 1, "applied": 1}
    first = await store.stock.find_one({"sku": sku, "site": site}, fields)
    entries = [doc async for doc in store.movements.find({"sku": sku, "site": site})]
    if first != await store.stock.find_one({"sku": sku, "site": site}, fields):
        return 0  # stock moved while the ledger was read: next pass
    if any(e["status"] == "pending" and "lease_until" in e for e in entries):
        return 0  # current claims in flight: their changes may be in on-hand already
    ids = [c["movement_id"] for c in claims]
    if first is None:
        await store.movements.delete_many({"movement_id": {"$in": ids}, "status": "pending"})
        return len(claims)
    on_hand = int(first["on_hand"])
    gap = on_hand - sum(int(e["delta"]) for e in entries if e["status"] == "applied")
    picked = None
    if all(c["kind"] != "count" for c in claims):
        picked = explaining_subset([_delta(c) for c in claims], gap)
    if picked is None:
        log.warning("%s@%s: legacy claims do not explain a gap of %+d; marked abandoned", sku, site, gap)
        await store.movements.update_many(
            {"movement_id": {"$in": ids}, "status": "pending"}, {"$set": {"status": "abandoned"}}
        )
        return len(claims)
    later = 0  # changes of the picked claims after this one, to give each an after figure
    for i in reversed(picked):
        delta = _delta(claims[i])
        after = on_hand - later
        update = {
            "status": "applied",
            "delta": delta,
            "before": after - delta,
            "after": after,
            "recovered": True,
        }
        await store.movements.update_one({"movement_id": ids[i], "status": "pending"}, {"$set": update})
        later += delta
    withdrawn = [m for i, m in enumerate(ids) if i not in set(picked)]
    await store.movements.delete_many({"movement_id": {"$in": withdrawn}, "status": "pending"})
    return len(claims)
