"""Stock movements: guarded single-document updates, an append-only ledger and idempotency keys.

The order of a movement is claim → apply → settle:
1. claim: insert the ledger entry as ``pending`` under its unique idempotency key. A second request with the same
   key cannot claim it, so it can never apply twice; it waits for the first and returns the same result.
2. apply: one atomic conditional update of the stock document (``on_hand >= q`` for decrements, compare-and-set
   for counts). If the guard fails the claim is withdrawn so a later retry can succeed.
3. settle: the ledger entry becomes ``applied`` with its before/after figures.
A crash between 2 and 3 leaves a ``pending`` entry; ``resolve_pending`` settles it by comparing the stock document
with the ledger, and ``reconcile`` reports any drift."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inventory_core.errors import Conflict, InsufficientStock, InvalidInput, InventoryError, NotFound
from inventory_core.models import Drift, Movement, MovementKind, MovementResult, ReconcileReport, WriteContext
from inventory_core.store import Doc, MongoStore, utcnow

MAX_QUANTITY = 1_000_000
_DECREMENTS = {MovementKind.PICK, MovementKind.SALE}


def stock_id(sku: str, site: str) -> str:
    return f"{sku}@{site}"


def _validate(kind: MovementKind, quantity: int) -> None:
    if kind == MovementKind.OPENING:
        raise InvalidInput("opening balances are written only when a stock record is created")
    if kind == MovementKind.ADJUSTMENT:
        if quantity == 0 or abs(quantity) > MAX_QUANTITY:
            raise InvalidInput(f"an adjustment must be a non-zero change of at most {MAX_QUANTITY:,} units")
    elif kind == MovementKind.COUNT:
        if not 0 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(f"a count must be between 0 and {MAX_QUANTITY:,}")
    elif not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"a {kind.value} must be between 1 and {MAX_QUANTITY:,} units")


def _movement(doc: Doc) -> Movement:
    return Movement.model_validate(doc)


class StockLedger:
    def __init__(self, store: MongoStore, *, wait_for_peer_s: float = 5.0) -> None:
        self._store = store
        self._wait_for_peer_s = wait_for_peer_s

    async def opening(self, sku: str, site: str, on_hand: int, ctx: WriteContext) -> None:
        """Ledger entry for a new stock record's first balance (so the ledger always reconciles)."""
        key = ctx.model_copy(update={"idempotency_key": f"opening-{stock_id(sku, site)}"})
        await self._store.movements.insert_one(
            self._entry(sku, site, MovementKind.OPENING, on_hand, key, None, None)
            | {"delta": on_hand, "before": 0, "after": on_hand, "status": "applied"}
        )

    def _entry(
        self,
        sku: str,
        site: str,
        kind: MovementKind,
        qty: int,
        ctx: WriteContext,
        reason: str | None,
        bin_: str | None,
    ) -> Doc:
        return {
            "movement_id": uuid.uuid4().hex,
            "idempotency_key": ctx.idempotency_key,
            "sku": sku,
            "site": site,
            "kind": kind.value,
            "requested": qty,
            "delta": 0,
            "before": 0,
            "after": 0,
            "actor": ctx.actor,
            "channel": ctx.channel,
            "at": utcnow(),
            "reason": reason,
            "bin": bin_,
            "status": "pending",
        }

    async def apply(
        self,
        sku: str,
        site: str,
        kind: MovementKind,
        quantity: int,
        ctx: WriteContext,
        *,
        reason: str | None = None,
        bin_: str | None = None,
    ) -> MovementResult:
        _validate(kind, quantity)
        entry = self._entry(sku, site, kind, quantity, ctx, reason, bin_)
        try:
            await self._store.movements.insert_one(entry)
        except DuplicateKeyError:
            return await self._replay(sku, site, kind, quantity, ctx)
        try:
            before, after = await self._apply_to_stock(sku, site, kind, quantity)
        except InventoryError:
            # The guard failed: withdraw the claim so a retry can succeed. (On cancellation or a lost connection
            # the entry stays pending: the update may have reached the store, and resolve_pending settles it.)
            await self._store.movements.delete_one({"movement_id": entry["movement_id"], "status": "pending"})
            raise
        settled = {"status": "applied", "delta": after - before, "before": before, "after": after}
        await self._store.movements.update_one({"movement_id": entry["movement_id"]}, {"$set": settled})
        await self._store.audit(
            f"movement.{kind.value}", stock_id(sku, site), ctx, {"on_hand": before}, {"on_hand": after}
        )
        return MovementResult(movement=_movement(entry | settled), replayed=False)

    async def _replay(
        self, sku: str, site: str, kind: MovementKind, quantity: int, ctx: WriteContext
    ) -> MovementResult:
        deadline = asyncio.get_running_loop().time() + self._wait_for_peer_s
        while True:
            doc = await self._store.movements.find_one({"idempotency_key": ctx.idempotency_key})
            if doc is None:  # the first attempt withdrew its claim (guard failed): try again as new
                return await self.apply(sku, site, kind, quantity, ctx)
            if (doc["sku"], doc["site"], doc["kind"], doc["requested"]) != (sku, site, kind.value, quantity):
                raise Conflict(
                    "this idempotency key was already used for a different movement",
                    idempotency_key=ctx.idempotency_key,
                )
            if doc["status"] == "applied":
                return MovementResult(movement=_movement(doc), replayed=True)
            if asyncio.get_running_loop().time() > deadline:
                raise Conflict("the same request is still being applied; try again shortly", retryable=True)
            await asyncio.sleep(0.02)

    async def _apply_to_stock(
        self, sku: str, site: str, kind: MovementKind, quantity: int
    ) -> tuple[int, int]:
        sid = stock_id(sku, site)
        now = utcnow()
        if kind == MovementKind.COUNT:
            return await self._set_absolute(sid, quantity)
        delta = -quantity if kind in _DECREMENTS else quantity
        flt: dict[str, Any] = {"_id": sid}
        if delta < 0:
            flt["on_hand"] = {"$gte": -delta}
        doc = await self._store.stock.find_one_and_update(
            flt,
            {"$inc": {"on_hand": delta}, "$set": {"updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            current = await self._store.stock.find_one({"_id": sid})
            if current is None:
                raise NotFound(f"{sku} is not stocked at {site}", sku=sku, site=site)
            raise InsufficientStock(
                f"only {current['on_hand']} on hand at {site}; cannot take {-delta}",
                sku=sku,
                site=site,
                on_hand=int(current["on_hand"]),
                requested=-delta,
            )
        after = int(doc["on_hand"])
        return after - delta, after

    async def _set_absolute(self, sid: str, quantity: int) -> tuple[int, int]:
        for _ in range(50):  # compare-and-set; counts are rare, so contention is short
            current = await self._store.stock.find_one({"_id": sid})
            if current is None:
                raise NotFound(f"no stock record {sid}")
            before = int(current["on_hand"])
            doc = await self._store.stock.find_one_and_update(
                {"_id": sid, "on_hand": before},
                {"$set": {"on_hand": quantity, "updated_at": utcnow()}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                return before, quantity
        raise Conflict("stock kept changing during the count; count again", retryable=True)

    async def _ledger_totals(self, flt: Doc) -> tuple[dict[str, int], dict[str, int]]:
        applied: dict[str, int] = {}
        pending: dict[str, int] = {}
        async for doc in self._store.movements.find(flt, {"sku": 1, "site": 1, "delta": 1, "status": 1}):
            sid = stock_id(doc["sku"], doc["site"])
            if doc["status"] == "applied":
                applied[sid] = applied.get(sid, 0) + int(doc["delta"])
            elif doc["status"] == "pending":
                pending[sid] = pending.get(sid, 0) + 1
        return applied, pending

    async def reconcile(self, sku: str | None = None) -> ReconcileReport:
        """Recompute on-hand from the ledger for every stock record and report where they disagree."""
        flt: Doc = {"sku": sku} if sku else {}
        applied, pending = await self._ledger_totals(flt)
        drift: list[Drift] = []
        checked = 0
        async for doc in self._store.stock.find(flt, {"sku": 1, "site": 1, "on_hand": 1}):
            checked += 1
            sid = stock_id(doc["sku"], doc["site"])
            total = applied.get(sid, 0)
            if total != int(doc["on_hand"]) or pending.get(sid):
                drift.append(
                    Drift(
                        sku=doc["sku"],
                        site=doc["site"],
                        on_hand=int(doc["on_hand"]),
                        ledger_total=total,
                        pending=pending.get(sid, 0),
                    )
                )
        return ReconcileReport(checked=checked, drift=drift)

    async def resolve_pending(self, older_than_s: float = 30.0) -> int:
        """Settle ledger entries left pending by a crash: applied if the stock shows their change, else dropped."""
        cutoff = utcnow() - timedelta(seconds=older_than_s)
        settled = 0
        async for doc in self._store.movements.find({"status": "pending", "at": {"$lt": cutoff}}):
            report = await self.reconcile(doc["sku"])
            gap = next((d for d in report.drift if d.site == doc["site"]), None)
            kind = MovementKind(doc["kind"])
            expected = -doc["requested"] if kind in _DECREMENTS else doc["requested"]
            if gap is not None and kind != MovementKind.COUNT and gap.difference == expected:
                update = {
                    "status": "applied",
                    "delta": expected,
                    "after": gap.on_hand,
                    "before": gap.on_hand - expected,
                }
                await self._store.movements.update_one({"_id": doc["_id"]}, {"$set": update})
            else:
                await self._store.movements.update_one({"_id": doc["_id"]}, {"$set": {"status": "abandoned"}})
            settled += 1
        return settled
