"""Suppliers and what they offer: the supplier records, and per product the offers (price, the supplier's stock,
lead time, minimum order) that the order rules choose from. Writes are upserts keyed by supplier id and by
(SKU, supplier), so a repeated request or a repeated supplier sync writes the same document once; every write is
audited. ``last_checked`` is when the offer was last written (by a person through the API, or by a sync)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from inventory_core.errors import Conflict, NotFound
from inventory_core.models import Supplier, SupplierOffer, WriteContext
from inventory_core.store import Doc, MongoStore, bulk_budget, utcnow


@dataclass(frozen=True)
class OfferTerms:
    """What a supplier offers for one product (the rest of ``SupplierOffer`` is filled in)."""

    price: float
    supplier_on_hand: int
    lead_time_days: int
    min_order_qty: int = 1


HIDDEN = "********"
"""What a connector's token reads as outside the store (answers, the audit); sent back unchanged, it keeps the
stored token."""


def redacted(supplier: Supplier) -> Supplier:
    """The supplier as shown to people and written to the audit: its feed's token hidden."""
    conn = supplier.connector
    if conn is None or conn.token is None:
        return supplier
    return supplier.model_copy(update={"connector": conn.model_copy(update={"token": HIDDEN})})


WRITE_BATCH = 10
"""Offers written per round trip by a sync."""


def supplier_key(supplier_id: str) -> str:
    return supplier_id.strip().upper()


class SupplierBook:
    def __init__(self, store: MongoStore) -> None:
        self.store = store

    async def get(self, supplier_id: str) -> Supplier:
        doc = await self.store.suppliers.find_one({"_id": supplier_key(supplier_id)})
        if doc is None:
            raise NotFound(f"no supplier {supplier_id}", supplier_id=supplier_id)
        return Supplier.model_validate(doc)

    async def find(self, supplier_id: str) -> Supplier | None:
        try:
            return await self.get(supplier_id)
        except NotFound:
            return None

    async def all(self, limit: int = 500) -> list[Supplier]:
        docs = await self.store.suppliers.find({}).sort("_id", 1).limit(limit).to_list()
        return [Supplier.model_validate(d) for d in docs]

    async def create(self, supplier: Supplier, ctx: WriteContext) -> Supplier:
        supplier = supplier.model_copy(update={"supplier_id": supplier_key(supplier.supplier_id)})
        doc = supplier.model_dump(mode="json") | {"_id": supplier.supplier_id}
        try:
            await self.store.suppliers.insert_one(doc)
        except DuplicateKeyError:
            existing = await self.get(supplier.supplier_id)
            if existing == supplier:
                return existing  # the same create again (a retry): nothing to do
            raise Conflict(
                f"supplier {supplier.supplier_id} exists already", supplier_id=supplier.supplier_id
            ) from None
        await self.store.audit(
            "supplier.create", supplier.supplier_id, ctx, None, redacted(supplier).model_dump(mode="json")
        )
        return supplier

    async def update(self, supplier_id: str, changes: dict[str, Any], ctx: WriteContext) -> Supplier:
        before = await self.get(supplier_id)
        fields = {k: v for k, v in changes.items() if v is not None and k != "supplier_id"}
        conn = fields.get("connector")
        if isinstance(conn, dict) and conn.get("token") == HIDDEN:  # echoed back from an answer: keep it
            fields["connector"] = {**conn, "token": before.connector.token if before.connector else None}
        if not fields:
            return before
        doc = await self.store.suppliers.find_one_and_update(
            {"_id": before.supplier_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        after = Supplier.model_validate(doc)
        if "name" in fields:  # offers carry the supplier's name for read-backs
            await self.store.offers.update_many(
                {"supplier_id": before.supplier_id}, {"$set": {"supplier_name": after.name}}
            )
        await self.store.audit(
            "supplier.update",
            before.supplier_id,
            ctx,
            redacted(before).model_dump(mode="json"),
            redacted(after).model_dump(mode="json"),
        )
        return after

    async def put_offer(
        self,
        sku: str,
        supplier_id: str,
        terms: OfferTerms,
        ctx: WriteContext,
        supplier: Supplier | None = None,
    ) -> SupplierOffer:
        """Create or replace ``supplier_id``'s offer for ``sku`` (the product must exist: the caller checks;
        ``supplier`` saves reading the supplier again when the caller has it)."""
        supplier = supplier or await self.get(supplier_id)
        offer = SupplierOffer(
            sku=sku,
            supplier_id=supplier.supplier_id,
            supplier_name=supplier.name,
            price=terms.price,
            supplier_on_hand=terms.supplier_on_hand,
            lead_time_days=terms.lead_time_days,
            min_order_qty=terms.min_order_qty,
            last_checked=utcnow(),
        )
        key: Doc = {"sku": sku, "supplier_id": supplier.supplier_id}
        before = await self.store.offers.find_one_and_update(
            key, {"$set": offer.model_dump()}, upsert=True, return_document=ReturnDocument.BEFORE
        )
        before_json = SupplierOffer.model_validate(before).model_dump(mode="json") if before else None
        await self.store.audit(
            "offer.put", f"{sku}/{supplier.supplier_id}", ctx, before_json, offer.model_dump(mode="json")
        )
        return offer

    async def put_offers(
        self,
        supplier: Supplier,
        changes: list[tuple[str, OfferTerms, SupplierOffer | None]],
        ctx: WriteContext,
    ) -> list[SupplierOffer]:
        """Many offers of one supplier at once (a sync): one bulk upsert and one batch of audit entries, instead of
        two round trips per offer. ``changes``: (SKU, its new terms, the offer it replaces or None)."""
        if not changes:
            return []
        now = utcnow()
        offers = [
            SupplierOffer(
                sku=sku, supplier_id=supplier.supplier_id, supplier_name=supplier.name, price=t.price,
                supplier_on_hand=t.supplier_on_hand, lead_time_days=t.lead_time_days, min_order_qty=t.min_order_qty,
                last_checked=now,
            )
            for sku, t, _ in changes
        ]  # fmt: skip
        with bulk_budget(30.0):  # a sync's batch, no caller waiting on it: not the requests' short timeouts
            for i in range(0, len(offers), WRITE_BATCH):  # small batches: the store serves calls in between
                await self._write_batch(offers[i : i + WRITE_BATCH], changes[i : i + WRITE_BATCH], now, ctx)
        return offers

    async def _write_batch(
        self,
        offers: list[SupplierOffer],
        changes: list[tuple[str, OfferTerms, SupplierOffer | None]],
        now: Any,
        ctx: WriteContext,
    ) -> None:
        await self.store.offers.bulk_write(
            [
                UpdateOne({"sku": o.sku, "supplier_id": o.supplier_id}, {"$set": o.model_dump()}, upsert=True)
                for o in offers
            ],
            ordered=False,
        )
        await self.store.audit_log.insert_many(
            [
                {
                    "at": now, "action": "offer.put", "entity": f"{o.sku}/{o.supplier_id}", "actor": ctx.actor,
                    "channel": ctx.channel, "idempotency_key": ctx.idempotency_key,
                    "before": before.model_dump(mode="json") if before else None, "after": o.model_dump(mode="json"),
                }
                for o, (_, _, before) in zip(offers, changes, strict=True)
            ]
        )  # fmt: skip

    async def with_connectors(self) -> list[Supplier]:
        docs = await self.store.suppliers.find({"connector": {"$ne": None}}).sort("_id", 1).to_list()
        return [s for s in (Supplier.model_validate(d) for d in docs) if s.connector is not None]

    async def offers_of(self, supplier_id: str) -> dict[str, SupplierOffer]:
        """The supplier's offers by SKU."""
        docs = await self.store.offers.find({"supplier_id": supplier_key(supplier_id)}).to_list()
        return {d["sku"]: SupplierOffer.model_validate(d) for d in docs}

    async def checked(self, supplier_id: str, skus: list[str]) -> None:
        """The offers a sync found unchanged: only ``last_checked`` moves (no audit entry for nothing)."""
        if skus:
            await self.store.offers.update_many(
                {"supplier_id": supplier_key(supplier_id), "sku": {"$in": skus}},
                {"$set": {"last_checked": utcnow()}},
            )
