"""``python -m app mcp``: the MCP tools over stdio, for MCP clients that start a server process. Callers are
recorded as ``mcp-stdio`` on every movement and order. The store is the service's (same settings, same data)."""

from __future__ import annotations

import asyncio

from app.services import Parts, open_services
from app.settings import Settings
from dialogue.mcp_server import build_mcp_server


async def serve_stdio(settings: Settings) -> None:
    parts = Parts(forecasting=False, speech=False, mcp_http=False)
    async with open_services(settings, parts=parts, load_demo_progress=False) as services:
        assert services.dialogue is not None
        await build_mcp_server(services.dialogue.tools).run_stdio_async()


def run(settings: Settings) -> int:
    asyncio.run(serve_stdio(settings))
    return 0
