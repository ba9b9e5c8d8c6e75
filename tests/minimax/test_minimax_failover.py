"""MiniMax failing beside the local engines, over the emulator. A reply MiniMax stops speaking part-way is
finished by the fallback from the first word not yet said; a first chunk later than the deadline gives the whole
turn to the fallback and cancels the MiniMax task. Speech-to-text gives up at its budget and then rests, so the
turns after a failure go straight to the local recognizer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from dialogue.contract import RecognitionHints
from minimax_client import MiniMaxClient
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer
from voice_gateway.clock import LoopClock
from voice_gateway.playout import PlayoutOptions, ReplyPlayout
from voice_gateway.speech.minimax_adapter import MiniMaxRecognizer, MiniMaxResting, MiniMaxSynthesizer
from voice_gateway.speech.ports import RecognizerWithFallback, SpeechError, SynthesisFormat, Utterance

pytestmark = pytest.mark.minimax

REPLY = "Reading back the order: forty seven cases of copper fittings for aisle twelve. Say yes to confirm."


@pytest.fixture
async def synth(client: MiniMaxClient) -> AsyncIterator[MiniMaxSynthesizer]:
    synthesizer = MiniMaxSynthesizer(client)
    yield synthesizer
    await synthesizer.aclose()


async def play(synth: MiniMaxSynthesizer, local: FakeSynthesizer) -> tuple[ReplyPlayout, float, int]:
    frames: list[float] = []
    clock = LoopClock()
    playout = ReplyPlayout(
        REPLY,
        synth,
        SynthesisFormat("pcm", 16000),
        clock,
        lambda frame, end_s: frames.append(clock.now()),
        options=PlayoutOptions(lead_s=5.0),  # no real-time pacing needed here
        fallback=local,
    )
    t0 = clock.now()
    await asyncio.wait_for(playout.run(), 20)
    return playout, frames[0] - t0, len(frames)


async def test_a_drop_mid_sentence_is_finished_by_the_fallback(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    emu.faults.drop_ws(after_chunks=2)  # 2 chunks of 100 ms: the drop falls inside "Reading back the order"
    local = FakeSynthesizer(name="local")
    playout, _, _ = await play(synth, local)
    first = REPLY[: REPLY.index(".") + 1]
    assert playout.failover == "dropped" and playout.engine == "local"
    assert first.endswith(local.texts[0]) and len(local.texts[0]) > len(first) - 24  # little was said before
    assert "forty seven" in local.texts[0]
    assert local.texts[1:] == ["Say yes to confirm."]
    assert [s.closed_by for s in emu.ws_sessions] == ["drop"]


async def test_a_slow_first_chunk_gives_the_turn_to_the_fallback_at_the_deadline(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    emu.faults.slow_first_chunk(3.0, on="ws")
    local = FakeSynthesizer(name="local")
    playout, first_audio_s, _ = await play(synth, local)
    assert playout.failover == "slow"
    assert 0.7 <= first_audio_s < 1.5
    assert " ".join(local.texts) == REPLY
    await asyncio.sleep(0.2)
    (session,) = emu.ws_sessions
    assert session.names()[-1] == "task_cancel"  # MiniMax's task was stopped upstream ...
    assert session.closed_by == ""  # ... and its connection stays open for the next reply


async def test_a_healthy_minimax_keeps_the_turn(emu: MiniMaxEmulator, synth: MiniMaxSynthesizer) -> None:
    local = FakeSynthesizer(name="local")
    playout, first_audio_s, frames = await play(synth, local)
    assert playout.failover is None and not local.texts and playout.engine == "minimax"
    assert frames > 0 and first_audio_s < 0.8


# -- speech-to-text beside a fallback: a budget per utterance, then a rest ---------------------------------------
PCM = (b"\x10\x00\xf0\xff" * 4000)[:16000]


def asr_requests(emu: MiniMaxEmulator) -> int:
    return sum(r.path == "/v1/speech_to_text" for r in emu.requests)


async def test_failing_speech_to_text_rests_so_later_turns_go_straight_to_the_fallback(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.fail_next(1002, times=50, on="asr")  # rate-limited for a while
    recognizer = MiniMaxRecognizer(client, budget_s=2.5, rest_s=0.5)
    with pytest.raises(SpeechError) as first:
        await recognizer.transcribe(Utterance(PCM, 16000), RecognitionHints())
    asked = asr_requests(emu)
    assert first.value.retryable and asked >= 1
    began = time.monotonic()
    with pytest.raises(MiniMaxResting) as resting:
        await recognizer.transcribe(Utterance(PCM, 16000), RecognitionHints())
    assert time.monotonic() - began < 0.05 and asr_requests(emu) == asked  # not asked while resting
    assert not resting.value.retryable  # so the gateway goes to the fallback at once
    emu.faults.reset()
    emu.expect_transcript(PCM, "order fifty")
    await asyncio.sleep(0.5)
    heard = await recognizer.transcribe(Utterance(PCM, 16000), RecognitionHints())
    assert heard.text == "order fifty"  # tried again after the rest


async def test_a_slow_speech_to_text_gives_up_at_its_budget(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.latency_s = 3.0
    recognizer = MiniMaxRecognizer(client, budget_s=0.4, rest_s=30.0)
    began = time.monotonic()
    with pytest.raises(SpeechError) as caught:
        await recognizer.transcribe(Utterance(PCM, 16000), RecognitionHints())
    assert time.monotonic() - began < 1.0 and caught.value.retryable
    with pytest.raises(MiniMaxResting):
        await recognizer.transcribe(Utterance(PCM, 16000), RecognitionHints())


async def test_the_nlx_middleware_recognizer_falls_back_too(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.fail_next(1002, times=50, on="asr")
    local = FakeRecognizer(script=["order fifty", "order sixty"], name="local")
    both = RecognizerWithFallback(MiniMaxRecognizer(client, budget_s=2.5, rest_s=30.0), local)
    first = await both.transcribe(Utterance(PCM, 16000), RecognitionHints())
    asked = asr_requests(emu)
    second = await both.transcribe(Utterance(PCM, 16000), RecognitionHints())  # MiniMax resting
    assert (first.text, second.text) == ("order fifty", "order sixty")
    assert asr_requests(emu) == asked and both.name == "minimax"


async def test_after_a_synthesis_failure_every_call_speaks_locally_until_the_rest_is_over(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    shared = MiniMaxSynthesizer(client, rest_s=30.0)
    first, second = shared.for_call(), shared.for_call()
    emu.faults.fail_next(1000, times=10)  # MiniMax failing outright
    local = FakeSynthesizer(name="local")
    playout, _, _ = await play(first, local)  # type: ignore[arg-type]
    assert playout.failover == "failed"
    asked = len(emu.ws_sessions) + len(emu.requests)
    began = time.monotonic()
    playout, first_audio_s, _ = await play(second, local)  # type: ignore[arg-type]
    assert playout.failover == "failed" and first_audio_s < 0.1  # another call: straight to the local engine
    assert len(emu.ws_sessions) + len(emu.requests) == asked and time.monotonic() - began < 2
    emu.faults.reset()
    shared._rest.until = time.monotonic()  # the rest is over
    playout, _, _ = await play(second, FakeSynthesizer(name="local"))  # type: ignore[arg-type]
    assert playout.failover is None and playout.engine == "minimax"  # tried again after the rest
    await first.aclose()
    await second.aclose()
