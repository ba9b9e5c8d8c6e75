"""A fake NLX on loopback: the Conversation API (``POST /c/{deploymentKey}/{channelKey}-{lang}``, header
``nlx-api-key``, polling while ``metadata.hasPendingDataRequest``) driving a tiny scripted flow whose data
requests are real HTTP calls to our webhooks, so a test runs the whole loop gateway → NLX → us → NLX.

The flow understands: a welcome intent; "how many <item> [are left | do we have ...]" / "stock of <item>";
"what is low"; "order <n> <item>" / "place an order for <n> <item>" / "buy <n> of <item>", the quantity in
digits or in words as a recognizer writes them ("thirty eight"), parsed by ``dialogue.understanding.numbers`` (propose, then
a Yes/No choice → confirm or cancel). Data requests run in the background by default, so the first answer
says a data request is pending and the client has to poll."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dialogue.understanding.numbers import parse_at, tokenize
from inventory_core.embedded_mongo import free_port


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in this event loop; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(400):  # uvicorn has no started event to await
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        task.cancel()
        raise RuntimeError("the loopback server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class FakeConversation:
    conversation_id: str
    pending: asyncio.Task[list[dict[str, Any]]] | None = None
    confirmation_id: str | None = None


@dataclass
class FakeNlx:
    webhook_base: str
    webhook_token: str
    api_key: str = "nlx-api-key-test"
    deployment_key: str = "dep-123"
    channel_key: str = "voice-gw"
    language_code: str = "en-US"
    defer_data_requests: bool = True
    legacy_envelope: bool = False
    reject_context: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    data_requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    conversations: dict[str, FakeConversation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Idle connections expire well before the webhook server's own 5 s keep-alive: otherwise a call made as
        # the server closes an idle connection fails with a connection reset (a client-side race, not an answer).
        self._http = httpx.AsyncClient(
            base_url=self.webhook_base, timeout=5, limits=httpx.Limits(keepalive_expiry=1.0)
        )
        self.app = Starlette(routes=[Route("/c/{deployment}/{channel}", self._handle, methods=["POST"])])

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        try:
            async with serve(self.app) as base:
                yield base
        finally:
            for conv in self.conversations.values():
                if conv.pending is not None:
                    conv.pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await conv.pending
            await self._http.aclose()

    # ---- the Conversation API --------------------------------------------------------------------------

    async def _handle(self, request: Request) -> JSONResponse:
        if request.headers.get("nlx-api-key") != self.api_key:
            return JSONResponse({"message": "Unauthorized"}, 401)
        expected = f"{self.channel_key}-{self.language_code}"
        if (
            request.path_params["deployment"] != self.deployment_key
            or request.path_params["channel"] != expected
        ):
            return JSONResponse({"message": "Not found"}, 404)
        body = await request.json()
        self.requests.append(body)
        if self.reject_context and body.get("context"):
            return JSONResponse({"message": "context: unknown attribute"}, 400)
        req = body.get("request") or {}
        cid = body.get("conversationId") or str(uuid.uuid4())
        conv = self.conversations.setdefault(cid, FakeConversation(cid))
        structured = req.get("structured") or {}
        if structured.get("poll"):
            return self._answer(conv, await self._collect(conv, wait=False))
        text = ((req.get("unstructured") or {}).get("text") or "").strip().lower()
        if structured.get("intentId") == "NLX.Welcome":
            return self._answer(conv, [self._msg("Welcome to the warehouse line. What do you need?")])
        conv.pending = asyncio.create_task(self._step(conv, text, structured.get("choiceId")))
        return self._answer(conv, await self._collect(conv, wait=not self.defer_data_requests))

    async def _collect(self, conv: FakeConversation, wait: bool) -> list[dict[str, Any]] | None:
        """Messages of the finished step; None while it runs (the answer then says a request is pending)."""
        if conv.pending is None:
            return []
        if not wait and not conv.pending.done():
            await asyncio.sleep(0)
            if not conv.pending.done():
                return None
        messages = await conv.pending
        conv.pending = None
        return messages

    def _answer(self, conv: FakeConversation, messages: list[dict[str, Any]] | None) -> JSONResponse:
        pending = messages is None
        return JSONResponse(
            {
                "conversationId": conv.conversation_id,
                "expirationTimestamp": 0,
                "messages": messages or [],
                "modalities": {},
                "metadata": {
                    "intentId": "InventoryFlow",
                    "hasPendingDataRequest": pending,
                    "escalation": False,
                },
            }
        )

    @staticmethod
    def _msg(text: str, choices: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {
            "messageId": str(uuid.uuid4()),
            "nodeId": "n",
            "text": text,
            "type": "text",
            "choices": choices or [],
        }

    # ---- the scripted flow -------------------------------------------------------------------------------

    async def _step(self, conv: FakeConversation, text: str, choice_id: str | None) -> list[dict[str, Any]]:
        if conv.confirmation_id and (choice_id in ("yes", "no") or text in ("yes", "no")):
            confirmed = choice_id == "yes" or text == "yes"
            answer = await self._data_request(
                "/api/nlx/orders/confirm",
                {"confirmation_id": conv.confirmation_id, "confirmed": confirmed},
                conv,
            )
            conv.confirmation_id = None
            return [self._msg(answer["text"])]
        order = _order(text)
        if order:
            item, quantity = order
            answer = await self._data_request(
                "/api/nlx/orders/propose", {"item": item, "quantity": quantity}, conv
            )
            if not answer.get("confirmation_id"):
                return [self._msg(answer["text"])]
            conv.confirmation_id = answer["confirmation_id"]
            choices = [{"choiceId": "yes", "choiceText": "Yes"}, {"choiceId": "no", "choiceText": "No"}]
            return [self._msg(answer["read_back"], choices)]
        stock = re.match(
            r"(?:how many|stock of|check) (.+?)(?: do we have| are there| are left| left)*$", text
        )
        if stock:
            answer = await self._data_request("/api/nlx/inventory/check", {"item": stock.group(1)}, conv)
            return [self._msg(answer["text"])]
        if "low" in text:
            answer = await self._data_request("/api/nlx/inventory/low-stock", {"limit": 3}, conv)
            return [self._msg(answer["text"])]
        return [self._msg("I can check stock, list what is low, or place an order.")]

    async def _data_request(
        self, path: str, payload: dict[str, Any], conv: FakeConversation
    ) -> dict[str, Any]:
        self.data_requests.append((path, payload))
        headers = {"Authorization": f"Bearer {self.webhook_token}"}
        context = {"conversationId": conv.conversation_id}
        if self.legacy_envelope:
            body = {
                "variables": [{"variableId": "Result", "payload": payload}],
                "state": {},
                "context": context,
            }
            r = await self._http.post(path, json=body, headers=headers)
            r.raise_for_status()
            value: dict[str, Any] = r.json()["resolvedVariables"][0]["value"]
            return value
        r = await self._http.post(path, json=payload, headers=headers)
        r.raise_for_status()
        answer: dict[str, Any] = r.json()
        return answer


_ORDER = re.compile(r"(?:please )?(?:place an order for|order|buy) (.+)")


def _order(text: str) -> tuple[str, int] | None:
    """(item, quantity) of "order 48 paper cups" or "buy thirty seven of antifreeze"; None when it is no order
    with a whole quantity up front ("order status for ...", "order more mop buckets")."""
    match = _ORDER.fullmatch(text)
    if match is None:
        return None
    tokens = tokenize(match.group(1))
    number = parse_at(tokens, 0) if tokens else None
    quantity = number.as_int if number is not None else None
    if number is None or quantity is None or quantity < 1:
        return None
    rest = tokens[number.end :]
    item = " ".join(rest[1:] if rest[:1] == ["of"] else rest)
    return (item, quantity) if item else None
