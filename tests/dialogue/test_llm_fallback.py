"""The language-model fallback against a tiny loopback server that speaks the Messages API: it asks for a tool,
gets the real tool result back, and answers from it; the per-session budget holds; write tools are never offered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dialogue.forecasts import MovementRateForecasts
from dialogue.llm_fallback import LlmFallback
from dialogue.mcp_server import build_mcp_server
from dialogue.policy.state import PolicyConfig
from dialogue.service import DialogueService
from dialogue.tools import InventoryTools
from dialogue.understanding.numbers import to_words
from inventory_core.service import InventoryService
from tests.dialogue.loopback import serve

pytestmark = pytest.mark.mongo


class FakeMessagesApi:
    """Answers like the Messages API: first a tool_use for get_inventory, then text built from the tool result."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str | None] = []
        self.app = Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])

    async def messages(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        self.keys.append(request.headers.get("x-api-key"))
        last = body["messages"][-1]
        if isinstance(last["content"], str):
            return JSONResponse({
                "id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "tool_use",
                "content": [{"type": "text", "text": "Let me look."},
                            {"type": "tool_use", "id": "tu_1", "name": "get_inventory",
                             "input": {"product_id": "coffee pods"}}],
            })  # fmt: skip
        result = last["content"][0]
        data = json.loads(result["content"])
        qty = data["items"][0]["current_quantity"]
        return JSONResponse({
            "id": "msg_2", "type": "message", "role": "assistant", "stop_reason": "end_turn",
            "content": [{"type": "text", "text": f"The other stock is fine; coffee pods are at {qty}."}],
        })  # fmt: skip


async def test_fallback_uses_read_tools_and_keeps_to_its_budget(inventory: InventoryService) -> None:
    fake = FakeMessagesApi()
    tools = InventoryTools(inventory, MovementRateForecasts(inventory))
    async with serve(fake.app) as base:
        llm = LlmFallback(build_mcp_server(tools), api_key="k-test", base_url=base, model="test-model",
                          calls_per_session=3)  # fmt: skip
        svc = DialogueService(inventory, llm=llm, config=PolicyConfig(llm_enabled=True))
        try:
            answer = await svc.handle_text(None, "what about the other items", "tester", "api")
            second = await svc.handle_text(
                answer.session_id, "and the rest of the warehouse", "tester", "api"
            )
        finally:
            await llm.aclose()
    on_hand = (await inventory.lookup("coffee pods")).on_hand
    assert (
        answer.reply == f"The other stock is fine; coffee pods are at {to_words(on_hand)}."
    )  # digits spoken
    assert answer.intent == "unknown"
    # The budget of three calls allowed one full exchange (two calls); the second question ran out mid-way.
    assert second.reply.startswith("Sorry")
    assert len(fake.requests) == 3 and set(fake.keys) == {"k-test"}
    offered = {t["name"] for t in fake.requests[0]["tools"]}
    assert "get_inventory" in offered and not offered & {"update_stock", "place_order"}
    assert all(t["input_schema"]["type"] == "object" for t in fake.requests[0]["tools"])


async def test_fallback_is_off_without_configuration(inventory: InventoryService) -> None:
    svc = DialogueService(inventory)
    reply = await svc.handle_text(None, "what about the other items", "tester", "api")
    assert reply.reply.startswith("Sorry")
