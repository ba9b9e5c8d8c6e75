"""Early turn ends, the pure parts: tentative ends and resumptions from the segmenter (frames in, events out),
the "complete answer" judgement (text and hints in, yes or no out) and the per-channel endpointing options."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.contract import Expectation, RecognitionHints
from voice_gateway.options import SessionOptions
from voice_gateway.turns.answers import is_complete_answer, may_end_early
from voice_gateway.turns.segmenter import (
    EndpointingOptions,
    SegmentEnd,
    Segmenter,
    SegmentEvent,
    SegmentStart,
    SpeechResumed,
    TentativeEnd,
)
from voice_gateway.turns.vad import VadOptions

pytestmark = pytest.mark.unit

OPTS = EndpointingOptions(
    start_s=0.08, start_window_s=0.1, end_s=0.4, end_number_s=1.0, preroll_s=0.2, tentative_end_s=0.1
)


def feed(seg: Segmenter, pattern: str, first: int = 0) -> list[tuple[int, SegmentEvent]]:
    """One frame per character ('1' voiced, '0' not), each frame's bytes carrying its index."""
    out: list[tuple[int, SegmentEvent]] = []
    for i, c in enumerate(pattern, first):
        event = seg.process(i.to_bytes(2, "little") * 2, c == "1")
        if event is not None:
            out.append((i, event))
    return out


def frame_ids(pcm: bytes) -> list[int]:
    return [int.from_bytes(pcm[k : k + 2], "little") for k in range(0, len(pcm), 4)]


# -- the segmenter ---------------------------------------------------------------------------------------------
def test_a_short_pause_is_a_tentative_end_that_the_full_end_then_confirms() -> None:
    seg = Segmenter(OPTS)
    events = feed(seg, "0" * 20 + "1" * 30 + "0" * 30)
    kinds = [type(e).__name__ for _, e in events]
    assert kinds == ["SegmentStart", "TentativeEnd", "SegmentEnd"]
    (i, tentative), (j, end) = events[1], events[2]
    assert isinstance(tentative, TentativeEnd) and isinstance(end, SegmentEnd)
    assert i == 50 + 5 - 1  # 5 unvoiced frames = 0.1 s
    assert tentative.speech_end_s == pytest.approx(50 * 0.02)
    # What was said so far: the pre-roll through the frame of the tentative end.
    assert frame_ids(tentative.pcm) == list(range(10, i + 1))
    assert j == 50 + 20 - 1 and end.reason == "silence"
    assert end.speech_end_s == pytest.approx(tentative.speech_end_s)  # no speech since: the same pause


def test_speech_after_a_tentative_end_withdraws_it_and_the_next_pause_is_a_new_one() -> None:
    seg = Segmenter(OPTS)
    events = feed(seg, "1" * 20 + "0" * 8 + "1" * 10 + "0" * 30)
    kinds = [type(e).__name__ for _, e in events]
    assert kinds == ["SegmentStart", "TentativeEnd", "SpeechResumed", "TentativeEnd", "SegmentEnd"]
    first, resumed, second, end = (e for _, e in events[1:])
    assert isinstance(first, TentativeEnd) and isinstance(resumed, SpeechResumed)
    assert isinstance(second, TentativeEnd) and isinstance(end, SegmentEnd)
    assert resumed.speech_end_s == first.speech_end_s == pytest.approx(20 * 0.02)
    assert second.speech_end_s == pytest.approx(38 * 0.02)
    assert end.speech_end_s == pytest.approx(second.speech_end_s) != first.speech_end_s


def test_end_early_ends_the_segment_only_in_the_pause_it_names() -> None:
    seg = Segmenter(OPTS)
    (_, _), (_, tentative) = feed(seg, "1" * 20 + "0" * 6)
    assert isinstance(tentative, TentativeEnd)
    assert seg.end_early(tentative.speech_end_s + 0.1) is None  # another pause
    end = seg.end_early(tentative.speech_end_s)
    assert end is not None and end.reason == "early" and not seg.in_speech
    assert end.end_s == pytest.approx(26 * 0.02) and end.speech_end_s == pytest.approx(20 * 0.02)
    assert frame_ids(end.pcm)[-1] == 25  # every frame received so far
    assert seg.end_early(tentative.speech_end_s) is None  # over already
    # A new segment starts cleanly after an early end.
    assert [type(e).__name__ for _, e in feed(seg, "1" * 10, first=26)] == ["SegmentStart"]


def test_end_early_after_speech_resumed_is_refused() -> None:
    seg = Segmenter(OPTS)
    events = feed(seg, "1" * 20 + "0" * 6 + "11")
    tentative = events[1][1]
    assert isinstance(tentative, TentativeEnd) and isinstance(events[-1][1], SpeechResumed)
    assert seg.end_early(tentative.speech_end_s) is None and seg.in_speech


def test_no_tentative_end_when_disabled_after_long_speech_or_at_or_above_the_end_silence() -> None:
    pattern = "1" * 20 + "0" * 30
    off = Segmenter(EndpointingOptions(tentative_end_s=0.0, end_s=0.4))
    assert not [e for _, e in feed(off, pattern) if isinstance(e, TentativeEnd)]
    late = Segmenter(EndpointingOptions(tentative_end_s=0.4, end_s=0.4))
    assert not [e for _, e in feed(late, pattern) if isinstance(e, TentativeEnd)]
    long_speech = Segmenter(EndpointingOptions(tentative_end_s=0.1, early_max_speech_s=0.3, head_start=False))
    assert not [e for _, e in feed(long_speech, pattern) if isinstance(e, TentativeEnd)]


def test_after_long_speech_the_tentative_end_is_a_head_start_only() -> None:
    # 0.4 s of speech, then a pause: past early_max_speech_s the tentative end still comes (recognition may
    # start in the pause) but may not end the turn; a short answer's may.
    pattern = "1" * 20 + "0" * 30
    long_speech = Segmenter(EndpointingOptions(tentative_end_s=0.1, early_max_speech_s=0.3))
    tentative = [e for _, e in feed(long_speech, pattern) if isinstance(e, TentativeEnd)]
    assert len(tentative) == 1 and not tentative[0].may_end
    short = Segmenter(EndpointingOptions(tentative_end_s=0.1, early_max_speech_s=0.5))
    tentative = [e for _, e in feed(short, pattern) if isinstance(e, TentativeEnd)]
    assert len(tentative) == 1 and tentative[0].may_end


def test_a_blip_in_the_pause_keeps_the_tentative_end() -> None:
    seg = Segmenter(OPTS)
    events = feed(seg, "1" * 20 + "0000" + "1" + "0" * 25)
    assert [type(e).__name__ for _, e in events] == ["SegmentStart", "TentativeEnd", "SegmentEnd"]


def test_while_a_number_is_awaited_the_tentative_end_still_comes_early() -> None:
    seg = Segmenter(OPTS)
    seg.set_expectation("digits")
    events = feed(seg, "1" * 20 + "0" * 60)
    assert [(i, type(e).__name__) for i, e in events][1:] == [(24, "TentativeEnd"), (69, "SegmentEnd")]


@given(st.lists(st.booleans(), max_size=400))
def test_tentative_ends_are_always_withdrawn_or_confirmed(decisions: list[bool]) -> None:
    seg = Segmenter(OPTS)
    state = "idle"  # idle -> speech -> tentative -> (speech | idle)
    for d in decisions:
        e = seg.process(b"\0\0", d)
        if isinstance(e, SegmentStart):
            assert state == "idle"
            state = "speech"
        elif isinstance(e, TentativeEnd):
            assert state == "speech" and seg.pause_start_s == e.speech_end_s
            state = "tentative"
        elif isinstance(e, SpeechResumed):
            assert state == "tentative"
            state = "speech"
        elif isinstance(e, SegmentEnd):
            assert state in ("speech", "tentative")
            state = "idle"


# -- complete answers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expect", "complete"),
    [
        ("yes", "yes_no", True),
        ("Yes.", "yes_no", True),
        ("yeah", "yes_no", True),
        ("yes please", "yes_no", True),
        ("that's right", "yes_no", True),
        ("no", "yes_no", True),
        ("nope", "yes_no", True),
        ("cancel", "yes_no", True),
        ("no fifty", "yes_no", False),  # a correction may run on ("no, one fifty")
        ("yes and", "yes_no", False),
        ("uh", "yes_no", False),
        ("", "yes_no", False),
        ("twelve", "quantity", True),
        ("Twelve.", "quantity", True),
        ("12", "quantity", True),
        ("thirty eight", "quantity", True),
        ("one fifty", "quantity", True),
        ("twelve boxes", "quantity", True),
        ("no make it twenty five", "quantity", True),
        ("a dozen", "quantity", True),
        ("one", "quantity", False),  # "one ... fifty"
        ("5", "quantity", False),
        ("four hundred", "quantity", False),  # "four hundred ... and twenty"
        ("a hundred and", "quantity", False),
        ("one two", "quantity", False),  # digit by digit: more may follow
        ("twelve widgets", "quantity", False),
        ("say again", "quantity", True),
        ("yes", "quantity", False),
        ("cancel", "free", True),
        ("say again", "free", True),
        ("Stop.", "free", True),
        ("never mind", "free", True),
        ("yes", "free", False),
        ("how many widgets", "free", False),
        ("stop signs", "free", False),
        ("one two three", "digits", False),
        ("cancel", "digits", False),
        ("widgets", "item", False),
    ],
)
def test_complete_answers(text: str, expect: Expectation, complete: bool) -> None:
    assert is_complete_answer(text, RecognitionHints(expect)) is complete


def test_complete_choices() -> None:
    hints = RecognitionHints("choice", ("widget a", "widget a large", "blue bins"))
    assert is_complete_answer("blue bins", hints)
    assert is_complete_answer("the blue bins", hints)
    assert is_complete_answer("widget a large", hints)
    assert not is_complete_answer("widget a", hints)  # "widget a large" is offered too
    assert is_complete_answer("the second one", hints) and is_complete_answer("first", hints)
    assert not is_complete_answer("blue", hints)
    assert is_complete_answer("cancel", hints)


def test_which_prompts_may_end_early() -> None:
    assert [e for e in ("yes_no", "quantity", "digits", "item", "choice", "free") if may_end_early(e)] == [  # type: ignore[arg-type]
        "yes_no",
        "quantity",
        "choice",
        "free",
    ]


# -- options -----------------------------------------------------------------------------------------------------
def test_endpointing_per_channel() -> None:
    base = {"barge_in_min_s": 0.12, "phone_echo_guard_s": 0.2, "max_call_s": 60.0}
    default = SessionOptions.for_channel("voice", **base)
    assert default.endpointing == EndpointingOptions()
    assert default.endpointing.tentative_end_s == 0.15
    phone = SessionOptions.for_channel("phone", **base, tentative_end_s=0.2, end_s=0.5, end_number_s=1.2)
    assert (phone.endpointing.tentative_end_s, phone.endpointing.end_s, phone.endpointing.end_number_s) == (
        0.2,
        0.5,
        1.2,
    )
    assert phone.barge_in.echo_guard_s == 0.2
    off = SessionOptions.for_channel("voice", **base, tentative_end_s=0.0)
    assert off.endpointing.tentative_end_s == 0.0 and off.endpointing.end_s == 0.4


def test_the_noise_gate_per_setting() -> None:
    base = {"barge_in_min_s": 0.12, "phone_echo_guard_s": 0.2, "max_call_s": 60.0}
    assert SessionOptions.for_channel("phone", **base).vad == VadOptions()
    assert SessionOptions.for_channel("voice", **base, noise_gate_s=0.0).vad.noise_after_s == 0.0
    assert SessionOptions.for_channel("voice", **base, noise_gate_s=1.5).vad.noise_after_s == 1.5
