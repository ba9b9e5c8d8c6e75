"""Barge-in policy, options as data: what playout does, frame by frame, while the caller makes a sound over our
reply (``BargeIn``, pure and clock-free), and what a transcript says about it afterwards (pure functions).

Two modes. ``sound``: any speech lasting ``min_speech_s`` cuts the reply. ``words`` (the default): the
interruption judge (``interruption.py``) listens from the onset and cuts only for words; while it is unsure,
playout holds (sends nothing new, clears nothing: the client plays the lead it holds, so a hold that ends within
it is not heard); a filler, cough or beep lets playout go on. Either way the recognizer is the backstop: a cut
that turns out to be only fillers is resumed, and in ``words`` mode words the judge let pass take the turn."""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Literal

from local_speech.errors import LocalSpeechError
from voice_gateway.turns.interruption import InterruptionJudge, JudgeModel
from voice_gateway.turns.interruption_features import CONTEXT_FRAMES

with warnings.catch_warnings():  # stdlib audioop warns on 3.11-3.12; audioop-lts provides it on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

log = logging.getLogger(__name__)

BargeInMode = Literal["sound", "words"]
MAX_BACKLOG = 8
"""Frames since the onset judged at a late first look, at most."""
Action = Literal["play", "hold", "cut"]
FRAME_S = 0.02


@dataclass(frozen=True)
class BargeInOptions:
    mode: BargeInMode = "words"
    """``words``: cut for words only (the interruption judge); ``sound``: cut for any speech of ``min_speech_s``."""
    min_speech_s: float = 0.12
    """``sound`` mode: speech since its onset before it interrupts playout (shorter speech is judged by its
    words once recognised)."""
    echo_guard_s: float = 0.0
    """Speech whose onset falls this soon after our playout starts is treated as our own echo (phone lines)."""
    max_hold_s: float = 0.1
    """``words`` mode: the longest playout holds in one utterance while the judge is unsure; then it plays on
    until the judge cuts. Below the playout lead a hold is never heard."""
    rearm_db: float = 10.0
    """``words`` mode: while the judge lets a sound pass, a frame this much louder than the loudest of it (the
    caller speaking up over a hum or a beeper that started the utterance) starts a new judgement from there."""
    rearm_backlog: int = 4
    """``words`` mode: at most this many frames before a louder frame, each louder than all that was let pass,
    are judged with it (the onset of the words, quieter than the frame that set off the new judgement)."""
    rearm_backlog_db: float = 6.0
    """``words`` mode: how much louder than all that was let pass a frame before the louder one must be to be
    judged with it (babble rises and falls by less than this often enough to start false judgements)."""
    command_phrases: tuple[str, ...] = ("stop", "cancel", "say again", "repeat", "wait", "pause", "no")
    """Words that always interrupt playout, however short or late they are."""
    filler_words: tuple[str, ...] = ("uh", "um", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "oh")
    """An utterance made only of these (or nothing recognisable) is not a real interruption."""
    resume_after_false_interruption: bool = True
    """After a barge-in that turns out to be a cough or "uh", say the cut sentence again and go on."""


class BargeIn:
    """One per call. The session calls ``segment_started()`` at each onset of the caller's speech and, while a
    reply plays, ``process(frame, …)`` for every frame: ``cut`` (interrupt now), ``hold`` (send nothing new) or
    ``play``."""

    def __init__(self, options: BargeInOptions, model: JudgeModel | None = None) -> None:
        self.options = options
        self._model = model
        self._judge: InterruptionJudge | None = None  # made on first use (``words`` mode only)
        # The onset's frames (for a late first look) and the second before them (the background).
        self._recent: deque[bytes] = deque(maxlen=CONTEXT_FRAMES + MAX_BACKLOG)
        self._judging = False
        self._cut = False  # this utterance cut a reply: it cuts nothing more
        self._held = 0  # frames held in this utterance
        self._loudest = 0.0  # RMS of the loudest frame of the current judgement
        self._judge_failed = False  # the judge's model could not run: sound mode for the rest of the call
        self.onset_ok = True
        """The utterance in progress (or last) began past the echo guard of the reply it fell in."""

    @property
    def judge(self) -> InterruptionJudge:
        if self._judge is None:
            self._judge = InterruptionJudge(self._model)
        return self._judge

    def segment_started(self) -> None:
        self.onset_ok = True
        self._judging = False
        self._cut = False
        self._held = 0
        self._loudest = 0.0

    def listen(self, frame: bytes) -> None:
        """A frame of caller audio while no reply plays: kept as background for the next judgement."""
        self._recent.append(frame)

    def process(
        self, frame: bytes, in_speech: bool, speech_s: float, onset_at: float, playout_start_at: float | None
    ) -> Action:
        """One frame of caller audio while our reply plays; ``speech_s``: audio since the onset of the speech in
        progress (the segmenter's); ``onset_at`` and ``playout_start_at``: clock times of that onset and of our
        first reply frame (for the echo guard)."""
        self._recent.append(frame)
        o = self.options
        onset_ok = onset_may_interrupt(onset_at, playout_start_at, o)
        if in_speech:
            self.onset_ok = onset_ok
        if not in_speech or not onset_ok or self._cut:
            return "play"
        action = self._decide(frame, speech_s)
        self._cut = action == "cut"
        return action

    def _decide(self, frame: bytes, speech_s: float) -> Action:
        o = self.options
        if o.mode == "words" and not self._judge_failed:
            try:
                return self._judged(frame, speech_s)
            except LocalSpeechError as exc:
                # Silero VAD missing or refused: any speech cuts, as in sound mode, for the rest of the call.
                log.error("barge-in: the interruption judge cannot run (%s); any speech cuts", exc)
                self._judge_failed = True
        return "cut" if speech_s >= o.min_speech_s else "play"

    def _judged(self, frame: bytes, speech_s: float) -> Action:
        o = self.options
        judge = self.judge
        rms = _rms(frame)
        if not self._judging:  # the onset's frames so far, then each new one
            self._judging = True
            heard = list(self._recent)
            n = min(MAX_BACKLOG, max(1, round(speech_s / FRAME_S)))
            backlog = heard[-n:]
            judge.start(heard[:-n])
            judge.process(*backlog)
            self._loudest = max(_rms(f) for f in backlog)
        elif judge.verdict == "ignore" and rms > self._loudest * 10 ** (o.rearm_db / 20):
            # The caller speaking up over what was let pass: judged afresh from where the rise began (the frames
            # just before, louder than all that was let pass), so a command keeps its onset.
            rise = [frame]
            floor = self._loudest * 10 ** (o.rearm_backlog_db / 20)
            heard = list(self._recent)
            for earlier in reversed(heard[:-1][-o.rearm_backlog :]):
                if _rms(earlier) <= floor:
                    break
                rise.insert(0, earlier)
            judge.start(heard[: -len(rise)])
            judge.process(*rise)
            self._loudest = max(_rms(f) for f in rise)
        elif judge.done:
            return "play"
        else:
            self._loudest = max(self._loudest, rms)
            judge.process(frame)
        if judge.verdict == "cut":
            return "cut"
        if judge.verdict == "ignore" or judge.done:
            return "play"
        if self._held * FRAME_S >= o.max_hold_s - 1e-9:
            return "play"
        self._held += 1
        return "hold"


def _rms(frame: bytes) -> float:
    return float(audioop.rms(frame, 2)) or math.ulp(1.0)


_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def onset_may_interrupt(onset_at: float, playout_start_at: float | None, options: BargeInOptions) -> bool:
    """False for an onset inside the echo guard: the first moments of our own playout on a phone line."""
    if playout_start_at is None or onset_at < playout_start_at:
        return True  # before any audio was sent there is nothing to echo
    return onset_at >= playout_start_at + options.echo_guard_s


def is_command(text: str, options: BargeInOptions) -> bool:
    said = " " + " ".join(words(text)) + " "
    return any(f" {phrase} " in said for phrase in options.command_phrases)


_RUN = re.compile(r"(.)\1+")


def _unstretched(word: str) -> str:
    """Each run of one letter made single: recognizers write a long filler as "uhh", "ummm" or "hmmm"."""
    return _RUN.sub(r"\1", word)


def is_false_interruption(text: str, options: BargeInOptions) -> bool:
    """Nothing recognisable, or only fillers (however long they were drawn out)."""
    fillers = {_unstretched(w) for w in options.filler_words}
    return all(_unstretched(w) in fillers for w in words(text))


def takes_the_turn(text: str, options: BargeInOptions, onset_ok: bool) -> bool:
    """Speech that began during playout and did not cut it, once recognised: a command word always takes the
    turn; in ``words`` mode any words do too (the judge missed them), unless the onset was inside the echo guard
    (then they may be our own reply)."""
    if is_command(text, options):
        return True
    return options.mode == "words" and onset_ok and not is_false_interruption(text, options)
