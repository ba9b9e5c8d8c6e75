"""What both transports share: finding the app's ``Gateway``, admitting a caller (token, sessions-per-token
cap), and opening and closing a ``CallSession`` with the gateway's engines and options."""

from __future__ import annotations

import contextlib
import logging
import uuid

from fastapi import WebSocket, WebSocketDisconnect
from starlette.datastructures import State
from starlette.websockets import WebSocketState

from voice_gateway.events import SessionOutput
from voice_gateway.gateway import Gateway, GatewayNotSet, gateway_of
from voice_gateway.options import Channel
from voice_gateway.protocol import ErrorCode
from voice_gateway.session import CallSession
from voice_gateway.speech.ports import PerCallSynthesizer, SpeechSynthesizer

log = logging.getLogger("voice_gateway.transports")

# WebSocket close codes (RFC 6455 §7.4.1).
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_LATER = 1013


class NotReady(Exception):
    """The gateway cannot serve this channel (no session options for it)."""


class CallEnded(Exception):
    """End the call: close the socket with ``code`` (the transport tells the caller ``reason`` its own way)."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


async def admit(gw: Gateway, token: str | None) -> tuple[str, str]:
    """The caller's actor and the seat it holds among its token's calls (given back by ``finish_call``)."""
    actor = gw.authenticate(token)
    if actor is None:
        raise CallEnded(CLOSE_POLICY, ErrorCode.UNAUTHORIZED, "a valid token is required")
    try:
        seat = await gw.registry.acquire(actor, gw.limits.max_sessions_per_token)
    except Exception as exc:  # the shared store of seats is down: say so, do not take calls blind
        log.warning("call seats unavailable: %s", exc)
        raise CallEnded(
            CLOSE_TRY_LATER, ErrorCode.UNAVAILABLE, "the service cannot take calls right now"
        ) from exc
    if seat is None:
        raise CallEnded(
            CLOSE_TRY_LATER, ErrorCode.TOO_MANY_SESSIONS, "too many calls in progress for this token"
        )
    return actor, seat


def gateway_for_call(state: State) -> Gateway:
    """The app's gateway; a call that arrives while none is set ends as an internal error."""
    try:
        return gateway_of(state)
    except GatewayNotSet as exc:
        raise CallEnded(CLOSE_INTERNAL, ErrorCode.INTERNAL, str(exc)) from exc


async def close_socket(ws: WebSocket, code: int, reason: str) -> None:
    """Close unless the client already went (closing a gone socket raises)."""
    if ws.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await ws.close(code, reason[:120])


def open_session(
    gw: Gateway,
    *,
    channel: Channel,
    actor: str,
    output: SessionOutput,
    output_rate: int,
    session_id: str | None = None,
    site: str | None = None,
) -> CallSession:
    """A session for a caller admitted on ``channel``; any failure to build it ends the call as an internal
    error."""
    try:
        return _new_session(gw, channel, actor, output, output_rate, session_id, site)
    except NotReady as exc:
        raise CallEnded(CLOSE_INTERNAL, ErrorCode.INTERNAL, str(exc)) from exc
    except Exception as exc:
        log.exception("could not open a call")
        raise CallEnded(CLOSE_INTERNAL, ErrorCode.INTERNAL, "the call could not be opened") from exc


def _new_session(
    gw: Gateway,
    channel: Channel,
    actor: str,
    output: SessionOutput,
    output_rate: int,
    session_id: str | None,
    site: str | None,
) -> CallSession:
    options = gw.session_options.get(channel)
    if options is None:
        raise NotReady(f"no session options for the {channel} channel")
    sid = session_id or uuid.uuid4().hex[:16]
    conversation = gw.conversations.open(sid, channel, actor, site)
    # A synthesizer that offers one instance per call (MiniMax: its own connection) gets one, closed with it.
    synthesizer: SpeechSynthesizer = gw.synthesizer
    per_call = isinstance(synthesizer, PerCallSynthesizer)
    if isinstance(synthesizer, PerCallSynthesizer):
        synthesizer = synthesizer.for_call()
    return CallSession(
        sid,
        conversation,
        gw.recognizer,
        synthesizer,
        output,
        options=options.with_(output_rate=output_rate),
        metrics=gw.metrics,
        fallback_synthesizer=gw.fallback_synthesizer,
        fallback_recognizer=gw.fallback_recognizer,
        channel=channel,
        owns_synthesizer=per_call,
    )


async def finish_call(gw: Gateway, session: CallSession | None, seat: str | None, reason: str) -> None:
    """Close the session (its log says why) and give the token's seat back."""
    if session is not None:
        await session.aclose(reason)
    if seat is not None:
        try:
            await gw.registry.release(seat)
        except Exception:  # a seat not given back frees itself when its lease runs out
            log.warning("could not give a call seat back", exc_info=True)
