"""What the benchmarks' server processes share: a ``POST /bench/stop`` that ends the server, and the start that
warms the engines up before announcing the port (``PORT <n>`` on stdout, which the driving process waits for)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI


def stoppable_server(app: FastAPI, config: uvicorn.Config) -> uvicorn.Server:
    """A server for ``app`` that ``POST /bench/stop`` ends."""
    server = uvicorn.Server(config)

    @app.post("/bench/stop")
    async def stop() -> dict[str, bool]:
        server.should_exit = True
        return {"ok": True}

    return server


async def serve_announced(
    server: uvicorn.Server, warm_up: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Serve; once ``warm_up`` is done and the socket is bound, print the port; return when the server ends."""
    task = asyncio.create_task(server.serve())
    if warm_up is not None:
        await warm_up()  # decoders built before the first call, as a served process would
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
        await asyncio.sleep(0.01)
    print(f"PORT {server.servers[0].sockets[0].getsockname()[1]}", flush=True)
    await task
