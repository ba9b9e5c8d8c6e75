"""Optional language-model fallback for questions outside the intents: an Anthropic-compatible Messages API
over httpx, offered the read-only MCP tools (called in-process through the same FastMCP server). Off unless an
API key is configured; each session gets a small budget of API calls. Write tools are never offered: a write
needs the deterministic read-back and a spoken yes.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import httpx
from mcp.server.fastmcp import FastMCP

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
    ) -> None:  # fmt: skip
        self._mcp = mcp
        self._model = model
        self._budget = calls_per_session
        self._max_tokens = max_tokens
        self._max_rounds = max_rounds
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None
        self._url = base_url.rstrip("/") + "/v1/messages"
        self._headers = {
            "x-api-key": api_key,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
        }
        self._used: OrderedDict[str, int] = OrderedDict()  # session → calls made (bounded)
        self._tools: list[dict[str, Any]] | None = None

    async def _tool_specs(self) -> list[dict[str, Any]]:
        if self._tools is None:
            listed = await self._mcp.list_tools()
            self._tools = [
                {"name": t.name, "description": t.description or "", "input_schema": t.inputSchema}
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
            body = {"model": self._model, "max_tokens": self._max_tokens, "system": SYSTEM, "messages": messages,
                    "tools": tools}  # fmt: skip
            try:
                resp = await self._client.post(self._url, headers=self._headers, json=body)
                resp.raise_for_status()
                data = resp.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("language model call failed: %s", exc)
                return None
            content = data.get("content") or []
            uses = [b for b in content if b.get("type") == "tool_use"]
            if data.get("stop_reason") != "tool_use" or not uses:
                spoken = " ".join(b.get("text", "") for b in content if b.get("type") == "text").strip()
                return spoken or None
            messages.append({"role": "assistant", "content": content})
            messages.append({"role": "user", "content": [await self._run_tool(b) for b in uses]})
        return None

    async def _run_tool(self, block: dict[str, Any]) -> dict[str, Any]:
        name = str(block.get("name", ""))
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": block.get("id", "")}
        if name not in READ_TOOLS:
            return {**result, "content": f"tool {name} is not available", "is_error": True}
        try:
            out = await self._mcp.call_tool(name, dict(block.get("input") or {}))
        except Exception as exc:  # a tool error goes back to the model, which can explain it
            return {**result, "content": str(exc), "is_error": True}
        return {**result, "content": _as_text(out)}

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
