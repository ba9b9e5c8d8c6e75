"""The analytic NLX data requests: a thin adapter over the dialogue's analytic tools (``InventoryTools``:
stock-out risk, forecast totals, sales history, inventory value, restock advice) that words each answer as the
voice dialogue does (``dialogue.policy.analytics``, ``dialogue.policy.answers``) and pages it as the dialogue
pages "more".

Each call is stateless: ``page`` 1 is the dialogue's first answer, page ``k`` what the dialogue says on the
(k-1)-th "more". Domain outcomes (an unknown item or category, nothing at risk) are answers with spoken text."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import floor
from typing import Any, TypeVar, cast

from dialogue.analytic_schemas import ForecastTotal, InventoryValue, StockoutRiskList, ValueLine
from dialogue.analytics import pick_category
from dialogue.policy import analytics as AN
from dialogue.policy.answers import miss_answer, reorder_said
from dialogue.policy.replies import join_names, more_reply
from dialogue.tools import InventoryTools
from inventory_core.errors import InvalidInput
from nlx_webhooks import analytic_schemas as a
from nlx_webhooks.cache import SharedRead
from nlx_webhooks.data_requests import item_miss, recommendation_out

R = TypeVar("R")
T = TypeVar("T")

NO_MORE = "There are no more."
"""A page after the last one."""


@dataclass(frozen=True)
class UnknownCategory:
    """A category that names none of the catalogue's: the spoken answer and the categories there are."""

    text: str
    categories: list[str]


def page_of(said: AN.Said, rows: Sequence[R], page: int, size: int) -> tuple[str, list[R], int | None]:
    """Page ``page`` of an answer the dialogue words as ``said`` (its first text and the lines left for
    "more"), whose lines are ``rows`` one for one: the text, that page's rows, and the next page (None: none).
    Page 1 is the dialogue's first answer; each later page is one "more" (``size`` lines)."""
    text, rest = said
    first = len(rows) - len(rest)  # rows read in the first answer
    if page == 1 or not rows:
        return text, list(rows[:first]), 2 if rest else None
    start = first + (page - 2) * size
    if start >= len(rows):
        return NO_MORE, [], None
    text, remaining = more_reply(rest[start - first :], size)
    return text, list(rows[start : start + size]), page + 1 if remaining else None


def _value_rows(lines: Sequence[ValueLine]) -> list[a.ValueRow]:
    return [
        a.ValueRow(
            sku=i.product_id,
            name=i.name,
            category=i.category,
            site=i.site,
            on_hand=i.on_hand,
            unit_cost=i.unit_cost,
            value=i.value,
        )
        for i in lines
    ]


def _site_values(value: InventoryValue, sku: str | None, lines: Sequence[ValueLine]) -> list[a.SiteValueRow]:
    """The tools' per-site sums, or for one item, its own lines summed by site."""
    if sku is None:
        return [a.SiteValueRow(site=s.site, value=s.value, units=s.units) for s in value.sites]
    sites: dict[str, tuple[float, int]] = {}
    for i in lines:
        total, units = sites.get(i.site, (0.0, 0))
        sites[i.site] = (total + i.value, units + max(0, i.on_hand))
    return [a.SiteValueRow(site=k, value=round(v, 2), units=u) for k, (v, u) in sorted(sites.items())]


class SharedReads:
    """``SharedRead`` by the read's arguments: concurrent calls with the same arguments share one store read,
    reused for ``ttl_s`` (so a burst of calls, or a page asked for at once, costs one read). The last
    ``size`` argument sets are kept."""

    def __init__(self, ttl_s: float, size: int = 32) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._reads: OrderedDict[tuple[object, ...], SharedRead[Any]] = OrderedDict()

    async def get(self, key: tuple[object, ...], load: Callable[[], Awaitable[T]]) -> T:
        read = self._reads.get(key)
        if read is None:
            read = self._reads[key] = SharedRead(load, self._ttl_s)
            while len(self._reads) > self._size:
                self._reads.popitem(last=False)
        self._reads.move_to_end(key)
        return cast(T, await read.get())


class AnalyticRequests:
    def __init__(
        self,
        tools: InventoryTools,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared_ttl_s: float = 2.0,
    ) -> None:
        self._tools = tools
        self._clock = clock
        # Whole-warehouse reads (NLX allows 3 s a call; a stock-out list reads every item and its history).
        self._shared = SharedReads(shared_ttl_s)

    async def _risk(self, days: int, category: str | None) -> StockoutRiskList:
        return await self._shared.get(
            ("risk", days, category), lambda: self._tools.stockout_risk(days, category)
        )

    async def _total(self, days: int, category: str | None) -> ForecastTotal:
        return await self._shared.get(
            ("total", days, category), lambda: self._tools.forecast_total(days, category, limit=None)
        )

    async def _value(self, site: str | None, category: str | None) -> InventoryValue:
        try:
            return await self._shared.get(
                ("value", site, category), lambda: self._tools.inventory_value(site, category, limit=None)
            )
        except InvalidInput:  # a known category with nothing stocked at ``site``: worth nothing there
            if category is None:
                raise
            return InventoryValue(site=site, category=category, total_value=0.0, units=0, sites=[], items=[])

    async def _category(self, said: str | None) -> str | UnknownCategory | None:
        """The catalogue category ``said`` names (the tools' rule: any usual wording), None for every item."""
        if not said:
            return None
        products = (await self._tools.catalogue.snapshot()).products
        try:
            return pick_category(said, products)
        except InvalidInput:
            known = sorted({p.category for p in products})
            text = f"I don't know a category called {said}." + (
                f" The categories are {join_names(known, 'and')}." if known else ""
            )
            return UnknownCategory(text, known)

    async def stockout_risk(self, req: a.StockoutRiskRequest) -> a.StockoutRiskResponse:
        category = await self._category(req.category)
        if isinstance(category, UnknownCategory):
            return a.StockoutRiskResponse(
                found=False, days=req.days, categories=category.categories, text=category.text
            )
        risk = await self._risk(req.days, category)
        today = self._clock().date()
        rows = [
            a.StockoutRow(
                sku=r.product_id,
                name=r.name,
                category=r.category,
                on_hand=r.on_hand,
                daily_demand=r.daily_demand,
                days_of_cover=r.days_of_cover,
                expected_stockout=today + timedelta(days=floor(r.days_of_cover)),
            )
            for r in risk.items
        ]
        said = AN.stockout_said(risk, req.page_size)
        text, shown, next_page = page_of(said, rows, req.page, req.page_size)
        return a.StockoutRiskResponse(
            days=risk.days,
            category=category,
            count=len(rows),
            page=req.page,
            next_page=next_page,
            items=shown,
            text=text,
        )

    async def forecast_total(self, req: a.ForecastTotalRequest) -> a.ForecastTotalResponse:
        category = await self._category(req.category)
        if isinstance(category, UnknownCategory):
            return a.ForecastTotalResponse(
                found=False, days=req.days, categories=category.categories, text=category.text
            )
        # Every line, as the dialogue asks for them: its spoken total is summed over the lines.
        total = await self._total(req.days, category)
        said = AN.forecast_total_said(total, total.category, req.page_size)
        offered = [] if round(total.total_demand) == 0 else total.items[: AN.MAX_LINES]  # the lines read
        rows = [
            a.ForecastRow(
                sku=i.product_id,
                name=i.name,
                category=i.category,
                predicted_units=i.predicted_demand,
                value=i.value,
            )
            for i in offered
        ]
        text, shown, next_page = page_of(said, rows, req.page, req.page_size)
        return a.ForecastTotalResponse(
            days=total.days,
            category=total.category,
            total_units=total.total_demand,
            total_value=total.total_value,
            item_count=total.item_count,
            count=len(rows),
            page=req.page,
            next_page=next_page,
            items=shown,
            text=text,
        )

    async def sales_history(self, req: a.SalesHistoryRequest) -> a.SalesHistoryResponse:
        found = await self._tools.resolve_item(req.query or "")
        if found.view is None:
            text = miss_answer(req.query or "", found.reason, found.suggestions)
            return a.SalesHistoryResponse(found=False, miss=item_miss(found), text=text)
        months = None if req.days is not None else req.months
        history = await self._tools.sales_history(found.view.sku, months=months, days=req.days, site=req.site)
        rows = [
            a.SalesPeriodRow(label=p.label, start=p.start, end=p.end, units=p.units) for p in history.periods
        ]
        said = AN.sales_said(history, months, req.page_size)
        text, shown, next_page = page_of(said, rows, req.page, req.page_size)
        return a.SalesHistoryResponse(
            found=True,
            sku=history.product_id,
            name=history.name,
            site=history.site,
            start=history.start,
            end=history.end,
            total_units=history.total_units if history.periods else None,
            count=len(rows),
            page=req.page,
            next_page=next_page,
            periods=shown,
            text=text,
        )

    async def inventory_value(self, req: a.InventoryValueRequest) -> a.InventoryValueResponse:
        sku: str | None = None
        if req.query:
            found = await self._tools.resolve_item(req.query)
            if found.view is None:
                text = miss_answer(req.query, found.reason, found.suggestions)
                return a.InventoryValueResponse(found=False, site=req.site, miss=item_miss(found), text=text)
            sku = found.view.sku
        category = await self._category(req.category)
        if isinstance(category, UnknownCategory):
            return a.InventoryValueResponse(
                found=False, site=req.site, categories=category.categories, text=category.text
            )
        # Every line, as the dialogue asks for them: the spoken sums are over the lines.
        value = await self._value(req.site, category)
        text, _ = AN.value_said(value, value.category, sku, await self._tools.site_names())
        lines = [i for i in value.items if sku is None or i.product_id == sku]
        start = (req.page - 1) * req.page_size
        end = start + req.page_size
        return a.InventoryValueResponse(
            site=value.site,
            category=value.category,
            sku=sku,
            total_value=value.total_value if sku is None else round(sum(i.value for i in lines), 2),
            units=value.units if sku is None else sum(max(0, i.on_hand) for i in lines),
            sites=_site_values(value, sku, lines),
            count=len(lines),
            page=req.page,
            next_page=req.page + 1 if end < len(lines) else None,
            items=_value_rows(lines[start:end]),
            text=text,
        )

    async def reorder_list(self, req: a.ReorderListRequest) -> a.ReorderListResponse:
        advice = (await self._shared.get(("advice",), lambda: self._tools.recommend_restock(None))).items
        due = [x for x in advice if x.recommended_order_quantity > 0 and (not req.site or x.site == req.site)]
        said = reorder_said(due, await self._tools.site_names(), req.page_size)
        text, shown, next_page = page_of(said, due, req.page, req.page_size)
        return a.ReorderListResponse(
            count=len(due),
            page=req.page,
            next_page=next_page,
            items=[recommendation_out(x) for x in shown],
            text=text,
        )
