"""espeak-ng synthesis (the engine and the gateway's adapter): formats, sentence-by-sentence streaming,
cancellation and errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from local_speech.errors import EspeakError
from local_speech.espeak import EspeakEngine, EspeakOptions, split_sentences
from voice_gateway.audio import mulaw_decode, pcm16_to_array
from voice_gateway.speech.local import EspeakFailed, EspeakSynthesizer
from voice_gateway.speech.ports import SpeechError, SynthesisFormat, UnsupportedFormat

pytestmark = [
    pytest.mark.speech,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]

LONG_REPLY = " ".join(f"Sentence number {i} of a long reply about pallet wrap." for i in range(1, 9))


def counting_espeak(tmp_path: Path) -> tuple[EspeakOptions, Path]:
    """espeak-ng behind a wrapper that records the pid of every run (exec keeps the pid)."""
    pids = tmp_path / "pids"
    wrapper = tmp_path / "espeak-wrapper"
    wrapper.write_text(f'#!/bin/sh\necho $$ >> "{pids}"\nexec {shutil.which("espeak-ng")} "$@"\n')
    wrapper.chmod(0o755)
    return EspeakOptions(executable=str(wrapper)), pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def collect(tts: EspeakSynthesizer, text: str, fmt: SynthesisFormat) -> bytes:
    return b"".join([chunk async for chunk in tts.stream(text, fmt)])


def test_split_sentences() -> None:
    assert split_sentences(" Half-inch bolts? Bin C 13. Check digits please!  ") == [
        "Half-inch bolts?",
        "Bin C 13.",
        "Check digits please!",
    ]
    assert split_sentences("one point 5.5 stays") == ["one point 5.5 stays"]
    assert split_sentences("   ") == []


async def test_pcm_and_mulaw_at_the_transport_rate() -> None:
    tts = EspeakSynthesizer()
    text = "You have one hundred twenty nitrile gloves. Shall I order more?"
    pcm16k = await collect(tts, text, SynthesisFormat("pcm", 16000))
    ulaw8k = await collect(tts, text, SynthesisFormat("pcmu_raw", 8000))
    seconds_pcm = len(pcm16k) / 2 / 16000
    seconds_ulaw = len(ulaw8k) / 8000
    assert 2.0 < seconds_pcm < 8.0
    assert abs(seconds_pcm - seconds_ulaw) < 0.05
    for samples in (pcm16_to_array(pcm16k), pcm16_to_array(mulaw_decode(ulaw8k))):
        rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
        assert rms > 500  # speech, not silence


async def test_first_audio_comes_before_later_sentences_start(tmp_path: Path) -> None:
    options, pids = counting_espeak(tmp_path)
    stream = EspeakSynthesizer(options).stream(LONG_REPLY, SynthesisFormat("pcm", 16000))
    first = await anext(stream)
    assert first
    assert len(pids.read_text().split()) == 1  # only the first sentence is being synthesized
    await stream.aclose()  # type: ignore[attr-defined]
    pid = int(pids.read_text().split()[0])
    assert not alive(pid)


async def test_cancelling_the_consumer_kills_espeak(tmp_path: Path) -> None:
    options, pids = counting_espeak(tmp_path)
    tts = EspeakSynthesizer(options)
    got_audio = asyncio.Event()

    async def play() -> None:
        # the consumer pattern the gateway uses: aclosing, so a cancelled playout closes the stream at once
        async with contextlib.aclosing(tts.stream(LONG_REPLY, SynthesisFormat("pcmu_raw", 8000))) as stream:  # type: ignore[type-var]
            async for _chunk in stream:
                got_audio.set()
                await asyncio.sleep(10)  # a slow consumer: playout pacing

    task = asyncio.create_task(play())
    await asyncio.wait_for(got_audio.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 1
    assert not alive(started[0])


async def test_whole_reply_runs_one_espeak_per_sentence(tmp_path: Path) -> None:
    options, pids = counting_espeak(tmp_path)
    await collect(EspeakSynthesizer(options), "One. Two. Three.", SynthesisFormat("pcm", 16000))
    assert len(pids.read_text().split()) == 3


async def test_unsupported_format_and_missing_binary() -> None:
    with pytest.raises(UnsupportedFormat):
        await collect(EspeakSynthesizer(), "hello", SynthesisFormat("mp3", 16000))
    with pytest.raises(SpeechError) as err:
        await collect(
            EspeakSynthesizer(EspeakOptions(executable="/nonexistent/espeak")), "hi", SynthesisFormat()
        )
    assert isinstance(err.value, EspeakFailed)
    assert err.value.code == "espeak_failed" and err.value.engine == "espeak" and not err.value.retryable


async def test_engine_errors_carry_code_and_retryable() -> None:
    engine = EspeakEngine(EspeakOptions(executable="/nonexistent/espeak"))
    with pytest.raises(EspeakError) as err:
        _ = [chunk async for chunk in engine.stream("hi", 16000)]
    assert err.value.code == "espeak_failed" and not err.value.retryable


async def test_engine_yields_pcm16_at_the_requested_rate() -> None:
    text = "Bin C thirteen."
    pcm22k = b"".join([chunk async for chunk in EspeakEngine().stream(text, 22050)])
    pcm8k = b"".join([chunk async for chunk in EspeakEngine().stream(text, 8000)])
    assert len(pcm22k) % 2 == 0 and len(pcm8k) % 2 == 0
    assert abs(len(pcm22k) / 2 / 22050 - len(pcm8k) / 2 / 8000) < 0.05


async def test_empty_text_yields_nothing() -> None:
    assert await collect(EspeakSynthesizer(), "  ", SynthesisFormat()) == b""
