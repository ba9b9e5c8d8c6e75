"""The two wire formats the language-model fallback speaks, behind one small interface: Anthropic's Messages API
(``POST {base}/v1/messages``) and the OpenAI-compatible Chat Completions API (``POST {base}/chat/completions``,
``base`` ending in ``/v1``), both with tool calls. Vendor shapes stay in this module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

ApiStyle = Literal["anthropic", "openai"]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    call: ToolCall
    content: str
    is_error: bool = False


@dataclass(frozen=True)
class Turn:
    """What one response said: its text, the tools it asks for (none: it has answered), and the assistant
    message to send back with the tools' results."""

    text: str
    calls: tuple[ToolCall, ...]
    assistant: dict[str, Any]


class Wire(Protocol):
    url: str
    headers: dict[str, str]

    def tool(self, name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]: ...

    def request(
        self,
        model: str,
        max_tokens: int,
        system: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
    ) -> dict[str, Any]: ...

    def parse(self, data: dict[str, Any]) -> Turn:
        """Raises ``ValueError`` for a body that is not a response of this API."""
        ...

    def results(self, results: list[ToolResult]) -> list[dict[str, Any]]:
        """The messages that carry the tools' results back."""
        ...


class AnthropicWire:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.url = base_url.rstrip("/") + "/v1/messages"
        self.headers = {
            "x-api-key": api_key,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
        }

    def tool(self, name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "description": description, "input_schema": schema}

    def request(
        self,
        model: str,
        max_tokens: int,
        system: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
    ) -> dict[str, Any]:
        return {
            "model": model,
            "max_tokens": max_tokens,
            "system": system,
            "messages": messages,
            "tools": tools,
        }

    def parse(self, data: dict[str, Any]) -> Turn:
        content = data.get("content")
        if not isinstance(content, list):
            raise ValueError("no content in the response")
        text = " ".join(b.get("text", "") for b in content if b.get("type") == "text").strip()
        calls = tuple(
            ToolCall(str(b.get("id", "")), str(b.get("name", "")), dict(b.get("input") or {}))
            for b in content
            if b.get("type") == "tool_use"
        )
        if data.get("stop_reason") != "tool_use":
            calls = ()
        return Turn(text, calls, {"role": "assistant", "content": content})

    def results(self, results: list[ToolResult]) -> list[dict[str, Any]]:
        blocks = [
            {"type": "tool_result", "tool_use_id": r.call.id, "content": r.content, "is_error": r.is_error}
            for r in results
        ]
        return [{"role": "user", "content": blocks}]


class OpenAiWire:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"authorization": f"Bearer {api_key}", "content-type": "application/json"}

    def tool(self, name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": name, "description": description, "parameters": schema},
        }

    def request(
        self,
        model: str,
        max_tokens: int,
        system: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
    ) -> dict[str, Any]:
        return {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, *messages],
            "tools": tools,
        }

    def parse(self, data: dict[str, Any]) -> Turn:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ValueError("no choices in the response")
        message = choices[0].get("message") or {}
        calls = []
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            try:
                arguments = json.loads(function.get("arguments") or "{}")
            except json.JSONDecodeError:
                arguments = {}  # the tool then reports what it lacks, and the model can try again
            calls.append(ToolCall(str(call.get("id", "")), str(function.get("name", "")), dict(arguments)))
        text = str(message.get("content") or "").strip()
        return Turn(
            text, tuple(calls), {"role": "assistant", **{k: v for k, v in message.items() if k != "role"}}
        )

    def results(self, results: list[ToolResult]) -> list[dict[str, Any]]:
        return [{"role": "tool", "tool_call_id": r.call.id, "content": r.content} for r in results]


def wire_for(style: ApiStyle, base_url: str, api_key: str) -> Wire:
    return OpenAiWire(base_url, api_key) if style == "openai" else AnthropicWire(base_url, api_key)
