"""POST /api/agent/query: the text channel over HTTP, with the gateway's bearer-token dependency."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.auth import Authenticator
from app.routes.agent import router
from app.services import Services
from app.settings import Settings
from dialogue.service import DialogueService
from inventory_core.service import InventoryService

pytestmark = pytest.mark.mongo


def app_with(inventory: InventoryService, dialogue: DialogueService | None) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    auth = Authenticator({"tok-1": "floor-lead"})
    app.state.services = Services(settings=settings, inventory=inventory, auth=auth, dialogue=dialogue)
    return app


async def test_query_runs_a_multi_turn_conversation(inventory: InventoryService) -> None:
    transport = httpx.ASGITransport(app=app_with(inventory, DialogueService(inventory)))
    auth = {"Authorization": "Bearer tok-1"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.post("/api/agent/query", json={"text": "how many widgets"}, headers=auth)
        assert first.status_code == 200
        body = first.json()
        assert set(body) == {
            "answer",
            "session_id",
            "conversationId",
            "reply",
            "text",
            "intent",
            "slots",
            "awaiting",
            "end_session",
        }
        sid = body["session_id"]
        order = await client.post(
            "/api/agent/query", json={"text": "order 40 coffee pods", "session_id": sid}, headers=auth
        )
        assert order.json()["awaiting"] == "yes_no" and order.json()["intent"] == "place_order"
        assert order.json()["slots"]["quantity"] == 40
        cancel = await client.post(
            "/api/agent/query", json={"text": "cancel", "session_id": sid}, headers=auth
        )
        assert cancel.json()["reply"] == "Cancelled. Nothing was recorded."


async def test_query_needs_a_token_and_valid_input(inventory: InventoryService) -> None:
    transport = httpx.ASGITransport(app=app_with(inventory, DialogueService(inventory)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/api/agent/query", json={"text": "hi"})).status_code == 401
        bad = {"Authorization": "Bearer nope"}
        assert (await client.post("/api/agent/query", json={"text": "hi"}, headers=bad)).status_code == 401
        auth = {"Authorization": "Bearer tok-1"}
        assert (await client.post("/api/agent/query", json={"text": ""}, headers=auth)).status_code == 422
        odd = {"text": "hi", "session_id": "has spaces"}
        assert (await client.post("/api/agent/query", json=odd, headers=auth)).status_code == 422


async def test_query_without_dialogue_service_is_503(inventory: InventoryService) -> None:
    transport = httpx.ASGITransport(app=app_with(inventory, None))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.post(
            "/api/agent/query", json={"text": "hi"}, headers={"Authorization": "Bearer tok-1"}
        )
    assert r.status_code == 503
