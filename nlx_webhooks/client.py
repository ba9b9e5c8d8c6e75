"""A small async client for the NLX Conversation API: one user turn in, the assistant's messages out.

``POST {host}/c/{deploymentKey}/{channelKey}-{languageCode}`` with header ``nlx-api-key``. While the answer
says ``metadata.hasPendingDataRequest``, the client polls with ``{"request":{"structured":{"poll":true}}}``.

Tolerances for what the public material leaves UNCONFIRMED: a channel key that already carries the language
suffix is not suffixed twice; a body that is a stream of JSON objects (``interim``/``message``/``final_response``)
is read as well as a single JSON object; ``modalities`` may be a list or an object; a 400 on a turn that sent
``context`` is retried once without it, since NLX restricts context to platform-defined attributes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

log = logging.getLogger("inventorypulse.nlx")


@dataclass(frozen=True)
class NlxConfig:
    api_key: str
    deployment_key: str
    channel_key: str
    host: str = "https://apps.nlx.ai"
    language_code: str = "en-US"
    poll_interval_s: float = 1.5
    """Wait between polls while a data request is pending (the official SDK waits 1.5 s)."""
    max_polls: int = 20
    timeout_s: float = 10.0
    environment: str | None = None
    """``production`` or ``development``; None leaves it to NLX."""

    @property
    def url(self) -> str:
        host = self.host if "://" in self.host else f"https://{self.host}"
        suffix = f"-{self.language_code}"
        channel = self.channel_key if self.channel_key.endswith(suffix) else self.channel_key + suffix
        return f"{host.rstrip('/')}/c/{self.deployment_key}/{channel}"


class NlxError(Exception):
    code: ClassVar[str] = "nlx_error"

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class NlxChoice:
    choice_id: str
    text: str
    payload: str | None = None


@dataclass(frozen=True)
class NlxMessage:
    text: str
    choices: tuple[NlxChoice, ...] = ()
    message_id: str | None = None


@dataclass(frozen=True)
class NlxTurn:
    """What one user turn produced, after polling."""

    conversation_id: str | None
    messages: tuple[NlxMessage, ...]
    intent_id: str | None = None
    escalation: bool = False
    pending: bool = False  # still pending after ``max_polls``
    polls: int = 0
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(m.text.strip() for m in self.messages if m.text.strip())

    @property
    def choices(self) -> tuple[NlxChoice, ...]:
        return next((m.choices for m in reversed(self.messages) if m.choices), ())


def json_objects(body: str) -> list[dict[str, Any]]:
    """Every top-level JSON object in ``body``: one object, JSON lines, SSE ``data:`` lines or objects back to
    back (the SDK scans for balanced braces, so the delimiter does not matter)."""
    decoder = json.JSONDecoder()
    out: list[dict[str, Any]] = []
    i = 0
    while True:
        start = body.find("{", i)
        if start < 0:
            return out
        try:
            value, end = decoder.raw_decode(body, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        if isinstance(value, dict):
            out.append(value)
        i = end


def _message(raw: Mapping[str, Any]) -> NlxMessage:
    choices = tuple(
        NlxChoice(str(c.get("choiceId", "")), str(c.get("choiceText", "")), c.get("choicePayload"))
        for c in raw.get("choices") or []
        if isinstance(c, Mapping)
    )
    return NlxMessage(str(raw.get("text") or ""), choices, raw.get("messageId"))


def parse_response(body: str) -> dict[str, Any]:
    """The normal (non-stream) response object, also when the body came as a stream."""
    objects = json_objects(body)
    for obj in objects:
        if obj.get("type") == "final_response" and isinstance(obj.get("data"), dict):
            final: dict[str, Any] = obj["data"]
            return final
    if len(objects) == 1 and "type" not in objects[0]:
        return objects[0]
    streamed = [o for o in objects if o.get("type") == "message"]
    if streamed:
        return {"messages": streamed, "metadata": streamed[-1].get("metadata") or {}}
    raise NlxError("NLX answered with no response object", retryable=True)


Sleep = Callable[[float], Awaitable[None]]


class NlxClient:
    def __init__(
        self, config: NlxConfig, *, http: httpx.AsyncClient | None = None, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(timeout=config.timeout_s)
        self._owns_http = http is None
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def send_text(
        self,
        text: str,
        *,
        conversation_id: str | None,
        user_id: str,
        context: Mapping[str, Any] | None = None,
    ) -> NlxTurn:
        return await self.send({"unstructured": {"text": text}}, conversation_id, user_id, context)

    async def send_choice(
        self,
        choice_id: str,
        *,
        conversation_id: str | None,
        user_id: str,
        context: Mapping[str, Any] | None = None,
    ) -> NlxTurn:
        return await self.send({"structured": {"choiceId": choice_id}}, conversation_id, user_id, context)

    async def send_intent(
        self,
        intent_id: str,
        *,
        conversation_id: str | None,
        user_id: str,
        context: Mapping[str, Any] | None = None,
    ) -> NlxTurn:
        return await self.send({"structured": {"intentId": intent_id}}, conversation_id, user_id, context)

    async def send(
        self,
        request: dict[str, Any],
        conversation_id: str | None,
        user_id: str,
        context: Mapping[str, Any] | None = None,
    ) -> NlxTurn:
        body: dict[str, Any] = {
            "request": request,
            "userId": user_id,
            "languageCode": self.config.language_code,
        }
        if conversation_id:
            body["conversationId"] = conversation_id
        if self.config.environment:
            body["environment"] = self.config.environment
        if context:
            body["context"] = dict(context)
        try:
            data = await self._post(body)
        except NlxError as exc:
            if exc.status != 400 or "context" not in body:
                raise
            log.warning("NLX refused the turn with context (%s); sending it without", exc.message)
            del body["context"]
            data = await self._post(body)
        return await self._settle(data, user_id)

    async def _settle(self, data: dict[str, Any], user_id: str) -> NlxTurn:
        messages = [_message(m) for m in data.get("messages") or [] if isinstance(m, Mapping)]
        conversation_id = data.get("conversationId")
        metadata: Mapping[str, Any] = data.get("metadata") or {}
        context = dict(data.get("context") or {})
        polls = 0
        while metadata.get("hasPendingDataRequest") and polls < self.config.max_polls:
            await self._sleep(self.config.poll_interval_s)
            polls += 1
            poll = {
                "request": {"structured": {"poll": True}},
                "conversationId": conversation_id,
                "userId": user_id,
            }
            data = await self._post(poll)
            messages += [_message(m) for m in data.get("messages") or [] if isinstance(m, Mapping)]
            conversation_id = data.get("conversationId") or conversation_id
            metadata = data.get("metadata") or {}
            context.update(data.get("context") or {})
        return NlxTurn(
            conversation_id=conversation_id,
            messages=tuple(messages),
            intent_id=metadata.get("intentId"),
            escalation=bool(metadata.get("escalation")),
            pending=bool(metadata.get("hasPendingDataRequest")),
            polls=polls,
            context=context,
        )

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "nlx-api-key": self.config.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            response = await self._http.post(self.config.url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise NlxError(f"NLX did not answer in {self.config.timeout_s:g} s", retryable=True) from exc
        except httpx.HTTPError as exc:
            raise NlxError(f"could not reach NLX: {exc}", retryable=True) from exc
        if response.status_code != 200:
            retryable = response.status_code == 429 or response.status_code >= 500
            raise NlxError(
                f"NLX answered {response.status_code}: {response.text[:200]}",
                status=response.status_code,
                retryable=retryable,
            )
        return parse_response(response.text)
