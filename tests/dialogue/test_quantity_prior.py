"""The typical-quantity prior: items without sales history (created through the API) are judged by their
catalogue data — pack and pallet size, the supplier's minimum order, the reorder point and on-hand — so a normal
order, receipt, pick or count needs one yes, and an absurd one still gets the second warning."""

from __future__ import annotations

import pytest

from dialogue.policy.quantities import Usual, is_unusual, usual
from dialogue.understanding.resolve import CatalogueIndex
from tests.dialogue.helpers import Driver, World, product

pytestmark = pytest.mark.unit

# A food-service catalogue that shares nothing with the demo warehouse; none of it has sold anything yet.
FOOD = CatalogueIndex.build(
    [
        product("FS-1", "paper cups twelve ounce", pack=50, pallet=2000, site_bins=(("main", "A-1", ""),)),
        product("FS-2", "napkins white", pack=500, site_bins=(("main", "A-2", ""),)),
        product("FS-3", "takeout containers small", pack=25, site_bins=(("main", "B-1", ""),)),
        product("FS-4", "olive oil tins", pack=6, site_bins=(("main", "C-1", ""),)),
        product("FS-5", "chef knives", site_bins=(("main", "D-1", ""),)),
    ],
    version=1,
)
NO_HISTORY = {sku: 0.0 for sku in FOOD.products}


def food(**world: object) -> Driver:
    w = World(daily=dict(NO_HISTORY))
    for key, value in world.items():
        setattr(w, key, value)
    return Driver(w, catalogue=FOOD)


def test_the_documented_numbers() -> None:
    u = usual(
        "order", factor=10, cover_days=7, daily=0.0, pack=12, min_order=24, reorder_point=20, on_hand=30
    )
    assert (u.source, u.typical, u.limit) == ("catalogue", 36.0, 360.0)
    assert not is_unusual("order", 360, None, u)  # thirty cases
    assert is_unusual("order", 372, None, u)  # thirty-one cases and no pallet size to go by
    with_pallet = Usual(u.typical, u.limit, "catalogue", pack=12, pallet=480, min_order=24)
    assert not is_unusual("order", 480, None, with_pallet)  # whole cases up to one pallet
    assert is_unusual("order", 474, None, with_pallet)  # not whole cases
    assert is_unusual("order", 12_000, None, with_pallet)  # a thousand cases


def test_history_keeps_its_rule_and_thin_history_falls_back_to_the_prior() -> None:
    rich = usual("order", factor=10, cover_days=7, daily=2.0, pack=1, reorder_point=500, on_hand=900)
    assert (rich.source, rich.typical, rich.limit) == ("history", 14.0, 140.0)
    thin = usual("order", factor=10, cover_days=7, daily=0.1, pack=1, reorder_point=50)
    assert (thin.source, thin.typical) == (
        "catalogue",
        50.0,
    )  # under one unit a week says nothing about scale
    unread = usual("pick", factor=10, cover_days=7, daily=None, pack=4)
    assert (unread.source, unread.limit) == ("catalogue", 40.0)


def test_a_normal_order_on_a_new_item_needs_one_yes() -> None:
    d = food(minimum={"FS-1": 100}, on_hand={("FS-1", "main"): 200}, min_order={"FS-1": 500})
    read = d.say("order 600 paper cups twelve ounce")
    assert read.text.startswith("ORDER: buying six hundred paper cups twelve ounce")
    assert d.say("yes").text.startswith("Done. Ordered six hundred paper cups twelve ounce")
    assert [c.draft.quantity for c in d.commits] == [600]


def test_orders_of_the_supplier_minimum_or_whole_cases_up_to_a_pallet_need_one_yes() -> None:
    d = food(minimum={"FS-4": 0}, on_hand={("FS-4", "main"): 0}, min_order={"FS-4": 240})
    d.say("order 240 olive oil tins")
    assert d.say("yes").text.startswith("Done.")
    cups = food(minimum={"FS-1": 0}, on_hand={("FS-1", "main"): 0})
    cups.say("order forty cases of paper cups twelve ounce")  # 2000 cups: one pallet
    assert cups.say("yes").text.startswith("Done.")
    assert [c.draft.quantity for c in d.commits + cups.commits] == [240, 2000]


def test_an_absurd_order_on_a_new_item_is_still_warned() -> None:
    d = food(minimum={"FS-2": 0}, on_hand={("FS-2", "main"): 0})
    d.say("order a thousand cases of napkins white")
    warn = d.say("yes")
    assert warn.awaiting == "yes_no" and "times a normal order of this item" in warn.text
    assert d.commits == []
    assert d.say("yes").text.startswith("Done.")
    assert [c.draft.quantity for c in d.commits] == [500_000]


def test_an_order_just_off_whole_cases_beyond_the_limit_is_warned() -> None:
    d = food(minimum={"FS-1": 0}, on_hand={("FS-1", "main"): 0})
    d.say("order 1990 paper cups twelve ounce")  # limit 10 × 3 cases = 1500, not whole cases
    warn = d.say("yes")
    assert warn.text.startswith("That is about thirteen times a normal order of this item.")


def test_a_receipt_of_a_normal_delivery_needs_one_yes() -> None:
    d = food(minimum={"FS-3": 50}, on_hand={("FS-3", "main"): 75})
    assert d.say("received 20 cases of takeout containers small").text.startswith(
        "RECEIVE: adding twenty cases"
    )
    assert d.say("yes").text.startswith("Done.")


def test_picks_on_a_new_item_are_left_to_the_store() -> None:
    d = food(on_hand={("FS-5", "main"): 40}, minimum={"FS-5": 5})
    d.say("picked 30 chef knives")  # most of the stock, but the store holds it
    assert d.say("yes").text.startswith("Done.")
    big = food(on_hand={("FS-5", "main"): 3}, fail_writes="insufficient_stock")
    big.say("picked 30 chef knives")  # more than on hand: the store's refusal, not a warning
    assert big.say("yes").text.startswith("Only three on hand")


def test_counts_on_a_new_item_are_compared_with_the_stock_kept() -> None:
    d = food(on_hand={("FS-4", "main"): 40})
    d.say("count for olive oil tins is 48")
    assert d.say("yes").text.startswith("Done.")
    far = food(on_hand={("FS-4", "main"): 40})
    far.say("count for olive oil tins is 900")
    warn = far.say("yes")
    assert warn.text.startswith("That is eight hundred sixty more than the forty on record.")
    assert far.commits == []


def test_items_with_history_keep_the_usual_amount_warning() -> None:
    d = food(daily={"FS-5": 2.0})
    d.say("order 200 chef knives")
    assert "times the usual amount" in d.say("yes").text


def test_an_order_of_the_supplier_minimum_is_never_warned_even_with_history() -> None:
    d = food(daily={"FS-5": 2.0}, min_order={"FS-5": 500})
    d.say("order 500 chef knives")
    assert d.say("yes").text.startswith("Done.")
