"""What both transports share: the app's services, token checks, the sessions-per-token cap, and building a
``CallSession`` from settings."""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.datastructures import State
from starlette.websockets import WebSocketState

from app.deps import verify_token
from app.settings import Settings
from voice_gateway.events import SessionOutput
from voice_gateway.metrics import GatewayMetrics, gateway_metrics
from voice_gateway.protocol import ErrorCode
from voice_gateway.session import CallSession
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

    services: Any  # app.services.Services
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


class CallEnded(Exception):
    """End the call: close the socket with ``code`` (the transport tells the caller ``reason`` its own way)."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


def admit(gw: Gateway, token: str | None) -> str:
    """The caller's actor, holding one of its token's session places (release it with the registry)."""
    actor = authenticate(gw, token)
    if actor is None:
        raise CallEnded(CLOSE_POLICY, ErrorCode.UNAUTHORIZED, "a valid token is required")
    if not gw.registry.acquire(actor, gw.settings.max_sessions_per_token):
        raise CallEnded(
            CLOSE_TRY_LATER, ErrorCode.TOO_MANY_SESSIONS, "too many calls in progress for this token"
        )
    return actor


async def close_socket(ws: WebSocket, code: int, reason: str) -> None:
    """Close unless the client already went (closing a gone socket raises)."""
    if ws.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await ws.close(code, reason[:120])


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


def open_session(gw: Gateway, **kw: Any) -> CallSession:
    """``new_session``, with any failure to build it ending the call as an internal error."""
    try:
        return new_session(gw, **kw)
    except NotReady as exc:
        raise CallEnded(CLOSE_INTERNAL, ErrorCode.INTERNAL, str(exc)) from exc
    except Exception as exc:
        log.exception("could not open a call")
        raise CallEnded(CLOSE_INTERNAL, ErrorCode.INTERNAL, "the call could not be opened") from exc


async def finish_call(gw: Gateway, session: CallSession | None, actor: str | None, reason: str) -> None:
    """Close the session (its log says why) and give the token's place back."""
    if session is not None:
        await session.aclose(reason)
    if actor is not None:
        gw.registry.release(actor)
