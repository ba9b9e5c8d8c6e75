"""One pocketsphinx decoder with the searches of one grammar version, what a decoding pass found, how it is
judged and scored, and the signal conditioning the acoustic model expects. ``asr`` runs these in threads or in
speech worker processes."""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pocketsphinx

from local_speech.fsg import WordGraph, compile_jsgf
from local_speech.grammar import GrammarSet, grammar_words
from local_speech.pronounce import pronunciations

log = logging.getLogger(__name__)

MODEL_RATE = 16000
TINY = 5e-324
# pocketsphinx settings measured on the fixture set (bench/speech.py): narrower beams than the defaults are both
# faster and more accurate with catalogue-sized grammars; the insertion penalties stop long vowels from being
# split into extra words ("no" heard as "no oh").
DECODER_CONFIG: tuple[tuple[str, object], ...] = (
    ("beam", 1e-35),
    ("wbeam", 1e-25),
    ("pbeam", 1e-35),
    ("wip", 0.2),
    ("pip", 0.5),
    ("topn", 8),
)
# Wider beams find the sentences that the narrow ones lose (about one utterance in twenty) at 2.5 times the cost.
RETRY_CONFIG: tuple[tuple[str, object], ...] = (("beam", 1e-45), ("pbeam", 1e-45), ("wbeam", 1e-30))
WIDE_PASS_COST = 2.5
"""A wide-beam pass costs about this many narrow passes of the same audio (used to skip one that would overrun
the deadline)."""


@dataclass(frozen=True)
class Decoded:
    """What one decoding pass found (``GrammarRecognizer.recognize`` returns a ``Recognition``)."""

    text: str
    search: str
    accepted: bool
    """The hypothesis is a whole sentence of the grammar (pruning can leave only a dead-end partial one)."""
    score_per_frame: float | None = None
    """Acoustic log-likelihood (natural log, relative to the best senone of each frame) per frame of speech."""
    words: tuple[tuple[str, int, int, float], ...] = ()
    """(word, first frame, last frame, acoustic log-likelihood), fillers included."""

    @property
    def worst_word_per_frame(self) -> float | None:
        spoken = [
            (score / (end - start + 1)) for word, start, end, score in self.words if not is_filler(word)
        ]
        return min(spoken) if spoken else None


class GrammarDecoder:
    """One pocketsphinx decoder with the searches of one grammar version."""

    def __init__(self, lexicon: Lexicon, config: dict[str, object]) -> None:
        self._lexicon = lexicon
        self.decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **config)
        self.version: str | None = None
        self._choices: OrderedDict[str, None] = OrderedDict()

    def sync(self, grammars: GrammarSet) -> None:
        if self.version == grammars.version:
            return
        self._add_words(grammars.words)
        for name, text in grammars.grammars.items():
            self._add_search(name, text)
        self.version = grammars.version

    def _add_search(self, name: str, jsgf: str) -> None:
        graph = self._lexicon.graph(jsgf)
        arcs = [(s, d, p) if w is None else (s, d, p, w) for s, d, p, w in graph.transitions]
        self.decoder.add_fsg(name, self.decoder.create_fsg(name, graph.start, graph.final, arcs))

    def ensure_choice(self, grammars: GrammarSet, phrases: Sequence[str], cache: int) -> str:
        name, text = grammars.choice(phrases)
        if name in self._choices:
            self._choices.move_to_end(name)
            return name
        self._add_words(grammar_words(text))
        self._add_search(name, text)
        self._choices[name] = None
        while len(self._choices) > cache:
            old, _ = self._choices.popitem(last=False)
            self.decoder.remove_search(old)
        return name

    def _add_words(self, words: frozenset[str] | set[str]) -> None:
        missing = [w for w in sorted(words) if self.decoder.lookup_word(w) is None]
        for word, variants in self._lexicon.lookup(missing).items():
            for i, phones in enumerate(variants):
                self.decoder.add_word(word if i == 0 else f"{word}({i + 1})", phones, False)

    def decode(self, pcm16k: bytes, search: str) -> Decoded:
        d = self.decoder
        d.activate_search(search)
        d.start_utt()
        d.process_raw(pcm16k, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        if hyp is None or not hyp.hypstr:
            return Decoded(text="", search=search, accepted=False)
        fsg = d.get_fsg(search)
        accepted = bool(fsg.accept(hyp.hypstr))
        # pocketsphinx hands scores over as probabilities; a long, poor word underflows to 0, whose
        # log-likelihood is then at most that of the smallest float
        words = tuple(
            (seg.word, seg.start_frame, seg.end_frame, math.log(max(seg.ascore, TINY))) for seg in d.seg()
        )
        speech = [w for w in words if not is_filler(w[0])]
        frames = sum(end - start + 1 for _, start, end, _ in speech)
        score = sum(w[3] for w in speech) / frames if frames else None
        return Decoded(hyp.hypstr, search, accepted, score, words)


class Lexicon:
    """What every decoder shares: pronunciations derived for out-of-dictionary words and compiled grammars."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, ...]] = {}
        self._graphs: OrderedDict[str, WordGraph] = OrderedDict()

    def graph(self, jsgf: str, keep: int = 64) -> WordGraph:
        with self._lock:
            graph = self._graphs.get(jsgf)
            if graph is None:
                graph = self._graphs[jsgf] = compile_jsgf(jsgf)
                while len(self._graphs) > keep:
                    self._graphs.popitem(last=False)
            self._graphs.move_to_end(jsgf)
            return graph

    def lookup(self, words: Sequence[str]) -> dict[str, tuple[str, ...]]:
        with self._lock:
            new = [w for w in words if w not in self._known]
            if new:
                self._known.update(pronunciations(new))
                log.info("derived pronunciations for %d words: %s", len(new), ", ".join(new[:20]))
            return {w: self._known[w] for w in words}


def is_filler(word: str) -> bool:
    return word.startswith(("<", "[", "++"))


def judge(decoded: Decoded, floor: float, word_floor: float) -> Decoded:
    """``decoded``, no longer accepted when it scores like a forced match of other speech."""
    too_low = (decoded.score_per_frame or 0.0) < floor or (decoded.worst_word_per_frame or 0.0) < word_floor
    if decoded.accepted and too_low:
        return Decoded(decoded.text, decoded.search, False, decoded.score_per_frame, decoded.words)
    return decoded


def confidence(score_per_frame: float | None) -> float:
    """0-1, rising with the acoustic score per frame: 0 at -7 (noise), 1 at -1 (a clean, close match)."""
    if score_per_frame is None:
        return 0.0
    return float(min(1.0, max(0.0, (score_per_frame + 7.0) / 6.0)))


def levels(samples: np.ndarray) -> tuple[float, float]:
    """(speech level, noise floor): the RMS of the loudest and of the quietest 20 ms frames (95th and 10th
    percentiles)."""
    frame = MODEL_RATE // 50
    usable = len(samples) - len(samples) % frame
    if usable == 0:
        return 0.0, 0.0
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1))
    return float(np.percentile(rms, 95)), float(np.percentile(rms, 10))


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of unit-RMS pink noise.

    The acoustic model was trained on recordings with a room-noise floor; in digitally silent gaps
    (synthesized or gated audio) it hears words. Pink noise 25 dB below the speech looks like a room."""
    if n == 0:
        return np.zeros(0)
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
    noise = np.fft.irfft(spectrum, n)
    return noise / (float(np.sqrt(np.mean(noise**2))) or 1.0)
