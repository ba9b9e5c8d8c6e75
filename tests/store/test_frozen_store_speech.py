"""What a caller hears when the store freezes: a question and a confirmed order both get a spoken "the stock system
is not answering" within about the store timeout (1 s here), and the order is placed once when the caller says yes
again after the store is back."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from dialogue.service import DialogueService
from inventory_core.demo_loader import load_demo
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore

pytestmark = pytest.mark.mongo


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedMongo]:
    mongo = EmbeddedMongo(db_path=str(tmp_path / "mongo"))
    mongo.start()
    yield mongo
    if mongo.pid is not None:
        os.kill(mongo.pid, signal.SIGCONT)
    mongo.stop()


@pytest.fixture
async def inventory(server: EmbeddedMongo) -> AsyncIterator[InventoryService]:
    store = MongoStore(server.uri, f"ip_frozen_{uuid.uuid4().hex[:8]}", timeout_ms=1000)
    await store.ensure_indexes()
    await load_demo(store, seed=7, progress=False)
    yield InventoryService(store)
    await store.close()


async def test_the_caller_hears_that_the_stock_system_is_not_answering(
    server: EmbeddedMongo, inventory: InventoryService
) -> None:
    dialogue = DialogueService(inventory)
    name = (await inventory.get_product("FAS-1001")).product.name
    first = await dialogue.handle_text(None, f"how many {name}", actor="tester", channel="voice")
    sid = first.session_id
    assert server.pid is not None
    asked_for: list[str] = []
    get_product = inventory.get_product

    async def counted(sku: str) -> Any:
        asked_for.append(sku)
        return await get_product(sku)

    inventory.get_product = counted  # type: ignore[method-assign]
    os.kill(server.pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        asked = await dialogue.handle_text(sid, f"how many {name}", actor="tester", channel="voice")
        asked_s = time.monotonic() - began
        assert "isn't answering" in asked.reply, asked.reply
        assert asked_for == ["FAS-1001"]  # once: no second wait for the screen's stock card
        assert asked_s < 2.5, asked_s
    finally:
        os.kill(server.pid, signal.SIGCONT)

    before = await inventory.list_orders(sku="FAS-1001", limit=500)
    read_back = await dialogue.handle_text(sid, f"order 300 {name}", actor="tester", channel="voice")
    assert read_back.awaiting == "yes_no", read_back.reply
    os.kill(server.pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        said = await dialogue.handle_text(sid, "yes", actor="tester", channel="voice")
        said_s = time.monotonic() - began
        assert "did not answer, so it may not have been recorded" in said.reply, said.reply
        assert said.awaiting == "yes_no"
        assert said_s < 2.5, said_s
    finally:
        os.kill(server.pid, signal.SIGCONT)
    again = await dialogue.handle_text(sid, "yes", actor="tester", channel="voice")
    assert again.reply.startswith("Done."), again.reply
    after = await inventory.list_orders(sku="FAS-1001", limit=500)
    assert len(after) == len(before) + 1  # placed once, whether or not the first try had landed
    print(f"spoken store errors: question {asked_s:.2f} s, confirmed order {said_s:.2f} s")
