"""Timeline-scripted calls: a ``CallSession`` on a manual clock, fed 20 ms frames in lockstep with the clock,
so "the user speaks from 0.5 to 2.0 s" happens at exactly those session times on every run; a
``RecordingOutput`` keeps what the session sent, with the clock time it was sent."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from tests.fakes.clock import ManualClock, settle
from tests.fakes.conversation import FakeConversation
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer, silence, speech_like
from voice_gateway import events as ev
from voice_gateway.audio import duration_s, read_wav, resample
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.options import SessionOptions
from voice_gateway.session import CallSession
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer

T = TypeVar("T")
FRAME_S = 0.02
FRAME_BYTES = 640


class RecordingOutput:
    """A ``SessionOutput`` that records each event with the clock time it was sent."""

    def __init__(self, clock: ManualClock | None = None, confirms_playback: bool = False) -> None:
        self.clock = clock
        self.confirms_playback = confirms_playback
        self.sent: list[tuple[float, ev.SessionEvent]] = []
        self.closed: tuple[int, str] | None = None
        self.flowing = asyncio.Event()  # cleared: a slow client, audio sends block until set again
        self.flowing.set()

    async def send(self, event: ev.SessionEvent) -> None:
        if isinstance(event, ev.AudioChunk):
            await self.flowing.wait()
        self.sent.append((self.clock.now() if self.clock else 0.0, event))

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def kinds(self, *, audio: bool = False) -> list[str]:
        return [type(e).__name__ for _, e in self.sent if audio or not isinstance(e, ev.AudioChunk)]

    def of(self, kind: type[T]) -> list[T]:
        return [e for _, e in self.sent if isinstance(e, kind)]

    def at(self, kind: type[Any]) -> list[float]:
        return [t for t, e in self.sent if isinstance(e, kind)]


@dataclass(frozen=True)
class Say:
    """The user speaks (a marker tone ``f0``) from ``start_s`` to ``end_s``."""

    start_s: float
    end_s: float
    f0: float = 150.0


@dataclass(frozen=True)
class Clip:
    """The user makes this sound (16 kHz PCM16: rendered words, a cough, a beep) from ``start_s``."""

    start_s: float
    pcm: bytes

    @property
    def end_s(self) -> float:
        return self.start_s + duration_s(self.pcm, 16000)


Action = Callable[[CallSession], Any]


# -- sounds a caller makes (16 kHz PCM16) -------------------------------------------------------------------------
@functools.cache
def espeak(text: str, wpm: int = 160, voice: str = "en-us") -> bytes:
    """``text`` (or espeak-ng phonemes: ``[[V:]]`` is a long "uh") as espeak-ng says it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "said.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text], check=True)
        wav = read_wav(out)
    return resample(wav.pcm, wav.sample_rate, 16000)


def tone(seconds: float, hz: float, level: float = 0.3) -> bytes:
    """A beep."""
    t = np.arange(int(seconds * 16000)) / 16000
    return (np.sin(2 * np.pi * hz * t) * level * 32767).astype("<i2").tobytes()


def beeper(seconds: float, dbfs: float = -42.0, seed: int = 4) -> np.ndarray:
    """A forklift reversing (float samples, 16 kHz): a 1.1 kHz beep on and off about once a second, over engine
    rumble."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    beep = np.sin(2 * np.pi * 1100.0 * t) * (np.sin(2 * np.pi * 1.1 * t) > 0)
    rumble = np.convolve(rng.normal(size=t.size), np.ones(40) / 40, mode="same")
    x = beep / np.std(beep) + 0.6 * rumble / np.std(rumble)
    return x / np.sqrt(np.mean(x**2)) * 32768 * 10 ** (dbfs / 20)


def noise_burst(seconds: float = 0.25, seed: int = 3) -> bytes:
    """A cough-like burst: broadband noise with a sharp attack and an exponential decay."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    env = np.minimum(t / 0.01, 1.0) * np.exp(-t / 0.08)
    return (rng.normal(size=t.size) * env * 9000).clip(-32768, 32767).astype("<i2").tobytes()


class ScriptedCall:
    def __init__(
        self,
        *,
        conversation: FakeConversation | None = None,
        recognizer: SpeechRecognizer | None = None,
        synthesizer: SpeechSynthesizer | None = None,
        fallback: SpeechSynthesizer | None = None,
        fallback_recognizer: SpeechRecognizer | None = None,
        options: SessionOptions | None = None,
        confirms_playback: bool = False,
        channel: str = "voice",
        noise_gate: bool = False,
    ) -> None:
        """``noise_gate``: the voice detector's noise gate stays on. It is off by default because the marker tones
        that stand for speech here are, rightly, noise to Silero VAD: the gate would end a ``Say`` after 0.8 s."""
        options = options or SessionOptions(greet=False)
        if not noise_gate:
            options = replace(options, vad=replace(options.vad, noise_after_s=0.0))
        self.clock = ManualClock()
        self.conversation = conversation or FakeConversation(clock=self.clock)
        if self.conversation.clock is None:
            self.conversation.clock = self.clock
        self.recognizer = recognizer or FakeRecognizer(clock=self.clock)
        # Twice real time: synthesis is still streaming while the first sentence plays.
        self.synthesizer = synthesizer or FakeSynthesizer(clock=self.clock, pace_s=0.05)
        self.output = RecordingOutput(self.clock, confirms_playback)
        self.metrics = GatewayMetrics()
        self.session = CallSession(
            "s1",
            self.conversation,
            self.recognizer,
            self.synthesizer,
            self.output,
            options=options,
            metrics=self.metrics,
            clock=self.clock,
            fallback_synthesizer=fallback,
            fallback_recognizer=fallback_recognizer,
            channel=channel,
        )
        self._voice: dict[Say, bytes] = {}

    async def __aenter__(self) -> ScriptedCall:
        await self.session.start()
        await settle()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.aclose("test_end")

    @property
    def now(self) -> float:
        return self.clock.now()

    def _frame(self, pos: float, speech: list[Say | Clip]) -> bytes:
        for say in speech:
            if say.start_s - 1e-9 <= pos < say.end_s - 1e-9:
                if isinstance(say, Clip):
                    k = round((pos - say.start_s) / FRAME_S) * FRAME_BYTES
                    return say.pcm[k : k + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
                if say not in self._voice:
                    self._voice[say] = speech_like(say.end_s - say.start_s, say.f0)
                audio = self._voice[say]
                k = round((pos - say.start_s) / FRAME_S) * FRAME_BYTES
                return audio[k : k + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
        return silence(FRAME_S)

    async def run(
        self, until_s: float, speech: list[Say | Clip] | None = None, at: dict[float, Action] | None = None
    ) -> None:
        """Feed caller audio up to ``until_s``; ``at`` runs actions (typed text, keys) at given times."""
        pending = sorted((at or {}).items())
        while self.now < until_s - 1e-9:
            while pending and pending[0][0] <= self.now + 1e-9:
                pending.pop(0)[1](self.session)
                await settle()
            self.session.push_frame(self._frame(self.now, speech or []))
            await self.clock.advance(FRAME_S)

    def timeline(self) -> list[tuple[float, str]]:
        """(time, event name) without audio frames, for readable assertions."""
        return [
            (round(t, 2), type(e).__name__) for t, e in self.output.sent if type(e).__name__ != "AudioChunk"
        ]
