"""Is the caller interrupting, or just making a sound? A pure, clock-free judge of the caller's audio while our
reply plays: fed each 20 ms frame from the onset of the caller's speech, it answers ``cut`` (words: consonant
onsets, formants on the move, syllables), ``hold`` (not sure yet) or ``ignore`` (a steady "uh" or "mm", a
cough, a beep, a clatter).

What has been heard since the onset, over the background of the second before it, is summarised by
``interruption_features.SegmentFeatures``, and a one-hidden-layer network scores it. The weights and thresholds
come from ``bench/bargein_train.py`` (generated audio; provenance in docs/gateway.md) and live next to this module
in ``interruption_weights.json``. Only frames of speech over our playout are judged, at most ``max_frames`` per
judgement."""

from __future__ import annotations

import functools
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from local_speech import silero_vad
from local_speech.errors import LocalSpeechError
from voice_gateway.turns.interruption_features import SEGMENT_DIM, SegmentFeatures

log = logging.getLogger(__name__)

Verdict = Literal["cut", "hold", "ignore"]

WEIGHTS = Path(__file__).with_name("interruption_weights.json")


# -- the network and the verdict -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class JudgeModel:
    """A trained judge: input scaling, a one-hidden-layer network, and its calibrated thresholds."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray  # hidden x inputs
    b1: np.ndarray
    w2: np.ndarray  # hidden
    b2: float
    cut_p: float
    """Score from which the sound is words and playout is cut."""
    hold_p: float
    """Score from which playout holds (sends nothing new) while the judge listens on."""
    min_frames: int
    """Frames since the onset before any cut."""
    max_frames: int
    """Frames judged per utterance; after them the utterance is left to the recognizer."""
    about: str = ""

    def __post_init__(self) -> None:
        w1 = self.w1 / self.scale  # the input scaling folded into the first layer
        object.__setattr__(self, "_w1", w1)
        object.__setattr__(self, "_b1", self.b1 - w1 @ self.mean)

    def score(self, x: np.ndarray) -> float:
        """The probability that what was heard so far is words."""
        h = np.tanh(self._w1 @ x + self._b1)  # type: ignore[attr-defined]
        return 1.0 / (1.0 + math.exp(-float(self.w2 @ h) - self.b2))

    def to_json(self) -> str:
        body = {
            "about": self.about,
            "inputs": int(self.mean.size),
            "cut_p": self.cut_p,
            "hold_p": self.hold_p,
            "min_frames": self.min_frames,
            "max_frames": self.max_frames,
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "w1": [_rounded(row) for row in self.w1],
            "b1": _rounded(self.b1),
            "w2": _rounded(self.w2),
            "b2": round(float(self.b2), 6),
        }
        return json.dumps(body, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> JudgeModel:
        d = json.loads(text)
        if d["inputs"] != SEGMENT_DIM:
            raise ValueError(f"judge weights for {d['inputs']} inputs, the features have {SEGMENT_DIM}")
        return cls(
            mean=np.array(d["mean"]),
            scale=np.array(d["scale"]),
            w1=np.array(d["w1"]),
            b1=np.array(d["b1"]),
            w2=np.array(d["w2"]),
            b2=float(d["b2"]),
            cut_p=float(d["cut_p"]),
            hold_p=float(d["hold_p"]),
            min_frames=int(d["min_frames"]),
            max_frames=int(d["max_frames"]),
            about=str(d.get("about", "")),
        )


def _rounded(a: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in a]


@functools.cache
def default_model() -> JudgeModel:
    """The shipped judge (``interruption_weights.json``), loaded once per process."""
    return JudgeModel.from_json(WEIGHTS.read_text())


def warm_up() -> None:
    """Load the shipped judge and Silero VAD now (about 0.2 s, blocking: run it in a thread at start-up), not at
    the first caller's first interruption. A model that cannot load is logged here; calls then cut for any speech
    (``BargeIn``)."""
    default_model()
    try:
        silero_vad.load()
    except LocalSpeechError as exc:
        log.error("barge-in: Silero VAD cannot load (%s); interruptions will cut for any speech", exc)


class InterruptionJudge:
    """One per call. ``start()`` at each onset of speech over our reply, then ``process(frame)`` per frame from
    that onset; ``verdict`` keeps the last answer, ``done`` says no more frames are needed."""

    def __init__(self, model: JudgeModel | None = None) -> None:
        self.model = model or default_model()
        self._features = SegmentFeatures(self.model.max_frames)
        self.verdict: Verdict = "hold"
        self.last_score = 0.0

    @property
    def frames(self) -> int:
        return self._features.count

    @property
    def done(self) -> bool:
        """A cut was decided, or ``max_frames`` were judged (the rest is the recognizer's)."""
        return self.verdict == "cut" or self._features.count >= self.model.max_frames

    def start(self, context: list[bytes] | None = None) -> None:
        """A new onset; ``context``: the frames just before it, the background (``background``)."""
        self._features.reset(context or ())
        self.verdict = "hold"
        self.last_score = 0.0

    def process(self, *frames: bytes) -> Verdict:
        """The next frame(s) from the onset: the verdict after the last (several at once when the onset is
        noticed late: only the last is scored)."""
        if self.done:
            return self.verdict
        self._features.add(*frames)
        m = self.model
        self.last_score = p = m.score(self._features.summary())
        k = self._features.count
        if p >= m.cut_p and k >= m.min_frames:
            self.verdict = "cut"
        elif p >= m.hold_p and k < m.max_frames:
            self.verdict = "hold"
        else:
            self.verdict = "ignore"
        return self.verdict
