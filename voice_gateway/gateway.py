"""The gateway as its host app builds it: the speech engines, the conversation factory, how a token is checked,
the session options per channel and the limits. The app sets one on ``app.state.gateway``; the transports and
``/metrics`` read it with ``gateway_of``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from starlette.datastructures import State

from dialogue.contract import ConversationFactory
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.options import Channel, SessionOptions
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer


@dataclass(frozen=True)
class GatewayLimits:
    max_sessions_per_token: int = 20
    """Calls one token may hold open at once (``too_many_sessions`` beyond)."""
    max_ws_message_bytes: int = 256_000
    """Largest WebSocket message taken (``message_too_large`` beyond)."""
    start_timeout_s: float = 10.0
    """A ``/ws/voice`` or ``/ws/twilio`` socket that has sent no ``start`` this long after connecting is closed
    (``start_timeout``)."""


class CallSeats(Protocol):
    """Seats for calls in progress per actor (one actor per token), to cap calls per token. The app's holds
    across instances (``inventory_core.shared_limits.MongoSeats``); ``SessionRegistry`` holds in one process."""

    async def acquire(self, holder: str, limit: int) -> str | None:
        """A seat for ``holder``, or None when ``limit`` of its calls are in progress."""
        ...

    async def release(self, seat: str) -> None: ...

    def held(self, holder: str) -> int:
        """Seats of ``holder`` held by this instance."""
        ...


class SessionRegistry:
    """``CallSeats`` in one process."""

    def __init__(self) -> None:
        self._seats: dict[str, str] = {}  # seat -> holder

    async def acquire(self, holder: str, limit: int) -> str | None:
        if self.held(holder) >= limit:
            return None
        seat = uuid.uuid4().hex
        self._seats[seat] = holder
        return seat

    async def release(self, seat: str) -> None:
        self._seats.pop(seat, None)

    def held(self, holder: str) -> int:
        return sum(1 for h in self._seats.values() if h == holder)

    def active(self, holder: str) -> int:
        return self.held(holder)


@dataclass
class Gateway:
    """Everything a call needs from outside the gateway. A synthesizer offering ``for_call()`` gets an instance
    of its own per call, closed with the call."""

    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer
    conversations: ConversationFactory
    authenticate: Callable[[str | None], str | None]
    """A presented token (None when there was none) -> the actor it stands for, or None."""
    session_options: Mapping[Channel, SessionOptions]
    """Per channel ("voice": ``/ws/voice``, "phone": ``/ws/twilio``); the output rate is set per call."""
    limits: GatewayLimits = GatewayLimits()
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    fallback_recognizer: SpeechRecognizer | None = None
    """Tried when the recognizer fails a turn (after its retries)."""
    fallback_synthesizer: SpeechSynthesizer | None = None
    """Speaks the rest of a reply when the synthesizer fails (after its retries)."""
    registry: CallSeats = field(default_factory=SessionRegistry)


class GatewayNotSet(LookupError):
    """The app has not set ``state.gateway`` (yet): calls are refused as an internal error."""


def gateway_of(state: State) -> Gateway:
    """The app's gateway (``state.gateway``)."""
    found = getattr(state, "gateway", None)
    if not isinstance(found, Gateway):
        raise GatewayNotSet("the voice gateway is not configured")
    return found
