"""A caller on ``/ws/voice``: ``VoiceClient`` speaks the wire protocol (start, audio, typed text, stop) and reads
the server's messages in order, each checked against ``voice_gateway.protocol`` (``voice_gateway.scripted_call``
plays whole conversations over it).

Each item received is kept, in order, as it came on the wire (``received``: parsed JSON or audio bytes) unless
the client was made with ``record=False`` (long calls, many callers). Reads go through a ``cursor`` over what
was kept, so setting it back reads the same items again before the socket is read."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import websockets

from voice_gateway import protocol as p
from voice_gateway.audio import FRAME_MS, frame_bytes

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
