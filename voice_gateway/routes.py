"""Everything the gateway serves over HTTP, as one router for the host app to mount: ``/ws/voice``, ``/ws/twilio``
and the browser page. Each reads the app's ``Gateway`` from ``app.state.gateway``. The gateway's metrics
(``Gateway.metrics``) are on a registry the host app serves (``/metrics``, with its own access rule)."""

from __future__ import annotations

from fastapi import APIRouter

from voice_gateway import page
from voice_gateway.transports import twilio, ws_voice

router = APIRouter()
for _part in (ws_voice.router, twilio.router, page.router):
    router.include_router(_part)
