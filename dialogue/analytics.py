"""Analytic answers over the whole store, without a language model: what may run out (days of cover = on hand
/ forecast daily demand), forecast totals for every item or a category, an item's sales history by month, and
the value of the stock on hand (on hand × unit cost). ``InventoryTools`` exposes each as a tool; the results are
pydantic models (``analytic_schemas``), so MCP clients, the page and NLX get the same figures the dialogue speaks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

from dialogue.analytic_schemas import (
    ForecastLine,
    ForecastTotal,
    InventoryValue,
    SalesHistory,
    SalesPeriod,
    SiteValue,
    StockoutRisk,
    StockoutRiskList,
    ValueLine,
)
from dialogue.forecasts import Forecasts
from dialogue.understanding.analytic import category_of, names_everything
from inventory_core.errors import InvalidInput
from inventory_core.models import Product, ProductView
from inventory_core.ports import DailySales, Inventory, ProductFilter

PAGE = 500
L = TypeVar("L")


async def all_views(inventory: Inventory, site: str | None = None) -> list[ProductView]:
    """Every product with its stock, a page at a time."""
    views: list[ProductView] = []
    while True:
        page = await inventory.list_products(ProductFilter(site=site, offset=len(views), limit=PAGE))
        views.extend(page.items)
        if not page.items or len(views) >= page.total:
            return views


def pick_category(said: str | None, products: Sequence[Product]) -> str | None:
    """The category ``said`` names (any usual wording: "cleaning supplies"); None for every item. Raises
    InvalidInput listing the categories when it names none."""
    if not said or names_everything(said):
        return None
    known = {p.category for p in products}
    if said in known:
        return said
    found = category_of(said, known)
    if found is None:
        raise InvalidInput(f"no category called {said!r}", categories=sorted(known))
    return found


def _limit(lines: list[L], limit: int | None) -> list[L]:
    return lines if limit is None else lines[: max(0, limit)]


async def stockout_risk(
    inventory: Inventory, forecasts: Forecasts, days: int = 7, category: str | None = None
) -> StockoutRiskList:
    if not 1 <= days <= 366:
        raise InvalidInput("days must be between 1 and 366", days=days)
    views = await all_views(inventory)
    wanted = pick_category(category, [v.product for v in views])
    rates = await forecasts.forecast_all(days)
    items: list[StockoutRisk] = []
    for view in views:
        summary = rates.get(view.sku)
        if summary is None or summary.daily_rate <= 0 or (wanted and view.product.category != wanted):
            continue
        on_hand = max(0, view.on_hand)
        cover = on_hand / summary.daily_rate
        if cover < days:
            items.append(
                StockoutRisk(
                    product_id=view.sku,
                    name=view.product.name,
                    category=view.product.category,
                    on_hand=on_hand,
                    daily_demand=round(summary.daily_rate, 2),
                    days_of_cover=round(cover, 1),
                )
            )
    items.sort(key=lambda r: (r.days_of_cover, r.name))
    return StockoutRiskList(days=days, items=items)


async def forecast_total(
    inventory: Inventory, forecasts: Forecasts, days: int = 30, category: str | None = None,
    limit: int | None = 10,
) -> ForecastTotal:  # fmt: skip
    if not 1 <= days <= 366:
        raise InvalidInput("days must be between 1 and 366", days=days)
    products = (await inventory.catalogue()).products
    wanted = pick_category(category, products)
    summaries = await forecasts.forecast_all(days)
    lines = [
        ForecastLine(
            product_id=p.sku,
            name=p.name,
            category=p.category,
            predicted_demand=round(summaries[p.sku].predicted, 1),
            value=round(summaries[p.sku].predicted * p.unit_cost, 2),
        )
        for p in products
        if p.sku in summaries and (wanted is None or p.category == wanted)
    ]
    lines.sort(key=lambda line: (-line.predicted_demand, line.name))
    return ForecastTotal(
        days=days,
        category=wanted,
        total_demand=round(sum(line.predicted_demand for line in lines), 1),
        total_value=round(sum(line.value for line in lines), 2),
        item_count=len(lines),
        items=_limit(lines, limit),
    )


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _units(series: Sequence[DailySales], start: date, end: date) -> int:
    total = 0
    for s in series:
        first = max(0, (start - s.start).days)
        last = min(len(s.qty), (end - s.start).days + 1)
        total += sum(s.qty[first:last]) if last > first else 0
    return total


def sales_periods(series: Sequence[DailySales], months: int | None, days: int | None) -> list[SalesPeriod]:
    """The last ``months`` calendar months up to the last day of history (the latest one so far), a period
    each; or the last ``days`` days as one period."""
    if not series:
        return []
    end = max(s.last_day for s in series)
    if months is None:
        span = max(1, days or 30)
        start = end - timedelta(days=span - 1)
        return [
            SalesPeriod(label=f"last_{span}_days", start=start, end=end, units=_units(series, start, end))
        ]
    out: list[SalesPeriod] = []
    for back in range(max(1, months) - 1, -1, -1):
        first = _month_start(end, back)
        last = min(end, _month_start(end, back - 1) - timedelta(days=1))
        units = _units(series, first, last)
        out.append(SalesPeriod(label=f"{first.year}-{first.month:02d}", start=first, end=last, units=units))
    return out


async def sales_history(
    inventory: Inventory, product: Product, months: int | None = 6, days: int | None = None,
    site: str | None = None,
) -> SalesHistory:  # fmt: skip
    if months is not None and not 1 <= months <= 24:
        raise InvalidInput("months must be between 1 and 24", months=months)
    if days is not None and not 1 <= days <= 730:
        raise InvalidInput("days must be between 1 and 730", days=days)
    series = [s for s in await inventory.daily_sales(product.sku) if site is None or s.site == site]
    periods = sales_periods(series, months if days is None else None, days)
    return SalesHistory(
        product_id=product.sku,
        name=product.name,
        site=site,
        start=periods[0].start if periods else None,
        end=periods[-1].end if periods else None,
        total_units=sum(p.units for p in periods),
        periods=periods,
    )


async def inventory_value(
    inventory: Inventory, site: str | None = None, category: str | None = None, limit: int | None = 10
) -> InventoryValue:
    views = await all_views(inventory, site)
    wanted = pick_category(category, [v.product for v in views])
    lines = [
        ValueLine(
            product_id=v.sku,
            name=v.product.name,
            category=v.product.category,
            site=s.site,
            on_hand=s.on_hand,
            unit_cost=v.product.unit_cost,
            value=round(max(0, s.on_hand) * v.product.unit_cost, 2),
        )
        for v in views
        if wanted is None or v.product.category == wanted
        for s in v.stock
        if site is None or s.site == site
    ]
    by_site: dict[str, tuple[float, int]] = {}
    for line in lines:
        value, units = by_site.get(line.site, (0.0, 0))
        by_site[line.site] = (value + line.value, units + max(0, line.on_hand))
    lines.sort(key=lambda line: (-line.value, line.name))
    return InventoryValue(
        site=site,
        category=wanted,
        total_value=round(sum(line.value for line in lines), 2),
        units=sum(max(0, line.on_hand) for line in lines),
        sites=[SiteValue(site=k, value=round(v, 2), units=u) for k, (v, u) in sorted(by_site.items())],
        items=_limit(lines, limit),
    )
