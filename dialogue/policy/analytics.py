"""Wording of the analytic answers (``dialogue.analytics`` computes them): what may run out, forecast totals,
sales history and inventory value. Pure functions over the tool results; each returns the text to say and the
lines left for "more". Figures are words; money is whole dollars, except a unit cost."""

from __future__ import annotations

import calendar
from collections.abc import Mapping

from dialogue.analytic_schemas import ForecastTotal, InventoryValue, SalesHistory, StockoutRiskList
from dialogue.policy.answers import money
from dialogue.policy.replies import join_names, list_reply, n, site_phrase, whole
from dialogue.understanding.numbers import to_words

ANALYTIC_INTENTS = frozenset({"stockout_risk", "forecast_total", "sales_history", "inventory_value"})
GROUP_INTENTS = frozenset({"stockout_risk", "forecast_total", "inventory_value"})
"""Asked of every item, a category or a site (no item needed)."""
MAX_LINES = 12
"""At most this many items are offered in a list; the rest of a long catalogue is summed, not read."""
DEFAULT_SALES_MONTHS = 6
Said = tuple[str, tuple[str, ...]]


def span_words(days: int) -> str:
    """ "next week", "next two weeks", "next thirty days"."""
    named = {1: "next day", 7: "next week", 14: "next two weeks", 21: "next three weeks"}
    return named.get(days, f"next {to_words(days)} days")


def dollars(amount: float) -> str:
    value = round(amount)
    return f"{to_words(value)} {'dollar' if value == 1 else 'dollars'}"


def _group(category: str | None) -> str:
    return f"{category} items" if category else "all items"


def stockout_said(risk: StockoutRiskList, page: int) -> Said:
    span = span_words(risk.days)
    if not risk.items:
        return f"Nothing should run out in the {span}, going by the forecast.", ()
    count = len(risk.items)
    intro = f"{to_words(count).capitalize()} {'item' if count == 1 else 'items'} may run out in the {span}:"
    lines = []
    for r in risk.items:
        if r.on_hand <= 0:
            cover = "already out"
        elif r.days_of_cover < 1:
            cover = "less than a day left"
        else:
            days = round(r.days_of_cover)
            cover = f"about {to_words(days)} {'day' if days == 1 else 'days'} left"
        lines.append(f"{r.name}, {cover}")
    return list_reply(intro, lines, page)


def forecast_total_said(total: ForecastTotal, category: str | None, page: int) -> Said:
    """The total over the items of ``category`` (every item: None) and the largest of them."""
    lines = [i for i in total.items if category is None or i.category == category]
    units = sum(i.predicted_demand for i in lines)
    span = span_words(total.days)
    if not lines or round(units) == 0:
        return f"I expect no demand for {_group(category)} in the {span}.", ()
    intro = (
        f"For {_group(category)}, we expect to use about {whole(units)} units in the {span}, "
        f"about {dollars(sum(i.value for i in lines))} at cost. The most:"
    )
    top = [f"{i.name}, about {whole(i.predicted_demand)}" for i in lines[:MAX_LINES]]
    return list_reply(intro, top, page)


def _month(label: str) -> str:
    return calendar.month_name[int(label.split("-")[1])]


def sales_said(history: SalesHistory, months: int | None, page: int) -> Said:
    """Units sold in the period asked, then each month's (the latest "so far" when it has not ended)."""
    name = history.name
    if not history.periods:
        return f"I have no sales history for {name}.", ()
    total = n(history.total_units)
    if months is None:
        days = (history.periods[0].end - history.periods[0].start).days + 1
        return f"We sold {total} {name} in the last {to_words(days)} days.", ()
    span = "last month" if months == 1 else f"last {to_words(months)} months"
    if months == 1:
        return f"We sold {total} {name} in {_month(history.periods[0].label)}.", ()
    lines = []
    for p in history.periods:
        ended = p.end.day == calendar.monthrange(p.end.year, p.end.month)[1]
        lines.append(f"{_month(p.label)}{'' if ended else ' so far'}, {n(p.units)}")
    return list_reply(f"We sold {total} {name} in the {span}:", lines, max(page, 6))


def value_said(
    value: InventoryValue, category: str | None, sku: str | None, site_names: Mapping[str, str]
) -> Said:
    """The value at cost of the stock on hand: of one item, a category or everything, at a site or in all."""
    lines = [
        i
        for i in value.items
        if (category is None or i.category == category) and (sku is None or i.product_id == sku)
    ]
    where = f" at {site_phrase(value.site, site_names)}" if value.site else ""
    total = sum(i.value for i in lines)
    if sku is not None:
        if not lines:
            return f"We have none of that{where}.", ()
        units = sum(max(0, i.on_hand) for i in lines)
        name = lines[0].name
        cost = lines[0].unit_cost
        return (
            f"The {n(units)} {name} on hand{where} are worth about {dollars(total)} at cost, "
            f"{money(cost)} each.",
            (),
        )
    what = f"{category.capitalize()} stock" if category else "Our stock"
    text = f"{what}{where} is worth about {dollars(total)} at cost"
    sites: dict[str, float] = {}
    for i in lines:
        sites[i.site] = sites.get(i.site, 0.0) + i.value
    if value.site is None and len(sites) > 1:
        parts = [f"{dollars(v)} at {site_phrase(s, site_names)}" for s, v in sorted(sites.items())]
        text += ": " + join_names(parts, "and")
    return text + ".", ()
