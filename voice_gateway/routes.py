"""Everything the gateway serves over HTTP, as one router for the host app to mount: ``/ws/voice``,
``/ws/twilio``, the browser page and ``/metrics``. Each reads the app's ``Gateway`` from ``app.state.gateway``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from voice_gateway import page
from voice_gateway.gateway import GatewayNotSet, gateway_of
from voice_gateway.transports import twilio, ws_voice

metrics_router = APIRouter(tags=["system"])


@metrics_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The gateway's Prometheus metrics (its own registry)."""
    try:
        gw = gateway_of(request.app.state)
    except GatewayNotSet as exc:
        raise HTTPException(503, detail={"code": "gateway_not_ready", "message": str(exc)}) from exc
    return Response(generate_latest(gw.metrics.registry), media_type=CONTENT_TYPE_LATEST)


router = APIRouter()
for _part in (ws_voice.router, twilio.router, page.router, metrics_router):
    router.include_router(_part)
