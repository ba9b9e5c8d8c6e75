"""The local recognizer's speech worker processes: the same transcripts as decoding in this process, a deadline
per utterance, a fast refusal when every worker is busy, and no worker left behind by ``close``."""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import numpy as np
import pytest

from dialogue.contract import RecognitionHints
from fixtures.audio.generate import Entry
from local_speech.asr import LocalAsrOptions
from local_speech.types import Expectation
from voice_gateway.speech.local import LocalRecognizer, RecognitionDeadline, RecognizerBusyError
from voice_gateway.speech.ports import SpeechError, Utterance, VocabularyItem

from .conftest import SITES, demo_vocabulary, load_utterance

pytestmark = [
    pytest.mark.speech,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]

SMALL = [VocabularyItem("PKG-1", "pallet wrap")]


def noise(seconds: float, seed: int = 0) -> Utterance:
    """Loud white noise: the decoder cannot prune it, so it decodes slower than real time."""
    samples = np.random.default_rng(seed).normal(size=int(16000 * seconds)) * 8000
    return Utterance(np.clip(samples, -32768, 32767).astype(np.int16).tobytes(), 16000)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_worker_process_hears_what_the_thread_heard(fixture_set: list[Entry]) -> None:
    # one worker, so that both sides see the same history (pocketsphinx carries its cepstral mean from one
    # utterance to the next): each utterance is decoded twice on each side and the second results compared
    asr = LocalRecognizer(demo_vocabulary(), LocalAsrOptions(engine="grammar", workers=1), sites=SITES)
    engine = asr.engine
    picked = [
        *[e for e in fixture_set if e.expect == "yes_no"][:2],
        *[e for e in fixture_set if e.expect == "quantity"][:1],
        *[e for e in fixture_set if e.expect == "digits"][:1],
        fixture_set[2],  # a free question
    ]
    try:
        await asr.warm_up()
        for entry in picked:
            for condition in ("clean", "phone"):
                u = load_utterance(entry, condition)
                expect = Expectation(entry.expect)
                [engine.recognize_sync(u.pcm, u.sample_rate, expect) for _ in range(2)]
                in_thread = engine.recognize_sync(u.pcm, u.sample_rate, expect)
                await engine.recognize(u.pcm, u.sample_rate, expect)
                in_process = await engine.recognize(u.pcm, u.sample_rate, expect)
                # the same hearing; a score may differ in the fourth decimal (pocketsphinx's float sums)
                said = (in_process.text, [w for w, _ in in_process.words], in_process.duration_s)
                assert said == (in_thread.text, [w for w, _ in in_thread.words], in_thread.duration_s), (
                    entry.file,
                    condition,
                )
                assert in_process.confidence == pytest.approx(in_thread.confidence, abs=1e-3), (
                    entry.file,
                    condition,
                )
        assert any(r for r in picked)
    finally:
        asr.close()


async def test_a_slow_decode_hits_the_deadline_and_the_worker_comes_back() -> None:
    asr = LocalRecognizer(SMALL, LocalAsrOptions(engine="grammar", workers=1, deadline_s=0.5))
    try:
        await asr.warm_up()
        [pid] = asr.engine.workers.pids()  # type: ignore[union-attr]
        t0 = time.monotonic()
        with pytest.raises(SpeechError) as err:
            await asr.transcribe(noise(4.0), RecognitionHints("free"))
        assert time.monotonic() - t0 < 1.0
        assert isinstance(err.value, RecognitionDeadline) and err.value.retryable
        assert err.value.code == "recognition_deadline" and err.value.engine == "local"
        # Either the worker gave up itself (it skips a pass that would overrun its budget) or it overran and was
        # killed and started again; which one depends on how fast this machine decodes. Either way it comes back.
        await asyncio.sleep(1.0)
        replaced = not alive(pid)
        await asr.warm_up()
        if replaced:
            assert asr.engine.workers.pids() != [pid]  # type: ignore[union-attr]
        quiet = Utterance(bytes(32000), 16000)
        assert (await asr.transcribe(quiet, RecognitionHints("yes_no"))).text == ""
    finally:
        asr.close()


async def test_a_full_queue_refuses_at_once() -> None:
    asr = LocalRecognizer(SMALL, LocalAsrOptions(engine="grammar", workers=1, queue_size=1, deadline_s=3.0))
    try:
        await asr.warm_up()
        slow = asyncio.create_task(asr.transcribe(noise(4.0), RecognitionHints("free")))
        await asyncio.sleep(0.2)  # the worker has taken it
        waiting = asyncio.create_task(asr.transcribe(noise(1.0, seed=1), RecognitionHints("yes_no")))
        await asyncio.sleep(0.05)
        t0 = time.monotonic()
        with pytest.raises(RecognizerBusyError) as err:
            await asr.transcribe(noise(1.0, seed=2), RecognitionHints("yes_no"))
        assert time.monotonic() - t0 < 0.05
        assert err.value.retryable and err.value.code == "recognizer_busy"
        waiting.cancel()  # a hang-up gives its place in the queue back
        await asyncio.gather(waiting, return_exceptions=True)
        other = asyncio.create_task(asr.transcribe(noise(0.5, seed=3), RecognitionHints("yes_no")))
        slow.cancel()
        await asyncio.gather(slow, other, return_exceptions=True)
    finally:
        asr.close()


async def test_long_audio_is_capped_per_prompt_kind() -> None:
    asr = LocalRecognizer(SMALL, LocalAsrOptions(engine="grammar", isolation="thread"))
    try:
        pcm = bytes(2 * 16000 * 20)
        assert len(asr.engine.cap(pcm, 16000, Expectation("yes_no"))) == 2 * 16000 * 4
        assert len(asr.engine.cap(pcm, 8000, Expectation("quantity"))) == 2 * 8000 * 8
        assert len(asr.engine.cap(pcm, 16000, Expectation("item"))) == 2 * 16000 * 12
        assert asr.engine.cap(b"\0\0" * 100, 16000, Expectation("yes_no")) == b"\0\0" * 100
    finally:
        asr.close()


async def test_closing_stops_every_worker_process() -> None:
    asr = LocalRecognizer(SMALL, LocalAsrOptions(engine="grammar", workers=2))
    await asr.warm_up()
    pool = asr.engine.workers
    assert pool is not None
    pids = pool.pids()
    assert len(pids) == 2 and all(alive(p) for p in pids)
    busy = asyncio.create_task(asr.transcribe(noise(2.0), RecognitionHints("free")))
    await asyncio.sleep(0.1)
    asr.close()
    assert not any(alive(p) for p in pids)
    with pytest.raises(SpeechError):
        await busy
    with pytest.raises(SpeechError):  # closed for good
        await asr.transcribe(noise(0.5), RecognitionHints("yes_no"))
