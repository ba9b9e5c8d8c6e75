"""The ASGI app factory. Its lifespan opens every service (``wiring.open_services``) and closes them again."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from voice_gateway.api import inventory as inventory_routes
from voice_gateway.api.errors import BodySizeLimit, install_error_handlers
from voice_gateway.settings import Settings
from voice_gateway.wiring import Services, open_services

log = logging.getLogger("inventorypulse.app")

# Routers contributed by the other parts of the gateway, included when their module is present.
OPTIONAL_ROUTERS = (
    "voice_gateway.api.agent",
    "voice_gateway.api.insights",
    "voice_gateway.api.voice_middleware",
    "nlx_webhooks.routes",
    "voice_gateway.transports.ws_voice",
    "voice_gateway.transports.twilio",
    "voice_gateway.page",
    "voice_gateway.metrics",
)


def _optional_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


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

    app.include_router(inventory_routes.router)
    for router in _optional_routers():
        app.include_router(router)
    return app
