"""Early turn ends in a scripted call (manual clock, fake recognizer with a set latency): a complete short answer
ends the turn after a short pause with the speculative transcript; anything else waits for the full end silence,
reusing that transcript when nothing was said since; speech after the pause discards it."""

from __future__ import annotations

import pytest

from dialogue.contract import AgentReply, HeardWords, RecognitionHints, TurnSource
from tests.fakes.conversation import FakeConversation
from tests.fakes.speech import FakeRecognizer
from tests.gateway.harness import Say, ScriptedCall
from voice_gateway import events as ev
from voice_gateway.options import SessionOptions
from voice_gateway.turns.segmenter import EndpointingOptions

pytestmark = pytest.mark.gateway

ORDER, YES, WIDGETS, REORDER, TWELVE, ONE, STOP, DIGITS = 150, 220, 180, 250, 360, 300, 280, 420
WORDS = {
    ORDER: "order 15 widgets",
    YES: "yes",
    WIDGETS: "how many widgets",
    REORDER: "reorder widgets",
    TWELVE: "twelve",
    ONE: "one",
    STOP: "stop",
    DIGITS: "check digits",
}
LATENCY_S = 0.1
NO_EARLY_END = SessionOptions(greet=False, endpointing=EndpointingOptions(tentative_end_s=0.0))


def call(latency_s: float = LATENCY_S, **kw: object) -> ScriptedCall:
    recognizer = FakeRecognizer(by_f0=dict(WORDS), latency_s=latency_s)
    c = ScriptedCall(recognizer=recognizer, **kw)  # type: ignore[arg-type]
    recognizer.clock = c.clock  # its latency passes on the call's manual clock
    return c


def speculations(c: ScriptedCall, outcome: str) -> float:
    return c.metrics.speculations.labels(outcome)._value.get()


def stopped(c: ScriptedCall) -> list[ev.SpeechStopped]:
    return c.output.of(ev.SpeechStopped)


async def test_yes_to_a_read_back_ends_the_turn_after_a_short_pause_with_one_recognition() -> None:
    async with call() as c:
        await c.run(8.0, [Say(0.5, 1.0, ORDER), Say(5.5, 5.9, YES)])
    assert c.conversation.writes == ["widgets"]
    answer = stopped(c)[1]
    assert answer.reason == "early"
    # The 0.15 s pause, then the recogniser's 0.1 s: the turn ended there, not after 0.4 s of silence.
    assert answer.at_s == pytest.approx(5.9 + 0.15 + LATENCY_S, abs=0.03)
    assert [h.expect for _, h in c.recognizer.received] == ["free", "yes_no"]  # type: ignore[attr-defined]
    assert [t.text for t in c.output.of(ev.TranscriptReady)] == ["order 15 widgets", "yes"]
    assert speculations(c, "ended_early") == 1 and speculations(c, "reused") == 1
    # The reply follows the early end as it would follow any end of speech.
    reply_at = c.output.at(ev.ReplyReady)[1]
    assert reply_at == pytest.approx(5.9 + 0.15 + LATENCY_S, abs=0.03)


async def test_with_early_end_disabled_yes_waits_for_the_full_end_silence() -> None:
    async with call(options=NO_EARLY_END) as c:
        await c.run(8.0, [Say(0.5, 1.0, ORDER), Say(5.5, 5.9, YES)])
    assert c.conversation.writes == ["widgets"]
    answer = stopped(c)[1]
    assert answer.reason == "silence" and answer.at_s == pytest.approx(5.9 + 0.4, abs=0.03)
    assert len(c.recognizer.received) == 2  # type: ignore[attr-defined]
    assert speculations(c, "ended_early") == speculations(c, "reused") == 0


async def test_a_request_waits_for_the_full_end_silence_and_reuses_the_transcript() -> None:
    async with call() as c:
        await c.run(4.0, [Say(0.5, 1.6, WIDGETS)])
    (stop,) = stopped(c)
    assert stop.reason == "silence" and stop.at_s == pytest.approx(1.6 + 0.4, abs=0.03)
    assert len(c.recognizer.received) == 1  # type: ignore[attr-defined]
    assert speculations(c, "reused") == 1
    assert c.output.of(ev.TranscriptReady)[0].text == "how many widgets"


async def test_speech_before_the_guess_returns_cancels_it_and_the_whole_utterance_is_recognised() -> None:
    async with call(latency_s=0.2) as c:
        # "yes" with a 0.2 s pause inside: the guess made at the pause is still running when speech resumes.
        await c.run(9.0, [Say(0.5, 1.0, ORDER), Say(5.5, 5.8, YES), Say(6.0, 6.3, YES)])
    answers = stopped(c)[1:]
    assert len(answers) == 1 and answers[0].duration_s > 0.7  # one utterance
    assert speculations(c, "discarded") == 1
    first_guess, final = c.recognizer.received[1:]  # type: ignore[attr-defined]
    assert len(final[0].pcm) > len(first_guess[0].pcm) + 0.3 * 32000
    assert c.conversation.writes == ["widgets"]
    # The final guess (at the end of the whole utterance) was complete: it ended the turn early.
    assert answers[0].reason == "early"
    assert answers[0].at_s == pytest.approx(6.3 + 0.15 + 0.2, abs=0.03)


async def test_a_guess_still_running_at_the_full_end_silence_serves_the_turn() -> None:
    async with call(latency_s=0.5) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    (stop,) = stopped(c)
    assert stop.reason == "silence"
    assert len(c.recognizer.received) == 1  # type: ignore[attr-defined]
    # The transcript came with the guess, 0.15 + 0.5 s after speech ended.
    assert c.output.at(ev.TranscriptReady)[0] == pytest.approx(1.0 + 0.15 + 0.5, abs=0.03)


async def test_a_long_request_is_recognised_from_its_first_pause_but_never_ended_early() -> None:
    # 3 s of speech, past the 2 s of a short answer: its recognition starts at the 0.15 s pause (a head start),
    # the turn still ends only after the full 0.4 s, and the transcript is ready 0.15 + 0.5 s after the speech,
    # not 0.4 + 0.5 s.
    async with call(latency_s=0.5) as c:
        await c.run(6.0, [Say(0.5, 3.5, STOP)])
    (stop,) = stopped(c)
    assert stop.reason == "silence" and stop.at_s == pytest.approx(3.5 + 0.4, abs=0.03)
    assert len(c.recognizer.received) == 1  # type: ignore[attr-defined]
    assert c.output.at(ev.TranscriptReady)[0] == pytest.approx(3.5 + 0.15 + 0.5, abs=0.03)
    assert speculations(c, "reused") == 1 and speculations(c, "ended_early") == 0


async def test_without_a_head_start_a_long_request_is_recognised_after_the_end_silence() -> None:
    options = SessionOptions(greet=False, endpointing=EndpointingOptions(head_start=False))
    async with call(latency_s=0.5, options=options) as c:
        await c.run(6.0, [Say(0.5, 3.5, STOP)])
    assert c.output.at(ev.TranscriptReady)[0] == pytest.approx(3.5 + 0.4 + 0.5, abs=0.03)
    assert speculations(c, "reused") == 0


async def test_a_quantity_ends_early_but_a_lone_digit_waits_for_the_number_silence() -> None:
    async with call() as c:
        await c.run(3.0, [Say(0.5, 1.0, REORDER)])
        assert c.output.of(ev.ReplyReady)[0].awaiting.expect == "quantity"
        await c.run(6.0, [Say(3.0, 3.4, TWELVE)])
        await c.run(12.0, [Say(8.0, 8.3, ONE)])
    twelve, one = stopped(c)[1:]
    assert twelve.reason == "early" and twelve.at_s == pytest.approx(3.4 + 0.15 + LATENCY_S, abs=0.03)
    # "one" may be the start of "one ... fifty": the reply to "twelve" awaits free speech, so "one" waits 0.4 s.
    assert one.reason == "silence" and one.at_s == pytest.approx(8.3 + 0.4, abs=0.03)


async def test_a_lone_digit_waits_the_number_silence_while_a_quantity_is_awaited() -> None:
    async with call() as c:
        await c.run(3.0, [Say(0.5, 1.0, REORDER)])
        await c.run(6.0, [Say(3.0, 3.3, ONE)])
    (one,) = stopped(c)[1:]
    assert one.reason == "silence" and one.at_s == pytest.approx(3.3 + 1.0, abs=0.03)
    assert speculations(c, "reused") == 2


class DigitsConversation(FakeConversation):
    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        if text == "check digits":
            return self._reply("Say the check digits.", awaiting=RecognitionHints("digits"))
        return await super().user_text(text, source, heard)


async def test_no_guess_while_digits_are_awaited() -> None:
    async with call(conversation=DigitsConversation()) as c:
        await c.run(3.0, [Say(0.5, 1.0, DIGITS)])
        assert c.output.of(ev.ReplyReady)[0].awaiting.expect == "digits"
        await c.run(6.0, [Say(3.0, 3.3, ONE)])
    one = stopped(c)[1]
    assert one.reason == "silence" and one.at_s == pytest.approx(3.3 + 1.0, abs=0.03)
    assert [h.expect for _, h in c.recognizer.received] == ["free", "digits"]  # type: ignore[attr-defined]
    assert len(c.recognizer.received[1][0].pcm) >= (0.3 + 1.0) * 32000  # type: ignore[attr-defined]


async def test_a_command_barging_in_ends_early() -> None:
    async with call() as c:
        await c.run(2.0, [Say(0.5, 1.0, ORDER)])
        assert c.session.speaking
        await c.run(4.0, [Say(2.0, 2.3, STOP)])
    stop = stopped(c)[1]
    assert stop.reason == "early" and stop.at_s == pytest.approx(2.3 + 0.15 + LATENCY_S, abs=0.03)
    assert c.output.of(ev.Cleared)
    assert ("user_text", "stop", "speech") in c.conversation.calls


async def test_hanging_up_with_a_guess_in_flight_cancels_it() -> None:
    c = call(latency_s=5.0)
    async with c:
        await c.run(1.3, [Say(0.5, 1.0, YES)])
        guess = c.session._spec._guess
        assert guess is not None and not guess.task.done()
    assert guess.task.cancelled()
    assert c.session._tasks.running == set()
    assert not c.output.of(ev.SpeechStopped)
