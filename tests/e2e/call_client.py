"""A caller on ``/ws/voice`` for whole-product tests, over ``voice_gateway.client.VoiceClient``: speaks PCM
utterances as 20 ms frames and reads the server's messages in order (each checked against the wire protocol)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import websockets
from rapidfuzz import fuzz

from tests.conftest import API_TOKEN
from voice_gateway.audio import pcm16_to_array
from voice_gateway.client import VoiceClient

RATE = 16000
SPEED = 4.0  # caller audio at four times real time
WITHIN_S = 30.0  # generous: two shared cores, pocketsphinx and espeak-ng in the same process as the server


class Call:
    """One call on ``/ws/voice``: what the server sent is read in order, so nothing is skipped by waiting for
    something else."""

    def __init__(self, client: VoiceClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, base_url: str) -> Call:
        client = await VoiceClient.connect(
            f"ws://{base_url.removeprefix('http://')}/ws/voice?token={API_TOKEN}"
        )
        await client.start(RATE)
        call = cls(client)
        await call.expect("ready")
        return call

    @property
    def received(self) -> list[dict[str, Any] | bytes]:
        return self.client.received

    @property
    def cursor(self) -> int:
        """The next item to read of what was received (set it back to read items again)."""
        return self.client.cursor

    @cursor.setter
    def cursor(self, value: int) -> None:
        self.client.cursor = value

    async def expect(
        self, kind: str, where: Callable[[dict[str, Any]], bool] | None = None, within_s: float = WITHIN_S
    ) -> dict[str, Any]:
        """The next message of type ``kind`` (matching ``where``)."""
        return await self.client.until(kind, where, within_s)

    async def expect_audio(self, within_s: float = WITHIN_S) -> bytes:
        return await self.client.expect_audio(within_s)

    async def turn_audio(self, turn_id: str) -> bytes:
        """The audio of a reply from its ``audio_start`` to its ``audio_end``; fails on any other JSON between."""
        audio = await self.client.turn_audio(turn_id, WITHIN_S)
        assert audio.ended_by == {"type": "audio_end", "turn_id": turn_id}, (
            f"{audio.ended_by} inside the reply's audio"
        )
        return audio.pcm

    async def say(self, pcm: bytes, silence_s: float = 1.5) -> None:
        """Speak: 20 ms frames, then silence so the segmenter ends the turn (1.0 s is the longest end pause)."""
        await self.client.send_frames(pcm + bytes(int(silence_s * RATE) * 2), RATE, speed=SPEED)

    async def after_greeting(self) -> dict[str, Any]:
        """Let the greeting play to its end (speaking over it would barge in)."""
        greeting = await self.expect("reply")
        await self.turn_audio(greeting["turn_id"])
        return greeting

    async def close(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.client.stop()
        await self.client.closed()


Opener = Callable[[], Awaitable[Call]]


def rms(pcm: bytes) -> float:
    return float(np.sqrt(np.mean(pcm16_to_array(pcm).astype(np.float64) ** 2)))


def heard_as(transcript: dict[str, Any], text: str) -> None:
    assert transcript["final"] is True
    assert fuzz.ratio(transcript["text"], text) >= 80, f"heard {transcript['text']!r} for {text!r}"
