"""Ready-to-speak sentences for the data-request responses. Numbers are words, and quantities in a read-back
carry their digits when they have a homophone ("fifteen, one five")."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.understanding.numbers import digits_words, read_back, to_words
from inventory_core.models import ProductView

SITE_NAMES = {"main": "the main warehouse", "east": "the east annex"}


def site_name(site: str) -> str:
    return SITE_NAMES.get(site, site)


def count(value: float) -> str:
    return to_words(round(value))


def units(value: float, unit: str = "each") -> str:
    word = "" if unit in ("each", "ea", "") else f" {unit}{'' if round(value) == 1 else 's'}"
    return f"{count(value)}{word}"


def heard_quantity(qty: int) -> str:
    words, digits = read_back(qty)
    return f"{words}, {digits}," if digits else words


def join(items: Sequence[str], conj: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def miss_text(query: str, reason: str | None, suggestions: Sequence[str]) -> str:
    if reason == "ambiguous" and suggestions:
        return f"Did you mean {join(list(suggestions), 'or')}?"
    if suggestions:
        return f"I couldn't find {query}. Did you mean {join(list(suggestions), 'or')}?"
    return f"I couldn't find {query} in the catalogue."


def stock_text(view: ProductView, site: str | None) -> str:
    name = view.product.name
    unit = view.product.unit
    levels = [s for s in view.stock if site is None or s.site == site]
    if not levels:
        return f"{name} is not stocked at {site_name(site or '')}."
    if len(levels) == 1:
        level = levels[0]
        text = f"There are {units(level.on_hand, unit)} {name} at {site_name(level.site)}."
        if level.reserved:
            text += f" {count(level.reserved)} of them are reserved."
        if level.is_low:
            text += f" That is below the minimum of {count(level.effective_min)}."
        return text
    parts = [f"{count(s.on_hand)} at {site_name(s.site)}" for s in levels]
    total = sum(s.on_hand for s in levels)
    text = f"There are {units(total, unit)} {name} in all: {join(parts)}."
    low = [site_name(s.site) for s in levels if s.is_low]
    if low:
        text += f" Stock is below the minimum at {join(low)}."
    return text


def order_words(order_id: str) -> str:
    """ "PO-10012" → "P O one zero zero one two", so TTS does not say "ten thousand twelve"."""
    letters = " ".join(c for c in order_id.split("-")[0] if c.isalpha())
    return f"{letters} {digits_words(order_id)}".strip()
