"""NLX's agent fallback: ``POST /api/agent/query`` with NLX's conversationId, context and webhook token carries a
read-back in one call to its confirmation in the next, and writes once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from dialogue.service import DialogueService
from inventory_core.models import PurchaseOrder
from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN
from tests.nlx.conftest import NLX_TOKEN, nlx_app

pytestmark = pytest.mark.nlx

KEY = {"x-api-key": NLX_TOKEN}


@pytest.fixture
async def agent(inventory: InventoryService) -> AsyncIterator[httpx.AsyncClient]:
    app = nlx_app(inventory, dialogue=DialogueService(inventory))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_a_read_back_in_one_call_is_confirmed_in_the_next(
    agent: httpx.AsyncClient, inventory: InventoryService
) -> None:
    conversation = f"nlx-conv-{uuid.uuid4().hex[:8]}"
    sku = (await inventory.lookup("coffee pods")).sku

    async def orders() -> list[PurchaseOrder]:
        return await inventory.list_orders(sku=sku, limit=500)

    before = len(await orders())
    propose = await agent.post(
        "/api/agent/query",
        json={
            "text": "order 40 coffee pods",
            "conversationId": conversation,
            "userId": "+15550100",
            "context": {"site": "main", "channel": "voice"},
        },
        headers=KEY,
    )
    assert propose.status_code == 200, propose.text
    body = propose.json()
    assert body["conversationId"] == body["session_id"] == conversation
    assert body["awaiting"] == "yes_no" and "forty" in body["text"]
    assert len(await orders()) == before  # nothing written before the yes
    confirm = await agent.post(
        "/api/agent/query", json={"text": "yes", "conversationId": conversation}, headers=KEY
    )
    assert confirm.status_code == 200 and confirm.json()["conversationId"] == conversation
    placed = await orders()
    assert len(placed) == before + 1
    newest = max(placed, key=lambda o: o.created_at)
    assert (newest.quantity, newest.channel) == (40, "nlx") and newest.actor.startswith("nlx-")
    again = await agent.post(
        "/api/agent/query", json={"text": "yes", "conversationId": conversation}, headers=KEY
    )
    assert again.status_code == 200 and again.json()["awaiting"] != "yes_no"
    assert len(await orders()) == before + 1  # a second yes confirms nothing new


async def test_the_same_conversation_id_from_another_caller_is_another_conversation(
    agent: httpx.AsyncClient,
) -> None:
    conversation = f"nlx-conv-{uuid.uuid4().hex[:8]}"
    await agent.post(
        "/api/agent/query", json={"text": "order 12 coffee pods", "conversationId": conversation}, headers=KEY
    )
    other = await agent.post(
        "/api/agent/query",
        json={"text": "yes", "conversationId": conversation},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert other.status_code == 200 and other.json()["intent"] != "place_order"


async def test_credentials(agent: httpx.AsyncClient) -> None:
    turn = {"text": "how many coffee pods", "conversationId": "c-1"}
    assert (await agent.post("/api/agent/query", json=turn)).status_code == 401
    assert (
        await agent.post("/api/agent/query", json=turn, headers={"x-api-key": "wrong"})
    ).status_code == 401
    ok = await agent.post("/api/agent/query", json=turn, headers={"Authorization": f"Bearer {NLX_TOKEN}"})
    assert ok.status_code == 200 and "coffee pods" in ok.json()["text"].lower()
