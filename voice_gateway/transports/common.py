"""What both transports share: the app's services, token checks, the sessions-per-token cap, and building a
``CallSession`` from settings."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import State

from voice_gateway.api.deps import verify_token
from voice_gateway.events import SessionOutput
from voice_gateway.metrics import GatewayMetrics, gateway_metrics
from voice_gateway.session import CallSession
from voice_gateway.settings import Settings
from voice_gateway.turns.options import Channel, SessionOptions

log = logging.getLogger("voice_gateway.transports")

# WebSocket close codes (RFC 6455 §7.4.1).
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_LATER = 1013


class SessionRegistry:
    """Calls in progress per actor (one actor per token), to cap sessions per token."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def acquire(self, actor: str, limit: int) -> bool:
        if self._count.get(actor, 0) >= limit:
            return False
        self._count[actor] = self._count.get(actor, 0) + 1
        return True

    def release(self, actor: str) -> None:
        left = self._count.get(actor, 0) - 1
        if left > 0:
            self._count[actor] = left
        else:
            self._count.pop(actor, None)

    def active(self, actor: str) -> int:
        return self._count.get(actor, 0)


@dataclass
class Gateway:
    """Per-app gateway state, built on first use."""

    services: Any  # voice_gateway.wiring.Services
    metrics: GatewayMetrics
    registry: SessionRegistry

    @property
    def settings(self) -> Settings:
        settings: Settings = self.services.settings
        return settings


def gateway(state: State) -> Gateway:
    found = getattr(state, "voice_gateway", None)
    if isinstance(found, Gateway) and found.services is state.services:
        return found
    gw = Gateway(state.services, gateway_metrics(state), SessionRegistry())
    state.voice_gateway = gw
    return gw


def authenticate(gw: Gateway, token: str | None) -> str | None:
    return verify_token(gw.services, token) if token else None


class NotReady(Exception):
    """The speech or dialogue services are not configured."""


def new_session(
    gw: Gateway,
    *,
    channel: Channel,
    actor: str,
    output: SessionOutput,
    output_rate: int,
    session_id: str | None = None,
    site: str | None = None,
    options: SessionOptions | None = None,
) -> CallSession:
    services = gw.services
    if services.recognizer is None or services.synthesizer is None or services.conversations is None:
        raise NotReady("speech or dialogue services are not configured")
    sid = session_id or uuid.uuid4().hex[:16]
    conversation = services.conversations.open(sid, channel, actor, site)
    # ``services.session_options`` ({"voice": ..., "phone": ...}) overrides the settings-derived defaults.
    custom = getattr(services, "session_options", None)
    opts = options or (custom.get(channel) if isinstance(custom, dict) else None)
    opts = (opts or SessionOptions.from_settings(gw.settings, channel)).with_(output_rate=output_rate)
    # A synthesizer that offers one instance per call (MiniMax: its own connection) gets one, closed with it.
    synthesizer = services.synthesizer
    per_call = getattr(synthesizer, "for_call", None)
    if callable(per_call):
        synthesizer = per_call()
    return CallSession(
        sid,
        conversation,
        services.recognizer,
        synthesizer,
        output,
        options=opts,
        metrics=gw.metrics,
        fallback_synthesizer=getattr(services, "fallback_synthesizer", None),
        fallback_recognizer=getattr(services, "fallback_recognizer", None),
        channel=channel,
        owns_synthesizer=callable(per_call),
    )
