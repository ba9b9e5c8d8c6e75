"""The read-back outcome reaches ``AgentReply.confirmation`` through the runner and the conversation, over the
real store (MongoDB wire protocol)."""

from __future__ import annotations

import uuid
from dataclasses import fields

import pytest

from dialogue.contract import Conversation
from dialogue.service import DialogueService
from inventory_core.models import Location, Product, StockLevel
from inventory_core.service import InventoryService
from tests.conftest import write_ctx

pytestmark = pytest.mark.mongo


async def gadget(inventory: InventoryService) -> str:
    """A product of this test's own, so its picks never touch the shared demo data."""
    sku = f"CNF-{uuid.uuid4().int % 10**9:09d}"
    name = "gadget model " + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:5])
    product = Product(
        sku=sku,
        name=name,
        category="test",
        locations=[Location(site="main", bin="Z-98-1", check_digits="17")],
    )
    await inventory.create_product(product, [StockLevel(sku=sku, site="main", on_hand=100)], write_ctx())
    return name


async def test_reply_carries_the_outcome(inventory: InventoryService) -> None:
    name = await gadget(inventory)
    conv: Conversation = DialogueService(inventory, catalogue_ttl_s=0.0).open(
        uuid.uuid4().hex, "voice", "tester", "main"
    )
    read = await conv.user_text(f"picked 4 {name}")
    assert read.awaiting.expect == "yes_no" and read.confirmation is None
    assert (await conv.not_understood()).confirmation == "not_heard"
    assert (await conv.no_input()).confirmation == "not_heard"
    denied = await conv.user_text("no")
    assert denied.confirmation == "denied" and denied.awaiting.expect == "quantity"
    reread = await conv.user_text("five")
    assert reread.confirmation is None and reread.awaiting.expect == "yes_no"
    corrected = await conv.user_text("no, six")
    assert corrected.confirmation == "corrected"
    done = await conv.user_text("yes")
    assert done.confirmation == "confirmed" and done.text.startswith("Done.")
    (write,) = done.cards  # what the write did (the turn is about no item any more: no stock card)
    assert write["kind"] == "pick" and write["quantity"] == 6 and write["site"] == "main"
    assert write["movement_id"] and write["updated_quantity"] == 94
    assert all("kind" not in c for c in corrected.cards)  # no write card before the yes
    assert (await conv.user_text(f"how many {name} do we have")).confirmation is None
    await conv.user_text(f"picked 2 {name}")
    assert (await conv.user_text("cancel")).confirmation == "cancelled"
    await conv.close()


async def test_text_api_shape_is_unchanged(inventory: InventoryService) -> None:
    name = await gadget(inventory)
    svc = DialogueService(inventory, catalogue_ttl_s=0.0)
    read = await svc.handle_text(None, f"picked 3 {name}", "tester", "api")
    other = await svc.handle_text(read.session_id, f"where is {name}", "tester", "api")
    assert other.reply.startswith("Okay, I dropped the pick.")
    assert {f.name for f in fields(other)} == {
        "session_id",
        "reply",
        "intent",
        "slots",
        "awaiting",
        "end_session",
    }
    await svc.aclose()
