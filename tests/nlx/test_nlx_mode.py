"""NLX as the dialogue engine, end to end over loopback HTTP: our Conversation → fake NLX → our data-request
webhooks → fake NLX → our Conversation. Text turns stand in for recognised speech."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest

from app.nlx import nlx_conversations
from dialogue.contract import Conversation
from inventory_core.service import InventoryService
from nlx_webhooks.client import NlxClient, NlxConfig, parse_response
from nlx_webhooks.conversation import NlxConversationFactory
from tests.nlx.conftest import nlx_loop, nlx_settings

pytestmark = pytest.mark.nlx


@asynccontextmanager
async def conversation(config: NlxConfig) -> AsyncIterator[Conversation]:
    factory = NlxConversationFactory(NlxClient(config))
    conv = factory.open("call-1", channel="phone", actor="picker-7", site="main")
    try:
        yield conv
    finally:
        await conv.close()
        await factory.aclose()


async def orders_placed_by(inventory: InventoryService, confirmation_id: str) -> int:
    return await inventory.store.orders.count_documents({"idempotency_key": f"nlx-order-{confirmation_id}"})


async def test_stock_question_and_two_step_order(inventory: InventoryService) -> None:
    view = await inventory.lookup("coffee filters")
    async with nlx_loop(inventory) as (fake, config), conversation(config) as conv:
        hello = await conv.greet()
        assert hello.text.startswith("Welcome")
        stock = await conv.user_text("how many coffee filters")
        assert "coffee filters" in stock.text and stock.awaiting.expect == "free"
        assert fake.data_requests[-1] == ("/api/nlx/inventory/check", {"item": "coffee filters"})
        assert sum(s.on_hand for s in view.stock) == view.on_hand  # the spoken figure comes from this store
        read_back = await conv.user_text("order 48 paper cups")
        assert "forty eight" in read_back.text
        assert read_back.awaiting.expect == "yes_no" and set(read_back.awaiting.phrases) == {"yes", "no"}
        assert read_back.must_hear_chars is not None
        assert read_back.text[: read_back.must_hear_chars].endswith("eight")
        cid = fake.conversations[fake.requests[-1]["conversationId"]].confirmation_id
        assert cid is not None
        done = await conv.user_text("yeah")  # matched to the "Yes" choice and sent as that choice
        assert done.text.startswith("Done.")
        assert fake.requests[-1]["request"] == {"structured": {"poll": True}}
        assert any(r["request"] == {"structured": {"choiceId": "yes"}} for r in fake.requests)
        assert await orders_placed_by(inventory, cid) == 1
        # Every turn after the first carried NLX's conversation id; polls were needed and made.
        ids = {r.get("conversationId") for r in fake.requests[1:]}
        assert len(ids) == 1 and None not in ids
        assert any(r["request"].get("structured", {}).get("poll") for r in fake.requests)
        assert fake.requests[0]["context"] == {"channel": "phone", "site": "main"}


async def test_a_yes_to_an_unheard_read_back_is_not_forwarded(inventory: InventoryService) -> None:
    async with nlx_loop(inventory) as (fake, config), conversation(config) as conv:
        read_back = await conv.user_text("order 36 napkins")
        assert read_back.must_hear_chars is not None
        await conv.playback_interrupted(read_back.turn_id, heard_chars=read_back.must_hear_chars - 3)
        sent = len(fake.requests)
        again = await conv.user_text("yes")
        assert again.text.startswith("Let me say that again.") and read_back.text in again.text
        assert len(fake.requests) == sent  # NLX never heard the "yes"
        cid = next(c.confirmation_id for c in fake.conversations.values() if c.confirmation_id)
        assert cid is not None and await orders_placed_by(inventory, cid) == 0
        done = await conv.user_text("yes")  # this time the read-back was heard in full
        assert done.text.startswith("Done.")
        assert await orders_placed_by(inventory, cid) == 1


async def test_no_cancels_and_nothing_is_written(inventory: InventoryService) -> None:
    legacy_and_immediate = nlx_loop(inventory, legacy_envelope=True, defer_data_requests=False)
    async with legacy_and_immediate as (fake, config), conversation(config) as conv:
        read_back = await conv.user_text("order 24 bottled water")
        cid = next(c.confirmation_id for c in fake.conversations.values() if c.confirmation_id)
        assert cid is not None and "twenty four" in read_back.text
        answer = await conv.user_text("no")
        assert "won't" in answer.text
        assert await orders_placed_by(inventory, cid) == 0
        assert fake.data_requests[-1] == (
            "/api/nlx/orders/confirm",
            {"confirmation_id": cid, "confirmed": False},
        )


async def test_refused_context_is_retried_without_it(inventory: InventoryService) -> None:
    async with nlx_loop(inventory, reject_context=True) as (fake, config), conversation(config) as conv:
        reply = await conv.user_text("what is low")
        assert "low" in reply.text
        assert "context" in fake.requests[0] and "context" not in fake.requests[1]


async def test_a_wrong_api_key_gives_a_spoken_apology(inventory: InventoryService) -> None:
    async with nlx_loop(inventory) as (_, config), conversation(replace(config, api_key="wrong")) as conv:
        reply = await conv.user_text("how many napkins")
        assert "can't reach" in reply.text


async def test_repairs_stay_local_and_repeat_the_question(inventory: InventoryService) -> None:
    async with nlx_loop(inventory) as (fake, config), conversation(config) as conv:
        await conv.user_text("order 40 paper plates")
        sent = len(fake.requests)
        unclear = await conv.not_understood()
        assert unclear.text.startswith("Sorry") and unclear.text.endswith("Shall I place it?")
        assert unclear.awaiting.expect == "yes_no"
        silent = await conv.no_input()
        assert silent.text.endswith("Shall I place it?")
        assert len(fake.requests) == sent


def test_streamed_and_plain_bodies_parse_alike() -> None:
    plain = '{"conversationId":"c1","messages":[{"text":"Hi"}],"metadata":{"hasPendingDataRequest":false}}'
    streamed = (
        '{"type":"interim","text":"Thinking..."}\n'
        '{"type":"message","text":"Hi","choices":[]}\n'
        '{"type":"final_response","data":' + plain + "}"
    )
    assert parse_response(plain) == parse_response(streamed)
    assert parse_response("data: " + plain + "\n\n")["conversationId"] == "c1"


def test_channel_url_and_settings() -> None:
    base = NlxConfig(api_key="k", deployment_key="d", channel_key="ch", host="apps.nlx.ai")
    assert base.url == "https://apps.nlx.ai/c/d/ch-en-US"
    assert replace(base, channel_key="ch-en-US").url == base.url  # already suffixed: not twice
    with pytest.raises(RuntimeError):  # no API key / deployment / channel
        nlx_conversations(nlx_settings())
    settings = nlx_settings(nlx_api_key="k", nlx_deployment_key="d", nlx_channel_key="ch")
    assert isinstance(nlx_conversations(settings), NlxConversationFactory)
