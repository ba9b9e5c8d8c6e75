"""The ASGI app factory. Its lifespan opens every service (``app.services.open_services``), puts the faces on
``app.state`` and closes them again."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from app.docs import install_docs
from app.errors import BodySizeLimit, install_error_handlers
from app.gateway import voice_gateway
from app.http_metrics import HttpMetricsMiddleware, metrics_router
from app.logs import RequestIds
from app.nlx import nlx_runtime
from app.routes import admin, agent, console, insights, orders, suppliers
from app.routes import auth as auth_routes
from app.routes import calls as call_routes
from app.routes import inventory as inventory_routes
from app.routes import ops as ops_routes
from app.services import Services, open_services
from app.settings import Settings
from dialogue.forecasts import MovementRateForecasts
from dialogue.tools import InventoryTools
from nlx_webhooks import routes as nlx_routes
from nlx_webhooks import voice_middleware
from voice_gateway import routes as gateway_routes
from voice_gateway.speech.ports import RecognizerWithFallback

log = logging.getLogger("inventorypulse.app")

CORS_HEADERS = ("Authorization", "x-api-key", "Content-Type", "Idempotency-Key", "X-Request-ID")
"""Request headers a browser page on an allowed origin may send (``IP_CORS_ORIGINS``)."""

ROUTERS: tuple[APIRouter, ...] = (
    ops_routes.router,
    auth_routes.router,
    call_routes.router,
    inventory_routes.router,
    suppliers.router,
    orders.router,
    admin.router,
    agent.router,
    insights.router,
    voice_middleware.router,
    nlx_routes.router,
    gateway_routes.router,
    console.router,
)


def install(app: FastAPI, services: Services) -> None:
    """Put the services and the typed faces each package's routes read on ``app.state``: the services (REST,
    MCP, ``/metrics``), the voice gateway (``/ws/voice``, ``/ws/twilio``) and the NLX runtime (``/api/nlx``,
    ``/api/voice``)."""
    app.state.services = services
    app.state.gateway = voice_gateway(services)
    tools = (
        services.dialogue.tools
        if services.dialogue is not None
        else InventoryTools(services.inventory, MovementRateForecasts(services.inventory))
    )
    app.state.nlx = nlx_runtime(
        tools,
        services.inventory.store.db,
        services.auth,
        services.settings,
        services.recognizer
        if services.recognizer is None or services.fallback_recognizer is None
        else RecognizerWithFallback(services.recognizer, services.fallback_recognizer),
        services.synthesizer,
    )


async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Hands ``/mcp`` to the MCP streamable-HTTP app the services built (the app exists only once the
    lifespan has opened them)."""
    services = scope["app"].state.services
    mcp = services.mcp if isinstance(services, Services) else None
    if mcp is None:
        response = JSONResponse(
            {"code": "mcp_unavailable", "message": "the MCP server is not running", "retryable": True},
            status_code=503,
        )
        await response(scope, receive, send)
        return
    await mcp.app(scope, receive, send)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. Pass ``services`` to serve already-open services (tests); otherwise the lifespan opens
    them from ``settings``."""
    settings = settings or (services.settings if services else Settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            yield
            return
        async with open_services(settings) as opened:
            install(app, opened)
            yield

    app = FastAPI(
        title="InventoryPulse Voice",
        version="0.1.0",
        description="Voice-first inventory assistant: stock questions, restock advice, confirmed writes.",
        lifespan=lifespan,
        docs_url=None,  # app.docs serves /docs and /redoc from packaged assets (FastAPI's use a CDN)
        redoc_url=None,
    )
    install_docs(app)
    install_error_handlers(app)
    # The last added runs first: request id, CORS, HTTP metrics, the body size limit, then the routes.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(HttpMetricsMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=list(CORS_HEADERS),
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestIds)

    app.state.services = app.state.gateway = app.state.nlx = None
    if services is not None:
        install(app, services)

    @app.get("/api/health", tags=["system"], summary="Service and store health (no token needed)")
    async def health(request: Request) -> JSONResponse:
        opened = request.app.state.services
        checks: dict[str, Any] = {"store": "not started"}
        if isinstance(opened, Services):
            checks = await opened.inventory.health()
        ok = checks.get("store") == "ok"
        body = {"status": "ok" if ok else "degraded", "timestamp": datetime.now(UTC).isoformat(), **checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(metrics_router(settings.metrics_token))
    app.mount("/mcp", mcp_endpoint)
    app.mount("/console/assets", console.assets, name="console-assets")
    return app
