"""The analytic questions' understanding: phrasing → intent, period, category and item (demo catalogue)."""

from __future__ import annotations

from typing import Any

import pytest

from dialogue.understanding.analytic import category_of, names_everything
from dialogue.understanding.nlu import understand
from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.demo import demo_products
from inventory_core.demo_catalogue import SITE_NAMES

pytestmark = pytest.mark.unit

IDX = CatalogueIndex.build(demo_products(), version=1, site_names=dict(SITE_NAMES))

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("Which products are likely to stock out soon?", "stockout_risk", {}),
    ("what will run out this week", "stockout_risk", {"period_days": 7}),
    ("which items are running out this week", "stockout_risk", {"period_days": 7}),
    ("what are we going to run out of in the next 10 days", "stockout_risk", {"period_days": 10}),
    ("is anything likely to run out soon", "stockout_risk", {}),
    ("stockout risk", "stockout_risk", {}),
    ("What's the forecast for next month for all products?", "forecast_total", {"period_days": 30}),
    ("forecast for cleaning supplies next month", "forecast_total", {"period_days": 30, "category": "cleaning"}),
    ("what is the total forecast for the next two weeks", "forecast_total", {"period_days": 14}),
    ("how much will we sell next month", "forecast_total", {"period_days": 30}),
    ("forecast for break room supplies", "forecast_total", {"category": "break room"}),
    ("Show me sales of coffee pods for the last six months", "sales_history",
     {"item_text": "coffee pods", "past_months": 6}),
    ("how many coffee pods did we sell last month", "sales_history", {"item_text": "coffee pods", "past_months": 1}),
    ("bleach sales over the past 2 weeks", "sales_history", {"item_text": "bleach", "past_days": 14}),
    ("sales history for paper towels for the last year", "sales_history",
     {"item_text": "paper towels", "past_months": 12}),
    ("What is our total inventory value?", "inventory_value", {}),
    ("inventory value at the east annex", "inventory_value", {"site": "east"}),
    ("how much is our stock worth", "inventory_value", {}),
    ("what is the value of our cleaning stock", "inventory_value", {"category": "cleaning"}),
    ("Do I need to reorder anything?", "reorder_advice", {"item_text": None}),
    ("do we need to order anything", "reorder_advice", {"item_text": None}),
    ("is there anything to reorder", "reorder_advice", {"item_text": None}),
    ("What about the other items?", "more", {}),
    ("and the others?", "more", {}),
    # what was there before stays
    ("how many coffee pods", "check_stock", {"item_text": "coffee pods"}),
    ("what is running low", "low_stock", {}),
    ("sales forecast for coffee pods", "forecast", {"item_text": "coffee pods"}),
    ("forecast for bleach over the next 2 weeks", "forecast", {"item_text": "bleach", "period_days": 14}),
    ("how many coffee pods will we sell next month", "forecast", {"item_text": "coffee pods", "period_days": 30}),
    ("do I need to reorder coffee pods", "reorder_advice", {"item_text": "coffee pods"}),
]  # fmt: skip


@pytest.mark.parametrize(("said", "intent", "slots"), CASES)
def test_analytic_phrasings(said: str, intent: str, slots: dict[str, Any]) -> None:
    u = understand(said, IDX)
    assert u.intent == intent, u.template
    for key, value in slots.items():
        assert getattr(u.slots, key) == value, key


def test_categories_and_everything() -> None:
    cats = {"cleaning", "safety gear", "break room", "tools"}
    assert category_of("cleaning supplies", cats) == "cleaning"
    assert category_of("the safety gear items", cats) == "safety gear"
    assert category_of("tool", cats) == "tools"
    assert category_of("coffee pods", cats) is None
    assert names_everything("all products") and names_everything("everything")
    assert not names_everything("cleaning supplies") and not names_everything("products")
