"""Barge-in in ``words`` mode (the default) through a ``CallSession`` with fakes, caller audio rendered by
espeak-ng or made with numpy: a command cuts the reply within the budget, a filler, a cough and a beep cut
nothing and stall nothing, words the judge let pass take the turn once recognised, a read-back cut before its
quantity is not asked, a hold sends nothing new for at most ``max_hold_s``, and over a reversing beeper the voice
detector's noise gate lets the beeper go so that "stop" is judged at its own onset."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.fakes.speech import FakeRecognizer
from tests.gateway.harness import Clip, Say, ScriptedCall, beeper, espeak, noise_burst, tone
from voice_gateway import events as ev
from voice_gateway.options import SessionOptions
from voice_gateway.speech.ports import RecognitionHints, Transcript, Utterance
from voice_gateway.turns.bargein import BargeIn, BargeInOptions
from voice_gateway.turns.interruption import JudgeModel
from voice_gateway.turns.interruption_features import SEGMENT_DIM

pytestmark = pytest.mark.gateway

LONG = "Here is a longer answer so that there is time to cut in. It goes on for a while yet."
WIDGETS = 180


def call(heard: str = "", **kw: object) -> ScriptedCall:
    """A call whose reply to any question is ``LONG``; the recognizer hears ``heard`` (marker tones: their
    words)."""
    hears = FakeRecognizer(by_f0={WIDGETS: "how many widgets"} if not heard else {}, default=heard)
    c = ScriptedCall(recognizer=hears, **kw)  # type: ignore[arg-type]
    c.conversation.answer = LONG
    return c


def ask(at: float = 0.2) -> dict[float, object]:
    return {at: lambda s: s.push_text("how many widgets")}


def stalls(c: ScriptedCall, after_s: float) -> float:
    """The longest time the client ran dry after ``after_s`` before the reply ended (it plays each chunk as it
    arrives)."""
    end, worst = None, 0.0
    for t, e in c.output.sent:
        if isinstance(e, ev.AudioChunk):
            if end is not None and t > end and t >= after_s:
                worst = max(worst, t - end)
            end = max(end or t, t) + len(e.pcm) / 32000
    return worst


async def test_a_command_over_a_reply_cuts_it_within_the_budget() -> None:
    async with call("stop") as c:
        await c.run(1.0, at=ask())  # type: ignore[arg-type]
        await c.run(3.0, [Clip(1.0, espeak("stop"))])
    onset = c.output.of(ev.SpeechStarted)[0].at_s
    (cleared,) = c.output.at(ev.Cleared)
    assert cleared - onset <= 0.154  # the gateway benchmark's p95 (124 ms) + 30 ms
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert finished.interrupted and finished.reason == "speech"
    assert ("user_text", "stop", "speech") in c.conversation.calls


async def test_a_filler_a_cough_and_a_beep_over_a_reply_cut_nothing_and_stall_nothing() -> None:
    sounds = [Clip(1.0, espeak("[[V:]]", wpm=90)), Clip(2.2, noise_burst()), Clip(3.2, tone(0.5, 1100.0))]
    async with call("uh") as c:
        await c.run(1.0, at=ask())  # type: ignore[arg-type]
        await c.run(5.0, sounds)
        assert c.session.speaking  # the reply goes on
        assert [x[0] for x in c.conversation.calls] == ["user_text"]  # nothing reached the dialogue
    assert not c.output.of(ev.Cleared)
    assert stalls(c, 1.0) <= 0.02
    assert {e.text for e in c.output.of(ev.TurnIgnored)} == {"uh"}


async def test_words_the_judge_let_pass_take_the_turn_once_recognised() -> None:
    async with call() as c:
        await c.run(1.0, at=ask())  # type: ignore[arg-type]
        await c.run(3.5, [Say(1.0, 1.6, WIDGETS)])  # a steady buzz: no words to the judge
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert finished.interrupted and finished.reason == "words"
    assert c.output.at(ev.Cleared)[0] >= 1.6 + 0.35  # once recognised, after the end of speech
    assert [x[:2] for x in c.conversation.calls if x[0] == "user_text"] == [
        ("user_text", "how many widgets")
    ] * 2


async def test_a_read_back_cut_by_a_no_before_its_quantity_is_not_asked() -> None:
    async with call("no") as c:
        c.conversation.answer = None
        await c.run(1.0, at={0.2: lambda s: s.push_text("order 15 widgets")})
        await c.run(3.0, [Clip(1.0, espeak("no"))])
    read_back = c.output.of(ev.ReplyReady)[0]
    assert read_back.awaiting.expect == "yes_no"
    assert [x.turn_id for x in c.output.of(ev.Cleared)] == [read_back.turn_id]
    heard = next(x[2] for x in c.conversation.calls if x[0] == "playback_interrupted")
    assert heard < len("Order 15 widgets, one five")
    assert c.metrics.registry.get_sample_value("voice_confirmations_total", {"outcome": "not_heard"}) == 1.0


async def test_inside_the_phone_echo_guard_only_a_command_takes_the_turn() -> None:
    guard = SessionOptions(greet=False, barge_in=BargeInOptions(echo_guard_s=0.2))
    async with call(options=guard, channel="phone") as c:
        await c.run(0.24, at=ask())  # type: ignore[arg-type]
        start = c.output.at(ev.AudioStarted)[0]
        await c.run(3.0, [Say(start + 0.06, start + 0.6, WIDGETS)])  # maybe our own reply: ignored
    assert not c.output.of(ev.Cleared)
    assert [e.text for e in c.output.of(ev.TurnIgnored)] == ["how many widgets"]


def always_unsure() -> JudgeModel:
    """A judge that never makes up its mind (its score is always 0.5)."""
    d = SEGMENT_DIM
    return JudgeModel(
        np.zeros(d), np.ones(d), np.zeros((1, d)), np.zeros(1), np.zeros(1), 0.0, 2.0, 0.0, 3, 13
    )


async def test_a_hold_sends_nothing_new_for_at_most_max_hold_s_and_clears_nothing() -> None:
    async with call("uh") as c:
        c.session._barge = BargeIn(c.session.options.barge_in, model=always_unsure())
        await c.run(1.0, at=ask())  # type: ignore[arg-type]
        await c.run(3.0, [Clip(1.0, espeak("[[V:]]", wpm=90))])
    onset = c.output.of(ev.SpeechStarted)[0].at_s
    sends = [t for t, e in c.output.sent if isinstance(e, ev.AudioChunk) and t > onset]
    gaps = np.diff(sends)
    assert gaps.max() == pytest.approx(0.1 + 0.04, abs=0.021)  # max_hold_s, then the next pacing tick
    assert not c.output.of(ev.Cleared)
    assert stalls(c, 1.0) <= 0.02 + 1e-9  # the client's lead covered (nearly all of) the hold


class HearsLoud(FakeRecognizer):
    """Hears ``default`` in an utterance with a frame above -30 dBFS (words over a -42 dBFS beeper), else
    nothing."""

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        heard = await super().transcribe(utterance, hints)
        x = np.frombuffer(utterance.pcm, dtype="<i2").astype(np.float64)
        frames = x[: x.size // 320 * 320].reshape(-1, 320)
        loud = frames.size > 0 and float(np.sqrt((frames**2).mean(axis=1)).max()) > 32768 * 10 ** (-30 / 20)
        return heard if loud else replace(heard, text="")


async def test_the_noise_gate_lets_a_beeper_go_and_stop_over_it_cuts_the_reply() -> None:
    """The voice detector's noise gate on (the harness turns it off for its marker tones): a beeper runs from the
    call's start, so without the gate its utterance would still be open when the caller says "stop"."""
    said = np.frombuffer(espeak("stop"), dtype="<i2").astype(np.float64)
    bed = beeper(6.0)
    at = int(3.0 * 16000)
    bed[at : at + said.size] += said
    audio = np.clip(np.rint(bed), -32768, 32767).astype("<i2").tobytes()
    c = ScriptedCall(recognizer=HearsLoud(default="stop"), noise_gate=True)
    c.conversation.answer = LONG
    async with c:
        await c.run(6.0, [Clip(0.0, audio)], at=ask(1.0))  # type: ignore[arg-type]
    starts, stops = c.output.of(ev.SpeechStarted), c.output.of(ev.SpeechStopped)
    # The beeper's own utterance was let go as noise within about a second and cut nothing…
    assert stops[0].at_s < 2.5 and c.output.at(ev.Cleared)[0] > 2.5
    # …so "stop" started a turn of its own at its onset, cut the reply within the budget and ended soon after.
    assert starts[1].at_s == pytest.approx(3.0, abs=0.1)
    assert c.output.at(ev.Cleared)[0] - starts[1].at_s <= 0.154
    assert stops[1].at_s < 3.0 + said.size / 16000 + 0.5
    assert ("user_text", "stop", "speech") in c.conversation.calls
