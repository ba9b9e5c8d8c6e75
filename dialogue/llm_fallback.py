"""Optional language-model fallback for questions outside the intents: Anthropic's Messages API or any
OpenAI-compatible Chat Completions endpoint (``dialogue.llm_wire``) over httpx, offered the read-only MCP tools
(called in-process through the same FastMCP server). Off unless an API key is configured; each session gets a
small budget of API calls, each call a timeout. Write tools are never offered, and one asked for anyway is
refused: a write needs the deterministic read-back and a spoken yes.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import httpx
from mcp.server.fastmcp import FastMCP

from dialogue.llm_wire import ApiStyle, ToolCall, ToolResult, wire_for
from dialogue.mcp_server import READ_TOOLS

log = logging.getLogger(__name__)

SYSTEM = (
    "You are the voice assistant of a warehouse stock system. Answer in at most two short spoken sentences, "
    "numbers as words, no lists or markdown. Use the tools for any figure; never guess stock numbers. You "
    "cannot change stock or place orders: tell the user to say, for example, 'order 20 pallet wrap'. If the "
    "question is not about the warehouse, say you can only help with stock."
)


class LlmFallback:
    def __init__(
        self, mcp: FastMCP, *, api_key: str, base_url: str, model: str, calls_per_session: int = 5,
        timeout_s: float = 10.0, max_tokens: int = 300, max_rounds: int = 3, client: httpx.AsyncClient | None = None,
        api_style: ApiStyle = "anthropic",
    ) -> None:  # fmt: skip
        self._mcp = mcp
        self._model = model
        self._budget = calls_per_session
        self._max_tokens = max_tokens
        self._max_rounds = max_rounds
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None
        self._wire = wire_for(api_style, base_url, api_key)
        self._used: OrderedDict[str, int] = OrderedDict()  # session → calls made (bounded)
        self._tools: list[dict[str, Any]] | None = None

    async def _tool_specs(self) -> list[dict[str, Any]]:
        if self._tools is None:
            listed = await self._mcp.list_tools()
            self._tools = [
                self._wire.tool(t.name, t.description or "", t.inputSchema)
                for t in listed
                if t.name in READ_TOOLS
            ]
        return self._tools

    def _spend(self, session_id: str) -> bool:
        used = self._used.get(session_id, 0)
        if used >= self._budget:
            return False
        self._used[session_id] = used + 1
        self._used.move_to_end(session_id)
        while len(self._used) > 10_000:
            self._used.popitem(last=False)
        return True

    async def answer(self, session_id: str, text: str) -> str | None:
        """The model's spoken answer, or None (budget spent, API error, or no text)."""
        messages: list[dict[str, Any]] = [{"role": "user", "content": text}]
        tools = await self._tool_specs()
        for _ in range(self._max_rounds):
            if not self._spend(session_id):
                return None
            body = self._wire.request(self._model, self._max_tokens, SYSTEM, messages, tools)
            try:
                resp = await self._client.post(self._wire.url, headers=self._wire.headers, json=body)
                resp.raise_for_status()
                turn = self._wire.parse(resp.json())
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                log.warning("language model call failed: %s", exc)
                return None
            if not turn.calls:
                return turn.text or None
            messages.append(turn.assistant)
            messages += self._wire.results([await self._run_tool(call) for call in turn.calls])
        return None

    async def _run_tool(self, call: ToolCall) -> ToolResult:
        if call.name not in READ_TOOLS:
            return ToolResult(call, f"tool {call.name} is not available", is_error=True)
        try:
            out = await self._mcp.call_tool(call.name, call.arguments)
        except Exception as exc:  # a tool error goes back to the model, which can explain it
            return ToolResult(call, str(exc), is_error=True)
        return ToolResult(call, _as_text(out))

    def forget(self, session_id: str) -> None:
        self._used.pop(session_id, None)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _as_text(out: Any) -> str:
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        return json.dumps(out[1], default=str)
    if isinstance(out, dict):
        return json.dumps(out, default=str)
    if isinstance(out, Sequence):
        return " ".join(getattr(block, "text", "") for block in out)
    return str(out)
