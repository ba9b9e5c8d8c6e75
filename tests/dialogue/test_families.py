"""Family and attribute words: a write names a family as a read does ("order a hundred boxes" offers the boxes),
and an answer to a choice picks or narrows by attribute ("the large ones", "the blue ones", "size ten") — on the
demo catalogue and on a made-up one, so nothing rests on demo names."""

from __future__ import annotations

import pytest

from dialogue.understanding.nlu import understand
from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.demo import demo_products
from tests.dialogue.helpers import Driver, World, product

pytestmark = pytest.mark.unit

DEMO = CatalogueIndex.build(demo_products(seed=7), version=1)

_BIN = (("main", "A-1", ""),)
# A catering-supply catalogue with names unlike the demo's.
CATERING = CatalogueIndex.build(
    [
        product("CT-1", "milk cartons half pint", pack=20, site_bins=_BIN),
        product("CT-2", "milk cartons quart", pack=12, site_bins=_BIN),
        product("CT-3", "aprons green", pack=10, site_bins=_BIN),
        product("CT-4", "aprons navy", "blue aprons", pack=10, site_bins=_BIN),
        product("CT-5", "deli trays large", pack=25, site_bins=_BIN),
        product("CT-6", "deli trays extra large", pack=25, site_bins=_BIN),
        product("CT-7", "deli trays small", pack=25, site_bins=_BIN),
        product("CT-8", "olive oil tins", pack=6, site_bins=_BIN),
        product("CT-9", "clogs size nine", site_bins=_BIN),
        product("CT-10", "clogs size ten", site_bins=_BIN),
        product("CT-11", "tongs twelve inch red", pack=6, site_bins=_BIN),
        product("CT-12", "tongs twelve inch black", pack=6, site_bins=_BIN),
        product("CT-13", "tongs nine inch red", pack=6, site_bins=_BIN),
    ],
    version=1,
)


def catering(**state: object) -> Driver:
    return Driver(World(), catalogue=CATERING, **state)


def demo() -> Driver:
    return Driver(World(), catalogue=DEMO)


def test_a_case_word_with_no_item_is_kept_for_the_policy() -> None:
    assert understand("order a hundred boxes", DEMO).slots.unit_word == "boxes"
    assert understand("order forty cartons", CATERING).slots.unit_word == "cartons"
    assert understand("order 3 cases", DEMO).slots.unit_word is None  # "cases" only ever counts cases
    assert understand("order one case", CATERING).slots.unit_word is None
    assert understand("order 3 boxes of olive oil tins", CATERING).slots.unit_word is None


def test_order_a_hundred_boxes_offers_the_box_family_then_the_large_ones_narrow_it() -> None:
    d = demo()
    offer = d.say("order a hundred boxes")
    assert offer.awaiting == "choice" and "shipping boxes" in offer.text
    narrowed = d.say("the large ones")
    # "large" is not "extra large": the two large ones are left
    assert narrowed.text == "Large shipping boxes or double wall boxes large?"
    read = d.say("the first one")
    assert read.text.startswith(
        "ORDER: buying one hundred large shipping boxes"
    )  # a hundred boxes, not cases
    d.say("yes")
    assert [(c.draft.sku, c.draft.quantity) for c in d.commits] == [
        (DEMO.resolve("large shipping boxes").sku, 100)
    ]


def test_demo_attribute_answers() -> None:
    d = demo()
    d.say("how many hard hats")
    assert "hard hats blue" in d.say("the blue ones").text
    g = demo()
    g.say("how many gloves")
    blue = g.say("the blue ones")  # only nitrile gloves are also called blue gloves
    assert blue.awaiting == "choice" and "cut resistant" not in blue.text and "nitrile gloves" in blue.text
    assert "nitrile gloves large" in g.say("large").text
    b = demo()
    b.say("how many boots")
    assert "steel toe boots size ten" in b.say("size ten").text


def test_a_family_word_in_a_write_on_a_made_up_catalogue() -> None:
    d = catering()
    offer = d.say("order forty cartons")
    assert offer.text == "Milk cartons half pint or milk cartons quart?"
    read = d.say("the quart ones")
    assert read.text.startswith("ORDER: buying forty, four zero, milk cartons quart")
    d.say("yes")
    assert [(c.draft.sku, c.draft.quantity) for c in d.commits] == [("CT-2", 40)]


def test_a_case_word_with_an_item_in_context() -> None:
    d = catering()
    d.say("how many olive oil tins")
    read = d.say("order 3 cartons")  # the item in context, in cases
    assert read.text.startswith("ORDER: buying three cases, eighteen units, of olive oil tins")
    d.say("cancel")
    d.say("how many milk cartons quart")
    same = d.say("order forty cartons")  # the word names the item in context: forty of it
    assert same.text.startswith("ORDER: buying forty, four zero, milk cartons quart")


def test_a_case_word_that_names_the_item_counts_units_in_answers_too() -> None:
    d = catering()
    assert d.say("order milk cartons quart").text == "How many milk cartons quart?"
    assert d.say("forty cartons").text.startswith("ORDER: buying forty, four zero, milk cartons quart")
    assert d.say("no, fifty cartons").text.startswith("ORDER: buying fifty, five zero, milk cartons quart")
    b = demo()
    b.say("order large shipping boxes")
    assert b.say("a hundred boxes").text.startswith("ORDER: buying one hundred large shipping boxes")
    o = catering()
    o.say("order olive oil tins")
    assert o.say("two cartons").text.startswith("ORDER: buying two cases, twelve units, of olive oil tins")


def test_a_case_word_no_item_has_asks_which_item() -> None:
    d = catering()
    ask = d.say("order a hundred boxes")
    assert ask.text == "Which item?" and ask.awaiting == "item"
    assert d.say("olive oil tins").text.startswith("ORDER: buying one hundred cases")


def test_made_up_attribute_answers_pick_or_narrow() -> None:
    d = catering()
    d.say("how many aprons")
    assert "aprons green" in d.say("the green ones").text
    d.say("how many aprons")
    assert "aprons navy" in d.say("the blue one").text  # by its alias
    d.say("how many deli trays")
    assert "deli trays large" in d.say("large").text
    d.say("how many deli trays")
    assert "deli trays extra large" in d.say("the extra large ones").text
    d.say("how many clogs")
    assert "clogs size nine" in d.say("size 9").text  # digits match a spelled number


def test_an_attribute_shared_by_several_narrows_the_choice() -> None:
    d = catering()
    offer = d.say("how many tongs")
    assert offer.awaiting == "choice"
    red = d.say("the red ones")
    assert red.text == "Tongs twelve inch red or tongs nine inch red?" and red.awaiting == "choice"
    assert "tongs nine inch red" in d.say("nine inch").text


def test_an_answer_naming_no_attribute_falls_back_to_the_old_rules() -> None:
    d = catering()
    d.say("how many deli trays")
    assert "deli trays small" in d.say("the third one").text
    d.say("how many deli trays")
    assert d.say("how many olive oil tins").text.startswith("We have fifty olive oil tins")
