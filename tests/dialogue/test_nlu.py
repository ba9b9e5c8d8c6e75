"""Understanding, table-driven: phrasing → intent and the slots that matter (item phrase resolved to a SKU)."""

from __future__ import annotations

from typing import Any

import pytest

from dialogue.understanding.nlu import understand
from dialogue.understanding.resolve import is_pronoun
from tests.dialogue.helpers import index

pytestmark = pytest.mark.unit

IDX = index()

# (utterance, intent, expected slots). "sku" checks the item phrase resolves to that SKU; "it" that it is a pronoun.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # --- check stock ---
    ("how many half inch hex bolts do we have", "check_stock", {"sku": "HB-3"}),
    ("How many half-inch hex bolts do we have left?", "check_stock", {"sku": "HB-3"}),
    ("how many coffee pods", "check_stock", {"sku": "CP-12"}),
    ("how many coffee pods are there", "check_stock", {"sku": "CP-12"}),
    ("how many of the coffee pods have we got", "check_stock", {"sku": "CP-12"}),
    ("how much motor oil do we have", "check_stock", {"sku": "MO-14"}),
    ("how much motor oil is left", "check_stock", {"sku": "MO-14"}),
    ("how many widget a do we have in stock", "check_stock", {"sku": "W-1"}),
    ("how many widget b are on hand", "check_stock", {"sku": "W-2"}),
    ("how many steel toe boots size ten do we have", "check_stock", {"sku": "ST-9"}),
    ("how many nine volt batteries do we have", "check_stock", {"sku": "NV-7"}),
    ("how many trash bags thirty three gallon are left", "check_stock", {"sku": "TB-8"}),
    ("how many twenty five foot extension cords do we have", "check_stock", {"sku": "EC-10"}),
    ("stock on pallet wrap", "check_stock", {"sku": "PW-6"}),
    ("stock level for toilet paper", "check_stock", {"sku": "TP-13"}),
    ("what's the stock on motor oil", "check_stock", {"sku": "MO-14"}),
    ("what is the stock level of coffee pods", "check_stock", {"sku": "CP-12"}),
    ("check stock on nitrile gloves large", "check_stock", {"sku": "NG-4"}),
    ("check widget a", "check_stock", {"sku": "W-1"}),
    ("look up hard hats white", "check_stock", {"sku": "HH-16"}),
    ("is there any bubble wrap twelve inch left", "check_stock", {"sku": "BW-15"}),
    ("is there any toilet paper", "check_stock", {"sku": "TP-13"}),
    ("are there any nine volt batteries left", "check_stock", {"sku": "NV-7"}),
    ("do we have any coffee pods", "check_stock", {"sku": "CP-12"}),
    ("do we still have motor oil", "check_stock", {"sku": "MO-14"}),
    ("have we got any zip ties eight inch", "check_stock", {"sku": "CT-11"}),
    ("any pallet wrap left", "check_stock", {"sku": "PW-6"}),
    ("are we out of toilet paper", "check_stock", {"sku": "TP-13"}),
    ("are we low on coffee pods", "check_stock", {"sku": "CP-12"}),
    ("are we running low on motor oil", "check_stock", {"sku": "MO-14"}),
    ("is motor oil running low", "check_stock", {"sku": "MO-14"}),
    ("how are we on nitrile gloves large", "check_stock", {"sku": "NG-4"}),
    ("how are we doing for toilet paper", "check_stock", {"sku": "TP-13"}),
    ("what do we have of coffee pods", "check_stock", {"sku": "CP-12"}),
    ("coffee pods stock", "check_stock", {"sku": "CP-12"}),
    ("toilet paper inventory", "check_stock", {"sku": "TP-13"}),
    ("inventory of widget a", "check_stock", {"sku": "W-1"}),
    ("quantity on hand for pallet wrap", "check_stock", {"sku": "PW-6"}),
    ("how many do we have", "check_stock", {}),
    ("how many of those do we have", "check_stock", {"it": True}),
    ("how many of it are left", "check_stock", {"it": True}),
    ("um how many uh coffee pods do we have", "check_stock", {"sku": "CP-12"}),
    ("could you please tell me how many coffee pods we have left thanks", "check_stock", {"sku": "CP-12"}),
    ("hey how many motor oil do we have at east", "check_stock", {"sku": "MO-14", "site": "east"}),
    ("how many half inch hex bolts at the main warehouse", "check_stock", {"sku": "HB-3", "site": "main"}),
    ("how many garbage bags thirty three gallon do we have", "check_stock", {"sku": "TB-8"}),
    ("how many work boots size ten", "check_stock", {"sku": "ST-9"}),
    ("how many hex bolts half inch", "check_stock", {"sku": "HB-3"}),
    ("how many sku h b three do we have", "check_stock", {"sku": "HB-3"}),
    ("how many item number one two do we have", "check_stock", {"sku": "CP-12"}),
    # bare item name
    ("nitrile gloves large", "item", {"sku": "NG-4"}),
    ("coffee pods?", "item", {"sku": "CP-12"}),
    ("motor oil", "item", {"sku": "MO-14"}),
    # --- where ---
    ("where is the pallet wrap", "where_is", {"sku": "PW-6"}),
    ("where are the nine volt batteries", "where_is", {"sku": "NV-7"}),
    ("where's the motor oil", "where_is", {"sku": "MO-14"}),
    ("where do we keep coffee pods", "where_is", {"sku": "CP-12"}),
    ("where can I find toilet paper", "where_is", {"sku": "TP-13"}),
    ("which bin is widget a in", "where_is", {"sku": "W-1"}),
    ("what bin has the hard hats white", "where_is", {"sku": "HH-16"}),
    ("location of steel toe boots size ten", "where_is", {"sku": "ST-9"}),
    ("bin location for cable ties eight inch", "where_is", {"sku": "CT-11"}),
    ("find bubble wrap twelve inch", "where_is", {"sku": "BW-15"}),
    ("where is it", "where_is", {"it": True}),
    ("where are they kept", "where_is", {"it": True}),
    ("motor oil location", "where_is", {"sku": "MO-14"}),
    # --- low stock ---
    ("what's running low", "low_stock", {}),
    ("what is running low", "low_stock", {}),
    ("what's low", "low_stock", {}),
    ("low stock", "low_stock", {}),
    ("low stock report", "low_stock", {}),
    ("anything running low", "low_stock", {}),
    ("is anything low", "low_stock", {}),
    ("which items are below minimum", "low_stock", {}),
    ("what is below the reorder point", "low_stock", {}),
    ("what are we out of", "low_stock", {}),
    ("what's out of stock", "low_stock", {}),
    ("show me low stock items", "low_stock", {}),
    ("what's running low at east", "low_stock", {"site": "east"}),
    ("what needs restocking", "reorder_advice", {}),
    # --- reorder advice ---
    ("do I need to reorder it", "reorder_advice", {"it": True}),
    ("do we need to reorder coffee pods", "reorder_advice", {"sku": "CP-12"}),
    ("should we reorder motor oil", "reorder_advice", {"sku": "MO-14"}),
    ("should I order more toilet paper", "reorder_advice", {"sku": "TP-13"}),
    ("do we need to restock pallet wrap", "reorder_advice", {"sku": "PW-6"}),
    ("do I need to reorder", "reorder_advice", {}),
    ("what should I order", "reorder_advice", {}),
    ("what should we reorder today", "reorder_advice", {}),
    ("what do we need to order", "reorder_advice", {}),
    ("which items should we reorder", "reorder_advice", {}),
    ("what needs reordering", "reorder_advice", {}),
    ("reorder recommendations", "reorder_advice", {}),
    ("any restock advice for coffee pods", "reorder_advice", {"sku": "CP-12"}),
    ("when should I reorder motor oil", "reorder_advice", {"sku": "MO-14"}),
    ("how much toilet paper should I order", "reorder_advice", {"sku": "TP-13"}),
    ("how many coffee pods should we order", "reorder_advice", {"sku": "CP-12"}),
    ("do we need more widget a", "reorder_advice", {"sku": "W-1"}),
    ("is it time to reorder pallet wrap", "reorder_advice", {"sku": "PW-6"}),
    ("what do you recommend", "reorder_advice", {}),
    # --- place order ---
    ("order 120 of nitrile gloves large", "place_order", {"sku": "NG-4", "quantity": 120}),
    ("order one twenty nitrile gloves large", "place_order", {"sku": "NG-4", "quantity": 120}),
    ("order a hundred and twenty widget a", "place_order", {"sku": "W-1", "quantity": 120}),
    ("order one two zero widget a", "place_order", {"sku": "W-1", "quantity": 120, "digits": "120"}),
    ("order twelve hundred cable ties eight inch", "place_order", {"sku": "CT-11", "quantity": 1200}),
    ("order a dozen hard hats white", "place_order", {"sku": "HH-16", "quantity": 12}),
    ("order 3 cases of coffee pods", "place_order", {"sku": "CP-12", "quantity": 3, "unit": "case"}),
    (
        "order two pallets of half inch hex bolts",
        "place_order",
        {"sku": "HB-3", "quantity": 2, "unit": "pallet"},
    ),
    ("reorder it", "place_order", {"it": True}),
    ("reorder 50 of them", "place_order", {"it": True, "quantity": 50}),
    ("reorder motor oil", "place_order", {"sku": "MO-14"}),
    ("order more coffee pods", "place_order", {"sku": "CP-12"}),
    ("place an order for 40 toilet paper", "place_order", {"sku": "TP-13", "quantity": 40}),
    ("put in an order for 200 zip ties eight inch", "place_order", {"sku": "CT-11", "quantity": 200}),
    ("please order for one hundred coffee pods", "place_order", {"sku": "CP-12", "quantity": 100}),
    ("order for me sixty motor oil", "place_order", {"sku": "MO-14", "quantity": 60}),
    ("order for coffee pods", "place_order", {"sku": "CP-12"}),
    ("buy 10 steel toe boots size ten", "place_order", {"sku": "ST-9", "quantity": 10}),
    ("purchase five hundred trash bags thirty three gallon", "place_order", {"sku": "TB-8", "quantity": 500}),
    ("order 5 extension cords twenty five foot", "place_order", {"sku": "EC-10", "quantity": 5}),
    ("order 24 nine volt batteries", "place_order", {"sku": "NV-7", "quantity": 24}),
    ("please order 60 motor oil", "place_order", {"sku": "MO-14", "quantity": 60}),
    ("can you order 60 motor oil please", "place_order", {"sku": "MO-14", "quantity": 60}),
    ("order motor oil 60", "place_order", {"sku": "MO-14", "quantity": 60}),
    (
        "order 200 coffee pods from acme industrial supply",
        "place_order",
        {"sku": "CP-12", "quantity": 200, "supplier_text": "acme industrial supply"},
    ),
    ("order 1,200 coffee pods", "place_order", {"sku": "CP-12", "quantity": 1200}),
    (
        "order two and a half cases of coffee pods",
        "place_order",
        {"sku": "CP-12", "quantity": 2.5, "unit": "case"},
    ),
    ("I'd like to order 30 widget b", "place_order", {"sku": "W-2", "quantity": 30}),
    ("let's order 30 widget b", "place_order", {"sku": "W-2", "quantity": 30}),
    ("place an order", "place_order", {}),
    # --- receive ---
    ("received 3 cases of half inch hex bolts", "receive", {"sku": "HB-3", "quantity": 3, "unit": "case"}),
    ("we received 40 coffee pods", "receive", {"sku": "CP-12", "quantity": 40}),
    ("receive 12 motor oil", "receive", {"sku": "MO-14", "quantity": 12}),
    ("got 5 cases of toilet paper", "receive", {"sku": "TP-13", "quantity": 5, "unit": "case"}),
    ("we got in 100 widget a", "receive", {"sku": "W-1", "quantity": 100}),
    ("just received two pallets of pallet wrap", "receive", {"sku": "PW-6", "quantity": 2, "unit": "pallet"}),
    ("delivery of 50 hard hats white", "receive", {"sku": "HH-16", "quantity": 50}),
    ("a delivery of 50 hard hats white arrived", "receive", {"sku": "HH-16", "quantity": 50}),
    ("50 hard hats white arrived", "receive", {"sku": "HH-16", "quantity": 50}),
    ("twenty cases of coffee pods came in", "receive", {"sku": "CP-12", "quantity": 20, "unit": "case"}),
    ("book in 30 nine volt batteries", "receive", {"sku": "NV-7", "quantity": 30}),
    ("log a delivery of 8 steel toe boots size ten", "receive", {"sku": "ST-9", "quantity": 8}),
    (
        "we got 3 cases of 12 each of toilet paper",
        "receive",
        {"sku": "TP-13", "quantity": 3, "unit": "case", "case_size": 12},
    ),
    ("received 2 cases", "receive", {"quantity": 2, "unit": "case"}),
    ("received motor oil", "receive", {"sku": "MO-14"}),
    ("received 10 of those", "receive", {"it": True, "quantity": 10}),
    # --- pick / sale ---
    ("picked 12 coffee pods", "pick", {"sku": "CP-12", "quantity": 12}),
    ("I picked twelve coffee pods", "pick", {"sku": "CP-12", "quantity": 12}),
    ("took 5 from bin A3", "pick", {"quantity": 5, "bin": "A3"}),
    ("took 5 from bin a zero one two", "pick", {"quantity": 5, "bin": "A012"}),
    ("took 5 widget b", "pick", {"sku": "W-2", "quantity": 5}),
    ("pick 3 motor oil", "pick", {"sku": "MO-14", "quantity": 3}),
    ("sold 4 hard hats white", "pick", {"sku": "HH-16", "quantity": 4}),
    ("we sold 2 cases of coffee pods", "pick", {"sku": "CP-12", "quantity": 2, "unit": "case"}),
    ("used 6 toilet paper", "pick", {"sku": "TP-13", "quantity": 6}),
    ("pulled 10 nine volt batteries", "pick", {"sku": "NV-7", "quantity": 10}),
    ("record a sale of 7 widget a", "pick", {"sku": "W-1", "quantity": 7}),
    ("12 coffee pods picked", "pick", {"sku": "CP-12", "quantity": 12}),
    ("5 motor oil sold", "pick", {"sku": "MO-14", "quantity": 5}),
    ("picked 2 of them", "pick", {"it": True, "quantity": 2}),
    ("picked 20 from bin b zero seven three", "pick", {"quantity": 20, "bin": "B073"}),
    # --- count / adjust ---
    ("count for toilet paper is 48", "count", {"sku": "TP-13", "quantity": 48}),
    ("the count for motor oil is forty eight", "count", {"sku": "MO-14", "quantity": 48}),
    ("count coffee pods 48", "count", {"sku": "CP-12", "quantity": 48}),
    ("cycle count widget a 17", "count", {"sku": "W-1", "quantity": 17}),
    ("set motor oil to 48", "count", {"sku": "MO-14", "quantity": 48}),
    ("set the stock of coffee pods to 90", "count", {"sku": "CP-12", "quantity": 90}),
    ("adjust pallet wrap to 12", "count", {"sku": "PW-6", "quantity": 12}),
    ("update the count for widget b to 3", "count", {"sku": "W-2", "quantity": 3}),
    ("I counted 48 toilet paper", "count", {"sku": "TP-13", "quantity": 48}),
    ("there are 14 hard hats white", "count", {"sku": "HH-16", "quantity": 14}),
    ("we actually have 14 hard hats white", "count", {"sku": "HH-16", "quantity": 14}),
    ("toilet paper count is 40", "count", {"sku": "TP-13", "quantity": 40}),
    ("motor oil is actually 9", "count", {"sku": "MO-14", "quantity": 9}),
    ("set it to 48", "count", {"it": True, "quantity": 48}),
    ("count motor oil", "count", {"sku": "MO-14"}),
    ("set the count to 30", "count", {"quantity": 30}),
    # --- set minimum ---
    ("keep at least 40 paper towels", "set_minimum", {"quantity": 40}),
    ("keep at least 40 toilet paper", "set_minimum", {"sku": "TP-13", "quantity": 40}),
    ("always keep at least 10 motor oil in stock", "set_minimum", {"sku": "MO-14", "quantity": 10}),
    ("keep a minimum of 200 coffee pods", "set_minimum", {"sku": "CP-12", "quantity": 200}),
    ("set the minimum for pallet wrap to 8", "set_minimum", {"sku": "PW-6", "quantity": 8}),
    ("set the reorder point for widget a to 25", "set_minimum", {"sku": "W-1", "quantity": 25}),
    ("change the minimum to 30 for widget b", "set_minimum", {"sku": "W-2", "quantity": 30}),
    ("the minimum for motor oil is 12", "set_minimum", {"sku": "MO-14", "quantity": 12}),
    ("never let coffee pods go below 50", "set_minimum", {"sku": "CP-12", "quantity": 50}),
    ("keep at least 40 of them", "set_minimum", {"it": True, "quantity": 40}),
    ("keep at least 40", "set_minimum", {"quantity": 40}),
    # --- forecast ---
    ("how many coffee pods will we sell next month", "forecast", {"sku": "CP-12", "period_days": 30}),
    ("how many motor oil will we need next week", "forecast", {"sku": "MO-14", "period_days": 7}),
    (
        "how much toilet paper will we use in the next 14 days",
        "forecast",
        {"sku": "TP-13", "period_days": 14},
    ),
    ("how many widget a will we sell over the next 2 weeks", "forecast", {"sku": "W-1", "period_days": 14}),
    ("forecast for pallet wrap", "forecast", {"sku": "PW-6"}),
    ("what's the forecast for hard hats white", "forecast", {"sku": "HH-16"}),
    ("demand forecast for nine volt batteries next quarter", "forecast", {"sku": "NV-7", "period_days": 90}),
    ("expected demand for coffee pods", "forecast", {"sku": "CP-12"}),
    ("predicted sales of motor oil next month", "forecast", {"sku": "MO-14", "period_days": 30}),
    ("forecast it", "forecast", {"it": True}),
    ("forecast coffee pods for next month", "forecast", {"sku": "CP-12", "period_days": 30}),
    # --- supplier ---
    ("who supplies pallet wrap", "supplier_info", {"sku": "PW-6"}),
    ("who sells nine volt batteries", "supplier_info", {"sku": "NV-7"}),
    ("supplier for motor oil", "supplier_info", {"sku": "MO-14"}),
    ("who is the supplier for coffee pods", "supplier_info", {"sku": "CP-12"}),
    ("who do we buy toilet paper from", "supplier_info", {"sku": "TP-13"}),
    ("where do we get widget a from", "supplier_info", {"sku": "W-1"}),
    ("price of steel toe boots size ten", "supplier_info", {"sku": "ST-9"}),
    ("what's the price of it", "supplier_info", {"it": True}),
    ("how much does motor oil cost", "supplier_info", {"sku": "MO-14"}),
    ("how much are hard hats white each", "supplier_info", {"sku": "HH-16"}),
    ("what does coffee pods cost", "supplier_info", {"sku": "CP-12"}),
    ("lead time for cable ties eight inch", "supplier_info", {"sku": "CT-11"}),
    ("who supplies it", "supplier_info", {"it": True}),
    # --- order status ---
    ("order status", "order_status", {}),
    ("what's the status of my order", "order_status", {}),
    ("where is my order for coffee pods", "order_status", {"sku": "CP-12"}),
    ("any update on the order", "order_status", {}),
    ("open orders", "order_status", {}),
    ("open orders for motor oil", "order_status", {"sku": "MO-14"}),
    ("has the coffee pods order shipped", "order_status", {"sku": "CP-12"}),
    ("when will the motor oil arrive", "order_status", {"sku": "MO-14"}),
    ("what orders are open", "order_status", {}),
    # --- commands ---
    ("help", "help", {}),
    ("what can I say", "help", {}),
    ("what can you do", "help", {}),
    ("say again", "repeat", {}),
    ("say that again", "repeat", {}),
    ("repeat that", "repeat", {}),
    ("pardon", "repeat", {}),
    ("come again", "repeat", {}),
    ("sorry what was that", "repeat", {}),
    ("cancel", "cancel", {}),
    ("cancel that", "cancel", {}),
    ("stop", "cancel", {}),
    ("never mind", "cancel", {}),
    ("nevermind", "cancel", {}),
    ("forget it", "cancel", {}),
    ("scratch that", "cancel", {}),
    ("yes", "yes", {}),
    ("yeah", "yes", {}),
    ("yep", "yes", {}),
    ("yes please", "yes", {}),
    ("correct", "yes", {}),
    ("that's right", "yes", {}),
    ("yes confirm", "yes", {}),
    ("go ahead", "yes", {}),
    ("okay", "yes", {}),
    ("no", "no", {}),
    ("nope", "no", {}),
    ("that's wrong", "no", {}),
    ("no, one fifty", "correction", {"quantity": 150}),
    ("no one fifty", "correction", {"quantity": 150}),
    ("no, make it 200", "correction", {"quantity": 200}),
    ("make it 200", "correction", {"quantity": 200}),
    ("actually 75", "correction", {"quantity": 75}),
    ("no, 3 cases", "correction", {"quantity": 3, "unit": "case"}),
    ("no, widget b", "correction", {"sku": "W-2"}),
    ("no I meant motor oil", "correction", {"sku": "MO-14"}),
    ("no, 20 coffee pods", "correction", {"sku": "CP-12", "quantity": 20}),
    ("goodbye", "goodbye", {}),
    ("bye", "goodbye", {}),
    ("that's all", "goodbye", {}),
    ("thanks, bye", "goodbye", {}),
    ("I'm done", "goodbye", {}),
    ("thanks", "thanks", {}),
    ("thank you", "thanks", {}),
    ("hello", "greeting", {}),
    ("more", "more", {}),
    ("go on", "more", {}),
    ("what else", "more", {}),
    # bare quantities and check digits
    ("one twenty", "quantity", {"quantity": 120}),
    ("48", "quantity", {"quantity": 48}),
    ("three cases", "quantity", {"quantity": 3, "unit": "case"}),
    ("four seven", "quantity", {"quantity": 47, "digits": "47"}),
    ("oh seven", "quantity", {"quantity": 7, "digits": "07"}),
    ("check digits four seven", "quantity", {"digits": "47"}),
    ("forty seven", "quantity", {"digits": "47"}),
    ("a dozen", "quantity", {"quantity": 12}),
    ("two and a half", "quantity", {"quantity": 2.5}),
    # out of scope
    ("what's the weather like", "unknown", {}),
    ("tell me a joke", "unknown", {}),
    ("", "silence", {}),
]


def test_enough_phrasings() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize(("text", "intent", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_understanding(text: str, intent: str, expected: dict[str, Any]) -> None:
    u = understand(text, IDX)
    assert u.intent == intent, (u.template, u.slots)
    slots = u.slots
    for key, value in expected.items():
        if key == "sku":
            assert slots.item_text is not None, u.template
            res = IDX.resolve(slots.item_text)
            assert (res.kind, res.sku) == ("match", value), slots.item_text
        elif key == "it":
            assert slots.item_text is not None and is_pronoun(slots.item_text), slots.item_text
        else:
            assert getattr(slots, key) == value, (key, slots)


DEMO_REQUESTS = [
    ("how many {n} do we have", "check_stock", None),
    ("order 40 {n}", "place_order", 40),
    ("received 3 cases of {n}", "receive", 3),
    ("picked twelve {n}", "pick", 12),
    ("where are the {n}", "where_is", None),
    ("who supplies {n}", "supplier_info", None),
    ("count for {n} is 48", "count", 48),
    ("keep at least 40 {n}", "set_minimum", 40),
]


@pytest.mark.parametrize(("template", "intent", "quantity"), DEMO_REQUESTS)
def test_every_demo_name_and_alias(template: str, intent: str, quantity: int | None) -> None:
    """Each of the demo warehouse's 315 products, by name and by every alias, in each kind of request —
    including names that hold numbers ("twenty five foot extension cords", "twelve gauge wire")."""
    from dialogue.understanding.resolve import CatalogueIndex
    from inventory_core.demo import demo_products

    products = demo_products(seed=7)
    demo = CatalogueIndex.build(products)
    misses = []
    for p in products:
        for label in (p.name, *p.aliases):
            u = understand(template.format(n=label), demo)
            res = demo.resolve(u.slots.item_text or "")
            if (u.intent, u.slots.quantity, res.sku) != (intent, quantity, p.sku):
                misses.append(label)
    assert misses == []
