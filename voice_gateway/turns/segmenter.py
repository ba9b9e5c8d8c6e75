"""Turn detection: a pure, clock-free segmenter fed one frame and its voice decision at a time.

Time is counted in frames of caller audio, so the same input always gives the same segments."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from dialogue.contract import Expectation

NUMBER_EXPECTATIONS: frozenset[Expectation] = frozenset({"quantity", "digits"})


@dataclass(frozen=True)
class EndpointingOptions:
    frame_s: float = 0.02
    """Duration of one frame."""
    start_s: float = 0.08
    """Voiced audio within ``start_window_s`` that starts speech (a cough shorter than this is ignored)."""
    start_window_s: float = 0.1
    """Window over which ``start_s`` is counted."""
    end_s: float = 0.4
    """Mostly unvoiced audio that ends speech."""
    end_number_s: float = 1.0
    """End silence while the dialogue awaits a quantity or digits: people pause inside "one ... fifty"."""
    pause_blip_s: float = 0.02
    """Voiced runs this short inside a pause do not restart the end count (a click, a breath)."""
    preroll_s: float = 0.5
    """Audio kept before the onset and sent to the recognizer with the utterance."""
    max_utterance_s: float = 15.0
    """Longest utterance: speech is cut and recognised at this length."""

    def frames(self, seconds: float) -> int:
        return max(1, round(seconds / self.frame_s))


@dataclass(frozen=True)
class SegmentStart:
    onset_s: float


@dataclass(frozen=True)
class SegmentEnd:
    pcm: bytes
    onset_s: float
    end_s: float
    reason: Literal["silence", "max_length"]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.onset_s


class Segmenter:
    def __init__(self, options: EndpointingOptions | None = None) -> None:
        self.options = options or EndpointingOptions()
        o = self.options
        self._start_frames = o.frames(o.start_s)
        self._start_window = max(self._start_frames, o.frames(o.start_window_s))
        self._preroll_frames = o.frames(o.preroll_s) if o.preroll_s > 0 else 0
        self._max_frames = o.frames(o.max_utterance_s)
        self._end_frames = o.frames(o.end_s)
        # Idle: the last frames (pre-roll + start window) with their decisions.
        self._recent: deque[tuple[bytes, bool]] = deque(maxlen=self._preroll_frames + self._start_window)
        self._recent_voiced: deque[bool] = deque(maxlen=self._start_window)
        # In speech.
        self._utterance: list[bytes] = []
        self._silence_run = 0  # frames of pause so far
        self._voiced_run = 0
        self._blip_frames = round(o.pause_blip_s / o.frame_s)
        self._onset_frame = 0
        self._count = 0  # frames processed
        self.in_speech = False

    # -- configuration -------------------------------------------------------------------------------------
    def set_expectation(self, expect: Expectation) -> None:
        """Number-aware endpointing: a longer end silence while a quantity or digits are awaited."""
        o = self.options
        self._end_frames = o.frames(o.end_number_s if expect in NUMBER_EXPECTATIONS else o.end_s)

    @property
    def end_silence_s(self) -> float:
        return self._end_frames * self.options.frame_s

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def position_s(self) -> float:
        return self._count * self.options.frame_s

    @property
    def onset_s(self) -> float:
        return self._onset_frame * self.options.frame_s

    @property
    def speech_s(self) -> float:
        """Audio since the onset of the current speech (0 when idle)."""
        return (self._count - self._onset_frame) * self.options.frame_s if self.in_speech else 0.0

    def reset(self) -> None:
        """Drop any speech in progress (the next voiced run starts a new segment)."""
        self.in_speech = False
        self._utterance = []
        self._recent.clear()
        self._recent_voiced.clear()
        self._silence_run = 0
        self._voiced_run = 0

    # -- the step ------------------------------------------------------------------------------------------
    def process(self, frame: bytes, is_speech: bool) -> SegmentStart | SegmentEnd | None:
        self._count += 1
        if not self.in_speech:
            return self._idle_step(frame, is_speech)
        return self._speech_step(frame, is_speech)

    def _idle_step(self, frame: bytes, is_speech: bool) -> SegmentStart | None:
        self._recent.append((frame, is_speech))
        self._recent_voiced.append(is_speech)
        if sum(self._recent_voiced) < self._start_frames:
            return None
        # Onset: the first voiced frame of the start window.
        window = list(self._recent_voiced)
        first_voiced = window.index(True)
        self._onset_frame = self._count - len(window) + first_voiced
        self.in_speech = True
        first_kept = self._onset_frame - self._preroll_frames
        skip = max(0, first_kept - (self._count - len(self._recent)))
        self._utterance = [f for f, _ in list(self._recent)[skip:]]
        self._recent.clear()
        self._recent_voiced.clear()
        self._silence_run = 0
        self._voiced_run = 0
        return SegmentStart(onset_s=self.onset_s)

    def _speech_step(self, frame: bytes, is_speech: bool) -> SegmentEnd | None:
        self._utterance.append(frame)
        if is_speech:
            self._voiced_run += 1
            # A blip no longer than ``pause_blip_s`` counts as part of the pause.
            self._silence_run = 0 if self._voiced_run > self._blip_frames else self._silence_run + 1
        else:
            self._voiced_run = 0
            self._silence_run += 1
        if self._silence_run >= self._end_frames:
            return self._finish("silence")
        if self._count - self._onset_frame >= self._max_frames:
            return self._finish("max_length")
        return None

    def _finish(self, reason: Literal["silence", "max_length"]) -> SegmentEnd:
        seg = SegmentEnd(
            pcm=b"".join(self._utterance), onset_s=self.onset_s, end_s=self.position_s, reason=reason
        )
        self.in_speech = False
        self._utterance = []
        return seg
