"""A real uvicorn server on loopback serving the gateway's routers over fake services, and a small WebSocket
client for tests that speak the wire protocols."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
import websockets
from fastapi import FastAPI
from pydantic import SecretStr

from app.settings import Settings
from tests.gateway.fakes import FakeConversationFactory, FakeRecognizer, FakeSynthesizer, eventually
from voice_gateway import metrics, page
from voice_gateway.transports import twilio, ws_voice
from voice_gateway.turns.bargein import BargeInOptions
from voice_gateway.turns.options import SessionOptions

TOKEN = "test-token-" + "x" * 8


@dataclass
class FakeServices:
    """The part of ``wiring.Services`` the gateway uses."""

    settings: Settings
    recognizer: Any
    synthesizer: Any
    conversations: Any
    tokens: dict[str, str] = field(default_factory=lambda: {TOKEN: "tester"})
    session_options: dict[str, SessionOptions] = field(default_factory=dict)
    fallback_synthesizer: Any = None

    def actor_for(self, token: str | None) -> str | None:
        for known, actor in self.tokens.items():
            if token and secrets.compare_digest(known, token):
                return actor
        return None


def make_services(**kw: Any) -> FakeServices:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        api_tokens=[SecretStr(TOKEN)],
        max_sessions_per_token=kw.pop("max_sessions", 20),
        max_ws_message_bytes=kw.pop("max_bytes", 64_000),
    )
    opts = SessionOptions(greet=kw.pop("greet", False), no_input_s=0.0)
    services = FakeServices(
        settings=settings,
        recognizer=kw.pop("recognizer", None) or FakeRecognizer(),
        synthesizer=kw.pop("synthesizer", None) or FakeSynthesizer(seconds_per_char=0.02, pace_s=0.0),
        conversations=kw.pop("conversations", None) or FakeConversationFactory(),
        session_options={
            "voice": opts,
            "phone": opts.with_(barge_in=BargeInOptions(echo_guard_s=settings.phone_echo_guard_s)),
        },
        **kw,
    )
    return services


@pytest_asyncio.fixture(scope="module")
async def server() -> AsyncIterator[tuple[FastAPI, str]]:
    app = FastAPI()
    for module in (ws_voice, twilio, page, metrics):
        app.include_router(module.router)
    app.state.services = make_services()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws_max_size=1 << 20
    )
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    await eventually(lambda: srv.started)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield app, f"127.0.0.1:{port}"
    srv.should_exit = True
    await task


@pytest.fixture
def gateway_app(server: tuple[FastAPI, str]) -> FastAPI:
    return server[0]


@pytest.fixture
def host(server: tuple[FastAPI, str]) -> str:
    return server[1]


class Client:
    """A WebSocket client that sorts what it receives into JSON messages and binary audio."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any] | bytes] = []

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def recv(self, within_s: float = 10.0) -> dict[str, Any] | bytes:
        raw = await asyncio.wait_for(self.ws.recv(), within_s)
        item: dict[str, Any] | bytes = raw if isinstance(raw, bytes) else json.loads(raw)
        self.received.append(item)
        return item

    async def message(self, within_s: float = 10.0) -> dict[str, Any]:
        """The next item, which must be a JSON message."""
        item = await self.recv(within_s)
        assert isinstance(item, dict), f"expected a JSON message, got {len(item)} bytes of audio"
        return item

    async def until(self, kind: str, within_s: float = 10.0) -> dict[str, Any]:
        """Receive until a JSON message of type ``kind`` (or ``event`` for Twilio) arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            item = await self.recv(max(0.01, deadline - loop.time()))
            if isinstance(item, dict) and kind in (item.get("type"), item.get("event")):
                return item

    def types(self) -> list[str]:
        return [
            "<audio>" if isinstance(i, bytes) else str(i.get("type") or i.get("event")) for i in self.received
        ]

    async def closed(self, within_s: float = 10.0) -> tuple[int | None, str | None]:
        """Drain until the server closes; the close code and reason."""
        try:
            while True:
                await self.recv(within_s)
        except websockets.ConnectionClosed as exc:
            return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, None)


async def connect(host: str, path: str = "/ws/voice", query: str = "") -> Client:
    # An unbounded queue: a test that stops reading must not stall the closing handshake.
    ws = await websockets.connect(f"ws://{host}{path}{query}", max_size=None, max_queue=None)
    return Client(ws)
