"""Per-frame voice decision: webrtcvad (the ``webrtcvad-wheels`` package) with an energy floor, and a gate over
the background: a frame barely louder than the quietest of the last five seconds is the background, however
speech-like webrtcvad finds it (a conveyor hum is voiced and never stops: without the gate it holds a turn open
until its length limit)."""

from __future__ import annotations

import warnings
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import webrtcvad

with warnings.catch_warnings():  # stdlib audioop warns on 3.11-3.12; audioop-lts provides it on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FRAME_S = 0.02


@dataclass(frozen=True)
class VadOptions:
    mode: int = 2
    """webrtcvad aggressiveness, 0 (lenient) to 3 (strict)."""
    floor_dbfs: float = -55.0
    """Frames quieter than this are unvoiced whatever webrtcvad says (its noise model adapts slowly)."""
    background_window_s: float = 5.0
    """The background is the quietest frame of this much audio (0: no background gate). Speech has quiet
    frames every second or so; a sound that starts mid-call and never dips (a conveyor switched on) holds a
    turn open this long at most."""
    background_margin_db: float = 3.0
    """A frame must be this much louder than the background to be speech (speech over a steady hum as loud as
    the hum is 3 dB louder than the hum alone)."""
    background_after_s: float = 0.5
    """No gate before this much audio of the call has been heard (a quietest frame of less says little)."""


class VoiceDetector(Protocol):
    def is_speech(self, frame: bytes) -> bool: ...


class QuietestFrame:
    """The quietest frame level of a sliding window of frames (a monotonic queue: O(1) per frame)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.count = 0
        self._queue: deque[tuple[int, float]] = deque()  # (frame index, level), levels increasing

    def add(self, level: float) -> float:
        """One more frame's level; the quietest of the window, this frame included."""
        q = self._queue
        while q and q[-1][1] >= level:
            q.pop()
        q.append((self.count, level))
        self.count += 1
        while q[0][0] <= self.count - 1 - self.window:
            q.popleft()
        return q[0][1]


class WebRtcVoiceDetector:
    """One per call: webrtcvad keeps an adaptive noise model per instance."""

    def __init__(self, sample_rate: int = 16000, options: VadOptions | None = None) -> None:
        o = self.options = options or VadOptions()
        self._vad = webrtcvad.Vad(o.mode)
        self._rate = sample_rate
        self._floor_rms = 32768.0 * 10 ** (o.floor_dbfs / 20)
        self._quietest = QuietestFrame(max(1, round(o.background_window_s / FRAME_S)))
        self._after = round(o.background_after_s / FRAME_S)
        self._margin = 10 ** (o.background_margin_db / 20)

    def is_speech(self, frame: bytes) -> bool:
        rms = float(audioop.rms(frame, 2))
        background = self._quietest.add(rms)
        if rms < self._floor_rms:
            return False
        gating = self.options.background_window_s > 0 and self._quietest.count > self._after
        if gating and rms < background * self._margin:
            return False
        return bool(self._vad.is_speech(frame, self._rate))
