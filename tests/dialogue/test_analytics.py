"""The analytic questions over the real store (demo warehouse), typed and spoken, each answer checked against
figures computed here from the store's own collections: what may run out, forecast totals, sales history,
inventory value, "do I need to reorder anything" and "what about the others"."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from dialogue.contract import HeardWords
from dialogue.forecasts import RATE_DAYS, MovementRateForecasts
from dialogue.service import DialogueService
from dialogue.tools import InventoryTools
from dialogue.understanding.numbers import quantity_words, to_words
from inventory_core.service import InventoryService

pytestmark = pytest.mark.mongo


async def _sales(inventory: InventoryService) -> list[dict[str, Any]]:
    return await inventory.store.sales_daily.find({}, {"_id": 0}).to_list()


async def _rates(inventory: InventoryService) -> dict[str, float]:
    """Forecast units a day per SKU: the stand-in's mean of the last ``RATE_DAYS`` days, summed over sites."""
    rates: dict[str, float] = {}
    for doc in await _sales(inventory):
        tail = doc["qty"][-RATE_DAYS:]
        rates[doc["sku"]] = rates.get(doc["sku"], 0.0) + sum(tail) / max(len(tail), 1)
    return rates


async def _products(inventory: InventoryService) -> dict[str, dict[str, Any]]:
    return {d["sku"]: d async for d in inventory.store.products.find({})}


async def _stock(inventory: InventoryService) -> list[dict[str, Any]]:
    return await inventory.store.stock.find({}).to_list()


async def ask(svc: DialogueService, text: str, session: str | None = None) -> tuple[str, str]:
    r = await svc.handle_text(session, text, "tester", "api")
    return r.reply, r.session_id


async def spoken(svc: DialogueService, text: str) -> str:
    conv = svc.open(uuid.uuid4().hex, "voice", "tester", None)
    heard = HeardWords(0.9, tuple((w, 0.9) for w in text.split()))
    return (await conv.user_text(text, "speech", heard)).text


async def test_which_products_may_stock_out(inventory: InventoryService) -> None:
    rates, products = await _rates(inventory), await _products(inventory)
    on_hand: dict[str, int] = {}
    for s in await _stock(inventory):
        on_hand[s["sku"]] = on_hand.get(s["sku"], 0) + s["on_hand"]
    risky = sorted(
        (round(max(0, on_hand.get(sku, 0)) / rate, 1), products[sku]["name"])
        for sku, rate in rates.items()
        if rate > 0 and max(0, on_hand.get(sku, 0)) / rate < 7
    )
    assert len(risky) > 3  # the demo warehouse has items about to run out
    svc = DialogueService(inventory)
    reply, sid = await ask(svc, "Which products are likely to stock out soon?")
    names = [name for _, name in risky]
    assert reply.startswith(
        f"{to_words(len(risky)).capitalize()} items may run out in the next week: {names[0]}, "
    )
    assert all(name in reply for name in names[:3]) and reply.endswith("say more.")
    more, _ = await ask(svc, "What about the other items?", sid)
    assert more.startswith(names[3][0].upper() + names[3][1:])
    assert await spoken(svc, "which products are likely to stock out soon") == reply
    week, _ = await ask(svc, "what will run out this week")
    assert week == reply


async def test_forecast_totals_for_all_products_and_a_category(inventory: InventoryService) -> None:
    rates, products = await _rates(inventory), await _products(inventory)
    lines = {sku: round(rate * 30, 1) for sku, rate in rates.items()}
    total = sum(lines.values())
    top = max(lines, key=lambda s: (lines[s], products[s]["name"]))
    svc = DialogueService(inventory)
    reply, _ = await ask(svc, "What's the forecast for next month for all products?")
    assert reply.startswith(
        f"For all items, we expect to use about {to_words(round(total))} units in the next thirty days"
    )
    assert f"The most: {products[top]['name']}, about {to_words(round(lines[top]))};" in reply
    assert await spoken(svc, "what is the forecast for next month for all products") == reply
    cleaning = sum(v for s, v in lines.items() if products[s]["category"] == "cleaning")
    reply, _ = await ask(svc, "forecast for cleaning supplies next month")
    assert reply.startswith(f"For cleaning items, we expect to use about {to_words(round(cleaning))} units")
    assert await spoken(svc, "forecast for cleaning supplies next month") == reply


async def test_sales_history_of_an_item_by_month(inventory: InventoryService) -> None:
    view = await inventory.lookup("coffee pods")
    docs = [d for d in await _sales(inventory) if d["sku"] == view.sku]
    by_day: dict[date, int] = {}
    for d in docs:
        start = d["start"].date() if isinstance(d["start"], datetime) else d["start"]
        for i, q in enumerate(d["qty"]):
            by_day[start + timedelta(days=i)] = by_day.get(start + timedelta(days=i), 0) + q
    last = max(by_day)
    months: list[tuple[int, int]] = []
    y, m = last.year, last.month
    for _ in range(6):
        months.insert(0, (y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    per_month = [sum(q for day, q in by_day.items() if (day.year, day.month) == ym) for ym in months]
    svc = DialogueService(inventory)
    reply, _ = await ask(svc, "Show me sales of coffee pods for the last six months")
    assert reply.startswith(f"We sold {quantity_words(sum(per_month))} coffee pods in the last six months: ")
    for (_, month), units in zip(months, per_month, strict=True):
        assert f"{calendar.month_name[month]}" in reply and quantity_words(units) in reply
    first = f"{calendar.month_name[months[0][1]]}, {quantity_words(per_month[0])}"
    assert first in reply
    assert await spoken(svc, "show me sales of coffee pods for the last six months") == reply
    weeks, _ = await ask(svc, "how many coffee pods did we sell in the last two weeks")
    fortnight = sum(q for day, q in by_day.items() if day > last - timedelta(days=14))
    assert weeks == f"We sold {quantity_words(fortnight)} coffee pods in the last fourteen days."


async def test_inventory_value_in_all_and_at_a_site(inventory: InventoryService) -> None:
    products = await _products(inventory)
    stock = await _stock(inventory)

    def value(site: str | None = None) -> float:
        return sum(
            round(max(0, s["on_hand"]) * products[s["sku"]]["unit_cost"], 2)
            for s in stock
            if site is None or s["site"] == site
        )

    svc = DialogueService(inventory)
    reply, _ = await ask(svc, "What is our total inventory value?")
    assert reply.startswith(f"Our stock is worth about {to_words(round(value()))} dollars at cost: ")
    assert f"{to_words(round(value('east')))} dollars at the east annex" in reply
    assert await spoken(svc, "what is our total inventory value") == reply
    east, _ = await ask(svc, "inventory value at the east annex")
    assert (
        east
        == f"Our stock at the east annex is worth about {to_words(round(value('east')))} dollars at cost."
    )


async def test_do_i_need_to_reorder_anything_lists_quantities(inventory: InventoryService) -> None:
    advice = [r for r in await inventory.recommendations() if r.recommended_quantity > 0]
    assert advice
    svc = DialogueService(inventory)
    reply, _ = await ask(svc, "Do I need to reorder anything?")
    first = advice[0]
    assert reply.startswith(f"{to_words(len(advice)).capitalize()} item")
    assert f"{first.name}, {quantity_words(first.recommended_quantity)} for the " in reply
    assert await spoken(svc, "do i need to reorder anything") == reply


async def test_the_others_without_a_list(inventory: InventoryService) -> None:
    svc = DialogueService(inventory)
    reply, _ = await ask(svc, "what about the others?")
    assert reply == "There is no list to go on with. What do you need?"


async def test_the_tools_return_the_same_figures(inventory: InventoryService) -> None:
    tools = InventoryTools(inventory, MovementRateForecasts(inventory))
    value = await tools.inventory_value(category="cleaning supplies", limit=3)
    assert value.category == "cleaning" and len(value.items) == 3
    assert value.items[0].value >= value.items[1].value >= value.items[2].value
    history = await tools.sales_history("coffee pods", months=3)
    assert len(history.periods) == 3 and history.total_units == sum(p.units for p in history.periods)
    risk = await tools.stockout_risk(7)
    assert all(r.days_of_cover < 7 for r in risk.items)
