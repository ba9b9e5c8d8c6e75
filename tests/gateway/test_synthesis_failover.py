"""Synthesis faults in the middle of a reply: the fallback engine says the rest from the first word the caller
has not heard (a figure whole), a slow first chunk hands the turn over at the deadline, and both are counted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.conversation import FakeConversation
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer
from tests.gateway.harness import Say, ScriptedCall
from voice_gateway import events as ev
from voice_gateway.options import SessionOptions
from voice_gateway.speech.ports import SpeechError, SynthesisFormat
from voice_gateway.turns.timeline import resume_point

pytestmark = pytest.mark.gateway

ASK = 180
QUESTION = "how many widgets"
ANSWER = "Widgets: forty seven on hand in aisle twelve. That is enough for nine days."


def call(**kw: object) -> ScriptedCall:
    conversation = FakeConversation(replies={QUESTION: ANSWER})
    c = ScriptedCall(conversation=conversation, **kw)  # type: ignore[arg-type]
    assert isinstance(c.recognizer, FakeRecognizer)
    c.recognizer.by_f0 = {ASK: QUESTION}
    return c


def failovers(c: ScriptedCall, reason: str, engine: str = "vendor") -> float | None:
    return c.metrics.registry.get_sample_value(
        "voice_synthesis_failovers_total", {"reason": reason, "engine": engine}
    )


# -- where the fallback picks up -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spoken_s", "resumes_with"),
    [
        (0.0, "Order forty seven"),  # nothing said: all of it
        (0.1, "Order forty seven"),  # inside the first word: that word again
        (0.55, "forty seven boxes"),  # after "Order ": the next word
        (0.9, "forty seven boxes"),  # inside "seven": back to the start of the figure
        (1.6, "boxes of nails"),
        (9.0, ""),  # all said
    ],
)
def test_the_fallback_resumes_at_the_first_unheard_word_and_never_splits_a_figure(
    spoken_s: float, resumes_with: str
) -> None:
    text = "Order forty seven boxes of nails."
    assert text[resume_point(text, spoken_s, 11.0) :].startswith(resumes_with)


def test_digits_and_a_hundred_and_twenty_stay_whole() -> None:
    text = "Receive 1,200 cases, a hundred and twenty pallets"
    at_digits = resume_point(text, 0.8, 11.0)  # inside "1,200"
    assert text[at_digits:].startswith("1,200 cases")
    inside = text.index("twenty") + 2
    assert text[resume_point(text, inside / 11.0, 11.0) :].startswith("hundred and twenty")


# -- in a call ------------------------------------------------------------------------------------------------
async def test_a_stream_that_dies_mid_sentence_is_finished_by_the_fallback_from_the_unheard_word() -> None:
    # 0.1 s chunks; the vendor dies after 1.2 s of the first sentence (about "...forty seven on hand")
    vendor = FakeSynthesizer(name="vendor", fail=SpeechError("connection lost"), fail_after_chunks=12)
    local = FakeSynthesizer(name="local")
    async with call(synthesizer=vendor, fallback=local) as c:
        await c.run(14.0, [Say(0.5, 1.0, ASK)])
    first_sentence = ANSWER[: ANSWER.index(".") + 1]
    assert vendor.texts == [first_sentence]  # not retried: part of it is out already
    rest = local.texts[0]
    assert first_sentence.endswith(rest) and len(rest) < len(first_sentence)
    assert rest.split()[0] in {"forty", "on", "hand", "in"}  # resumed near 1.2 s, never inside the figure
    assert local.texts[1] == "That is enough for nine days."  # the rest of the reply stays with the fallback
    assert not c.output.of(ev.ErrorRaised)
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert not finished.interrupted and finished.heard_chars == len(ANSWER)
    assert failovers(c, "dropped") == 1
    assert (
        c.metrics.registry.get_sample_value("speech_fallbacks_total", {"kind": "tts", "engine": "vendor"})
        == 1
    )


async def test_a_first_chunk_slower_than_the_deadline_hands_the_turn_to_the_fallback() -> None:
    vendor = FakeSynthesizer(name="vendor", first_chunk_s=4.0)
    local = FakeSynthesizer(name="local")
    async with call(synthesizer=vendor, fallback=local) as c:
        vendor.clock = c.clock
        await c.run(12.0, [Say(0.5, 1.0, ASK)])
    ready = c.output.at(ev.ReplyReady)[0]
    started = c.output.at(ev.AudioStarted)[0]
    assert 0.75 <= started - ready <= 0.9  # the 0.8 s deadline, not the vendor's 4 s
    assert vendor.cancelled and not vendor.completed  # its stream was closed (task_cancel upstream)
    assert "".join(local.texts).replace(" ", "") == ANSWER.replace(" ", "")
    assert failovers(c, "slow") == 1 and not c.output.of(ev.ErrorRaised)


class SlowLaterSentences(FakeSynthesizer):
    """Fast on the first sentence of a reply, ``later_s`` to the first chunk of every other one."""

    def __init__(self, later_s: float, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.later_s = later_s

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        self.first_chunk_s = 0.0 if text.startswith("Widgets") else self.later_s
        return super().stream(text, fmt)


async def test_a_slow_later_sentence_is_waited_for_while_earlier_audio_still_plays() -> None:
    # The first sentence is ~2.8 s of audio made in ~1.4 s: when the second is asked for, ~1.4 s is queued, so
    # 1.5 s to its first chunk leaves no gap and is waited for; 3 s would, and goes to the fallback.
    patient = SlowLaterSentences(1.5, name="vendor", pace_s=0.05)
    local = FakeSynthesizer(name="local")
    async with call(synthesizer=patient, fallback=local) as c:
        patient.clock = c.clock
        await c.run(14.0, [Say(0.5, 1.0, ASK)])
    assert not local.texts and failovers(c, "slow") is None
    assert len(patient.completed) == 2
    slow = SlowLaterSentences(3.0, name="vendor", pace_s=0.05)
    local = FakeSynthesizer(name="local")
    async with call(synthesizer=slow, fallback=local) as c:
        slow.clock = c.clock
        await c.run(14.0, [Say(0.5, 1.0, ASK)])
    assert local.texts == ["That is enough for nine days."] and failovers(c, "slow") == 1


async def test_without_a_fallback_a_slow_engine_is_waited_for() -> None:
    vendor = FakeSynthesizer(name="vendor", first_chunk_s=2.0)
    async with call(synthesizer=vendor) as c:
        vendor.clock = c.clock
        await c.run(14.0, [Say(0.5, 1.0, ASK)])
    started = c.output.at(ev.AudioStarted)[0]
    assert started - c.output.at(ev.ReplyReady)[0] >= 2.0
    assert not c.output.of(ev.ErrorRaised) and len(vendor.completed) == 2


async def test_a_fallback_that_fails_too_reports_synthesis_failed_and_the_call_goes_on() -> None:
    vendor = FakeSynthesizer(name="vendor", fail=SpeechError("connection lost"), fail_after_chunks=5)
    local = FakeSynthesizer(name="local", fail=SpeechError("espeak died"), fail_after_chunks=3)
    async with call(synthesizer=vendor, fallback=local) as c:
        await c.run(8.0, [Say(0.5, 1.0, ASK)])
        vendor.fail = local.fail = None
        await c.run(16.0, [Say(8.5, 9.0, ASK)])
    assert [e.code for e in c.output.of(ev.ErrorRaised)] == ["synthesis_failed"]
    first, second = c.output.of(ev.PlaybackFinished)[:2]
    assert first.interrupted and first.reason == "synthesis_failed"
    assert not second.interrupted


def test_the_deadline_is_a_setting() -> None:
    options = SessionOptions.for_channel(
        "voice", barge_in_min_s=0.12, phone_echo_guard_s=0.2, max_call_s=60, first_audio_deadline_s=1.5
    )
    assert options.playout.first_audio_deadline_s == 1.5
