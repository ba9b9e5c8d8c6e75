"""A real uvicorn server on loopback serving the gateway's routes over a ``Gateway`` of fakes (tests replace
``app.state.gateway`` with one of their own), and ``connect`` for a ``/ws/voice`` client to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from tests.fakes.clock import eventually
from tests.fakes.gateway import fake_gateway
from voice_gateway import routes
from voice_gateway.client import VoiceClient


@pytest_asyncio.fixture(scope="module")
async def server() -> AsyncIterator[tuple[FastAPI, str]]:
    app = FastAPI()
    app.include_router(routes.router)
    app.state.gateway = fake_gateway()
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


async def connect(host: str, path: str = "/ws/voice", query: str = "") -> VoiceClient:
    return await VoiceClient.connect(f"ws://{host}{path}{query}")
