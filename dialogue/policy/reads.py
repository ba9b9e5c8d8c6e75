"""Questions: stock, where, supplier, forecast, restock advice, order status, low stock, and the greeting."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialogue.analytic_schemas import ForecastTotal, InventoryValue, SalesHistory, StockoutRiskList
from dialogue.policy import analytics as AN
from dialogue.policy import answers as A
from dialogue.policy.replies import list_reply
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, ErrorInfo, Pending, PolicyConfig, Query, Reply
from dialogue.schemas import (
    DemandForecast,
    InventoryRecord,
    LowStockList,
    OrderList,
    RestockList,
    SupplierInfo,
)
from dialogue.understanding.nlu import Slots
from dialogue.understanding.resolve import CatalogueIndex

DEFAULT_FORECAST_DAYS = 30
DEFAULT_RISK_DAYS = 7
SORRY = "Sorry, I couldn't get that."


def error_text(err: ErrorInfo) -> str:
    if err.code == "not_found":
        return "I couldn't find that item in the stock system."
    if err.code in ("store_unavailable", "timeout", "unavailable"):
        return "The stock system isn't answering right now. Please try again in a moment."
    return SORRY


def _sales_query(slots: Slots, sku: str) -> Query:
    """The last days said, else the last months (thirty days a month in ``days``; six unless said)."""
    if slots.past_days:
        return Query("sales", sku, days=slots.past_days, site=slots.site)
    return Query("sales_months", sku, days=30 * (_months(slots) or 1), site=slots.site)


def _months(slots: Slots | None) -> int | None:
    """The months of a sales question (None: it asked for days)."""
    if slots is not None and slots.past_days:
        return None
    return (slots.past_months if slots else None) or AN.DEFAULT_SALES_MONTHS


def _record(value: Any) -> InventoryRecord | None:
    return value if isinstance(value, InventoryRecord) else None


class ReadFlows:
    """Asks for the data a question needs and words the answer once it is in; holds no per-session data."""

    def __init__(self, index: CatalogueIndex, config: PolicyConfig, speaker: Speaker) -> None:
        self.index = index
        self.config = config
        self.speaker = speaker

    def start_read(
        self, state: DialogueState, intent: str, slots: Slots, sku: str, at: float, prefix: str
    ) -> Reply:
        """A question about a known item: answered from the catalogue (where) or fetched."""
        product = self.index.get(sku)
        if intent == "where_is" and product is not None:
            return self.speaker.say(
                state, prefix + A.where_answer(product, slots.site, self.index.site_names)
            )
        queries: tuple[Query, ...]
        if intent in ("check_stock", "item"):
            queries = (Query("stock", sku),)
        elif intent == "supplier_info":
            queries = (Query("suppliers", sku),)
        elif intent == "forecast":
            queries = (Query("forecast", sku, days=slots.period_days or DEFAULT_FORECAST_DAYS),)
        elif intent == "reorder_advice":
            queries = (Query("recommend", sku), Query("stock", sku))
        elif intent == "order_status":
            queries = (Query("orders", sku),)
        elif intent == "sales_history":
            queries = (_sales_query(slots, sku),)
        elif intent == "inventory_value":
            queries = (Query("inventory_value", site=slots.site),)
        else:
            queries = (Query("stock", sku),)
        return self.speaker.fetch(state, intent, queries, at, slots=slots, sku=sku, note=prefix)

    def read_general(
        self, state: DialogueState, intent: str, site: str | None, at: float, prefix: str
    ) -> Reply:
        """Restock advice or order status for every item."""
        query = Query("recommend") if intent == "reorder_advice" else Query("orders")
        return self.speaker.fetch(state, intent, (query,), at, slots=Slots(site=site), note=prefix)

    def read_group(self, state: DialogueState, intent: str, slots: Slots, at: float, prefix: str) -> Reply:
        """An analytic question about every item, a category or a site (``analytics.GROUP_INTENTS``)."""
        if intent == "stockout_risk":
            query = Query("stockout_risk", days=slots.period_days or DEFAULT_RISK_DAYS)
        elif intent == "forecast_total":
            query = Query("forecast_total", days=slots.period_days or DEFAULT_FORECAST_DAYS)
        else:
            query = Query("inventory_value", site=slots.site)
        return self.speaker.fetch(state, intent, (query,), at, slots=slots, note=prefix)

    def _analytic(
        self, state: DialogueState, intent: str, value: Any, slots: Slots | None, sku: str | None, prefix: str
    ) -> Reply:
        page = self.config.list_page
        category = slots.category if slots else None
        said: AN.Said | None = None
        if intent == "stockout_risk" and isinstance(value, StockoutRiskList):
            said = AN.stockout_said(value, page)
        elif intent == "forecast_total" and isinstance(value, ForecastTotal):
            said = AN.forecast_total_said(value, category, page)
        elif intent == "sales_history" and isinstance(value, SalesHistory):
            months = _months(slots)
            said = AN.sales_said(value, months, page)
        elif intent == "inventory_value" and isinstance(value, InventoryValue):
            said = AN.value_said(value, category, sku, self.index.site_names)
        if said is None:
            return self.speaker.say(state, prefix + SORRY)
        text, rest = said
        return self.speaker.say(replace(state, more=rest), prefix + text)

    def on_read_data(self, state: DialogueState, results: dict[str, Any]) -> Reply:
        """The answer to the pending question, from the fetched ``results``."""
        p = state.pending
        prefix = p.note
        state = replace(state, pending=Pending())
        for value in results.values():
            if isinstance(value, ErrorInfo):
                return self.speaker.say(state, prefix + error_text(value))
        sku = p.candidates[0] if p.candidates else None
        name = self.index.name(sku) if sku else ""
        site = p.slots.site if p.slots else None
        page = self.config.list_page
        names = self.index.site_names
        if p.intent in AN.ANALYTIC_INTENTS:
            value = next(iter(results.values()), None)
            return self._analytic(state, p.intent, value, p.slots, sku, prefix)
        if p.intent == "greet":
            names = {s: pr.name for s, pr in self.index.products.items()}
            return self.speaker.say(state, A.greeting(results.get("insights", []), names))
        if p.intent in ("check_stock", "item"):
            rec = results.get("stock")
            if not isinstance(rec, InventoryRecord):
                return self.speaker.say(state, prefix + SORRY)
            return self.speaker.say(state, prefix + A.stock_answer(rec, site or None, names))
        if p.intent == "supplier_info":
            info = results.get("suppliers")
            if not isinstance(info, SupplierInfo):
                return self.speaker.say(state, prefix + SORRY)
            return self.speaker.say(state, prefix + A.supplier_answer(info))
        if p.intent == "forecast":
            fc = results.get("forecast")
            if not isinstance(fc, DemandForecast):
                return self.speaker.say(state, prefix + SORRY)
            return self.speaker.say(state, prefix + A.forecast_answer(fc))
        if p.intent == "reorder_advice":
            recs = results.get("recommend")
            if not isinstance(recs, RestockList):
                return self.speaker.say(state, prefix + SORRY)
            if sku is not None:
                return self.speaker.say(
                    state, prefix + A.advice_answer(name, recs.items, _record(results.get("stock")), names)
                )
            items = [
                a for a in recs.items if a.recommended_order_quantity > 0 and (not site or a.site == site)
            ]
            text, rest = A.reorder_said(items, names, page)
            return self.speaker.say(replace(state, more=rest), prefix + text)
        if p.intent == "order_status":
            orders = results.get("orders")
            if not isinstance(orders, OrderList):
                return self.speaker.say(state, prefix + SORRY)
            names = {s: pr.name for s, pr in self.index.products.items()}
            if not orders.items:
                return self.speaker.say(
                    state, prefix + (f"There are no orders for {name}." if sku else "There are no orders.")
                )
            count = len(orders.items)
            intro = f"{A.to_words(count).capitalize()} {'order' if count == 1 else 'orders'}:"
            text, rest = list_reply(intro, A.order_lines(orders.items, names), page)
            return self.speaker.say(replace(state, more=rest), prefix + text)
        if p.intent == "low_stock":
            low = results.get("low_stock")
            if not isinstance(low, LowStockList):
                return self.speaker.say(state, prefix + SORRY)
            if not low.items:
                return self.speaker.say(state, prefix + "Nothing is running low.")
            count = len({i.product_id for i in low.items})  # items, as the API and the console count them
            intro = f"{A.to_words(count).capitalize()} {'item is' if count == 1 else 'items are'} low:"
            text, rest = list_reply(intro, A.low_lines(low.items, names), page)
            return self.speaker.say(replace(state, more=rest), prefix + text)
        return self.speaker.say(state, prefix + "Done.")
