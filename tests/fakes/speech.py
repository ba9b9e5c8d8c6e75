"""Speech engine fakes behind the speech ports, and the audio they understand: a recognizer that reads a marker
tone in the audio (or follows a script), a synthesizer that yields silence at a set pace; both record what they
were given. On a ``ManualClock`` their latencies are virtual."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np

from dialogue.contract import RecognitionHints
from tests.fakes.clock import ManualClock
from voice_gateway.speech.ports import SpeechError, SynthesisFormat, Transcript, Utterance

RATE = 16000


def speech_like(seconds: float, f0: float = 150.0, rate: int = RATE, level: float = 0.3) -> bytes:
    """A voiced, speech-like buzz (a harmonic series on ``f0``) that webrtcvad classifies as speech; ``f0``
    doubles as a marker that ``FakeRecognizer`` reads back."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12))
    wave = wave / np.max(np.abs(wave)) * level
    return (wave * 32767).astype("<i2").tobytes()


def silence(seconds: float, rate: int = RATE) -> bytes:
    return bytes(2 * int(seconds * rate))


def dominant_f0(pcm: bytes, rate: int) -> float:
    """The strongest frequency of the loudest half second (the marker tone's fundamental)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if x.size == 0:
        return 0.0
    win = min(x.size, rate // 2)
    csum = np.concatenate(([0.0], np.cumsum(x * x)))
    start = int(np.argmax(csum[win:] - csum[:-win]))
    seg = x[start : start + win] * np.hanning(win)
    spectrum = np.abs(np.fft.rfft(seg))
    freqs = np.fft.rfftfreq(win, 1 / rate)
    spectrum[freqs < 60] = 0
    return float(freqs[int(np.argmax(spectrum))])


class FakeRecognizer:
    """Maps an utterance to text by its marker tone (``by_f0``), else by order (``script``), then ``default``;
    records what it received and the hints it was given."""

    def __init__(
        self,
        by_f0: dict[int, str] | None = None,
        script: list[str] | None = None,
        latency_s: float = 0.0,
        clock: ManualClock | None = None,
        failures: int = 0,
        retryable: bool = True,
        default: str = "",
        name: str = "fake-asr",
        record: bool = True,
    ) -> None:
        self.name = name
        self.default = default
        self.by_f0 = by_f0 or {}
        self.script = list(script or [])
        self.latency_s = latency_s
        self.clock = clock
        self.failures = failures
        self.retryable = retryable
        self.record = record  # False: keep nothing (long benchmark runs)
        self.received: list[tuple[Utterance, RecognitionHints]] = []

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        if self.record:
            self.received.append((utterance, hints))
        if self.latency_s > 0:
            await (self.clock.sleep(self.latency_s) if self.clock else asyncio.sleep(self.latency_s))
        if self.failures > 0:
            self.failures -= 1
            raise SpeechError("scripted recognizer failure", retryable=self.retryable, engine=self.name)
        if self.by_f0:
            f0 = dominant_f0(utterance.pcm, utterance.sample_rate)
            key = min(self.by_f0, key=lambda k: abs(k - f0))
            text = self.by_f0[key] if abs(key - f0) < 12 else ""
        else:
            text = self.script.pop(0) if self.script else self.default
        return Transcript(text=text, confidence=1.0, engine=self.name)


class FakeSynthesizer:
    """Yields silence: ``seconds_per_char`` of audio per character, in ``chunk_s`` chunks, one every
    ``pace_s`` (0: as fast as asked). Records texts and whether a stream was closed before its end."""

    def __init__(
        self,
        name: str = "fake-tts",
        seconds_per_char: float = 0.06,
        chunk_s: float = 0.1,
        pace_s: float = 0.0,
        first_chunk_s: float = 0.0,
        clock: ManualClock | None = None,
        fail: SpeechError | None = None,
        fail_after_chunks: int = 0,
    ) -> None:
        self.name = name
        self.seconds_per_char = seconds_per_char
        self.chunk_s = chunk_s
        self.pace_s = pace_s
        self.first_chunk_s = first_chunk_s
        self.clock = clock
        self.fail = fail
        self.fail_after_chunks = fail_after_chunks
        self.texts: list[str] = []
        self.cancelled: list[str] = []
        self.completed: list[str] = []

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            await (self.clock.sleep(seconds) if self.clock else asyncio.sleep(seconds))

    async def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        self.texts.append(text)
        total = max(1, round(len(text) * self.seconds_per_char / self.chunk_s))
        chunk = bytes(2 * int(fmt.sample_rate * self.chunk_s))
        finished = False
        try:
            await self._sleep(self.first_chunk_s)
            for i in range(total):
                if self.fail is not None and i >= self.fail_after_chunks:
                    raise self.fail
                if i:
                    await self._sleep(self.pace_s)
                yield chunk
            finished = True
            self.completed.append(text)
        finally:
            if not finished:
                self.cancelled.append(text)
