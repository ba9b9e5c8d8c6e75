"""``/ws/voice``: browsers and headset apps. JSON control messages plus binary PCM16 frames of any length, which
are resampled to 16 kHz and cut into 20 ms frames for the session (see ``voice_gateway.protocol``)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from voice_gateway import events as ev
from voice_gateway import protocol as p
from voice_gateway.audio import Reframer, StreamResampler
from voice_gateway.gateway import Gateway
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

log = logging.getLogger("voice_gateway.transports.ws_voice")
router = APIRouter()

MAX_ERRORS_BEFORE_START = 5


def to_wire(event: ev.SessionEvent) -> str | bytes | None:
    """A session event as a ``/ws/voice`` frame (None: not sent to this client)."""
    msg: p.BaseModel
    match event:
        case ev.AudioChunk(pcm=pcm):
            return pcm
        case ev.Ready(session_id=sid):
            msg = p.ReadyMessage(session_id=sid)
        case ev.SpeechStarted():
            msg = p.SpeechStartedMessage()
        case ev.SpeechStopped():
            msg = p.SpeechStoppedMessage()
        case ev.TranscriptReady(text=text, final=final):
            msg = p.TranscriptMessage(text=text, final=final)
        case ev.ReplyReady():
            awaiting = p.WireHints(expect=event.awaiting.expect, phrases=list(event.awaiting.phrases))
            msg = p.ReplyMessage(
                turn_id=event.turn_id,
                text=event.text,
                awaiting=awaiting,
                intent=event.intent,
                cards=list(event.cards),
            )
        case ev.AudioStarted(turn_id=turn_id, sample_rate=rate):
            msg = p.AudioStartMessage(turn_id=turn_id, sample_rate=rate)
        case ev.AudioEnded(turn_id=turn_id):
            msg = p.AudioEndMessage(turn_id=turn_id)
        case ev.Cleared(turn_id=turn_id):
            msg = p.ClearMessage(turn_id=turn_id)
        case ev.ErrorRaised(code=code, message=message):
            msg = p.ErrorMessage(code=code, message=message)
        case _:
            return None
    return msg.model_dump_json()


class VoiceOutput:
    """Writes session events to the socket; after the client is gone, sends are dropped."""

    confirms_playback = False

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self.broken = False

    async def send(self, event: ev.SessionEvent) -> None:
        frame = to_wire(event)
        if frame is None or self.broken:
            return
        try:
            if isinstance(frame, bytes):
                await self._ws.send_bytes(frame)
            else:
                await self._ws.send_text(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.broken = True

    async def close(self, code: int, reason: str) -> None:
        if not self.broken:
            await close_socket(self._ws, code, reason)


class VoiceCall:
    """One ``/ws/voice`` connection: handshake, then frames onto a ``CallSession``."""

    def __init__(self, websocket: WebSocket, gw: Gateway) -> None:
        self.ws = websocket
        self.gw = gw
        self.output = VoiceOutput(websocket)
        self.session: CallSession | None = None
        self.actor: str | None = None
        self.seat: str | None = (
            None  # its place among the token's calls in progress  # holds a place in the sessions-per-token count while set
        )
        self._resampler: StreamResampler | None = None
        self._reframer = Reframer.for_rate(INPUT_RATE)
        self._max_bytes = gw.limits.max_ws_message_bytes

    async def run(self) -> None:
        await self.ws.accept()
        reason = "client_gone"
        try:
            start = await self._handshake()
            reason = "client_stop"
            if start is not None:
                await self._open(start)
                reason = "client_gone"
                await self._pump()
                reason = "client_stop"
        except CallEnded as closed:
            reason = closed.reason
            await self.output.send(ev.ErrorRaised(closed.reason, closed.message, fatal=True))
            if self.session is not None:
                self.session.close_reason = closed.reason
            await self.output.close(closed.code, closed.reason)
        except WebSocketDisconnect:
            pass
        finally:
            await finish_call(self.gw, self.session, self.seat, reason)
            if reason == "client_stop":
                await self.output.close(CLOSE_NORMAL, reason)

    # -- before start ---------------------------------------------------------------------------------------
    async def _receive(self) -> str | bytes:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        data: str | bytes | None = message.get("bytes")
        if data is None:
            data = message.get("text") or ""
        if len(data) > self._max_bytes:
            raise CallEnded(
                CLOSE_TOO_BIG,
                p.ErrorCode.MESSAGE_TOO_LARGE,
                f"messages are limited to {self._max_bytes} bytes",
            )
        return data

    async def _send_error(self, code: str, message: str) -> None:
        if self.session is not None:
            self.session.report_error(code, message)
        else:
            await self.output.send(ev.ErrorRaised(code, message))

    def _parse(self, text: str) -> p.StartMessage | p.StopMessage | p.TextMessage | tuple[str, str]:
        try:
            return p.client_message_adapter.validate_json(text)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                return (p.ErrorCode.BAD_JSON, "text frames must be JSON messages")
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "message"
            return (p.ErrorCode.BAD_MESSAGE, f"{where}: {first['msg']}")

    async def _handshake(self) -> p.StartMessage | None:
        """The start message, after answering anything else with an error; None if the client stopped."""
        errors = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.gw.limits.start_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    data = await self._receive()
            except TimeoutError:
                raise CallEnded(CLOSE_POLICY, p.ErrorCode.START_TIMEOUT, "no start message") from None
            problem: tuple[str, str]
            if isinstance(data, bytes):
                problem = (p.ErrorCode.NOT_STARTED, "send a start message before audio")
            else:
                msg = self._parse(data)
                if isinstance(msg, p.StartMessage):
                    return msg
                if isinstance(msg, p.StopMessage):
                    return None
                problem = msg if isinstance(msg, tuple) else (p.ErrorCode.NOT_STARTED, "send start first")
            errors += 1
            if errors >= MAX_ERRORS_BEFORE_START:
                raise CallEnded(CLOSE_POLICY, problem[0], problem[1])
            await self._send_error(*problem)

    async def _open(self, start: p.StartMessage) -> None:
        if (
            start.encoding != p.PCM_ENCODING
            or start.channels != 1
            or start.sample_rate not in p.SUPPORTED_INPUT_RATES
        ):
            rates = ", ".join(str(r) for r in sorted(p.SUPPORTED_INPUT_RATES))
            raise CallEnded(
                CLOSE_UNSUPPORTED, p.ErrorCode.UNSUPPORTED_AUDIO, f"send mono pcm_s16le at one of {rates} Hz"
            )
        self.actor, self.seat = await admit(self.gw, start.token or self.ws.query_params.get("token"))
        self.session = open_session(
            self.gw,
            channel="voice",
            actor=self.actor,
            output=self.output,
            output_rate=8000 if start.sample_rate == 8000 else 16000,
            session_id=start.session_id,
            site=start.site,
        )
        self._resampler = StreamResampler(start.sample_rate, INPUT_RATE)
        await self.session.start()

    # -- the call -------------------------------------------------------------------------------------------
    async def _pump(self) -> None:
        session, resampler = self.session, self._resampler
        assert session is not None and resampler is not None
        while True:
            data = await self._receive()
            if isinstance(data, bytes):
                if len(data) % 2:
                    session.report_error(p.ErrorCode.BAD_FRAME, "audio must be whole 16-bit samples")
                    continue
                for frame in self._reframer.push(resampler.push(data)):
                    session.push_frame(frame)
                continue
            msg = self._parse(data)
            if isinstance(msg, tuple):
                session.report_error(*msg)
            elif isinstance(msg, p.StopMessage):
                return
            elif isinstance(msg, p.StartMessage):
                session.report_error(p.ErrorCode.ALREADY_STARTED, "the call has already started")
            else:
                session.push_text(msg.text)


@router.websocket("/ws/voice")
async def ws_voice(websocket: WebSocket) -> None:
    try:
        gw = gateway_for_call(websocket.app.state)
    except CallEnded as closed:
        await websocket.accept()
        output = VoiceOutput(websocket)
        await output.send(ev.ErrorRaised(closed.reason, closed.message, fatal=True))
        await output.close(closed.code, closed.reason)
        return
    await VoiceCall(websocket, gw).run()
