"""Answers to questions, worded from tool results (``schemas``). Pure functions; numbers as words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from dialogue.policy.replies import join_names, list_reply, n, site_phrase, spell_bin, units, whole
from dialogue.schemas import (
    DemandForecast,
    InventoryRecord,
    LowStockItem,
    OrderOut,
    RestockAdvice,
    StockUpdate,
    SupplierInfo,
)
from dialogue.understanding.numbers import to_words
from inventory_core.models import Insight, Product, ProductView

NO_NAMES: Mapping[str, str] = MappingProxyType({})
"""No recorded site names: sites are spoken by their ids."""

_ORDINALS = {1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth", 12: "twelfth"}
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def ordinal(day: int) -> str:
    if day in _ORDINALS:
        return _ORDINALS[day]
    if day % 10 in _ORDINALS and day > 20:
        return to_words(day - day % 10) + " " + _ORDINALS[day % 10]
    words = to_words(day)
    return (words[:-1] + "ieth") if words.endswith("y") else words + "th"


def spoken_date(when: datetime) -> str:
    return f"{_MONTHS[when.month - 1]} {ordinal(when.day)}"


def money(amount: float) -> str:
    dollars = int(amount)
    cents = round((amount - dollars) * 100)
    if cents == 100:
        dollars, cents = dollars + 1, 0
    if dollars == 0:
        return f"{to_words(cents)} {'cent' if cents == 1 else 'cents'}"
    text = f"{to_words(dollars)} {'dollar' if dollars == 1 else 'dollars'}"
    return text + (f" {to_words(cents)}" if cents else "")


def _plural(name: str) -> bool:
    words = name.split()
    return bool(words) and words[-1].endswith("s") and not words[-1].endswith("ss")


def verb(name: str, singular: str, plural: str) -> str:
    """Agreement for item names: "motor oil is", "hex bolts are"."""
    return plural if _plural(name) else singular


def stock_answer(rec: InventoryRecord, site: str | None, names: Mapping[str, str] = NO_NAMES) -> str:
    """On-hand of an item at ``site`` or at each site, sites spoken by name."""
    sites = [s for s in rec.sites if site is None or s.site == site]
    if site and not sites:
        return f"{rec.name.capitalize()} is not stocked at {site_phrase(site, names)}."
    total = sum(s.on_hand for s in sites)
    text = f"We have {n(total)} {rec.name}"
    if len(sites) > 1:
        text += ": " + join_names([f"{n(s.on_hand)} at {site_phrase(s.site, names)}" for s in sites], "and")
    elif sites and len(rec.sites) > 1:
        text += f" at {site_phrase(sites[0].site, names)}"
    text += "."
    low = [s for s in sites if s.on_hand < s.reorder_threshold]
    if low:
        s = low[0]
        text += f" That is below the minimum of {n(s.reorder_threshold)}" + (
            f" at {site_phrase(s.site, names)}." if len(sites) > 1 else "."
        )
    return text


def stock_report(view: ProductView, site: str | None, site_names: Mapping[str, str]) -> str:
    """Stock of one product at ``site`` or at every site, with reserved units and minimums, sites by name:
    "There are twelve paper cups at the main warehouse. Two of them are reserved." """
    name, unit = view.product.name, view.product.unit
    levels = [s for s in view.stock if site is None or s.site == site]
    if not levels:
        return f"{name} is not stocked at {site_phrase(site or '', site_names)}."
    if len(levels) == 1:
        level = levels[0]
        text = f"There are {units(level.on_hand, unit)} {name} at {site_phrase(level.site, site_names)}."
        if level.reserved:
            text += f" {whole(level.reserved)} of them are reserved."
        if level.is_low:
            text += f" That is below the minimum of {whole(level.effective_min)}."
        return text
    parts = [f"{whole(s.on_hand)} at {site_phrase(s.site, site_names)}" for s in levels]
    total = sum(s.on_hand for s in levels)
    text = f"There are {units(total, unit)} {name} in all: {join_names(parts, 'and')}."
    low = [site_phrase(s.site, site_names) for s in levels if s.is_low]
    if low:
        text += f" Stock is below the minimum at {join_names(low, 'and')}."
    return text


def miss_answer(query: str, reason: str | None, suggestions: Sequence[str]) -> str:
    """An item that was not resolved: the close names to choose from, or that it is not in the catalogue."""
    if reason == "ambiguous" and suggestions:
        return f"Did you mean {join_names(list(suggestions), 'or')}?"
    if suggestions:
        return f"I couldn't find {query}. Did you mean {join_names(list(suggestions), 'or')}?"
    return f"I couldn't find {query} in the catalogue."


def where_answer(product: Product, site: str | None, names: Mapping[str, str] = NO_NAMES) -> str:
    locs = [loc for loc in product.locations if site is None or loc.site == site]
    if not locs:
        return f"I have no bin on record for {product.name}" + (
            f" at {site_phrase(site, names)}." if site else "."
        )
    parts = [f"bin {spell_bin(loc.bin)} at {site_phrase(loc.site, names)}" for loc in locs]
    return f"{product.name.capitalize()} {verb(product.name, 'is', 'are')} in {join_names(parts, 'and')}."


def supplier_answer(info: SupplierInfo) -> str:
    if not info.suppliers:
        return f"I have no supplier on record for {info.name}."
    first = info.suppliers[0]
    text = (
        f"{info.name.capitalize()} {verb(info.name, 'comes', 'come')} from {first.supplier_name} at {money(first.price_per_unit)} each, "
        f"{to_words(first.lead_time_days)} {'day' if first.lead_time_days == 1 else 'days'} lead time."
    )
    others = len(info.suppliers) - 1
    if others:
        cheapest = min(info.suppliers, key=lambda s: s.price_per_unit)
        if cheapest is not first:
            text += f" {cheapest.supplier_name} is cheapest at {money(cheapest.price_per_unit)}."
        else:
            text += (
                f" {to_words(others).capitalize()} other {'supplier' if others == 1 else 'suppliers'} too."
            )
    return text


def forecast_answer(fc: DemandForecast) -> str:
    span = {7: "next week", 30: "next thirty days", 14: "next two weeks"}.get(
        fc.period_days, f"next {to_words(fc.period_days)} days"
    )
    low, high = (round(x) for x in fc.confidence_interval)
    text = f"We expect to use about {n(round(fc.predicted_demand))} {fc.name} in the {span}"
    if high > low:
        text += f", likely between {n(low)} and {n(high)}"
    return text + "."


def advice_answer(
    name: str,
    advice: Sequence[RestockAdvice],
    rec: InventoryRecord | None,
    names: Mapping[str, str] = NO_NAMES,
) -> str:
    needed = [a for a in advice if a.recommended_order_quantity > 0]
    if not needed:
        if rec is not None:
            return (
                f"No, {name} is fine for now: {n(rec.current_quantity)} on hand against a minimum of "
                f"{n(rec.reorder_threshold)}."
            )
        return f"No, {name} does not need reordering now."
    first = needed[0]
    text = f"Yes, order {n(first.recommended_order_quantity)} {name}"
    if len(needed) > 1 or (rec is not None and len(rec.sites) > 1):
        text += f" for {site_phrase(first.site, names)}"
    if first.recommended_order_date:
        text += f" by {spoken_date(first.recommended_order_date)}"
    return text + ". Say reorder it to place the order."


NOTHING_TO_ORDER = "Nothing needs ordering right now."


def reorder_said(
    due: Sequence[RestockAdvice], names: Mapping[str, str], page: int
) -> tuple[str, tuple[str, ...]]:
    """What needs ordering, as the first page of a list and the pages after it ("say more")."""
    if not due:
        return NOTHING_TO_ORDER, ()
    count = len(due)
    intro = f"{to_words(count).capitalize()} {'item needs' if count == 1 else 'items need'} ordering:"
    return list_reply(intro, advice_lines(due, names), page)


def advice_lines(advice: Sequence[RestockAdvice], names: Mapping[str, str] = NO_NAMES) -> list[str]:
    return [f"{a.name}, {n(a.recommended_order_quantity)} for {site_phrase(a.site, names)}" for a in advice]


def low_lines(items: Sequence[LowStockItem], names: Mapping[str, str] = NO_NAMES) -> list[str]:
    return [f"{i.name}, {n(i.current_quantity)} left at {site_phrase(i.site, names)}" for i in items]


def order_lines(orders: Sequence[OrderOut], names: dict[str, str]) -> list[str]:
    out = []
    for o in orders:
        line = f"{n(o.quantity)} {names.get(o.product_id, o.product_id)} {o.status}"
        if o.expected_date and o.status in ("placed", "confirmed", "shipped"):
            line += f", due {spoken_date(o.expected_date)}"
        out.append(line)
    return out


def order_ref(order_id: str) -> str:
    tail = [c for c in order_id if c.isalnum()][-4:]
    return "ending " + spell_bin("".join(tail))


def movement_done(upd: StockUpdate, name: str, names: Mapping[str, str] = NO_NAMES) -> str:
    where = site_phrase(upd.site, names)
    have = f"{where[0].upper()}{where[1:]} has {n(upd.updated_quantity)} {name}"
    if upd.status == "already applied":
        return f"That was already recorded. {have}."
    return f"Done. {have} now."


_DID = {
    "order": "ordered",
    "receipt": "received",
    "pick": "picked",
    "count": "counted",
    "set_min": "set the minimum",
}


def recorded_phrase(kind: str, quantity: int, name: str) -> str:
    """One write this conversation made, as the goodbye says it: "picked twelve coffee pods"."""
    if kind == "count":
        return f"counted {name} at {n(quantity)}"
    if kind == "set_min":
        return f"set the minimum for {name} to {n(quantity)}"
    return f"{_DID.get(kind, kind)} {n(quantity)} {name}"


def not_recorded(kind: str, name: str) -> str:
    """A read-back left unanswered at goodbye."""
    what = {"set_min": "new minimum", "order": "order"}.get(kind, kind)
    return f"The {what} for {name} was not recorded."


def goodbye(recorded: Sequence[str], dropped: str | None) -> str:
    """The wrap-up: what this conversation recorded (or that nothing was), and a read-back left unanswered."""
    said = f"{dropped} " if dropped else ""
    if not recorded:
        return f"{said}Goodbye." if dropped else "Nothing was recorded. Goodbye."
    if len(recorded) == 1:
        return f"{said}One thing recorded: {recorded[0]}. Goodbye."
    listed = ", ".join(recorded[:-1]) + f", and {recorded[-1]}"
    return f"{said}{to_words(len(recorded)).capitalize()} things recorded: {listed}. Goodbye."


def greeting(insights: Sequence[Insight], names: dict[str, str]) -> str:
    alerts = [i for i in insights if i.kind in ("low_stock", "predicted_stockout") or i.severity != "info"]
    if not alerts:
        return "Hello, stock assistant here. What do you need?"
    first = alerts[0]
    item = names.get(first.sku or "", "")
    count = len(alerts)
    what = {"low_stock": "running low", "predicted_stockout": "about to run out"}.get(first.kind, "flagged")
    lead = f"{to_words(count).capitalize()} stock {'alert' if count == 1 else 'alerts'}"
    detail = f", including {item} {what}" if item else ""
    return f"Hello. {lead}{detail}. What do you need?"
