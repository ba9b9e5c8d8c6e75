"""A caller on ``/ws/voice``: ``VoiceClient`` speaks the wire protocol (start, audio, typed text, stop) and reads
the server's messages in order, each checked against ``voice_gateway.protocol``; ``place_call`` is one spoken
turn with its reply audio and latencies (``python -m voice_gateway.call``, the benchmark).

Each item received is kept, in order, as it came on the wire (``received``: parsed JSON or audio bytes) unless
the client was made with ``record=False`` (long calls, many callers). Reads go through a ``cursor`` over what
was kept, so setting it back reads the same items again before the socket is read."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import websockets

from voice_gateway import protocol as p
from voice_gateway.audio import FRAME_MS, frame_bytes, resample
from voice_gateway.turns.vad import WebRtcVoiceDetector

FRAME_S = FRAME_MS / 1000
Received = dict[str, Any] | bytes  # a JSON message as sent, or a binary frame of reply audio
ServerItem = p.ServerMessage | bytes


class UnexpectedItem(Exception):
    """The server sent something other than what the caller waited for."""


@dataclass(frozen=True)
class TurnAudio:
    """A reply's audio, and the JSON message that ended it (``audio_end``, or ``clear`` on a barge-in)."""

    pcm: bytes
    ended_by: dict[str, Any]


class VoiceClient:
    """One call on ``/ws/voice``."""

    def __init__(self, ws: websockets.ClientConnection, *, record: bool = True) -> None:
        self.ws = ws
        self.record = record
        self.received: list[Received] = []
        self._typed: list[ServerItem] = []  # ``received``, checked and typed
        self.cursor = 0  # the next item of ``received`` to read; at its end, the socket is read
        self.last_arrival = 0.0  # time.monotonic() when the last item arrived

    @classmethod
    async def connect(cls, url: str, *, record: bool = True) -> VoiceClient:
        """Open ``url`` (``ws://host/ws/voice``, optionally with ``?token=``). Audio does not compress, and the
        queue is unbounded so a caller that stops reading cannot stall the closing handshake."""
        ws = await websockets.connect(url, max_size=None, max_queue=None, compression=None)
        return cls(ws, record=record)

    async def __aenter__(self) -> VoiceClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.ws.close()

    # -- sending --------------------------------------------------------------------------------------------
    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        """Any frame: a dict is sent as JSON text, a str as text, bytes as binary."""
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def start(
        self,
        sample_rate: int = 16000,
        *,
        token: str | None = None,
        session_id: str | None = None,
        site: str | None = None,
    ) -> None:
        start = p.StartMessage(
            type="start", sample_rate=sample_rate, token=token, session_id=session_id, site=site
        )
        await self.ws.send(start.model_dump_json(exclude_none=True))

    async def send_audio(self, pcm: bytes) -> None:
        """One binary message of PCM16 (any length)."""
        await self.ws.send(pcm)

    async def send_frames(self, pcm: bytes, sample_rate: int = 16000, *, speed: float | None = 1.0) -> None:
        """``pcm`` as 20 ms frames at ``speed`` times real time (None: as fast as the socket takes them, still
        letting other tasks run between frames)."""
        size = frame_bytes(sample_rate)
        t0 = time.monotonic()
        for k, i in enumerate(range(0, len(pcm), size)):
            await self.ws.send(pcm[i : i + size])
            delay = 0.0 if speed is None else t0 + (k + 1) * FRAME_S / speed - time.monotonic()
            await asyncio.sleep(max(0.0, delay))

    async def send_text(self, text: str) -> None:
        await self.ws.send(p.TextMessage(type="text", text=text).model_dump_json())

    async def stop(self) -> None:
        await self.ws.send(p.StopMessage(type="stop").model_dump_json())

    # -- receiving ------------------------------------------------------------------------------------------
    async def _next(self, within_s: float | None) -> tuple[Received, ServerItem]:
        if self.cursor < len(self.received):
            self.cursor += 1
            return self.received[self.cursor - 1], self._typed[self.cursor - 1]
        raw = await (self.ws.recv() if within_s is None else asyncio.wait_for(self.ws.recv(), within_s))
        self.last_arrival = time.monotonic()
        item: Received
        typed: ServerItem
        if isinstance(raw, bytes):
            item = typed = raw
        else:
            item = json.loads(raw)
            typed = p.server_message_adapter.validate_python(item)
        if self.record:
            self.received.append(item)
            self._typed.append(typed)
            self.cursor += 1
        return item, typed

    async def read(self, within_s: float | None = None) -> ServerItem:
        """The next message, typed, or a binary frame of reply audio."""
        return (await self._next(within_s))[1]

    async def recv(self, within_s: float = 10.0) -> Received:
        """The next item as it came on the wire (JSON parsed), after checking it against the protocol."""
        return (await self._next(within_s))[0]

    async def message(self, within_s: float = 10.0) -> dict[str, Any]:
        """The next item, which must be a JSON message."""
        item = await self.recv(within_s)
        if not isinstance(item, dict):
            raise UnexpectedItem(f"expected a JSON message, got {len(item)} bytes of audio")
        return item

    async def until(
        self, kind: str, where: Callable[[dict[str, Any]], bool] | None = None, within_s: float = 10.0
    ) -> dict[str, Any]:
        """Receive until a JSON message of type ``kind`` (matching ``where``) arrives; that message."""
        deadline = time.monotonic() + within_s
        while True:
            item = await self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(item, dict) and item["type"] == kind and (where is None or where(item)):
                return item

    async def expect_audio(self, within_s: float = 10.0) -> bytes:
        """Receive until a binary frame of reply audio arrives; that frame."""
        deadline = time.monotonic() + within_s
        while True:
            item = await self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(item, bytes):
                return item

    async def turn_audio(self, turn_id: str, within_s: float = 30.0) -> TurnAudio:
        """The audio of reply ``turn_id``: from its ``audio_start`` to the next JSON message."""
        await self.until("audio_start", lambda m: m["turn_id"] == turn_id, within_s)
        chunks: list[bytes] = []
        deadline = time.monotonic() + within_s
        while True:
            item = await self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(item, bytes):
                chunks.append(item)
            else:
                return TurnAudio(b"".join(chunks), item)

    def types(self) -> list[str]:
        """What was received so far, by message type (``<audio>`` for binary frames)."""
        return ["<audio>" if isinstance(i, bytes) else str(i.get("type")) for i in self.received]

    async def closed(self, within_s: float = 10.0) -> tuple[int | None, str | None]:
        """Drain until the server closes; the close code and reason."""
        try:
            while True:
                await self.recv(within_s)
        except websockets.ConnectionClosed as exc:
            return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, None)

    async def close(self) -> None:
        await self.ws.close()


# -- one spoken turn ---------------------------------------------------------------------------------------------
@dataclass
class CallResult:
    transcript: str = ""
    reply: str = ""
    awaiting: str = ""
    reply_audio: bytearray = field(default_factory=bytearray)
    reply_rate: int = 16000
    errors: list[p.ErrorMessage] = field(default_factory=list)
    # Client clock times (time.monotonic) of what happened, for latencies.
    speech_end_sent: float | None = None  # the last voiced frame of the question left the client
    times: dict[str, float] = field(default_factory=dict)  # first arrival of each message type

    def latencies(self) -> dict[str, float]:
        t, out = self.times, {}
        if self.speech_end_sent is not None:
            for key in ("speech_stopped", "transcript", "reply", "first_audio"):
                if key in t:
                    out[f"end_of_speech_to_{key}_ms"] = 1000 * (t[key] - self.speech_end_sent)
        if "speech_stopped" in t and "first_audio" in t:
            out["endpoint_to_first_audio_ms"] = 1000 * (t["first_audio"] - t["speech_stopped"])
        if "transcript" in t and "speech_stopped" in t:
            out["recognition_ms"] = 1000 * (t["transcript"] - t["speech_stopped"])
        if "reply" in t and "transcript" in t:
            out["dialogue_ms"] = 1000 * (t["reply"] - t["transcript"])
        return out


def last_voiced_s(pcm16k: bytes) -> float:
    """Where speech ends in the file (webrtcvad), so trailing silence in the WAV is not counted as waiting."""
    vad, size, last = WebRtcVoiceDetector(), frame_bytes(16000), 0.0
    for i in range(0, len(pcm16k) - size + 1, size):
        if vad.is_speech(pcm16k[i : i + size]):
            last = (i + size) / 2 / 16000
    return last


class _Turn:
    """What the reader of ``place_call`` has seen: whether the question was sent (what follows is the
    answer) and whether a greeting is playing."""

    def __init__(self) -> None:
        self.asked = False
        self.greeting = False
        self.done = asyncio.Event()


async def place_call(
    url: str,
    pcm: bytes,
    rate: int,
    token: str | None,
    *,
    realtime: bool = True,
    timeout_s: float = 30.0,
) -> CallResult:
    """Speak ``pcm`` (mono PCM16 at ``rate``) into ``url`` and collect the reply.

    Silence is sent as a live microphone would; a greeting starting within 1.5 s is waited out first. The
    question goes at real time (or as fast as possible), then silence until the reply has been played."""
    if rate not in p.SUPPORTED_INPUT_RATES:
        pcm, rate = resample(pcm, rate, 16000), 16000
    speech_end = last_voiced_s(resample(pcm, rate, 16000))
    quiet = bytes(frame_bytes(rate))
    result = CallResult()
    turn = _Turn()

    async with await VoiceClient.connect(url, record=False) as client:
        await client.start(rate, token=token)

        async def receive() -> None:
            try:
                while True:
                    _take(await client.read(), client.last_arrival, turn, result)
            except websockets.ConnectionClosed:
                pass
            finally:
                turn.done.set()

        async def converse() -> None:
            async with asyncio.timeout(timeout_s):
                await client.send_frames(quiet * 75, rate)
                while turn.greeting and not turn.done.is_set():
                    await client.send_frames(quiet * 10, rate)
                turn.asked = True
                t_start = time.monotonic()
                # Only the question may go faster than real time.
                await client.send_frames(pcm, rate, speed=1.0 if realtime else None)
                result.speech_end_sent = t_start + speech_end if realtime else time.monotonic()
                while not turn.done.is_set():
                    await client.send_frames(quiet * 10, rate)

        reader = asyncio.create_task(receive())
        try:
            await converse()
        except websockets.ConnectionClosed:
            # The server ended the call: let the reader take in what arrived before the close.
            await asyncio.wait({reader}, timeout=2.0)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    return result


def _take(item: ServerItem, now: float, turn: _Turn, result: CallResult) -> None:
    """Note one item of ``place_call``'s reply."""
    if isinstance(item, bytes):
        if turn.asked and result.times.get("reply"):
            result.times.setdefault("first_audio", now)
            result.reply_audio.extend(item)
        return
    if isinstance(item, p.ErrorMessage):
        result.errors.append(item)
        return
    if not turn.asked:
        playing = turn.greeting or isinstance(item, p.AudioStartMessage)
        turn.greeting = playing and not isinstance(item, p.AudioEndMessage | p.ClearMessage)
        return
    result.times.setdefault(item.type, now)
    if isinstance(item, p.TranscriptMessage) and not result.transcript:
        result.transcript = item.text
    elif isinstance(item, p.ReplyMessage) and not result.reply:
        result.reply, result.awaiting = item.text, item.awaiting.expect
    elif isinstance(item, p.AudioStartMessage):
        result.reply_rate = item.sample_rate
    elif isinstance(item, p.AudioEndMessage | p.ClearMessage) and result.reply:
        turn.done.set()
