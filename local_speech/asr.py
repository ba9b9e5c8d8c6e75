"""The recognizer: pocketsphinx decoding against grammars generated from a catalogue.

pocketsphinx holds the GIL while it decodes, so ``recognize`` runs in speech worker processes (``pool``,
``worker``): each owns its decoders (loading the acoustic model takes a tenth of a second, compiling the
catalogue grammars longer), compiled once per ``GrammarSet`` version. Each utterance has a deadline and a cap on
its length per prompt kind; when every worker is busy and the small queue in front of them is full,
``recognize`` refuses at once (``RecognizerBusy``). ``isolation="thread"`` decodes in threads of this process
instead (the earlier behaviour; ``recognize_sync`` always does). Speech that the grammar cannot explain is heard
as an empty text."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pocketsphinx

from local_speech.errors import DeadlineExceeded, DecodeError
from local_speech.fsg import WordGraph, compile_jsgf
from local_speech.grammar import GrammarSet, build_grammars, grammar_words, search_name
from local_speech.pcm import array_to_pcm16, pcm16_to_array, resample
from local_speech.pool import WorkerPool
from local_speech.pronounce import pronunciations
from local_speech.types import Expectation, Recognition, VocabularyEntry

log = logging.getLogger(__name__)

MODEL_RATE = 16000
_TINY = 5e-324
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
# Longest audio decoded per prompt kind (longer utterances are trimmed to their first seconds): bounds the work
# one utterance can cost, whatever a caller streams. Kinds not listed take the ``free`` cap.
MAX_UTTERANCE_S: tuple[tuple[str, float], ...] = (
    ("yes_no", 4.0),
    ("quantity", 8.0),
    ("digits", 8.0),
    ("choice", 8.0),
    ("item", 12.0),
    ("free", 12.0),
)


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class LocalAsrOptions:
    workers: int = field(default_factory=default_workers)
    """Decoders (worker processes, or threads with ``isolation="thread"``): utterances decoded at the same
    time. Default: min(2, cpu count)."""
    isolation: Literal["process", "thread"] = "process"
    """``process``: decode in speech worker processes (the event loop never waits for pocketsphinx);
    ``thread``: in threads of this process (pocketsphinx holds the GIL: a long decode stalls the event loop)."""
    deadline_s: float = 5.0
    """Give up on an utterance this long after it was submitted (``DeadlineExceeded``, retryable); a worker still
    decoding it is killed and started again. Processes only."""
    queue_size: int = 2
    """Utterances that may wait for a busy worker; beyond that ``recognize`` refuses at once (``RecognizerBusy``,
    retryable). Processes only."""
    max_utterance_s: tuple[tuple[str, float], ...] = MAX_UTTERANCE_S
    """Per prompt kind: audio beyond this many seconds is not decoded (trimmed)."""
    worker_nice: int = 5
    """Niceness added to worker processes: when the cores are short, the service's event loop runs first."""
    worker_start_timeout_s: float = 120.0
    """How long a worker may take to start and compile a grammar version."""
    pad_s: float = 0.25
    """Silence added before and after the utterance, so that the first and last words are not clipped."""
    comfort_snr_db: float | None = 25.0
    """Raise a noise floor quieter than this many dB below the speech to that level (None: leave the audio)."""
    min_score_per_frame: float = -4.8
    """Reject a hypothesis whose acoustic log-likelihood per frame of speech (relative to the best senone of
    each frame) is below this: forced matches of out-of-grammar speech mostly score -5 to -7, correct
    matches around -2 to -4."""
    min_score_per_frame_narrowband: float = -5.3
    """The same for audio below 16 kHz (phone): without its upper band, correct matches score lower."""
    min_word_score_per_frame: float = -10.0
    """Reject a hypothesis when any one word scores below this per frame (a word forced onto other speech);
    correct words stay above -9.5."""
    fallback_to_free: bool = True
    """When the prompt's grammar rejects the utterance, try the full grammar before giving up."""
    choice_cache: int = 16
    """Choice grammars kept compiled per decoder."""
    decoder_config: tuple[tuple[str, object], ...] = DECODER_CONFIG
    """pocketsphinx settings (beam, lw, wip...)."""
    retry_config: tuple[tuple[str, object], ...] | None = RETRY_CONFIG
    """Settings changed for a second pass when the narrow beams pruned every sentence of the prompt's grammar
    (one shared decoder; None: no second pass)."""


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
        spoken = [(score / (end - start + 1)) for word, start, end, score in self.words if not _filler(word)]
        return min(spoken) if spoken else None


class _Engine:
    """One pocketsphinx decoder with the searches of one grammar version."""

    def __init__(self, lexicon: _Lexicon, config: dict[str, object]) -> None:
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
            (seg.word, seg.start_frame, seg.end_frame, math.log(max(seg.ascore, _TINY))) for seg in d.seg()
        )
        speech = [w for w in words if not _filler(w[0])]
        frames = sum(end - start + 1 for _, start, end, _ in speech)
        score = sum(w[3] for w in speech) / frames if frames else None
        return Decoded(hyp.hypstr, search, accepted, score, words)


class _Lexicon:
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


class GrammarRecognizer:
    """pocketsphinx with per-prompt grammars: speech worker processes (or threads) that each own a decoder, a
    wide-beam decoder for second passes, and grammars that follow the catalogue (``set_vocabulary``)."""

    def __init__(
        self,
        vocabulary: Sequence[VocabularyEntry] = (),
        options: LocalAsrOptions | None = None,
        sites: Sequence[str] = (),
    ) -> None:
        self.options = options or LocalAsrOptions()
        self._sites = tuple(sites)
        self._grammars = build_grammars(vocabulary, self._sites)
        self._lexicon = _Lexicon()
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="local-asr")
        self._wide: _Engine | None = None
        self._wide_lock = threading.Lock()
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()
        self._closed = False

    @property
    def grammars(self) -> GrammarSet:
        return self._grammars

    def set_vocabulary(self, items: Sequence[VocabularyEntry], sites: Sequence[str] | None = None) -> None:
        """Swap in grammars for a changed catalogue (and, when given, site phrases); each decoder recompiles
        before its next utterance."""
        if sites is not None:
            self._sites = tuple(sites)
        grammars = build_grammars(items, self._sites)
        if grammars.version != self._grammars.version:
            self._grammars = grammars
            log.info("local ASR grammar version %s (%d words)", grammars.version, len(grammars.words))

    @property
    def workers(self) -> WorkerPool | None:
        """The speech worker processes (started on first use; None with ``isolation="thread"``)."""
        return self._pool

    def _workers(self) -> WorkerPool:
        with self._pool_lock:
            if self._closed:
                raise DecodeError("the local recognizer is closed")
            if self._pool is None:
                self._pool = WorkerPool(self.options, lambda: self._grammars)
            return self._pool

    def compile(self, grammars: GrammarSet | None = None) -> None:
        """Use ``grammars`` (default: the current set) and compile them into this thread's decoder and the
        second-pass one now (a speech worker does this once per grammar version)."""
        if grammars is not None:
            self._grammars = grammars
        self._engine()
        if self.options.retry_config is not None:
            with self._wide_lock:
                self._wide_engine()

    async def warm_up(self) -> None:
        """Build and compile every decoder now rather than on the first utterances."""
        if self.options.isolation == "process":
            pool = self._workers()
            while not pool.ready():  # noqa: ASYNC110 - each worker compiles in its own process; poll it
                await asyncio.sleep(0.05)
            return
        loop = asyncio.get_running_loop()
        barrier = threading.Barrier(self.options.workers)
        await asyncio.gather(
            *(
                loop.run_in_executor(self._executor, self._warm_one, barrier)
                for _ in range(self.options.workers)
            )
        )

    def _warm_one(self, barrier: threading.Barrier) -> None:
        self._engine()
        barrier.wait(timeout=120)  # hold the thread so that every worker builds its own decoder

    async def recognize(self, pcm: bytes, sample_rate: int, expect: Expectation) -> Recognition:
        """``recognize_sync`` in a speech worker process (or, with ``isolation="thread"``, in the executor).

        Raises ``DecodeError`` when decoding fails, ``RecognizerBusy`` at once when every worker is busy and the
        queue is full, ``DeadlineExceeded`` after ``deadline_s`` (both retryable). Cancelling the await drops
        an utterance that still waits; one being decoded runs on, bounded by the length cap and the deadline."""
        if self.options.isolation == "process":
            pool = self._workers()
            give_up = time.monotonic() + self.options.worker_start_timeout_s
            while not pool.any_ready() and time.monotonic() < give_up:  # noqa: ASYNC110 - starting, or compiling
                await asyncio.sleep(0.05)
            future = pool.submit(
                self.cap(pcm, sample_rate, expect), sample_rate, expect, self.options.deadline_s
            )
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), self.options.deadline_s)
            except TimeoutError:
                raise DeadlineExceeded(f"no transcript within {self.options.deadline_s:g} s") from None
        loop = asyncio.get_running_loop()
        try:
            # A cancelled await leaves the thread to finish its utterance; the decoder stays consistent.
            return await loop.run_in_executor(self._executor, self.recognize_sync, pcm, sample_rate, expect)
        except (RuntimeError, ValueError) as exc:  # how pocketsphinx reports decoding failures
            raise DecodeError(str(exc)) from exc

    def cap(self, pcm: bytes, sample_rate: int, expect: Expectation) -> bytes:
        """``pcm`` trimmed to the longest audio decoded for ``expect.kind`` (``max_utterance_s``)."""
        caps = dict(self.options.max_utterance_s)
        limit = caps.get(expect.kind, caps.get("free"))
        if limit is None:
            return pcm
        keep = 2 * int(limit * sample_rate)
        return pcm if len(pcm) <= keep else pcm[:keep]

    def recognize_sync(self, pcm: bytes, sample_rate: int, expect: Expectation) -> Recognition:
        """Blocking recognition of mono PCM16 at ``sample_rate`` in this thread (threads, benchmarks, the speech
        workers); ``recognize`` runs the same in a worker process or the executor."""
        return self.recognize_until(pcm, sample_rate, expect, None)

    def recognize_until(
        self, pcm: bytes, sample_rate: int, expect: Expectation, deadline: float | None
    ) -> Recognition:
        """``recognize_sync``, giving up between decoding passes once ``time.monotonic()`` passes ``deadline``
        (``DeadlineExceeded``)."""
        started = time.perf_counter()
        pcm = self.cap(pcm, sample_rate, expect)
        prepared = self._prepare(pcm, sample_rate)
        floor = self.options.min_score_per_frame
        if sample_rate < MODEL_RATE:
            floor = self.options.min_score_per_frame_narrowband
        first = time.monotonic()
        result = self._decode(self._engine(), prepared, expect)
        narrow_s = time.monotonic() - first  # what one narrow pass costs on this audio
        if not result.accepted and self.options.retry_config is not None:
            _check(deadline, WIDE_PASS_COST * narrow_s)
            with self._wide_lock:
                result = self._decode(self._wide_engine(), prepared, expect)
        word_floor = self.options.min_word_score_per_frame
        result = _judge(result, floor, word_floor)
        if not result.accepted and expect.kind != "free" and self.options.fallback_to_free:
            _check(deadline, narrow_s)
            result = _judge(self._decode(self._engine(), prepared, Expectation()), floor, word_floor)
        text = result.text if result.accepted else ""
        log.debug(
            "local ASR %s -> %r (%s, %.3f s)", result.search, result.text, result.accepted,
            time.perf_counter() - started,
        )  # fmt: skip
        return Recognition(
            text=text,
            confidence=confidence(result.score_per_frame) if text else 0.0,
            duration_s=len(pcm) / (2 * sample_rate),
        )

    def decode_sync(self, pcm: bytes, sample_rate: int, search: str) -> Decoded:
        """One narrow pass against one named grammar, without rejection (benchmarks and tuning)."""
        return self._engine().decode(self._prepare(pcm, sample_rate), search)

    def _decode(self, engine: _Engine, pcm: bytes, expect: Expectation) -> Decoded:
        search = search_name(expect)
        if expect.kind == "choice" and expect.phrases:
            search = engine.ensure_choice(self._grammars, expect.phrases, self.options.choice_cache)
        return engine.decode(pcm, search)

    def _engine(self) -> _Engine:
        engine: _Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = _Engine(self._lexicon, dict(self.options.decoder_config))
            self._local.engine = engine
        engine.sync(self._grammars)
        return engine

    def _wide_engine(self) -> _Engine:
        """The second-pass decoder (call with ``_wide_lock`` held)."""
        if self._wide is None:
            config = dict(self.options.decoder_config) | dict(self.options.retry_config or ())
            self._wide = _Engine(self._lexicon, config)
        self._wide.sync(self._grammars)
        return self._wide

    def _prepare(self, pcm: bytes, sample_rate: int) -> bytes:
        samples = pcm16_to_array(resample(pcm, sample_rate, MODEL_RATE)).astype(np.float64)
        pad = int(self.options.pad_s * MODEL_RATE)
        rng = np.random.default_rng(len(samples))  # seeded: the same audio always decodes the same way
        snr_db = self.options.comfort_snr_db
        speech, floor = levels(samples)
        target = speech / 10 ** (snr_db / 20) if snr_db is not None else 0.0
        out = np.concatenate([np.zeros(pad), samples, np.zeros(pad)])
        # The padding continues the utterance's own floor; a floor quieter than ``target`` is raised to it.
        out[:pad] = pink_noise(pad, rng) * max(floor, target)
        out[len(out) - pad :] = pink_noise(pad, rng) * max(floor, target)
        if target > floor:
            out[pad : pad + len(samples)] += pink_noise(len(samples), rng) * np.sqrt(target**2 - floor**2)
        return array_to_pcm16(np.clip(np.rint(out), -32768, 32767).astype(np.int16))

    def close(self) -> None:
        """Stop the worker processes (and the executor's threads)."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _check(deadline: float | None, next_pass_s: float) -> None:
    """Give up before a pass that would end past ``deadline`` (it would be killed there anyway)."""
    if deadline is not None and time.monotonic() + next_pass_s > deadline:
        raise DeadlineExceeded("recognition would run past its deadline")


def _filler(word: str) -> bool:
    return word.startswith(("<", "[", "++"))


def _judge(decoded: Decoded, floor: float, word_floor: float) -> Decoded:
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
