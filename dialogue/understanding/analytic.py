"""Pure helpers of the analytic questions: which catalogue category a phrase names ("cleaning supplies" →
``cleaning``), whether it means every item ("all products"), and a past period said ("for the last six months").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_GENERIC = frozenset({
    "all", "every", "each", "the", "our", "my", "of", "in", "for", "products", "product", "items", "item",
    "supplies", "supply", "stuff", "things", "goods", "category", "categories", "lines", "skus", "stock",
    "inventory", "everything", "total", "overall", "whole", "catalogue", "catalog", "department", "section",
    "range", "we", "have", "sell", "carry", "warehouse",
})  # fmt: skip
_EVERYTHING = frozenset({"all", "every", "everything", "total", "overall", "whole", "catalogue", "catalog"})
_PAST = re.compile(
    r"(?:\b(?:over|in|for|during|within|from|of) )?(?:the )?\b(?:last|past|previous|preceding) (?:(?P<n>#) )?"
    r"(?P<span>days?|weeks?|months?|quarters?|years?)\b"
)
_SPAN = {"day": (1, 0), "week": (7, 0), "month": (0, 1), "quarter": (0, 3), "year": (0, 12)}


def _words(phrase: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", phrase.lower())


def names_everything(phrase: str) -> bool:
    """ "all products", "everything", "all items", "the whole catalogue": every item, no narrower set."""
    words = _words(phrase)
    return bool(words) and all(w in _GENERIC for w in words) and any(w in _EVERYTHING for w in words)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def category_of(phrase: str, categories: Iterable[str]) -> str | None:
    """The category ``phrase`` names, generic words aside ("cleaning supplies", "the fleet items",
    "safety gear"), singular or plural; None when it names none."""
    said = [_singular(w) for w in _words(phrase) if w not in _GENERIC]
    if not said:
        return None
    for category in sorted(categories):
        if [_singular(w) for w in _words(category)] == said:
            return category
    return None


@dataclass(frozen=True)
class PastPeriod:
    """A period that ended now: ``months`` calendar months, or else ``days`` days."""

    days: int = 0
    months: int = 0


def cut_past(
    toks: list[str], numbers: dict[int, float], kept: list[int]
) -> tuple[list[int], PastPeriod | None]:
    """Drops "for the last # months" / "last week" from the template positions ``kept`` (``toks`` the template
    tokens, ``numbers`` the value of each ``#`` by position); returns what is left and the period."""
    template = " ".join(toks[k] for k in kept)
    m = _PAST.search(template)
    if not m:
        return kept, None
    first = len(template[: m.start()].split())
    count = len(m.group(0).split())
    times = 1.0
    for k in kept[first : first + count]:
        if k in numbers:
            times = numbers[k]
    days, months = _SPAN[m.group("span").rstrip("s")]
    period = PastPeriod(days=round(days * times), months=round(months * times))
    if period.days <= 0 and period.months <= 0:
        return kept, None
    return kept[:first] + kept[first + count :], period


_GROUP_INTENTS = frozenset({"forecast_total", "stockout_risk", "inventory_value"})


def analytic_reading(
    intent: str, item_text: str | None, categories: Iterable[str], period: int | None, past: PastPeriod | None
) -> tuple[str, dict[str, Any]]:
    """The analytic reading of a turn: the intent, and the slots to change. What is running out within a period
    is a stock-out question, a forecast for every item or a category is a forecast total, a group's item phrase
    becomes its category, and a past period goes to sales history."""
    known = set(categories)
    if intent == "low_stock" and period is not None:
        intent = "stockout_risk"
    phrase = item_text or ""
    category = category_of(phrase, known) if phrase else None
    if intent == "forecast" and phrase and (names_everything(phrase) or category is not None):
        intent = "forecast_total"
    changes: dict[str, Any] = {}
    if intent in _GROUP_INTENTS:
        item = None if category is not None or names_everything(phrase) else item_text
        changes = {"item_text": item, "category": category, "period_days": period}
    if intent == "sales_history" and past is not None:
        changes = {"past_days": past.days or None, "past_months": past.months or None}
    return intent, changes
