"""Timeline-scripted calls against one ``CallSession`` with fakes: turn taking, barge-in (during a read-back
too), echo guard, command words, re-prompts, keypad entry, vendor failures and hang-ups.

The caller's speech here is a marker tone (a steady buzz the fake recognizer reads back). Tests of what a cut
does (what was heard, resuming after a cough) therefore run in ``sound`` barge-in mode, where any speech of the
minimum length cuts; ``words`` mode, where only words cut, is tested with rendered speech in
test_bargein_session.py."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from dialogue.contract import RecognitionHints
from tests.fakes.clock import settle
from tests.fakes.conversation import FakeConversation
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer
from tests.gateway.harness import Say, ScriptedCall
from voice_gateway import events as ev
from voice_gateway.options import SessionOptions
from voice_gateway.speech.local import RecognitionDeadline
from voice_gateway.speech.ports import SpeechError, Transcript, Utterance
from voice_gateway.turns.bargein import BargeInOptions
from voice_gateway.turns.segmenter import EndpointingOptions

pytestmark = pytest.mark.gateway

ORDER, YES, COUGH, STOP, WIDGETS, REORDER, BYE = 150, 220, 330, 280, 180, 250, 400
WORDS = {
    ORDER: "order 15 widgets",
    YES: "yes",
    STOP: "stop",
    WIDGETS: "how many widgets",
    REORDER: "reorder widgets",
    BYE: "goodbye",
}


SOUND = SessionOptions(greet=False, barge_in=BargeInOptions(mode="sound"))
"""Any speech of 0.12 s barges in (the marker tones carry no words for the interruption judge)."""


def call(**kw: object) -> ScriptedCall:
    c = ScriptedCall(**kw)  # type: ignore[arg-type]
    if isinstance(c.recognizer, FakeRecognizer) and not c.recognizer.by_f0:
        c.recognizer.by_f0 = dict(WORDS)
    return c


def names(c: ScriptedCall) -> list[str]:
    return [n for _, n in c.timeline()]


async def test_one_turn_event_sequence_and_what_the_recognizer_got() -> None:
    async with call() as c:
        await c.run(6.0, [Say(0.5, 2.0, WIDGETS)])
    seq = names(c)
    assert seq[:8] == [
        "Ready",
        "SpeechStarted",
        "SpeechStopped",
        "TranscriptReady",
        "ReplyReady",
        "AudioStarted",
        "AudioEnded",
        "PlaybackFinished",
    ]
    started = c.output.of(ev.SpeechStarted)[0]
    stopped = c.output.of(ev.SpeechStopped)[0]
    assert started.at_s == pytest.approx(0.5, abs=0.021)
    assert stopped.at_s == pytest.approx(2.0 + 0.4, abs=0.041)
    assert c.output.of(ev.TranscriptReady)[0].text == "how many widgets"
    reply = c.output.of(ev.ReplyReady)[0]
    assert reply.text == "You said how many widgets."
    utterance, hints = c.recognizer.received[0]  # type: ignore[attr-defined]
    assert hints.expect == "free"
    # Recognised once, at the tentative end: 0.5 s pre-roll + 1.5 s of speech + the 0.15 s pause, at 16 kHz
    # ("how many widgets" is no complete short answer, so the turn waited for the full end silence and then
    # took that transcript, no speech having come since).
    assert len(c.recognizer.received) == 1  # type: ignore[attr-defined]
    assert 2.1 <= len(utterance.pcm) / 32000 <= 2.2
    chunks = c.output.of(ev.AudioChunk)
    # Whole 20 ms frames, in order, none missing (frames leaving together are merged into one chunk).
    assert all(len(ch.pcm) % 640 == 0 for ch in chunks)
    assert [ch.seq for ch in chunks] == list(
        itertools.accumulate([0] + [len(ch.pcm) // 640 for ch in chunks[:-1]])
    )
    audio_s = sum(len(ch.pcm) for ch in chunks) / 32000
    assert audio_s == pytest.approx(len(reply.text) * 0.06, abs=0.11)
    assert chunks[-1].end_s == pytest.approx(audio_s)
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert not finished.interrupted and finished.heard_chars == len(reply.text)


async def test_playout_is_paced_at_real_time() -> None:
    async with call() as c:
        await c.run(6.0, [Say(0.5, 1.0, WIDGETS)])
    sent = [(t, e) for t, e in c.output.sent if isinstance(e, ev.AudioChunk)]
    t0, audio_s = sent[0][0], sent[-1][1].end_s
    # Sent over (almost) the audio's own duration, never more than the lead ahead of real time.
    assert sent[-1][0] - t0 >= audio_s - 0.12 - 0.02
    for t, chunk in sent:
        assert chunk.end_s - (t - t0) <= 0.12 + 0.02 + 1e-6


async def test_barge_in_during_read_back_before_the_quantity_means_not_asked() -> None:
    streaming = FakeSynthesizer(pace_s=0.08)  # synthesis still under way when the caller cuts in
    async with call(synthesizer=streaming, options=SOUND) as c:
        streaming.clock = c.clock
        await c.run(8.0, [Say(0.5, 1.0, ORDER), Say(2.6, 3.0, YES)])
    conv = c.conversation
    read_back = c.output.of(ev.ReplyReady)[0]
    assert read_back.awaiting.expect == "yes_no"
    cleared = c.output.of(ev.Cleared)
    assert [x.turn_id for x in cleared] == [read_back.turn_id]
    # Cleared within the barge-in minimum (+ a frame) of the onset at 2.6 s.
    assert c.output.at(ev.Cleared)[0] == pytest.approx(2.6 + 0.12, abs=0.021)
    finished = next(f for f in c.output.of(ev.PlaybackFinished) if f.turn_id == read_back.turn_id)
    assert finished.interrupted and finished.reason == "speech"
    assert finished.heard_chars < len("Order 15 widgets, one five")
    # No audio of the cut turn after the clear, and synthesis was cancelled.
    t_clear = c.output.at(ev.Cleared)[0]
    late = [t for t, e in c.output.sent if isinstance(e, ev.AudioChunk) and e.turn_id == read_back.turn_id]
    assert max(late) <= t_clear
    assert c.synthesizer.cancelled  # type: ignore[attr-defined]
    # The dialogue heard of the interruption before the "yes", and re-asked instead of writing.
    kinds = [call[0] for call in conv.calls]
    assert kinds.index("playback_interrupted") < kinds.index("user_text", 1)
    assert ("playback_interrupted", read_back.turn_id, finished.heard_chars) in conv.calls
    assert conv.writes == []
    assert c.output.of(ev.ReplyReady)[1].text == read_back.text


async def test_read_back_heard_past_its_quantity_counts_as_asked() -> None:
    async with call(options=SOUND) as c:
        await c.run(9.0, [Say(0.5, 1.0, ORDER), Say(3.6, 4.0, YES)])
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert finished.interrupted and finished.heard_chars >= len("Order 15 widgets, one five")
    assert c.conversation.writes == ["widgets"]
    assert c.output.of(ev.ReplyReady)[-1].text == "Done, the order is placed."


async def test_read_back_heard_in_full_then_yes_commits_once() -> None:
    async with call() as c:
        await c.run(9.0, [Say(0.5, 1.0, ORDER), Say(5.5, 5.9, YES)])
    assert c.conversation.writes == ["widgets"]
    assert not c.output.of(ev.Cleared)
    assert c.metrics.registry.get_sample_value("voice_confirmations_total", {"outcome": "confirmed"}) == 1.0


async def test_confirmations_are_the_dialogue_s_and_a_cut_read_back_is_not_heard() -> None:
    streaming = FakeSynthesizer(pace_s=0.08)
    async with call(synthesizer=streaming, options=SOUND) as c:
        streaming.clock = c.clock
        await c.run(8.0, [Say(0.5, 1.0, ORDER), Say(2.6, 3.0, YES)])
    sample = c.metrics.registry.get_sample_value
    # Cut before its quantity: not heard; the "yes" then answered nothing (the dialogue read back again).
    assert sample("voice_confirmations_total", {"outcome": "not_heard"}) == 1.0
    assert sample("voice_confirmations_total", {"outcome": "confirmed"}) is None
    assert c.conversation.writes == []


async def test_cough_barge_in_resumes_the_cut_sentence() -> None:
    async with call(options=SOUND) as c:
        await c.run(9.0, [Say(0.5, 1.0, ORDER), Say(2.6, 2.9, COUGH)])
    read_back = c.output.of(ev.ReplyReady)[0]
    assert len(c.output.of(ev.ReplyReady)) == 1  # no new dialogue turn
    assert [x.turn_id for x in c.output.of(ev.Cleared)] == [read_back.turn_id]
    starts = [e.turn_id for e in c.output.of(ev.AudioStarted)]
    assert starts == [read_back.turn_id, read_back.turn_id]  # said again from the cut sentence
    texts = c.synthesizer.texts  # type: ignore[attr-defined]
    assert texts.count("Order 15 widgets, one five.") == 2
    assert not [x for x in c.conversation.calls if x[0] in ("playback_interrupted", "user_text")][1:]
    final = c.output.of(ev.PlaybackFinished)[-1]
    assert not final.interrupted and final.heard_chars == len(read_back.text)
    assert c.metrics.registry.get_sample_value("voice_false_interruptions_total") == 1.0


async def test_phone_echo_guard_ignores_speech_at_the_start_of_playout() -> None:
    guard = SessionOptions(greet=False, barge_in=BargeInOptions(mode="sound", echo_guard_s=0.2))
    async with call(options=guard, channel="phone") as c:
        await c.run(1.5, [Say(0.5, 1.0, WIDGETS)])
        start = c.output.at(ev.AudioStarted)[0]
        await c.run(7.0, [Say(start + 0.06, start + 0.4, COUGH)])
    assert not c.output.of(ev.Cleared)
    assert [e.text for e in c.output.of(ev.TurnIgnored)] == [""]
    assert not c.output.of(ev.PlaybackFinished)[0].interrupted
    # Without the guard the same speech barges in.
    async with call(options=SOUND) as c2:
        await c2.run(1.5, [Say(0.5, 1.0, WIDGETS)])
        start = c2.output.at(ev.AudioStarted)[0]
        await c2.run(7.0, [Say(start + 0.06, start + 0.4, COUGH)])
    assert c2.output.of(ev.Cleared)


async def test_command_word_interrupts_even_when_too_short_to_barge_in() -> None:
    slow = SessionOptions(greet=False, barge_in=BargeInOptions(mode="sound", min_speech_s=1.0))
    async with call(options=slow) as c:
        await c.run(9.0, [Say(0.5, 1.0, ORDER), Say(2.0, 2.3, COUGH), Say(3.0, 3.3, STOP)])
    assert [e.text for e in c.output.of(ev.TurnIgnored)] == [""]  # the cough: ignored, playout went on
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert finished.interrupted and finished.reason == "command"
    assert ("user_text", "stop", "speech") in c.conversation.calls
    assert len(c.output.of(ev.Cleared)) == 1


async def test_no_input_reprompts_then_waits() -> None:
    opts = SessionOptions(greet=True, no_input_s=2.0, max_reprompts=2)
    async with call(options=opts) as c:
        await c.run(20.0)
    assert [x[0] for x in c.conversation.calls].count("no_input") == 2
    assert [e.text for e in c.output.of(ev.ReplyReady)] == [
        "Hello, how can I help?",
        "Are you still there?",
        "Are you still there?",
    ]
    gap = c.output.at(ev.ReplyReady)[1] - c.output.at(ev.AudioEnded)[0]
    assert gap == pytest.approx(2.0, abs=0.05)


async def test_number_awaited_pause_does_not_split_the_quantity() -> None:
    async with call() as c:
        await c.run(8.0, [Say(0.5, 1.0, REORDER), Say(3.0, 3.5, 150), Say(4.1, 4.6, 150)])
    assert c.output.of(ev.ReplyReady)[0].awaiting.expect == "quantity"
    stops = c.output.of(ev.SpeechStopped)
    assert len(stops) == 2  # "reorder widgets", then "one ... fifty" as one utterance
    assert stops[1].duration_s > 1.5
    # The guess at the pause inside the number ("order 15 widgets" is no quantity on its own) was dropped when the
    # caller went on; the one at the final pause served the turn.
    assert [h.expect for _, h in c.recognizer.received] == ["free", "quantity", "quantity"]  # type: ignore[attr-defined]
    assert c.metrics.speculations.labels("discarded")._value.get() == 1
    # Without a number awaited the same pause splits the utterance.
    async with call() as c:
        await c.run(8.0, [Say(0.5, 1.0, WIDGETS), Say(3.0, 3.5, 150), Say(4.1, 4.6, 150)])
    assert len(c.output.of(ev.SpeechStopped)) == 3


async def test_dtmf_quantity_typed_on_the_keypad() -> None:
    async with call() as c:
        await c.run(1.8, [Say(0.5, 1.0, REORDER)])
        keys = {
            2.0: lambda s: s.push_dtmf("1"),
            2.1: lambda s: s.push_dtmf("5"),
            2.2: lambda s: s.push_dtmf("#"),
        }
        await c.run(6.0, at=keys)
    assert ("user_text", "15", "dtmf") in c.conversation.calls
    assert [e.text for e in c.output.of(ev.TranscriptReady)][-1] == "15"
    # The first key cut the question short.
    assert c.output.of(ev.PlaybackFinished)[0].reason == "dtmf"


async def test_dtmf_single_key_answers_a_yes_no_prompt() -> None:
    async with call() as c:
        await c.run(1.8, [Say(0.5, 1.0, ORDER)])
        await c.run(3.0, at={2.0: lambda s: s.push_dtmf("1")})
    assert ("user_text", "1", "dtmf") in c.conversation.calls


async def test_typed_text_during_playout_interrupts_and_is_a_turn() -> None:
    async with call() as c:
        await c.run(2.0, [Say(0.5, 1.0, ORDER)])
        await c.run(5.0, at={2.2: lambda s: s.push_text("cancel")})
    kinds = [x[0] for x in c.conversation.calls]
    assert kinds[-3:] == ["playback_interrupted", "user_text", "close"]
    assert c.conversation.calls[-2] == ("user_text", "cancel", "typed")


async def test_recognizer_retry_then_not_understood() -> None:
    flaky = FakeRecognizer(by_f0=dict(WORDS), failures=1, retryable=True)
    async with call(recognizer=flaky) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    assert c.output.of(ev.TranscriptReady)[0].text == "how many widgets"
    assert not c.output.of(ev.ErrorRaised)
    broken = FakeRecognizer(by_f0=dict(WORDS), failures=5, retryable=False)
    async with call(recognizer=broken) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    assert [e.code for e in c.output.of(ev.ErrorRaised)] == ["recognition_failed"]
    assert ("not_understood",) in c.conversation.calls
    assert c.output.of(ev.AudioStarted)  # the caller hears the re-prompt


async def test_nothing_heard_while_the_caller_already_speaks_again_is_no_re_prompt() -> None:
    """A burst of noise ends a segment just before the words: by the time it is recognized as nothing the caller
    is speaking, and "Sorry, I didn't catch that" would talk over the request it is making."""
    slow = FakeRecognizer(by_f0=dict(WORDS), latency_s=0.6)
    async with call(recognizer=slow) as c:
        slow.clock = c.clock
        await c.run(5.0, [Say(0.5, 0.8, 520), Say(1.4, 2.4, WIDGETS)])
    assert ("not_understood",) not in c.conversation.calls
    assert [x for x in c.conversation.calls if x[0] == "user_text"] == [
        ("user_text", "how many widgets", "speech")
    ]
    assert [e.text for e in c.output.of(ev.TurnIgnored)] == [""]
    alone = FakeRecognizer(by_f0=dict(WORDS), latency_s=0.6)
    async with call(recognizer=alone) as c:
        alone.clock = c.clock
        await c.run(3.0, [Say(0.5, 0.8, 520)])
    assert ("not_understood",) in c.conversation.calls  # nothing heard and nothing after: re-prompted


async def test_a_thank_you_heard_while_the_caller_already_speaks_again_gets_no_answer() -> None:
    """Whisper writes "Thank you" for a burst of noise (held-out seed 191, 10 dB): "You're welcome" answered it
    over the request that followed."""
    heard = {**WORDS, 520: "Thank you."}
    slow = FakeRecognizer(by_f0=heard, latency_s=0.6)
    async with call(recognizer=slow) as c:
        slow.clock = c.clock
        await c.run(5.0, [Say(0.5, 0.8, 520), Say(1.4, 2.4, WIDGETS)])
    assert [x for x in c.conversation.calls if x[0] == "user_text"] == [
        ("user_text", "how many widgets", "speech")
    ]
    assert [e.text for e in c.output.of(ev.TurnIgnored)] == ["Thank you."]
    alone = FakeRecognizer(by_f0=heard, latency_s=0.6)
    async with call(recognizer=alone) as c:  # a thank-you with nothing after it is answered
        alone.clock = c.clock
        await c.run(3.0, [Say(0.5, 0.8, 520)])
    assert ("user_text", "Thank you.", "speech") in c.conversation.calls


async def test_recognizer_failure_falls_back_to_the_local_engine_for_the_turn() -> None:
    vendor = FakeRecognizer(by_f0=dict(WORDS), failures=1, retryable=False)
    local = FakeRecognizer(by_f0=dict(WORDS))
    async with call(recognizer=vendor, fallback_recognizer=local) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
        await c.run(8.0, [Say(4.5, 5.0, WIDGETS)])
    assert len(vendor.received) == 2 and len(local.received) == 1  # no retry of a non-retryable error
    assert [e.text for e in c.output.of(ev.TranscriptReady)] == ["how many widgets"] * 2
    assert not c.output.of(ev.ErrorRaised)
    assert c.metrics.fallbacks.labels("asr", vendor.name)._value.get() == 1


async def test_with_a_fallback_a_retryable_vendor_failure_is_not_retried_the_caller_waits() -> None:
    vendor = FakeRecognizer(by_f0=dict(WORDS), failures=1, retryable=True)
    local = FakeRecognizer(by_f0=dict(WORDS))
    async with call(recognizer=vendor, fallback_recognizer=local) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    assert len(vendor.received) == 1 and len(local.received) == 1  # its client has retried already
    assert [e.text for e in c.output.of(ev.TranscriptReady)] == ["how many widgets"]


class SaturatedRecognizer(FakeRecognizer):
    """Out of capacity once (the local engine's deadline or a full queue): retryable, but not worth resending."""

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        if self.failures > 0:
            self.received.append((utterance, hints))
            self.failures -= 1
            raise RecognitionDeadline("gave up at the deadline", retryable=True, engine=self.name)
        return await super().transcribe(utterance, hints)


async def test_a_saturated_recognizer_is_not_asked_again_for_the_same_utterance() -> None:
    alone = SaturatedRecognizer(by_f0=dict(WORDS), failures=1)
    async with call(recognizer=alone) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    assert len(alone.received) == 1  # no resend to an engine that is out of capacity
    assert [e.code for e in c.output.of(ev.ErrorRaised)] == ["recognition_failed"]
    assert ("not_understood",) in c.conversation.calls  # the caller is re-prompted, never left in silence
    vendor = SaturatedRecognizer(by_f0=dict(WORDS), failures=1)
    local = FakeRecognizer(by_f0=dict(WORDS))
    async with call(recognizer=vendor, fallback_recognizer=local) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
    assert len(vendor.received) == 1 and len(local.received) == 1
    assert [e.text for e in c.output.of(ev.TranscriptReady)] == ["how many widgets"]


async def test_synthesis_failure_falls_back_to_the_local_engine_for_the_turn() -> None:
    failing = FakeSynthesizer(name="vendor", fail=SpeechError("boom", retryable=True))
    local = FakeSynthesizer(name="local")
    async with call(synthesizer=failing, fallback=local) as c:
        await c.run(5.0, [Say(0.5, 1.0, WIDGETS)])
    assert len(failing.texts) == 2  # one retry
    assert local.texts == ["You said how many widgets."]
    assert c.output.of(ev.AudioStarted) and not c.output.of(ev.ErrorRaised)
    assert not c.output.of(ev.PlaybackFinished)[0].interrupted
    assert c.metrics.fallbacks.labels("tts", "vendor")._value.get() == 1


async def test_synthesis_failure_without_fallback_reports_and_the_call_goes_on() -> None:
    failing = FakeSynthesizer(fail=SpeechError("down", retryable=False), fail_after_chunks=3)
    async with call(synthesizer=failing) as c:
        await c.run(4.0, [Say(0.5, 1.0, WIDGETS)])
        failing.fail = None
        await c.run(8.0, [Say(4.5, 5.0, WIDGETS)])
    assert [e.code for e in c.output.of(ev.ErrorRaised)] == ["synthesis_failed"]
    first, second = c.output.of(ev.PlaybackFinished)[:2]
    assert first.interrupted and first.reason == "synthesis_failed"
    assert not second.interrupted


async def test_dialogue_failure_is_reported_and_apologised_for() -> None:
    conv = FakeConversation(fail_on=frozenset({"how many widgets"}))
    async with call(conversation=conv) as c:
        await c.run(6.0, [Say(0.5, 1.0, WIDGETS)])
    assert [e.code for e in c.output.of(ev.ErrorRaised)] == ["dialogue_failed"]
    assert c.output.of(ev.ReplyReady)[0].text.startswith("Sorry, something went wrong")
    assert c.output.of(ev.AudioEnded)


async def test_hang_up_mid_reply_cancels_everything() -> None:
    c = call()
    async with c:
        await c.run(2.0, [Say(0.5, 1.0, ORDER)])
        assert c.session.speaking
    assert c.synthesizer.cancelled  # type: ignore[attr-defined]
    assert c.conversation.calls[-1] == ("close",)
    assert any(x[0] == "playback_interrupted" for x in c.conversation.calls)
    assert c.session._tasks.running == set()
    assert isinstance(c.output.sent[-1][1], ev.CallEnded)
    assert c.metrics.registry.get_sample_value("voice_active_sessions", {"channel": "voice"}) == 0.0


async def test_hang_up_during_a_confirmed_write_commits_it_exactly_once() -> None:
    conv = FakeConversation(delay_s=0.5)
    c = call(conversation=conv)
    async with c:
        await c.run(6.5, [Say(0.5, 1.0, ORDER), Say(5.5, 5.9, YES)])
        assert conv.calls[-1] == ("user_text", "yes", "speech")  # the step is in flight
        assert conv.writes == []
        closing = asyncio.create_task(c.session.aclose("client_gone"))
        await settle()
        await c.clock.advance(0.6)
        await closing
    assert conv.writes == ["widgets"]
    assert len(c.output.of(ev.ReplyReady)) == 1  # the answer was not spoken to nobody


async def test_max_utterance_length() -> None:
    opts = SessionOptions(greet=False, endpointing=EndpointingOptions(max_utterance_s=2.0))
    async with call(options=opts) as c:
        await c.run(4.0, [Say(0.5, 3.5, WIDGETS)])
    stop = c.output.of(ev.SpeechStopped)[0]
    assert stop.reason == "max_length" and stop.duration_s == pytest.approx(2.0)


async def test_call_length_cap_and_dialogue_hang_up() -> None:
    async with call(options=SessionOptions(greet=False, max_call_s=1.0)) as c:
        await c.run(1.5)
    assert c.output.closed == (1000, "max_call_length")
    assert [(e.code, e.fatal) for e in c.output.of(ev.ErrorRaised)] == [("call_too_long", True)]
    async with call() as c:
        await c.run(4.0, [Say(0.5, 1.0, BYE)])
    assert c.output.closed == (1000, "dialogue_end")
    assert c.output.at(ev.AudioEnded)[0] <= 4.0


async def test_confirmed_playback_only_counts_what_the_client_acknowledged() -> None:
    async with call(confirms_playback=True, options=SOUND) as c:
        await c.run(3.0, [Say(0.5, 1.0, ORDER)])
        turn = c.output.of(ev.ReplyReady)[0].turn_id
        c.session.confirm_played(turn, 0.4)
        await c.run(4.0, [Say(3.5, 3.8, YES)])
    finished = c.output.of(ev.PlaybackFinished)[0]
    assert finished.interrupted and finished.played_s == pytest.approx(0.4)
    assert finished.heard_chars == int(27 * 0.4 / 1.6)  # 16 chunks of 0.1 s for 27 characters


async def test_audio_a_slow_client_never_received_does_not_count_as_heard() -> None:
    async with call() as c:
        await c.run(1.4, [Say(0.5, 1.0, ORDER)])
        c.output.flowing.clear()  # the client stops taking frames
        await c.run(3.0)
        await c.run(4.0, [Say(3.0, 3.4, YES)])
        # What the dialogue was told (the events themselves are stuck behind the stalled socket).
        heard = next(x[2] for x in c.conversation.calls if x[0] == "playback_interrupted")
    delivered_s = sum(len(e.pcm) for e in c.output.of(ev.AudioChunk)) / 32000
    assert delivered_s < 0.5  # about the lead's worth got out before the stall
    assert heard <= int(27 * delivered_s / 1.6)  # no more than the delivered audio could carry
