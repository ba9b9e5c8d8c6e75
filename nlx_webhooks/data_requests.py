"""The work behind each NLX data request: a thin adapter over the dialogue's tool layer (``InventoryTools``)
that resolves the item, asks the tools, and phrases the answer. Domain outcomes a caller can act on (unknown
item, nothing low, an order the rules refuse, an expired proposal) are answers with spoken text, not errors, so
an NLX flow can speak them; malformed requests fail validation at the edge."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from dialogue.catalogue import ItemMatch
from dialogue.policy.answers import NOTHING_TO_ORDER, miss_answer, stock_report
from dialogue.policy.replies import (
    join_names,
    site_phrase,
    speakable,
    spoken_order_id,
    spoken_quantity,
    whole,
)
from dialogue.schemas import OrderOut, RestockAdvice
from dialogue.tools import Caller as ToolCaller
from dialogue.tools import InventoryTools
from inventory_core.errors import InvalidInput, NotFound
from nlx_webhooks import schemas as s
from nlx_webhooks.cache import SharedRead
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


def item_miss(found: ItemMatch) -> s.ItemMiss:
    reason = "ambiguous" if found.reason == "ambiguous" else "not_found"
    return s.ItemMiss(reason=reason, suggestions=list(found.suggestions))


def _order_id(spoken: str) -> str:
    """ "po 10012", "P.O. one-zero..." as far as digits go: "PO-10012"."""
    digits = re.sub(r"\D", "", spoken)
    return f"PO-{digits}" if digits else spoken.strip().upper()


def recommendation_out(advice: RestockAdvice) -> s.RecommendationOut:
    return s.RecommendationOut(
        sku=advice.product_id,
        name=advice.name,
        site=advice.site,
        on_hand=advice.current_quantity,
        reorder_point=advice.reorder_point,
        recommended_quantity=advice.recommended_order_quantity,
        supplier_id=advice.supplier_id,
        order_by=advice.recommended_order_date,
        expected_stockout=advice.expected_stock_out_date,
        rationale=advice.basis,
    )


class DataRequests:
    def __init__(
        self,
        tools: InventoryTools,
        proposals: ProposalStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared_ttl_s: float = 2.0,
    ) -> None:
        self._tools = tools
        self._proposals = proposals
        self._clock = clock
        # Whole-warehouse reads, shared by concurrent calls and reused briefly (NLX allows 3 s a call).
        self._low = SharedRead(lambda: tools.list_low_stock(None), shared_ttl_s)
        self._all_advice = SharedRead(lambda: tools.recommend_restock(None), shared_ttl_s)

    async def prepare(self) -> None:
        """Create the proposal indexes and build the catalogue index now, so no call pays for them."""
        await self._proposals.ensure_indexes()
        await self._tools.catalogue.index()

    async def _site(self, site: str) -> str:
        return site_phrase(site, await self._tools.site_names())

    async def check_inventory(self, req: s.CheckInventoryRequest) -> s.CheckInventoryResponse:
        found = await self._tools.resolve_item(req.query or "")
        if found.view is None:
            text = miss_answer(req.query or "", found.reason, found.suggestions)
            return s.CheckInventoryResponse(found=False, miss=item_miss(found), text=text)
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
            text=stock_report(view, req.site, await self._tools.site_names()),
        )

    async def low_stock(self, req: s.LowStockRequest) -> s.LowStockResponse:
        low = await self._low.get()  # every site, emptiest first; filtered below
        items = [
            s.LowStockItem(
                sku=i.product_id, name=i.name, site=i.site, on_hand=i.current_quantity, minimum=i.threshold
            )
            for i in low.items
            if req.site is None or i.site == req.site
        ]
        where = f" at {await self._site(req.site)}" if req.site else ""
        if not items:
            text = f"Nothing is below its minimum{where}."
        else:
            spoken = [f"{i.name}, {whole(i.on_hand)} left" for i in items[: req.limit]]
            more = len(items) - len(spoken)
            head = f"{whole(len(items))} {'item is' if len(items) == 1 else 'items are'} low{where}"
            text = f"{head}: {join_names(spoken, 'and')}." + (f" And {whole(more)} more." if more else "")
        return s.LowStockResponse(count=len(items), items=items, text=text)

    async def reorder(self, req: s.ReorderRequest) -> s.ReorderResponse:
        view = None
        if req.query:
            found = await self._tools.resolve_item(req.query)
            if found.view is None:
                text = miss_answer(req.query, found.reason, found.suggestions)
                return s.ReorderResponse(
                    found=False, needs_order=False, recommendations=[], miss=item_miss(found), text=text
                )
            view = found.view
        if view is not None:
            advice = (await self._tools.recommend_restock(view.sku)).items
        else:
            advice = (await self._all_advice.get()).items
        advice = [a for a in advice if req.site is None or a.site == req.site]
        due = [
            a for a in advice if a.recommended_order_quantity > 0
        ]  # a forecaster also reports plans not yet due
        names = await self._tools.site_names()
        if view is not None:
            if due:
                text = " ".join(a.basis for a in due[:2])
            else:
                text = (
                    f"{view.product.name} does not need ordering now. {stock_report(view, req.site, names)}"
                )
        elif not due:
            text = NOTHING_TO_ORDER
        else:
            spoken = [
                f"{a.name} at {site_phrase(a.site, names)}: order {whole(a.recommended_order_quantity)}"
                for a in due[: req.limit]
            ]
            more = len(due) - len(spoken)
            text = f"I recommend {whole(len(due))} orders. {'; '.join(spoken)}." + (
                f" And {whole(more)} more." if more else ""
            )
        return s.ReorderResponse(
            needs_order=bool(due), recommendations=[recommendation_out(a) for a in advice], text=text
        )

    async def propose_order(self, req: s.ProposeOrderRequest, caller: Caller) -> s.ProposeOrderResponse:
        found = await self._tools.resolve_item(req.query or "")
        if found.view is None:
            text = miss_answer(req.query or "", found.reason, found.suggestions)
            return s.ProposeOrderResponse(found=False, miss=item_miss(found), text=text)
        view = found.view
        try:  # the store's order rules: supplier, minimum order quantity, site (nothing is written)
            quote = await self._tools.quote_order(
                view.sku, req.quantity, supplier_id=req.supplier_id, site=req.site
            )
        except (InvalidInput, NotFound) as exc:
            problem = speakable(exc.message)
            return s.ProposeOrderResponse(
                found=True,
                sku=view.sku,
                name=view.product.name,
                problem=problem,
                text=f"I can't order that: {problem}.",
            )
        proposal = await self._proposals.create(
            sku=quote.sku,
            quantity=quote.quantity,
            site=quote.site,
            supplier_id=quote.offer.supplier_id,
            actor=caller.actor,
            conversation_id=caller.conversation_id,
            now=self._clock(),
        )
        supplier = quote.offer.supplier_name or quote.offer.supplier_id
        read_back = (
            f"Order {spoken_quantity(quote.quantity)} {quote.name} from {supplier} "
            f"for {await self._site(quote.site)}. Shall I place it?"
        )
        return s.ProposeOrderResponse(
            found=True,
            confirmation_id=proposal.confirmation_id,
            sku=quote.sku,
            name=quote.name,
            quantity=quote.quantity,
            site=quote.site,
            supplier_id=quote.offer.supplier_id,
            supplier_name=quote.offer.supplier_name or None,
            unit_price=quote.offer.price,
            total_price=quote.total_price,
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
            self._all_advice.invalidate()  # advice may count open orders
        name = (await self._tools.catalogue.index()).name(order.product_id)
        text = f"Done. Order {spoken_order_id(order.order_id)} for {spoken_quantity(order.quantity)} {name} is placed."
        return s.ConfirmOrderResponse(
            status="placed",
            order_id=order.order_id,
            sku=order.product_id,
            quantity=order.quantity,
            replayed=not claimed,
            text=text,
        )

    async def _place(self, proposal: Proposal) -> OrderOut:
        caller = ToolCaller(actor=proposal.actor, channel="nlx", idempotency_key=proposal.idempotency_key)
        return await self._tools.place_order(
            proposal.sku,
            proposal.quantity,
            caller,
            confirm=True,  # the caller heard the read-back and said yes (the proposal was claimed)
            supplier_id=proposal.supplier_id,
            site=proposal.site,
        )

    async def order_status(self, req: s.OrderStatusRequest) -> s.OrderStatusResponse:
        if req.order_id:
            try:
                orders = [await self._tools.get_order(_order_id(req.order_id))]
            except NotFound:
                return s.OrderStatusResponse(found=False, text=f"I can't find order {req.order_id}.")
        else:
            found = await self._tools.resolve_item(req.query or "")
            if found.view is None:
                text = miss_answer(req.query or "", found.reason, found.suggestions)
                return s.OrderStatusResponse(found=False, miss=item_miss(found), text=text)
            orders = (await self._tools.order_status(found.view.sku, limit=req.limit)).items
            if not orders:
                return s.OrderStatusResponse(
                    found=True, text=f"There are no orders for {found.view.product.name}."
                )
        index = await self._tools.catalogue.index()
        out = [
            s.OrderOut(
                order_id=o.order_id,
                sku=o.product_id,
                name=index.name(o.product_id),
                quantity=o.quantity,
                status=o.status,
                supplier_id=o.supplier_id,
                site=o.site,
                created_at=o.created_at,
                expected_date=o.expected_date,
            )
            for o in orders
        ]
        spoken = [
            f"order {spoken_order_id(o.order_id)} for {whole(o.quantity)} {o.name} is {o.status}" for o in out
        ]
        text = join_names(spoken, "and").capitalize() + "."
        return s.OrderStatusResponse(found=True, orders=out, text=text)

    async def forecast(self, req: s.ForecastRequest) -> s.ForecastResponse:
        found = await self._tools.resolve_item(req.query or "")
        if found.view is None:
            text = miss_answer(req.query or "", found.reason, found.suggestions)
            return s.ForecastResponse(found=False, miss=item_miss(found), text=text)
        view = found.view
        try:
            fc = await self._tools.forecast_demand(view.sku, req.horizon_days, req.site)
        except (NotFound, InvalidInput):  # no history to forecast from
            text = f"I have no forecast for {view.product.name} right now."
            return s.ForecastResponse(found=True, sku=view.sku, name=view.product.name, text=text)
        low, high = fc.confidence_interval
        on_hand = sum(x.on_hand for x in view.stock if req.site is None or x.site == req.site)
        cover = on_hand / fc.daily_rate if fc.daily_rate > 0 else None
        text = (
            f"Over the next {whole(req.horizon_days)} days I expect about {whole(fc.predicted_demand)} "
            f"{view.product.name} to go out, between {whole(low)} and {whole(high)}."
        )
        if cover is not None:
            text += f" The {whole(on_hand)} on hand last about {whole(cover)} days."
        return s.ForecastResponse(
            found=True,
            sku=view.sku,
            name=view.product.name,
            horizon_days=req.horizon_days,
            predicted_units=fc.predicted_demand,
            low=low,
            high=high,
            daily_rate=fc.daily_rate,
            on_hand=on_hand,
            days_of_cover=round(cover, 1) if cover is not None else None,
            method=fc.method,
            text=text,
        )
