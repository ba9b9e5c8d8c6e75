"""Turn detection: a pure, clock-free segmenter fed one frame and its voice decision at a time.

Time is counted in frames of caller audio, so the same input always gives the same segments. Besides the start
and the end of speech it reports a *tentative end*: a short pause (``tentative_end_s``) after which the session
may recognise what was said so far and, when that is already a complete answer, end the turn at once
(``end_early``) instead of waiting out the full end silence. A tentative end after longer speech (``may_end``
false) cannot end the turn, but its recognition gives the end of a long request a head start: decoding a 5 s
request takes longer than the rest of the end silence. ``SpeechResumed`` withdraws a tentative end."""

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
    """Mostly unvoiced audio that ends speech (the full hang)."""
    end_number_s: float = 1.0
    """End silence while the dialogue awaits a quantity or digits: people pause inside "one ... fifty" and between
    the groups of a digit string."""
    tentative_end_s: float = 0.15
    """A pause this long is a tentative end: what was said so far may be recognised and, if it is already a
    complete answer, end the turn early (0: never; only below the end silence in force)."""
    early_max_speech_s: float = 2.0
    """No early end after this much audio since the onset: complete short answers are shorter."""
    head_start: bool = True
    """Report tentative ends after longer speech too (``may_end`` false), so a long request's recognition can
    start in the pause before the end silence is over."""
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
class TentativeEnd:
    """A short pause after speech: ``pcm`` is the utterance so far (pre-roll included) and ``speech_end_s`` where
    the pause began, which identifies it (``end_early`` and a later ``SegmentEnd`` refer to it)."""

    pcm: bytes
    onset_s: float
    speech_end_s: float
    may_end: bool = True
    """The speech so far is short enough (``early_max_speech_s``) for a complete answer to end the turn here."""


@dataclass(frozen=True)
class SpeechResumed:
    """Speech again after a tentative end: the pause that began at ``speech_end_s`` was not the end."""

    speech_end_s: float


EndReason = Literal["silence", "max_length", "early"]


@dataclass(frozen=True)
class SegmentEnd:
    pcm: bytes
    onset_s: float
    end_s: float
    reason: EndReason
    speech_end_s: float = -1.0
    """Where the final pause began (equal to a ``TentativeEnd``'s: no speech since it); ``end_s`` at max length."""

    @property
    def duration_s(self) -> float:
        return self.end_s - self.onset_s


SegmentEvent = SegmentStart | TentativeEnd | SpeechResumed | SegmentEnd


class Segmenter:
    def __init__(self, options: EndpointingOptions | None = None) -> None:
        self.options = options or EndpointingOptions()
        o = self.options
        self._start_frames = o.frames(o.start_s)
        self._start_window = max(self._start_frames, o.frames(o.start_window_s))
        self._preroll_frames = o.frames(o.preroll_s) if o.preroll_s > 0 else 0
        self._max_frames = o.frames(o.max_utterance_s)
        self._end_frames = o.frames(o.end_s)
        self._tentative_frames = o.frames(o.tentative_end_s) if o.tentative_end_s > 0 else 0
        self._early_max_frames = o.frames(o.early_max_speech_s)
        self._tentative_at: int | None = None  # frame where the pause of the last TentativeEnd began
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
    def pause_start_s(self) -> float | None:
        """Where the current pause began (None when idle or not pausing)."""
        if not self.in_speech or self._silence_run == 0:
            return None
        return (self._count - self._silence_run) * self.options.frame_s

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
        self._tentative_at = None

    def end_early(self, speech_end_s: float) -> SegmentEnd | None:
        """End the segment now, in the pause that began at ``speech_end_s`` (its tentative end turned out to be
        a complete answer); None when that pause is over (speech resumed, or the segment ended already)."""
        pause = self.pause_start_s
        if pause is None or abs(pause - speech_end_s) > self.options.frame_s / 2:
            return None
        return self._finish("early")

    # -- the step ------------------------------------------------------------------------------------------
    def process(self, frame: bytes, is_speech: bool) -> SegmentEvent | None:
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
        self._tentative_at = None
        return SegmentStart(onset_s=self.onset_s)

    def _speech_step(self, frame: bytes, is_speech: bool) -> SegmentEvent | None:
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
        if self._silence_run == 0 and self._tentative_at is not None:
            resumed = SpeechResumed(speech_end_s=self._tentative_at * self.options.frame_s)
            self._tentative_at = None
            return resumed
        if self._is_tentative_end():
            pause = self._count - self._silence_run
            short = pause - self._onset_frame <= self._early_max_frames
            if short or self.options.head_start:
                self._tentative_at = pause
                return TentativeEnd(
                    b"".join(self._utterance), self.onset_s, pause * self.options.frame_s, short
                )
        return None

    def _is_tentative_end(self) -> bool:
        return (
            0 < self._tentative_frames == self._silence_run < self._end_frames and self._tentative_at is None
        )

    def _finish(self, reason: EndReason) -> SegmentEnd:
        pause = self.pause_start_s if reason != "max_length" else None
        seg = SegmentEnd(
            pcm=b"".join(self._utterance),
            onset_s=self.onset_s,
            end_s=self.position_s,
            reason=reason,
            speech_end_s=self.position_s if pause is None else pause,
        )
        self.in_speech = False
        self._utterance = []
        self._silence_run = 0
        self._voiced_run = 0
        self._tentative_at = None
        return seg
