"""Purchase orders: the order rules (``quote``: supplier choice, minimum order quantity, the site), idempotent
placement, a guarded status lifecycle, and the first simple recommendations."""

from __future__ import annotations

import math
from typing import Protocol

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inventory_core.business_events import NO_EVENTS, BusinessEvents
from inventory_core.errors import Conflict, InvalidInput, NotFound
from inventory_core.models import (
    ORDER_TRANSITIONS,
    OrderStatus,
    ProductView,
    PurchaseOrder,
    Recommendation,
    SupplierOffer,
    WriteContext,
)
from inventory_core.ports import OrderQuote, OrderRequest
from inventory_core.stock_ops import MAX_QUANTITY
from inventory_core.store import Doc, MongoStore, utcnow


class ProductReader(Protocol):
    """What the order book reads of the catalogue (``InventoryService`` provides it)."""

    async def get_product(self, sku: str) -> ProductView: ...

    async def supplier_offers(self, sku: str) -> list[SupplierOffer]: ...


def _order(doc: Doc) -> PurchaseOrder:
    return PurchaseOrder.model_validate(doc)


def pick_offer(offers: list[SupplierOffer], preferred: str | None, supplier_id: str | None) -> SupplierOffer:
    if not offers:
        raise NotFound("no supplier offers this item")
    if supplier_id is not None:
        chosen = next((o for o in offers if o.supplier_id == supplier_id.upper()), None)
        if chosen is None:
            raise InvalidInput(
                f"supplier {supplier_id} does not offer this item", suppliers=[o.supplier_id for o in offers]
            )
        return chosen
    return next((o for o in offers if o.supplier_id == preferred), min(offers, key=lambda o: o.price))


def primary_site(view: ProductView) -> str | None:
    """Where an order or movement lands when no site is given: the product's primary (first) location, else
    its first stocked site; None when it has neither."""
    if view.product.locations:
        return view.product.locations[0].site
    return view.stock[0].site if view.stock else None


class OrderBook:
    def __init__(self, store: MongoStore, inventory: ProductReader) -> None:
        self._store = store
        self._inventory = inventory
        self.events: BusinessEvents = NO_EVENTS

    async def quote(self, req: OrderRequest) -> OrderQuote:
        """The validation and choices of ``place``, without writing."""
        if not 1 <= req.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"order quantity must be between 1 and {MAX_QUANTITY:,}", quantity=req.quantity
            )
        view = await self._inventory.get_product(req.sku)
        offer = pick_offer(
            await self._inventory.supplier_offers(view.sku),
            view.product.preferred_supplier_id,
            req.supplier_id,
        )
        if req.quantity < offer.min_order_qty:
            raise InvalidInput(
                f"{offer.supplier_name or offer.supplier_id} sells at least {offer.min_order_qty}",
                min_order_qty=offer.min_order_qty,
            )
        site = req.site or primary_site(view)
        if site is None or view.at(site) is None:
            raise NotFound(
                f"{view.product.name} is not stocked at {site or 'any site'}",
                site=site,
                sites=[s.site for s in view.stock],
            )
        return OrderQuote(sku=view.sku, name=view.product.name, quantity=req.quantity, site=site, offer=offer)

    async def place(self, req: OrderRequest, ctx: WriteContext) -> PurchaseOrder:
        existing = await self._store.orders.find_one({"idempotency_key": ctx.idempotency_key})
        if existing is not None:
            return self._same_request(existing, req)
        quote = await self.quote(req)
        now = utcnow()
        number = await self._store.next_number("purchase_order", 10000)
        order = PurchaseOrder(
            order_id=f"PO-{number}",
            sku=quote.sku,
            supplier_id=quote.offer.supplier_id,
            site=quote.site,
            quantity=quote.quantity,
            unit_price=quote.offer.price,
            status=OrderStatus.PLACED,
            actor=ctx.actor,
            channel=ctx.channel,
            idempotency_key=ctx.idempotency_key,
            created_at=now,
            updated_at=now,
        )
        try:
            await self._store.orders.insert_one(order.model_dump(mode="python"))
        except DuplicateKeyError:  # a concurrent retry with the same key won the race
            doc = await self._store.orders.find_one({"idempotency_key": ctx.idempotency_key})
            assert doc is not None
            return self._same_request(doc, req)
        await self._store.audit("order.place", order.order_id, ctx, None, order.model_dump(mode="json"))
        self.events.write("order", ctx.channel)
        return order

    @staticmethod
    def _same_request(doc: Doc, req: OrderRequest) -> PurchaseOrder:
        order = _order(doc)
        if order.quantity != req.quantity or order.sku.replace("-", "") != req.sku.upper().replace("-", ""):
            raise Conflict(
                "this idempotency key was already used for a different order", order_id=order.order_id
            )
        return order

    async def get(self, order_id: str) -> PurchaseOrder:
        doc = await self._store.orders.find_one({"order_id": order_id.strip().upper()})
        if doc is None:
            raise NotFound(f"no order {order_id}", order_id=order_id)
        return _order(doc)

    async def list_orders(
        self, status: OrderStatus | None, sku: str | None, limit: int
    ) -> list[PurchaseOrder]:
        query: Doc = {}
        if status is not None:
            query["status"] = status.value
        if sku:
            query["sku"] = sku.upper()
        docs = (
            await self._store.orders.find(query)
            .sort("created_at", -1)
            .limit(max(1, min(limit, 500)))
            .to_list()
        )
        return [_order(d) for d in docs]

    async def transition(self, order_id: str, status: OrderStatus, ctx: WriteContext) -> PurchaseOrder:
        order = await self.get(order_id)
        if order.status == status:
            return order
        if status not in ORDER_TRANSITIONS[order.status]:
            raise Conflict(f"order {order.order_id} is {order.status.value}; it cannot become {status.value}")
        doc = await self._store.orders.find_one_and_update(
            {"order_id": order.order_id, "status": order.status.value},
            {"$set": {"status": status.value, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise Conflict(f"order {order.order_id} changed meanwhile; check it again", retryable=True)
        await self._store.audit(
            "order.status", order.order_id, ctx, {"status": order.status.value}, {"status": status.value}
        )
        return _order(doc)

    async def simple_recommendations(self, low: list[ProductView]) -> list[Recommendation]:
        """Below-minimum items with an order-up-to quantity of twice the minimum, rounded up to whole cases."""
        out: list[Recommendation] = []
        for view in low:
            for level in view.stock:
                if not level.is_low:
                    continue
                pack = view.product.pack_size
                want = 2 * level.effective_min - level.on_hand
                qty = max(pack, math.ceil(want / pack) * pack)
                out.append(
                    Recommendation(
                        sku=view.sku,
                        name=view.product.name,
                        site=level.site,
                        on_hand=level.on_hand,
                        reorder_point=level.effective_min,
                        recommended_quantity=qty,
                        supplier_id=view.product.preferred_supplier_id,
                        rationale=(
                            f"{view.product.name} at {level.site} has {level.on_hand}, below its minimum of "
                            f"{level.effective_min}; ordering {qty} brings it back to twice the minimum."
                        ),
                    )
                )
        return out
