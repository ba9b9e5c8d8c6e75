"""Stock movements: guarded single-document updates, an append-only ledger and idempotency keys.

The order of a movement is claim → apply → settle:
1. claim: insert the ledger entry as ``pending`` under its unique idempotency key, with a lease (``lease_until``).
   A second request with the same key cannot claim it; it waits for the first and returns the same result.
2. apply: one atomic conditional update of the stock document that also *marks* the movement there
   (``applied.m<movement_id>: delta``), guarded by that mark being absent, by ``on_hand >= q`` for decrements and
   by compare-and-set for counts. So a movement reaches on-hand at most once, whoever applies it, and the stock
   document itself says whether it did. If the business guard fails, the movement is marked ``refused`` there (no
   late attempt can apply it any more) and the claim is withdrawn (deleted) so a retry can succeed.
3. settle: the entry becomes ``applied`` with its delta and before/after, then the mark is released.

A claim left pending (its request cut off by a crash, a kill or a lost connection) is rolled forward by
``settle_claim``: it fences the entry (``fenced: true``, only while pending), applies it with the same guard and
settles it: applied if the stock carries its mark (its own update or the original's), withdrawn if the guard
refuses it. A settle never releases the mark of a fenced entry, so a roll-forward never finds the mark gone and
applies twice; ``ledger_recovery`` releases such marks after a grace period. A retry of the key once the lease has
run out (``_replay``), the recovery loop and start-up (``resolve_pending``) all roll forward. Once nothing is
pending, on-hand equals the sum of applied deltas for every stock record; ``reconcile`` reports where it does not.
Before/after are exact, except for a movement whose request was cut off after applying it: it is settled with
after = the on-hand at that moment (``recovered: true``); its delta is exact."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inventory_core.errors import Conflict, InsufficientStock, InvalidInput, InventoryError, NotFound
from inventory_core.ledger_legacy import settle_legacy_claims
from inventory_core.models import Drift, Movement, MovementKind, MovementResult, ReconcileReport, WriteContext
from inventory_core.store import Doc, MongoStore, utcnow

log = logging.getLogger("inventorypulse.ledger")

MAX_QUANTITY = 1_000_000
LEASE_S = 5.0
REFUSED = "refused"  # the mark of a movement that must never be applied
_DECREMENTS = {MovementKind.PICK, MovementKind.SALE}


def stock_id(sku: str, site: str) -> str:
    return f"{sku}@{site}"


def mark_key(movement_id: str) -> str:
    """The key of a movement's mark in its stock document's ``applied`` map."""
    return f"m{movement_id}"


def marked_movement(key: str) -> str:
    """The movement id a mark key stands for."""
    return key.removeprefix("m")


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


class _Decided(Exception):
    """The stock document already carries this movement's mark: someone else applied or refused it."""


class StockLedger:
    def __init__(self, store: MongoStore, *, wait_for_peer_s: float = 5.0, lease_s: float = LEASE_S) -> None:
        self._store = store
        self._wait_for_peer_s = wait_for_peer_s
        self.lease_s = lease_s
        """How long a claim belongs to its request; after that anyone may roll it forward."""

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

    def _claim(self, entry: Doc) -> Doc:
        """A claim: the pending entry with its lease. Entries without ``lease_until`` are legacy claims."""
        return entry | {"lease_until": entry["at"] + timedelta(seconds=self.lease_s), "fenced": False}

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
        entry = self._claim(self._entry(sku, site, kind, quantity, ctx, reason, bin_))
        try:
            await self._store.movements.insert_one(entry)
        except DuplicateKeyError:
            return await self._replay(sku, site, kind, quantity, ctx)
        try:
            before, after = await self._apply_to_stock(entry)
        except _Decided:  # our lease ran out and a roll-forward applied or refused the movement first
            return await self._taken_over(entry, sku, site, kind, quantity, ctx)
        except InventoryError:
            # The guard failed: refuse the movement on the stock document, then withdraw the claim so a retry can
            # succeed. (On cancellation or a lost connection the entry stays pending and is rolled forward.)
            if not await self._refuse(entry):
                return await self._taken_over(entry, sku, site, kind, quantity, ctx)
            await self._withdraw(entry)
            raise
        movement = await self._settle(entry, before, after, recovered=False)
        await self._store.audit(
            f"movement.{kind.value}", stock_id(sku, site), ctx, {"on_hand": before}, {"on_hand": after}
        )
        return MovementResult(movement=movement, replayed=False)

    async def _taken_over(
        self, entry: Doc, sku: str, site: str, kind: MovementKind, quantity: int, ctx: WriteContext
    ) -> MovementResult:
        movement = await self._settle_from_mark(entry)
        if movement is None:  # refused and withdrawn by the roll-forward: answer as a retry of the key would
            return await self._replay(sku, site, kind, quantity, ctx)
        return MovementResult(movement=movement, replayed=False)

    async def _replay(
        self, sku: str, site: str, kind: MovementKind, quantity: int, ctx: WriteContext
    ) -> MovementResult:
        deadline = asyncio.get_running_loop().time() + self._wait_for_peer_s
        while True:
            doc = await self._store.movements.find_one({"idempotency_key": ctx.idempotency_key})
            if doc is None:  # the claim was withdrawn (guard failed): try again as new
                return await self.apply(sku, site, kind, quantity, ctx)
            if (doc["sku"], doc["site"], doc["kind"], doc["requested"]) != (sku, site, kind.value, quantity):
                raise Conflict(
                    "this idempotency key was already used for a different movement",
                    idempotency_key=ctx.idempotency_key,
                )
            if doc["status"] == "applied":
                return MovementResult(movement=_movement(doc), replayed=True)
            if doc["status"] != "pending":
                raise Conflict(
                    "this request was cut off by a restart and was not recorded; send it again with a new key",
                    idempotency_key=ctx.idempotency_key,
                )
            if "lease_until" in doc and utcnow() >= doc["lease_until"]:  # its request is gone: finish it here
                movement = await self.settle_claim(doc)
                if movement is not None:
                    return MovementResult(movement=movement, replayed=True)
                continue  # withdrawn: the next look finds the key free
            if asyncio.get_running_loop().time() > deadline:
                raise Conflict("the same request is still being applied; try again shortly", retryable=True)
            await asyncio.sleep(0.02)

    # ---- rolling a claim forward -------------------------------------------------------------------------

    async def settle_claim(self, doc: Doc) -> Movement | None:
        """Finish a pending claim whose request may be gone: the settled movement, or None when it was withdrawn
        (its guard refused it). Safe against the original request and other roll-forwards running at once."""
        fenced = await self._store.movements.find_one_and_update(
            {"movement_id": doc["movement_id"], "status": "pending"},
            {"$set": {"fenced": True}},
            return_document=ReturnDocument.AFTER,
        )
        if fenced is None:  # settled or withdrawn meanwhile
            return await self._settled(doc["movement_id"])
        try:
            before, after = await self._apply_to_stock(fenced)
        except _Decided:
            return await self._settle_from_mark(fenced)
        except InventoryError:
            if not await self._refuse(fenced):
                return await self._settle_from_mark(fenced)
            await self._withdraw(fenced)
            return None
        movement = await self._settle(fenced, before, after, recovered=True)
        sid = stock_id(fenced["sku"], fenced["site"])
        action = f"movement.{fenced['kind']}.recovered"
        ctx = WriteContext.model_validate(fenced)
        await self._store.audit(action, sid, ctx, {"on_hand": before}, {"on_hand": after})
        return movement

    async def settle_expired(self, older_than_s: float | None = None) -> int:
        """Roll forward every claim past its lease (or, given ``older_than_s``, claimed longer ago than that).
        Returns how many were settled or withdrawn."""
        now = utcnow()
        due = now if older_than_s is None else now - timedelta(seconds=older_than_s)
        field = "lease_until" if older_than_s is None else "at"
        # Compared here, not in the query: nx-27017's find compares datetimes to the whole second.
        pending = [doc async for doc in self._store.movements.find({"status": "pending"})]
        settled = 0
        for doc in pending:
            if "lease_until" not in doc or doc[field] > due:
                continue
            try:
                await self.settle_claim(doc)
            except InventoryError as exc:  # another caller is still settling it: the next pass looks again
                log.warning("could not settle claim %s yet: %s", doc["movement_id"], exc.message)
            else:
                settled += 1
        return settled

    async def resolve_pending(self, older_than_s: float | None = None) -> int:
        """Start-up: settle the claims past their lease, then any legacy claims (``ledger_legacy``)."""
        return await self.settle_expired(older_than_s) + await settle_legacy_claims(self._store)

    async def _settle(self, entry: Doc, before: int, after: int, *, recovered: bool) -> Movement:
        """Settle an entry that this caller applied, then release its mark unless a roll-forward fenced it."""
        settled = {"status": "applied", "delta": after - before, "before": before, "after": after}
        if recovered:
            settled["recovered"] = True
        prior = await self._store.movements.find_one_and_update(
            {"movement_id": entry["movement_id"], "status": "pending"},
            {"$set": settled},
            return_document=ReturnDocument.BEFORE,
        )
        if prior is None:  # a roll-forward settled it first (from our mark)
            return await self._settled(entry["movement_id"]) or _movement(entry | settled)
        if not prior.get("fenced") and not recovered:
            key = f"applied.{mark_key(entry['movement_id'])}"
            sid = stock_id(entry["sku"], entry["site"])
            await self._store.stock.update_one({"_id": sid}, {"$unset": {key: ""}})
        return _movement(entry | settled)

    async def _settle_from_mark(self, entry: Doc) -> Movement | None:
        """Settle a movement someone else applied or refused, from the mark on its stock document."""
        sid = stock_id(entry["sku"], entry["site"])
        stock = await self._store.stock.find_one({"_id": sid}, {"on_hand": 1, "applied": 1})
        mark = ((stock or {}).get("applied") or {}).get(mark_key(entry["movement_id"]))
        if mark == REFUSED:
            await self._withdraw(entry)
            return None
        if mark is None or stock is None:  # released: only ever after the entry was settled or withdrawn
            return await self._settled(entry["movement_id"])
        after = int(stock["on_hand"])
        return await self._settle(entry, after - int(mark), after, recovered=True)

    async def _settled(self, movement_id: str) -> Movement | None:
        doc = await self._store.movements.find_one({"movement_id": movement_id})
        if doc is None:
            return None
        if doc["status"] != "applied":
            raise Conflict("the same request is still being applied; try again shortly", retryable=True)
        return _movement(doc)

    async def _refuse(self, entry: Doc) -> bool:
        """Mark the movement refused on its stock document so that it can never be applied. False when it was
        applied already (by someone else)."""
        sid, key = stock_id(entry["sku"], entry["site"]), f"applied.{mark_key(entry['movement_id'])}"
        done = await self._store.stock.update_one(
            {"_id": sid, key: {"$exists": False}}, {"$set": {key: REFUSED}}
        )
        if done.modified_count:
            return True
        stock = await self._store.stock.find_one({"_id": sid}, {"applied": 1})
        mark = ((stock or {}).get("applied") or {}).get(mark_key(entry["movement_id"]))
        return mark is None or mark == REFUSED

    async def _withdraw(self, entry: Doc) -> None:
        await self._store.movements.delete_one({"movement_id": entry["movement_id"], "status": "pending"})

    # ---- the stock document ------------------------------------------------------------------------------

    async def _apply_to_stock(self, entry: Doc) -> tuple[int, int]:
        """Apply a claimed movement once, marking it; raises ``_Decided`` when it carries a mark already."""
        sku, site, mid = entry["sku"], entry["site"], entry["movement_id"]
        kind, quantity = MovementKind(entry["kind"]), int(entry["requested"])
        sid, key = stock_id(sku, site), f"applied.{mark_key(mid)}"
        if kind == MovementKind.COUNT:
            return await self._set_absolute(sid, quantity, mid)
        delta = -quantity if kind in _DECREMENTS else quantity
        flt: dict[str, Any] = {"_id": sid, key: {"$exists": False}}
        if delta < 0:
            flt["on_hand"] = {"$gte": -delta}
        on_hand = 0
        for _ in range(3):  # again when the stock arrived between the refused update and the look at it
            doc = await self._store.stock.find_one_and_update(
                flt,
                {"$inc": {"on_hand": delta}, "$set": {"updated_at": utcnow(), key: delta}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                after = int(doc["on_hand"])
                return after - delta, after
            current = await self._stock_with_marks(sid, mid)
            if current is None:
                raise NotFound(f"{sku} is not stocked at {site}", sku=sku, site=site)
            on_hand = int(current["on_hand"])
            if on_hand < -delta:
                break
        raise InsufficientStock(
            f"only {on_hand} on hand at {site}; cannot take {-delta}",
            sku=sku,
            site=site,
            on_hand=on_hand,
            requested=-delta,
        )

    async def _set_absolute(self, sid: str, quantity: int, mid: str) -> tuple[int, int]:
        key = f"applied.{mark_key(mid)}"
        for _ in range(50):  # compare-and-set; counts are rare, so contention is short
            current = await self._stock_with_marks(sid, mid)
            if current is None:
                raise NotFound(f"no stock record {sid}")
            before = int(current["on_hand"])
            doc = await self._store.stock.find_one_and_update(
                {"_id": sid, "on_hand": before, key: {"$exists": False}},
                {"$set": {"on_hand": quantity, "updated_at": utcnow(), key: quantity - before}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                return before, quantity
        raise Conflict("stock kept changing during the count; count again", retryable=True)

    async def _stock_with_marks(self, sid: str, mid: str) -> Doc | None:
        """The stock document; raises ``_Decided`` when it carries the movement's mark."""
        doc = await self._store.stock.find_one({"_id": sid}, {"on_hand": 1, "applied": 1})
        if doc is not None and mark_key(mid) in (doc.get("applied") or {}):
            raise _Decided(mid)
        return doc

    # ---- reconcile ---------------------------------------------------------------------------------------

    async def _ledger_totals(self, flt: Doc) -> tuple[dict[str, int], dict[str, set[str]]]:
        applied: dict[str, int] = {}
        pending: dict[str, set[str]] = {}
        fields = {"sku": 1, "site": 1, "delta": 1, "status": 1, "movement_id": 1}
        async for doc in self._store.movements.find(flt, fields):
            sid = stock_id(doc["sku"], doc["site"])
            if doc["status"] == "applied":
                applied[sid] = applied.get(sid, 0) + int(doc["delta"])
            elif doc["status"] == "pending":
                pending.setdefault(sid, set()).add(mark_key(doc["movement_id"]))
        return applied, pending

    async def reconcile(self, sku: str | None = None) -> ReconcileReport:
        """Recompute on-hand from the ledger for every stock record and report where they disagree (or where
        claims are still pending)."""
        flt: Doc = {"sku": sku} if sku else {}
        applied, pending = await self._ledger_totals(flt)
        drift: list[Drift] = []
        checked = 0
        async for doc in self._store.stock.find(flt, {"sku": 1, "site": 1, "on_hand": 1, "applied": 1}):
            checked += 1
            sid = stock_id(doc["sku"], doc["site"])
            total = applied.get(sid, 0)
            claims = pending.get(sid, set())
            marks = doc.get("applied") or {}
            in_flight = sum(int(v) for k, v in marks.items() if k in claims and v != REFUSED)
            if total != int(doc["on_hand"]) or claims:
                found = {"ledger_total": total, "pending": len(claims), "in_flight": in_flight}
                drift.append(Drift.model_validate(doc | found))
        return ReconcileReport(checked=checked, drift=drift)
