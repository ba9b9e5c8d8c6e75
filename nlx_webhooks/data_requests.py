"""The work behind each NLX data request: resolve the item, ask the inventory (and forecasts), and phrase the
answer. Domain outcomes a caller can act on (unknown item, nothing low, an expired proposal) are answers with
spoken text, not errors, so an NLX flow can speak them; malformed requests fail validation at the edge."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from inventory_core.errors import InventoryError, NotFound
from inventory_core.models import ProductView, PurchaseOrder, Recommendation, WriteContext
from inventory_core.orders import pick_offer
from inventory_core.ports import Inventory, OrderRequest
from nlx_webhooks import schemas as s
from nlx_webhooks import wording as w
from nlx_webhooks.cache import SharedRead
from nlx_webhooks.forecasting import Forecasting
from nlx_webhooks.items import ItemResolver, Resolved
from nlx_webhooks.proposals import Proposal, ProposalStore


@dataclass(frozen=True)
class Caller:
    """Who is asking: the integration whose token matched, and the NLX conversation when one was sent."""

    integration: str
    conversation_id: str | None = None
    user_id: str | None = None

    @property
    def actor(self) -> str:
        return f"nlx:{self.integration}" + (f":{self.user_id}" if self.user_id else "")


def _miss(found: Resolved) -> s.ItemMiss:
    reason = "ambiguous" if found.reason == "ambiguous" else "not_found"
    return s.ItemMiss(reason=reason, suggestions=list(found.suggestions))


def _order_id(spoken: str) -> str:
    """ "po 10012", "P.O. one-zero..." as far as digits go: "PO-10012"."""
    digits = re.sub(r"\D", "", spoken)
    return f"PO-{digits}" if digits else spoken.strip().upper()


def _rec_out(rec: Recommendation) -> s.RecommendationOut:
    return s.RecommendationOut.model_validate(rec.model_dump())


def _rec_sentence(rec: Recommendation) -> str:
    return f"{rec.name} at {w.site_name(rec.site)}: order {w.count(rec.recommended_quantity)}"


class DataRequests:
    def __init__(
        self,
        inventory: Inventory,
        proposals: ProposalStore,
        forecasting: Forecasting,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared_ttl_s: float = 2.0,
    ) -> None:
        self._inventory = inventory
        self._proposals = proposals
        self._forecasting = forecasting
        self._items = ItemResolver(inventory)
        self._clock = clock
        self._low = SharedRead(inventory.low_stock, shared_ttl_s)
        self._all_recs = SharedRead(lambda: forecasting.recommend(None), shared_ttl_s)

    async def prepare(self) -> None:
        """Create the proposal indexes and build the catalogue index now, so no call pays for them."""
        await self._proposals.ensure_indexes()
        await self._items.index()

    async def check_inventory(self, req: s.CheckInventoryRequest) -> s.CheckInventoryResponse:
        found = await self._items.resolve(req.query or "")
        if found.view is None:
            text = w.miss_text(req.query or "", found.reason, found.suggestions)
            return s.CheckInventoryResponse(found=False, miss=_miss(found), text=text)
        view = found.view
        levels = [x for x in view.stock if req.site is None or x.site == req.site]
        return s.CheckInventoryResponse(
            found=True,
            sku=view.sku,
            name=view.product.name,
            unit=view.product.unit,
            on_hand=sum(x.on_hand for x in levels),
            available=sum(x.available for x in levels),
            low=any(x.is_low for x in levels),
            sites=[
                s.SiteStock(
                    site=x.site,
                    on_hand=x.on_hand,
                    available=x.available,
                    minimum=x.effective_min,
                    low=x.is_low,
                )
                for x in levels
            ],
            text=w.stock_text(view, req.site),
        )

    async def low_stock(self, req: s.LowStockRequest) -> s.LowStockResponse:
        views = await self._low.get()  # all sites; filtered below
        items = [
            s.LowStockItem(
                sku=v.sku, name=v.product.name, site=x.site, on_hand=x.on_hand, minimum=x.effective_min
            )
            for v in views
            for x in v.stock
            if x.is_low and (req.site is None or x.site == req.site)
        ]
        items.sort(key=lambda i: (i.on_hand / max(i.minimum, 1), i.name))  # emptiest first
        where = f" at {w.site_name(req.site)}" if req.site else ""
        if not items:
            text = f"Nothing is below its minimum{where}."
        else:
            spoken = [f"{i.name}, {w.count(i.on_hand)} left" for i in items[: req.limit]]
            more = len(items) - len(spoken)
            head = f"{w.count(len(items))} {'item is' if len(items) == 1 else 'items are'} low{where}"
            text = f"{head}: {w.join(spoken)}." + (f" And {w.count(more)} more." if more else "")
        return s.LowStockResponse(count=len(items), items=items, text=text)

    async def reorder(self, req: s.ReorderRequest) -> s.ReorderResponse:
        view: ProductView | None = None
        if req.query:
            found = await self._items.resolve(req.query)
            if found.view is None:
                text = w.miss_text(req.query, found.reason, found.suggestions)
                return s.ReorderResponse(
                    found=False, needs_order=False, recommendations=[], miss=_miss(found), text=text
                )
            view = found.view
        if view is not None and self._forecasting.has_forecaster:
            recs = await self._forecasting.recommend(view.sku)
        else:  # the store's advice covers every item at once: share one read and pick this item
            recs = [r for r in await self._all_recs.get() if view is None or r.sku == view.sku]
        recs = [r for r in recs if req.site is None or r.site == req.site]
        due = [r for r in recs if r.recommended_quantity > 0]  # a forecaster also reports plans not yet due
        out = [_rec_out(r) for r in recs]
        if view is not None:
            if due:
                text = " ".join(r.rationale for r in due[:2])
            else:
                text = f"{view.product.name} does not need ordering now. {w.stock_text(view, req.site)}"
        elif not due:
            text = "Nothing needs ordering right now."
        else:
            spoken = [_rec_sentence(r) for r in due[: req.limit]]
            more = len(due) - len(spoken)
            text = f"I recommend {w.count(len(due))} orders. {'; '.join(spoken)}." + (
                f" And {w.count(more)} more." if more else ""
            )
        return s.ReorderResponse(needs_order=bool(due), recommendations=out, text=text)

    async def propose_order(self, req: s.ProposeOrderRequest, caller: Caller) -> s.ProposeOrderResponse:
        found = await self._items.resolve(req.query or "")
        if found.view is None:
            text = w.miss_text(req.query or "", found.reason, found.suggestions)
            return s.ProposeOrderResponse(found=False, miss=_miss(found), text=text)
        view = found.view
        try:
            offer = pick_offer(
                await self._inventory.supplier_offers(view.sku),
                view.product.preferred_supplier_id,
                req.supplier_id,
            )
        except InventoryError as exc:
            return s.ProposeOrderResponse(
                found=True,
                sku=view.sku,
                name=view.product.name,
                problem=exc.message,
                text=f"I can't order {view.product.name}: {exc.message}.",
            )
        problem = None
        if req.quantity < offer.min_order_qty:
            problem = (
                f"{offer.supplier_name or offer.supplier_id} sells at least {w.count(offer.min_order_qty)}"
            )
        site = req.site or (view.stock[0].site if view.stock else "main")
        if view.at(site) is None:
            problem = f"{view.product.name} is not stocked at {w.site_name(site)}"
        if problem:
            text = f"I can't order that: {problem}."
            return s.ProposeOrderResponse(
                found=True, sku=view.sku, name=view.product.name, problem=problem, text=text
            )
        proposal = await self._proposals.create(
            sku=view.sku,
            quantity=req.quantity,
            site=site,
            supplier_id=offer.supplier_id,
            actor=caller.actor,
            conversation_id=caller.conversation_id,
            now=self._clock(),
        )
        supplier = offer.supplier_name or offer.supplier_id
        read_back = (
            f"Order {w.heard_quantity(req.quantity)} {view.product.name} from {supplier} "
            f"for {w.site_name(site)}. Shall I place it?"
        )
        return s.ProposeOrderResponse(
            found=True,
            confirmation_id=proposal.confirmation_id,
            sku=view.sku,
            name=view.product.name,
            quantity=req.quantity,
            site=site,
            supplier_id=offer.supplier_id,
            supplier_name=offer.supplier_name or None,
            unit_price=offer.price,
            total_price=round(offer.price * req.quantity, 2),
            expires_at=proposal.expires_at,
            read_back=read_back,
            text=read_back,
        )

    async def confirm_order(self, req: s.ConfirmOrderRequest, caller: Caller) -> s.ConfirmOrderResponse:
        if not req.confirmed:
            cancelled = await self._proposals.cancel(req.confirmation_id)
            if cancelled is None:
                return s.ConfirmOrderResponse(status="unknown", text="I have no such order waiting.")
            if cancelled.state == "cancelled":
                return s.ConfirmOrderResponse(
                    status="cancelled",
                    sku=cancelled.sku,
                    quantity=cancelled.quantity,
                    text="Okay, I won't order it.",
                )
            return await self._report(cancelled, claimed=False)
        proposal, claimed = await self._proposals.claim(req.confirmation_id, self._clock())
        if proposal is None:
            return s.ConfirmOrderResponse(
                status="unknown", text="I have no such order waiting. Please start again."
            )
        return await self._report(proposal, claimed=claimed)

    async def _report(self, proposal: Proposal, *, claimed: bool) -> s.ConfirmOrderResponse:
        if proposal.state == "cancelled":
            return s.ConfirmOrderResponse(
                status="cancelled",
                sku=proposal.sku,
                quantity=proposal.quantity,
                text="That order was cancelled.",
            )
        if proposal.state in ("expired", "pending"):
            return s.ConfirmOrderResponse(
                status="expired",
                sku=proposal.sku,
                quantity=proposal.quantity,
                text="That order waited too long and was not placed. Please ask again.",
            )
        # Confirmed: placing is idempotent on the proposal's key, so a repeat returns the one order (and a
        # crash between claim and placement is repaired by the next confirm).
        order = await self._place(proposal)
        if claimed or proposal.order_id is None:
            await self._proposals.record_order(proposal.confirmation_id, order.order_id)
            self._all_recs.invalidate()  # advice may count open orders
        name = (await self._inventory.get_product(order.sku)).product.name
        text = f"Done. Order {w.order_words(order.order_id)} for {w.heard_quantity(order.quantity)} {name} is placed."
        return s.ConfirmOrderResponse(
            status="placed",
            order_id=order.order_id,
            sku=order.sku,
            quantity=order.quantity,
            replayed=not claimed,
            text=text,
        )

    async def _place(self, proposal: Proposal) -> PurchaseOrder:
        ctx = WriteContext(actor=proposal.actor, channel="nlx", idempotency_key=proposal.idempotency_key)
        req = OrderRequest(
            sku=proposal.sku, quantity=proposal.quantity, supplier_id=proposal.supplier_id, site=proposal.site
        )
        return await self._inventory.place_order(req, ctx)

    async def order_status(self, req: s.OrderStatusRequest) -> s.OrderStatusResponse:
        names: dict[str, str] = {}
        if req.order_id:
            try:
                orders = [await self._inventory.get_order(_order_id(req.order_id))]
            except NotFound:
                return s.OrderStatusResponse(found=False, text=f"I can't find order {req.order_id}.")
        else:
            found = await self._items.resolve(req.query or "")
            if found.view is None:
                text = w.miss_text(req.query or "", found.reason, found.suggestions)
                return s.OrderStatusResponse(found=False, miss=_miss(found), text=text)
            names[found.view.sku] = found.view.product.name
            orders = await self._inventory.list_orders(sku=found.view.sku, limit=req.limit)
            if not orders:
                return s.OrderStatusResponse(
                    found=True, text=f"There are no orders for {found.view.product.name}."
                )
        catalogue = {p.sku: p.name for p in (await self._inventory.catalogue()).products}
        out = [
            s.OrderOut(
                order_id=o.order_id,
                sku=o.sku,
                name=names.get(o.sku) or catalogue.get(o.sku, o.sku),
                quantity=o.quantity,
                status=o.status.value,
                supplier_id=o.supplier_id,
                site=o.site,
                created_at=o.created_at,
                expected_date=o.expected_date,
            )
            for o in orders
        ]
        spoken = [
            f"order {w.order_words(o.order_id)} for {w.count(o.quantity)} {o.name} is {o.status}" for o in out
        ]
        text = w.join(spoken).capitalize() + "."
        return s.OrderStatusResponse(found=True, orders=out, text=text)

    async def forecast(self, req: s.ForecastRequest) -> s.ForecastResponse:
        found = await self._items.resolve(req.query or "")
        if found.view is None:
            text = w.miss_text(req.query or "", found.reason, found.suggestions)
            return s.ForecastResponse(found=False, miss=_miss(found), text=text)
        view = found.view
        outlook = await self._forecasting.outlook(view.sku, req.horizon_days, req.site)
        if outlook is None:
            text = f"I have no forecast for {view.product.name} right now."
            return s.ForecastResponse(found=True, sku=view.sku, name=view.product.name, text=text)
        levels = [x for x in view.stock if req.site is None or x.site == req.site]
        on_hand = sum(x.on_hand for x in levels)
        cover = on_hand / outlook.daily_rate if outlook.daily_rate > 0 else None
        text = (
            f"Over the next {w.count(req.horizon_days)} days I expect about {w.count(outlook.predicted)} "
            f"{view.product.name} to go out, between {w.count(outlook.low)} and {w.count(outlook.high)}."
        )
        if cover is not None:
            text += f" The {w.count(on_hand)} on hand last about {w.count(cover)} days."
        return s.ForecastResponse(
            found=True,
            sku=view.sku,
            name=view.product.name,
            horizon_days=req.horizon_days,
            predicted_units=round(outlook.predicted, 1),
            low=round(outlook.low, 1),
            high=round(outlook.high, 1),
            daily_rate=round(outlook.daily_rate, 2),
            on_hand=on_hand,
            days_of_cover=round(cover, 1) if cover is not None else None,
            method=outlook.method,
            text=text,
        )
