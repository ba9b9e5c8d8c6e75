"""The language-model fallback against a tiny loopback server that speaks the Messages API: it asks for a tool,
gets the real tool result back, and answers from it; the per-session budget holds; write tools are never offered."""

from __future__ import annotations

import asyncio
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
            answer = await svc.handle_text(None, "who won the game last night", "tester", "api")
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
    reply = await svc.handle_text(None, "who won the game last night", "tester", "api")
    assert reply.reply.startswith("Sorry")


class FakeChatCompletions:
    """An OpenAI-compatible Chat Completions endpoint with fault injection: ``mode`` picks what it does."""

    def __init__(self, mode: str = "tool") -> None:
        self.mode = mode
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.complete, methods=["POST"])])

    @staticmethod
    def _message(message: dict[str, Any], finish: str) -> JSONResponse:
        return JSONResponse({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        })  # fmt: skip

    def _call(self, name: str, arguments: dict[str, Any]) -> JSONResponse:
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        return self._message({"content": None, "tool_calls": [call]}, "tool_calls")

    async def complete(self, request: Request) -> Any:
        body = await request.json()
        self.requests.append(body)
        self.auth.append(request.headers.get("authorization"))
        last = body["messages"][-1]
        if self.mode == "slow":
            await asyncio.sleep(2.0)
        if self.mode == "500":
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=500)
        if self.mode == "junk":
            return JSONResponse({"unexpected": True})
        if last["role"] == "user":
            if self.mode == "write":
                return self._call("place_order", {"product_id": "coffee pods", "quantity": 500})
            item = "no such thing" if self.mode == "tool_error" else "coffee pods"
            return self._call("get_inventory", {"product_id": item})
        assert last["role"] == "tool" and last["tool_call_id"] == "call_1"
        if self.mode in ("tool_error", "write"):
            return self._message({"content": f"I could not do that: {last['content'][:60]}"}, "stop")
        qty = json.loads(last["content"])["items"][0]["current_quantity"]
        return self._message({"content": f"Coffee pods are at {qty}."}, "stop")


async def _ask(inventory: InventoryService, mode: str, **kw: Any) -> tuple[str | None, FakeChatCompletions]:
    fake = FakeChatCompletions(mode)
    tools = InventoryTools(inventory, MovementRateForecasts(inventory))
    async with serve(fake.app) as base:
        llm = LlmFallback(
            build_mcp_server(tools),
            api_key="sk-test",
            base_url=f"{base}/v1",
            model="m",
            api_style="openai",
            **kw,
        )
        try:
            return await llm.answer("s1", "how are the coffee pods doing"), fake
        finally:
            await llm.aclose()


async def test_an_openai_compatible_endpoint_calls_a_tool_and_answers_from_it(
    inventory: InventoryService,
) -> None:
    answer, fake = await _ask(inventory, "tool")
    assert answer == f"Coffee pods are at {(await inventory.lookup('coffee pods')).on_hand}."
    assert set(fake.auth) == {"Bearer sk-test"} and fake.requests[0]["messages"][0]["role"] == "system"
    offered = {t["function"]["name"] for t in fake.requests[0]["tools"]}
    assert "get_inventory" in offered and not offered & {"update_stock", "place_order"}


async def test_a_tool_error_goes_back_to_the_model(inventory: InventoryService) -> None:
    answer, fake = await _ask(inventory, "tool_error")
    assert answer is not None and answer.startswith("I could not do that:")
    assert fake.requests[1]["messages"][-1]["role"] == "tool"


async def test_a_write_tool_asked_for_is_refused_and_nothing_is_written(inventory: InventoryService) -> None:
    before = len(await inventory.list_orders(None, None, 500))
    answer, _ = await _ask(inventory, "write")
    assert answer == "I could not do that: tool place_order is not available"
    assert len(await inventory.list_orders(None, None, 500)) == before


@pytest.mark.parametrize("mode", ["slow", "500", "junk"])
async def test_a_slow_failing_or_garbled_model_gives_no_answer(
    inventory: InventoryService, mode: str
) -> None:
    answer, fake = await _ask(inventory, mode, timeout_s=0.3)
    assert answer is None and len(fake.requests) == 1


async def test_an_exhausted_budget_makes_no_call(inventory: InventoryService) -> None:
    answer, fake = await _ask(inventory, "tool", calls_per_session=1)
    assert answer is None and len(fake.requests) == 1  # the tool call spent it; no second call was made
