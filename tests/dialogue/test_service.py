"""The dialogue end to end over the real store (MongoDB wire protocol, demo warehouse): text sessions, writes
that land only after a yes, idempotent replays, barge-in on a read-back, sessions, the proactive greeting."""

from __future__ import annotations

import uuid

import pytest

from dialogue.contract import Conversation, ConversationFactory, HeardWords
from dialogue.policy.state import Draft, PolicyConfig
from dialogue.service import DialogueService
from dialogue.tools import Caller
from dialogue.understanding.numbers import to_words
from inventory_core.conversations import MemoryConversations
from inventory_core.models import Location, Product, StockLevel
from inventory_core.service import InventoryService
from tests.conftest import write_ctx

pytestmark = pytest.mark.mongo


async def sprockets(inventory: InventoryService, on_hand: int = 100) -> str:
    """A product of this test's own, so stock changes never touch the shared demo data."""
    sku = f"DLG-{uuid.uuid4().int % 10**9:09d}"  # letters then digits: the store's canonical SKU form
    name = "sprocket model " + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:5])
    product = Product(
        sku=sku, name=name, category="test", pack_size=10, pallet_size=400,
        locations=[Location(site="main", bin="Z-99-1", check_digits="42")],
    )  # fmt: skip
    view = await inventory.create_product(
        product, [StockLevel(sku=sku, site="main", on_hand=on_hand)], write_ctx()
    )
    return view.product.name


async def on_hand(inventory: InventoryService, name: str) -> int:
    return (await inventory.lookup(name)).on_hand


async def test_receive_with_check_digits_applies_once(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    first = await svc.handle_text(None, f"received 2 cases of {name}", "tester", "api")
    assert first.awaiting == "digits" and "Z nine nine one" in first.reply
    read = await svc.handle_text(first.session_id, "four two", "tester", "api")
    assert read.awaiting == "yes_no"
    assert read.reply.startswith(f"RECEIVE: adding two cases, twenty units, of {name}")
    assert await on_hand(inventory, name) == 100  # nothing before the yes
    done = await svc.handle_text(first.session_id, "yes", "tester", "api")
    assert done.reply == f"Done. The main warehouse has one hundred twenty {name} now."  # the site by name
    again = await svc.handle_text(first.session_id, "yes", "tester", "api")
    assert again.reply.startswith("There is nothing waiting")
    assert await on_hand(inventory, name) == 120


async def test_pick_and_count_through_it(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    r = await svc.handle_text(None, f"how many {name} do we have", "tester", "api")
    assert r.reply == f"We have one hundred {name}." and r.slots["item_text"] == name
    sid = r.session_id
    assert (await svc.handle_text(sid, "picked 5 of them", "tester", "api")).reply.startswith(
        f"PICK: taking five {name}"
    )
    await svc.handle_text(sid, "yes", "tester", "api")
    assert await on_hand(inventory, name) == 95
    await svc.handle_text(sid, "set it to 150", "tester", "api")
    wrong = await svc.handle_text(sid, "one two", "tester", "api")
    assert wrong.reply.startswith("Those digits don't match")
    read = await svc.handle_text(sid, "forty two", "tester", "api")
    assert read.reply.startswith(f"COUNT: {name} set to one hundred fifty, one five zero")
    await svc.handle_text(sid, "no, one forty", "tester", "api")
    await svc.handle_text(sid, "yes", "tester", "api")
    assert await on_hand(inventory, name) == 140


async def test_insufficient_stock_is_explained(inventory: InventoryService) -> None:
    name = await sprockets(inventory, on_hand=3)
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    r = await svc.handle_text(None, f"picked 12 {name}", "tester", "api")
    done = await svc.handle_text(r.session_id, "yes", "tester", "api")
    assert "not recorded" in done.reply
    assert await on_hand(inventory, name) == 3


async def test_repeated_commit_with_the_same_key_applies_once(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    sku = (await inventory.lookup(name)).sku
    caller = Caller(actor="tester", channel="voice", idempotency_key=f"s:{uuid.uuid4().hex}:3:pick:{sku}:7")
    draft = Draft("pick", sku, 7, site="main", key=caller.idempotency_key)
    first = await svc.tools.record_movement(draft.sku, "pick", 7, caller, confirm=True, site="main")
    second = await svc.tools.record_movement(draft.sku, "pick", 7, caller, confirm=True, site="main")
    assert (first.status, second.status) == ("updated successfully", "already applied")
    assert await on_hand(inventory, name) == 93


async def test_cut_off_read_back_is_not_confirmed(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    factory: ConversationFactory = DialogueService(inventory, catalogue_ttl_s=0.0)  # the gateway's Protocols
    conv: Conversation = factory.open("call-1", "voice", "pat", "main")
    read = await conv.user_text(f"picked 4 {name}")
    assert read.must_hear_chars is not None and read.awaiting.expect == "yes_no"
    await conv.playback_interrupted(read.turn_id, read.must_hear_chars - 8)
    again = await conv.user_text("yes")
    assert again.text == read.text
    assert await on_hand(inventory, name) == 100
    await conv.user_text("yes")
    assert await on_hand(inventory, name) == 96
    stale = await conv.user_text(f"picked 2 {name}")
    await conv.playback_interrupted("call-1-1", 0)  # an older reply: ignored
    assert (await conv.user_text("yes")).text.startswith("Done.")
    assert stale.must_hear_chars is not None and await on_hand(inventory, name) == 94


async def test_order_is_placed_with_the_speaker_as_actor(inventory: InventoryService) -> None:
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    read = await svc.handle_text(None, "order 300 half inch hex bolts", "dana", "api")
    assert read.reply.startswith("ORDER: buying three hundred half-inch hex bolts from ")
    done = await svc.handle_text(read.session_id, "yes", "dana", "api")
    assert done.reply.startswith("Done. Ordered three hundred half-inch hex bolts, order ending")
    orders = await inventory.list_orders(sku="FAS-1003", limit=5)
    mine = [o for o in orders if o.actor == "dana" and o.quantity == 300]
    assert len(mine) == 1 and mine[0].channel == "api"
    assert mine[0].idempotency_key.startswith(read.session_id)


async def test_reads_answer_with_store_figures(inventory: InventoryService) -> None:
    svc = DialogueService(inventory)
    view = await inventory.lookup("coffee pods")
    r = await svc.handle_text(None, "how many coffee pods do we have", "tester", "api")
    assert to_words(view.on_hand) in r.reply
    where = await svc.handle_text(r.session_id, "where are they", "tester", "api")
    assert where.intent == "where_is" and "bin" in where.reply
    low = await svc.handle_text(r.session_id, "what's running low", "tester", "api")
    assert low.intent == "low_stock" and ("low" in low.reply or "Nothing" in low.reply)
    sup = await svc.handle_text(r.session_id, "who supplies coffee pods", "tester", "api")
    offers = await inventory.supplier_offers(view.sku)
    assert any(o.supplier_name in sup.reply for o in offers)


async def test_sessions_are_per_actor_bounded_and_expire(inventory: InventoryService) -> None:
    now = [0.0]
    sessions = MemoryConversations(max_sessions=2, idle_expiry_s=100.0, clock=lambda: now[0])
    svc = DialogueService(inventory, sessions=sessions, text_clock=lambda: now[0])
    a = await svc.handle_text("same", "order 40 coffee pods", "alice", "api")
    b = await svc.handle_text("same", "yes", "bob", "api")  # bob cannot confirm alice's order
    assert a.awaiting == "yes_no" and b.reply.startswith("There is nothing waiting")
    await svc.handle_text(None, "hello", "carol", "api")
    assert await sessions.count() == 2
    now[0] = 500.0
    await svc.handle_text(None, "hello", "dave", "api")
    assert await sessions.count() == 1
    late = await svc.handle_text(
        "same", "yes", "alice", "api"
    )  # the idle read-back has gone with its session
    assert late.reply.startswith("There is nothing waiting")


async def test_greeting_mentions_unread_insights(inventory: InventoryService) -> None:
    name = await sprockets(inventory, on_hand=1)
    sku = (await inventory.lookup(name)).sku
    await inventory.add_insight("low_stock", f"{name} is low", f"low:{sku}", sku=sku, severity="warning")
    svc = DialogueService(inventory, config=PolicyConfig())
    hello = await svc.greet(None, "tester", "voice")
    count = len([i for i in await inventory.insights(unread_only=True, limit=20) if i.severity != "info"])
    alerts = "One stock alert" if count == 1 else f"{to_words(count).capitalize()} stock alerts"
    assert hello.reply == f"Hello. {alerts}, including {name} running low. What do you need?"


async def test_replies_about_an_item_carry_its_stock_card(inventory: InventoryService) -> None:
    conv = DialogueService(inventory).open(uuid.uuid4().hex, "voice", "tester", None)
    reply = await conv.user_text("how many zip knives are left")
    view = await inventory.lookup("zip knives")
    assert [card["sku"] for card in reply.cards] == [view.sku]
    card = reply.cards[0]
    assert (card["name"], card["on_hand"]) == ("zip knives", view.on_hand)
    assert all(f"at {level.site}" in card for level in view.stock)


async def test_a_call_carries_the_recognizer_confidence_into_the_policy(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    conv = DialogueService(inventory).open(uuid.uuid4().hex, "voice", "tester", None)
    said = f"order 40 {name}"
    words = tuple((w, 0.2 if w == "40" else 0.95) for w in said.split())
    ask = await conv.user_text(said, "speech", HeardWords(0.9, words))
    assert (
        ask.text.startswith(f"Forty or fourteen {name}? Say it digit by digit")
        and ask.must_hear_chars is None
    )
    assert ask.awaiting.expect == "digits"
    read = await conv.user_text("four zero", "speech", HeardWords(0.95, (("four", 0.95), ("zero", 0.95))))
    assert (
        read.text.startswith(f"ORDER: buying forty, four zero, {name}") and read.awaiting.expect == "yes_no"
    )
    typed = DialogueService(inventory).open(uuid.uuid4().hex, "voice", "tester", None)
    assert (await typed.user_text(said, "typed")).text.startswith(f"ORDER: buying forty, four zero, {name}")


async def test_a_yes_after_re_prompts_still_settles_the_read_back(inventory: InventoryService) -> None:
    """Each re-prompt (not understood, silence) reports the read-back not heard; the yes after them reports it
    confirmed, which the gateway counts in ``voice_confirmations_total`` like any other."""
    name = await sprockets(inventory)
    conv = DialogueService(inventory).open(uuid.uuid4().hex, "voice", "tester", None)
    read = await conv.user_text(f"picked 4 {name}")
    unheard = await conv.not_understood()
    silent = await conv.no_input()
    done = await conv.user_text("yes")
    assert [r.confirmation for r in (read, unheard, silent, done)] == [
        None,
        "not_heard",
        "not_heard",
        "confirmed",
    ]
    assert done.text.startswith("Done.") and await on_hand(inventory, name) == 96
