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
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from local_speech.decoder import (
    MODEL_RATE,
    WIDE_PASS_COST,
    Decoded,
    GrammarDecoder,
    Lexicon,
    confidence,
    judge,
    levels,
    pink_noise,
)
from local_speech.errors import DeadlineExceeded, DecodeError
from local_speech.grammar import NUMBER_WORDS, GrammarSet, build_grammars, search_name
from local_speech.heard import agreeing_opinion, choice_opinion, digits_opinion
from local_speech.options import LocalAsrOptions
from local_speech.pcm import array_to_pcm16, pcm16_to_array, resample
from local_speech.pool import WorkerPool
from local_speech.types import Expectation, Recognition, VocabularyEntry
from local_speech.whisper_asr import WhisperGrammarRecognizer

log = logging.getLogger(__name__)
SECOND_OPINION_KINDS = frozenset({"yes_no", "quantity"})
AGREEMENT_BELOW = 0.6
"""A choice or a yes/no Whisper is less sure of than this (the dialogue's bar is 0.5 per word) gets pocketsphinx's
opinion on the prompt's grammar."""


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
        self._lexicon = Lexicon()
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="local-asr")
        self._wide: GrammarDecoder | None = None
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
        if self.options.engine == "whisper":
            self._whisper_engine().warm(self._grammars)
            if self.options.second_opinion:
                self._engine()  # no second-pass decoder: the second opinion is one narrow pass
            return
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
        self.compile()
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
        if self.options.engine == "whisper":
            return self._recognize_whisper(pcm, sample_rate, expect)
        prepared = self._prepare(pcm, sample_rate)
        floor = self._score_floor(sample_rate)
        first = time.monotonic()
        result = self._decode(self._engine(), prepared, expect)
        narrow_s = time.monotonic() - first  # what one narrow pass costs on this audio
        if not result.accepted and self.options.retry_config is not None:
            _check(deadline, WIDE_PASS_COST * narrow_s)
            with self._wide_lock:
                result = self._decode(self._wide_engine(), prepared, expect)
        word_floor = self.options.min_word_score_per_frame
        result = judge(result, floor, word_floor)
        if not result.accepted and expect.kind != "free" and self.options.fallback_to_free:
            _check(deadline, narrow_s)
            result = judge(self._decode(self._engine(), prepared, Expectation()), floor, word_floor)
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

    def _recognize_whisper(self, pcm: bytes, sample_rate: int, expect: Expectation) -> Recognition:
        samples = pcm16_to_array(resample(pcm, sample_rate, MODEL_RATE)).astype(np.float32) / 32768.0
        engine = self._whisper_engine()
        heard = engine.weigh_names(engine.recognize(samples, self._grammars, expect), expect)
        # A name's own figure ("deli containers sixteen ounce") was weighed with the name: the rivals of a figure
        # would make it a name that is not there.
        named = expect.kind in ("choice", "item") and (
            heard.text in expect.phrases or heard.text in self._grammars.names
        )
        has_figure = not named and any(w in NUMBER_WORDS for w in heard.text.split())
        if self.options.second_opinion and expect.kind == "digits":
            heard = digits_opinion(heard, self._grammar_text(pcm, sample_rate, expect))
        if expect.kind == "digits":
            heard = engine.weigh_digits(heard)
        elif (
            self.options.second_opinion
            and heard.text
            and expect.kind == "choice"
            and expect.phrases
            and all(p in self._grammars.names for p in expect.phrases)
            and (heard.text not in expect.phrases or heard.confidence < AGREEMENT_BELOW)
        ):
            # A choice of items: pocketsphinx on the choice's grammar hears some voices' names that Whisper
            # writes as other words ("that's right" for "nasal spray").
            theirs = self._grammar_text(pcm, sample_rate, expect)
            leader = engine.leading_name(heard, expect) if theirs in expect.phrases else None
            heard = choice_opinion(heard, theirs, expect.phrases, leader, self._grammars.names)
        elif (
            self.options.second_opinion
            and heard.text
            and heard.confidence < AGREEMENT_BELOW
            and (expect.kind == "choice" or (expect.kind == "yes_no" and not has_figure))
        ):
            # A choice or a yes heard alike by both engines is sure (Whisper's n best alone often differ in
            # spelling, which leaves a right answer below the dialogue's bar: "I'm not sure which item you said").
            # Asked only then: the pass costs ~75 ms on the commonest turn, a sure "yes".
            heard = agreeing_opinion(heard, self._grammar_text(pcm, sample_rate, expect))
        alternative = ""
        if has_figure and expect.kind != "digits":
            # The figure against its rivals on the same audio; pocketsphinx's figure on the prompt's small grammar
            # (answers only) is one of them rather than a veto.
            theirs = (
                self._grammar_text(pcm, sample_rate, expect)
                if self.options.second_opinion and expect.kind in SECOND_OPINION_KINDS
                else None
            )
            offered = expect.phrases if expect.kind == "quantity" else ()
            checked = self._whisper_engine().check_figures(
                heard, offered, (theirs,) if theirs else (), open_request=expect.kind in ("free", "item")
            )
            heard, alternative = checked.heard, checked.alternative
        return Recognition(
            text=heard.text, confidence=heard.confidence, duration_s=len(pcm) / (2 * sample_rate),
            words=heard.words, alternative=alternative,
        )  # fmt: skip

    def _score_floor(self, sample_rate: int) -> float:
        """The acoustic score per frame below which a pocketsphinx hypothesis is rejected."""
        if sample_rate < MODEL_RATE:
            return self.options.min_score_per_frame_narrowband
        return self.options.min_score_per_frame

    def _grammar_text(self, pcm: bytes, sample_rate: int, expect: Expectation) -> str | None:
        """What pocketsphinx alone hears against the prompt's grammar (None when it rejects the audio)."""
        decoded = judge(
            self._decode(self._engine(), self._prepare(pcm, sample_rate), expect),
            self._score_floor(sample_rate), self.options.min_word_score_per_frame,
        )  # fmt: skip
        return decoded.text if decoded.accepted else None

    def _whisper_engine(self) -> WhisperGrammarRecognizer:
        engine: WhisperGrammarRecognizer | None = getattr(self._local, "whisper", None)
        if engine is None:
            engine = WhisperGrammarRecognizer(self._lexicon, self.options.whisper, self.options.fit)
            self._local.whisper = engine
        engine.sync(self._grammars)
        return engine

    def decode_sync(self, pcm: bytes, sample_rate: int, search: str) -> Decoded:
        """One narrow pass against one named grammar, without rejection (benchmarks and tuning)."""
        return self._engine().decode(self._prepare(pcm, sample_rate), search)

    def _decode(self, engine: GrammarDecoder, pcm: bytes, expect: Expectation) -> Decoded:
        search = search_name(expect)
        if expect.kind == "choice" and expect.phrases:
            search = engine.ensure_choice(self._grammars, expect.phrases, self.options.choice_cache)
        return engine.decode(pcm, search)

    def _engine(self) -> GrammarDecoder:
        engine: GrammarDecoder | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = GrammarDecoder(self._lexicon, dict(self.options.decoder_config))
            self._local.engine = engine
        engine.sync(self._grammars)
        return engine

    def _wide_engine(self) -> GrammarDecoder:
        """The second-pass decoder (call with ``_wide_lock`` held)."""
        if self._wide is None:
            config = dict(self.options.decoder_config) | dict(self.options.retry_config or ())
            self._wide = GrammarDecoder(self._lexicon, config)
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
