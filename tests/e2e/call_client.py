"""A caller on ``/ws/voice`` for whole-product tests: streams PCM utterances as 20 ms frames and reads the
server's messages in order (each checked against the wire protocol)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import websockets
from rapidfuzz import fuzz

from tests.conftest import API_TOKEN
from tests.gateway.conftest import Client, connect
from voice_gateway.audio import pcm16_to_array
from voice_gateway.protocol import server_message_adapter

RATE = 16000
FRAME_BYTES = 2 * RATE // 50  # 20 ms of PCM16
PACE_S = 0.005  # per 20 ms frame: four times real time
WITHIN_S = 30.0  # generous: two shared cores, pocketsphinx and espeak-ng in the same process as the server


class Call:
    """One call on ``/ws/voice``: a cursor over everything the server sent (so nothing is skipped by waiting
    for something else), with every JSON message checked against the wire protocol."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.cursor = 0

    @classmethod
    async def open(cls, base_url: str) -> Call:
        client = await connect(base_url.removeprefix("http://"), query=f"?token={API_TOKEN}")
        await client.send({"type": "start", "sample_rate": RATE, "encoding": "pcm_s16le", "channels": 1})
        call = cls(client)
        await call.expect("ready")
        return call

    @property
    def received(self) -> list[dict[str, Any] | bytes]:
        return self.client.received

    async def _next(self, deadline: float) -> dict[str, Any] | bytes:
        if self.cursor == len(self.received):
            await self.client.recv(max(0.01, deadline - asyncio.get_running_loop().time()))
        item = self.received[self.cursor]
        self.cursor += 1
        if isinstance(item, dict):
            server_message_adapter.validate_python(item)
        return item

    async def expect(
        self, kind: str, where: Callable[[dict[str, Any]], bool] | None = None, within_s: float = WITHIN_S
    ) -> dict[str, Any]:
        """The next message of type ``kind`` (matching ``where``) after the cursor."""
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            item = await self._next(deadline)
            if isinstance(item, dict) and item["type"] == kind and (where is None or where(item)):
                return item

    async def expect_audio(self, within_s: float = WITHIN_S) -> bytes:
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            item = await self._next(deadline)
            if isinstance(item, bytes):
                return item

    async def turn_audio(self, turn_id: str) -> bytes:
        """The audio of a reply from its ``audio_start`` to its ``audio_end``; fails on any other JSON between."""
        await self.expect("audio_start", lambda m: m["turn_id"] == turn_id)
        chunks: list[bytes] = []
        deadline = asyncio.get_running_loop().time() + WITHIN_S
        while True:
            item = await self._next(deadline)
            if isinstance(item, bytes):
                chunks.append(item)
                continue
            assert item == {"type": "audio_end", "turn_id": turn_id}, f"{item} inside the reply's audio"
            return b"".join(chunks)

    async def say(self, pcm: bytes, silence_s: float = 1.5) -> None:
        """Speak: 20 ms frames, then silence so the segmenter ends the turn (1.0 s is the longest end pause)."""
        audio = pcm + bytes(int(silence_s * RATE) * 2)
        for i in range(0, len(audio), FRAME_BYTES):
            await self.client.send(audio[i : i + FRAME_BYTES])
            await asyncio.sleep(PACE_S)

    async def after_greeting(self) -> dict[str, Any]:
        """Let the greeting play to its end (speaking over it would barge in)."""
        greeting = await self.expect("reply")
        await self.turn_audio(greeting["turn_id"])
        return greeting

    async def close(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.client.send({"type": "stop"})
        await self.client.closed()


Opener = Callable[[], Awaitable[Call]]


def rms(pcm: bytes) -> float:
    return float(np.sqrt(np.mean(pcm16_to_array(pcm).astype(np.float64) ** 2)))


def heard_as(transcript: dict[str, Any], text: str) -> None:
    assert transcript["final"] is True
    assert fuzz.ratio(transcript["text"], text) >= 80, f"heard {transcript['text']!r} for {text!r}"
