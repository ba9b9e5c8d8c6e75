"""``/ws/twilio``: phone calls over Twilio Media Streams (bidirectional ``<Connect><Stream>``).

In: ``connected``, ``start``, ``media`` (base64 μ-law 8 kHz), ``dtmf``, ``mark``, ``stop``. Out: ``media``, ``mark``
and ``clear``. Twilio shows no error messages to a caller, so protocol errors are logged and counted, and fatal
ones close the socket with a reason. Auth: a ``token`` custom parameter (``<Parameter name="token" .../>``)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from voice_gateway import events as ev
from voice_gateway.audio import Reframer, StreamResampler, mulaw_decode, mulaw_encode
from voice_gateway.gateway import Gateway
from voice_gateway.protocol import ErrorCode
from voice_gateway.session import INPUT_RATE, CallSession
from voice_gateway.transports.common import (
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_UNSUPPORTED,
    CallEnded,
    admit,
    close_socket,
    finish_call,
    gateway_for_call,
    open_session,
)

log = logging.getLogger("voice_gateway.transports.twilio")
router = APIRouter()

TWILIO_RATE = 8000
MARK_EVERY_MS = 100  # a mark per 100 ms of audio: what Twilio echoes back is what the caller heard


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MediaFormat(_In):
    encoding: str
    sampleRate: int
    channels: int = 1


class StartInfo(_In):
    accountSid: str = ""
    streamSid: str = ""
    callSid: str = ""
    tracks: list[str] = Field(default_factory=list)
    customParameters: dict[str, str] = Field(default_factory=dict)
    mediaFormat: MediaFormat


class Connected(_In):
    event: Literal["connected"]


class Start(_In):
    event: Literal["start"]
    start: StartInfo
    streamSid: str = ""


class MediaPayload(_In):
    track: str = "inbound"
    payload: str


class Media(_In):
    event: Literal["media"]
    media: MediaPayload


class DtmfInfo(_In):
    digit: str = Field(min_length=1, max_length=1)


class Dtmf(_In):
    event: Literal["dtmf"]
    dtmf: DtmfInfo


class MarkInfo(_In):
    name: str


class Mark(_In):
    event: Literal["mark"]
    mark: MarkInfo


class Stop(_In):
    event: Literal["stop"]


TwilioMessage = Annotated[Connected | Start | Media | Dtmf | Mark | Stop, Field(discriminator="event")]
twilio_adapter: TypeAdapter[Connected | Start | Media | Dtmf | Mark | Stop] = TypeAdapter(TwilioMessage)


class TwilioOutput:
    """Session events as Twilio messages: reply audio as μ-law ``media`` with a ``mark`` every 100 ms, and
    ``clear`` on barge-in. Echoed marks report what was played."""

    confirms_playback = True

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self.stream_sid = ""
        self.session: CallSession | None = None
        self.broken = False
        self._cleared: set[str] = set()
        self._last_end: dict[str, float] = {}

    async def _send(self, message: dict[str, Any]) -> None:
        if self.broken:
            return
        try:
            await self._ws.send_text(json.dumps(message))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.broken = True

    async def _mark(self, turn_id: str, end_s: float) -> None:
        await self._send(
            {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": f"{turn_id}|{end_s:.3f}"}}
        )

    async def send(self, event: ev.SessionEvent) -> None:
        if isinstance(event, ev.AudioChunk):
            payload = base64.b64encode(mulaw_encode(event.pcm)).decode("ascii")
            await self._send({"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}})
            before_ms = round(1000 * self._last_end.get(event.turn_id, 0.0))
            mark_due = before_ms // MARK_EVERY_MS < round(1000 * event.end_s) // MARK_EVERY_MS
            self._last_end[event.turn_id] = event.end_s
            if mark_due:
                await self._mark(event.turn_id, event.end_s)
        elif isinstance(event, ev.AudioEnded):
            await self._mark(event.turn_id, self._last_end.pop(event.turn_id, 0.0))
        elif isinstance(event, ev.Cleared):
            self._cleared.add(event.turn_id)
            self._last_end.pop(event.turn_id, None)
            await self._send({"event": "clear", "streamSid": self.stream_sid})
        elif isinstance(event, ev.ErrorRaised):
            log.warning("call error %s: %s", event.code, event.message, extra={"stream_sid": self.stream_sid})

    def on_mark(self, name: str) -> None:
        turn_id, _, end = name.rpartition("|")
        # Twilio also echoes the marks a clear dropped: those were never heard.
        if self.session is None or not turn_id or turn_id in self._cleared:
            return
        with contextlib.suppress(ValueError):
            self.session.confirm_played(turn_id, float(end))

    async def close(self, code: int, reason: str) -> None:
        if not self.broken:
            await close_socket(self._ws, code, reason)


class TwilioCall:
    def __init__(self, websocket: WebSocket, gw: Gateway) -> None:
        self.ws = websocket
        self.gw = gw
        self.output = TwilioOutput(websocket)
        self.session: CallSession | None = None
        self.actor: str | None = None
        self.seat: str | None = None  # its place among the token's calls in progress
        self._resampler: StreamResampler | None = (
            None  # made with the first audio: a socket may never send any
        )
        self._reframer = Reframer.for_rate(INPUT_RATE)
        self._max_bytes = gw.limits.max_ws_message_bytes

    async def run(self) -> None:
        await self.ws.accept()
        reason = "client_gone"
        try:
            reason = await self._pump()
        except CallEnded as hang:
            reason = hang.reason
            log.warning(
                "closing Twilio stream: %s (%s)",
                hang.reason,
                hang,
                extra={"stream_sid": self.output.stream_sid},
            )
            self._count(hang.reason)
            if self.session is not None:
                self.session.close_reason = hang.reason
            await self.output.close(hang.code, hang.reason)
        except WebSocketDisconnect:
            pass
        finally:
            await finish_call(self.gw, self.session, self.seat, reason)
            if reason == "call_ended":
                await self.output.close(CLOSE_NORMAL, reason)

    def _count(self, code: str) -> None:
        self.gw.metrics.errors.labels(code).inc()

    async def _receive(self, start_deadline: float) -> Message:
        """The next WebSocket message; before ``start``, only until ``start_deadline`` (loop time)."""
        if self.session is not None:
            return await self.ws.receive()
        try:
            async with asyncio.timeout_at(start_deadline):
                return await self.ws.receive()
        except TimeoutError:
            limit = self.gw.limits.start_timeout_s
            raise CallEnded(CLOSE_POLICY, ErrorCode.START_TIMEOUT, f"no start within {limit:g} s") from None

    async def _pump(self) -> str:
        start_deadline = asyncio.get_running_loop().time() + self.gw.limits.start_timeout_s
        while True:
            message = await self._receive(start_deadline)
            if message["type"] == "websocket.disconnect":
                return "client_gone"
            raw = message.get("text") or message.get("bytes") or ""
            if len(raw) > self._max_bytes:
                raise CallEnded(CLOSE_TOO_BIG, ErrorCode.MESSAGE_TOO_LARGE, f"message of {len(raw)} bytes")
            try:
                msg = twilio_adapter.validate_json(raw)
            except ValidationError as exc:
                code = (
                    ErrorCode.BAD_JSON if exc.errors()[0]["type"] == "json_invalid" else ErrorCode.BAD_MESSAGE
                )
                self._count(code)
                log.warning(
                    "ignored a bad Twilio message (%s)", code, extra={"stream_sid": self.output.stream_sid}
                )
                continue
            if isinstance(msg, Stop):
                return "call_ended"
            if isinstance(msg, Start):
                await self._start(msg)
            elif self.session is None:
                if not isinstance(msg, Connected):
                    self._count(ErrorCode.NOT_STARTED)
            elif isinstance(msg, Media):
                self._media(self.session, msg)
            elif isinstance(msg, Dtmf):
                self.session.push_dtmf(msg.dtmf.digit)
            elif isinstance(msg, Mark):
                self.output.on_mark(msg.mark.name)

    def _media(self, session: CallSession, msg: Media) -> None:
        if msg.media.track not in ("inbound", "inbound_track"):
            return
        try:
            ulaw = base64.b64decode(msg.media.payload, validate=True)
        except (binascii.Error, ValueError):
            self._count(ErrorCode.BAD_FRAME)
            return
        if self._resampler is None:
            self._resampler = StreamResampler(TWILIO_RATE, INPUT_RATE)
        for frame in self._reframer.push(self._resampler.push(mulaw_decode(ulaw))):
            session.push_frame(frame)

    async def _start(self, msg: Start) -> None:
        if self.session is not None:
            self._count(ErrorCode.ALREADY_STARTED)
            return
        fmt = msg.start.mediaFormat
        if fmt.encoding != "audio/x-mulaw" or fmt.sampleRate != TWILIO_RATE or fmt.channels != 1:
            raise CallEnded(CLOSE_UNSUPPORTED, ErrorCode.UNSUPPORTED_AUDIO, f"media format {fmt}")
        params = msg.start.customParameters
        self.actor, self.seat = await admit(self.gw, params.get("token") or self.ws.query_params.get("token"))
        self.output.stream_sid = msg.streamSid or msg.start.streamSid
        self.session = open_session(
            self.gw,
            channel="phone",
            actor=self.actor,
            output=self.output,
            output_rate=TWILIO_RATE,
            session_id=(params.get("session_id") or msg.start.callSid or "")[:64] or None,
            site=params.get("site"),
        )
        self.output.session = self.session
        await self.session.start()


@router.websocket("/ws/twilio")
async def ws_twilio(websocket: WebSocket) -> None:
    try:
        gw = gateway_for_call(websocket.app.state)
    except CallEnded as closed:
        await websocket.accept()
        log.error("refusing a Twilio stream: %s", closed.message)
        await close_socket(websocket, closed.code, closed.reason)
        return
    await TwilioCall(websocket, gw).run()
