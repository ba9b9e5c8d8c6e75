"""The ASGI app factory. Its lifespan opens every service (``wiring.open_services``) and closes them again."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from app.errors import BodySizeLimit, install_error_handlers
from app.routes import agent, insights
from app.routes import inventory as inventory_routes
from app.services import Services, open_services
from app.settings import Settings
from nlx_webhooks import routes as nlx_routes
from nlx_webhooks import voice_middleware
from voice_gateway import metrics, page
from voice_gateway.transports import twilio, ws_voice

log = logging.getLogger("inventorypulse.app")

ROUTERS: tuple[APIRouter, ...] = (
    inventory_routes.router,
    agent.router,
    insights.router,
    voice_middleware.router,
    nlx_routes.router,
    ws_voice.router,
    twilio.router,
    page.router,
    metrics.router,
)


async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Hands ``/mcp`` to the MCP streamable-HTTP app the services built (the app exists only once the
    lifespan has opened them)."""
    services = getattr(scope["app"].state, "services", None)
    mcp = getattr(services, "mcp", None)
    if mcp is None:
        response = JSONResponse(
            {"code": "mcp_unavailable", "message": "the MCP server is not running", "retryable": True},
            status_code=503,
        )
        await response(scope, receive, send)
        return
    await mcp.app(scope, receive, send)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. Pass ``services`` to reuse already-open services (tests); otherwise the lifespan opens
    them from ``settings``."""
    settings = settings or (services.settings if services else Settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        async with open_services(settings) as opened:
            app.state.services = opened
            yield

    app = FastAPI(
        title="InventoryPulse Voice",
        version="0.1.0",
        description="Voice-first inventory assistant: stock questions, restock advice, confirmed writes.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)

    @app.get("/api/health", tags=["system"])
    async def health(request: Request) -> JSONResponse:
        opened: Services | None = getattr(request.app.state, "services", None)
        checks: dict[str, Any] = {"store": "not started"}
        if opened is not None:
            checks = await opened.inventory.health()
        ok = checks.get("store") == "ok"
        body = {"status": "ok" if ok else "degraded", "timestamp": datetime.now(UTC).isoformat(), **checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/mcp", mcp_endpoint)
    return app
