"""Pure turn-taking parts: the segmenter, number-aware endpointing, barge-in policy, keypad entry, the
reply timeline and the wire-message models."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voice_gateway.protocol import StartMessage, client_message_adapter, server_message_adapter
from voice_gateway.turns.bargein import (
    BargeIn,
    BargeInOptions,
    is_command,
    is_false_interruption,
    onset_may_interrupt,
)
from voice_gateway.turns.dtmf import DtmfCollector
from voice_gateway.turns.segmenter import (
    EndpointingOptions,
    SegmentEnd,
    Segmenter,
    SegmentEvent,
    SegmentStart,
)
from voice_gateway.turns.timeline import ReplyTimeline, split_sentences

pytestmark = pytest.mark.unit

OPTS = EndpointingOptions(start_s=0.08, start_window_s=0.1, end_s=0.4, end_number_s=1.0, preroll_s=0.2)


def run(seg: Segmenter, pattern: str, *, all_events: bool = False) -> list[tuple[int, SegmentEvent]]:
    """Feed one frame per character ('1' voiced, '0' not); each frame's bytes carry its index. Starts and ends
    only, unless ``all_events`` (tentative ends and resumptions too)."""
    out: list[tuple[int, SegmentEvent]] = []
    for i, c in enumerate(pattern):
        event = seg.process(i.to_bytes(2, "little") * 2, c == "1")
        if event is not None and (all_events or isinstance(event, SegmentStart | SegmentEnd)):
            out.append((i, event))
    return out


def test_speech_starts_after_enough_voiced_frames_with_onset_at_first_voiced() -> None:
    events = run(Segmenter(OPTS), "0000" + "01111" + "1" * 10)
    assert len(events) == 1
    i, start = events[0]
    assert isinstance(start, SegmentStart)
    assert i == 8  # the 4th voiced frame (80 ms)
    assert start.onset_s == pytest.approx(5 * 0.02)


def test_short_blips_do_not_start_speech() -> None:
    assert run(Segmenter(OPTS), "0011000110001100" * 3) == []


def test_speech_ends_after_the_end_silence_and_keeps_pre_roll() -> None:
    seg = Segmenter(OPTS)
    events = run(seg, "0" * 20 + "1" * 30 + "0" * 30)
    (_, start), (i1, end) = events
    assert isinstance(start, SegmentStart) and isinstance(end, SegmentEnd)
    assert i1 == 50 + 20 - 1  # 20 unvoiced frames = 0.4 s
    assert end.reason == "silence"
    frames = [int.from_bytes(end.pcm[k : k + 2], "little") for k in range(0, len(end.pcm), 4)]
    # Pre-roll (0.2 s = 10 frames) plus the start window before the start, through the last frame.
    assert frames[0] == 20 - 10 and frames[-1] == i1
    assert frames == list(range(frames[0], i1 + 1))


def test_number_awaited_extends_end_silence() -> None:
    pattern = "1" * 20 + "0" * 30 + "1" * 20 + "0" * 60
    free = [e for _, e in run(Segmenter(OPTS), pattern) if isinstance(e, SegmentEnd)]
    assert len(free) == 2  # the 0.6 s pause split "one ... fifty"
    seg = Segmenter(OPTS)
    seg.set_expectation("quantity")
    number = [e for _, e in run(seg, pattern) if isinstance(e, SegmentEnd)]
    assert len(number) == 1 and number[0].duration_s > 1.2


def test_isolated_voiced_frames_in_a_pause_do_not_restart_the_count() -> None:
    events = run(Segmenter(OPTS), "1" * 10 + "00000000010000000000" + "0" * 10)
    ends = [i for i, e in events if isinstance(e, SegmentEnd)]
    assert ends == [29]


def test_max_utterance_length_cuts_speech() -> None:
    seg = Segmenter(EndpointingOptions(max_utterance_s=1.0))
    events = run(seg, "1" * 120)
    ends = [e for _, e in events if isinstance(e, SegmentEnd)]
    assert ends and ends[0].reason == "max_length"
    assert ends[0].duration_s == pytest.approx(1.0)


@given(st.lists(st.booleans(), max_size=400))
def test_starts_and_ends_alternate_and_never_overlap(decisions: list[bool]) -> None:
    seg = Segmenter(OPTS)
    last_end = -1.0
    expect_start = True
    for d in decisions:
        e = seg.process(b"\0\0", d)
        if isinstance(e, SegmentStart):
            assert expect_start and e.onset_s >= last_end
            expect_start = False
        elif isinstance(e, SegmentEnd):
            assert not expect_start and e.end_s > e.onset_s
            last_end, expect_start = e.end_s, True


def test_barge_in_policy() -> None:
    o = BargeInOptions(min_speech_s=0.12, echo_guard_s=0.2)
    assert onset_may_interrupt(onset_at=5.0, playout_start_at=None, options=o)
    assert not onset_may_interrupt(onset_at=5.1, playout_start_at=5.0, options=o)  # our own echo
    assert onset_may_interrupt(onset_at=5.25, playout_start_at=5.0, options=o)
    assert onset_may_interrupt(onset_at=4.9, playout_start_at=5.0, options=o)  # already talking
    frame = bytes(640)
    sound = BargeInOptions(mode="sound", min_speech_s=0.12, echo_guard_s=0.2)
    early = BargeIn(sound)
    assert early.process(frame, True, 0.1, 5.3, 5.0) == "play"  # not long enough yet
    assert early.process(frame, True, 0.12, 5.3, 5.0) == "cut"
    assert early.process(frame, True, 0.14, 5.3, 5.0) == "play"  # one cut per utterance
    assert BargeIn(sound).process(frame, True, 1.0, 5.1, 5.0) == "play"  # inside the echo guard
    assert BargeIn(sound).process(frame, False, 1.0, 5.3, 5.0) == "play"  # not in speech
    assert is_command("please STOP", o) and is_command("say again", o) and is_command("cancel that", o)
    assert not is_command("stopwatch", o) and not is_command("again", o)
    assert is_false_interruption("", o) and is_false_interruption("uh um", o)
    assert not is_false_interruption("uh yes", o)
    # Drawn-out fillers as a recognizer writes them are fillers too; words that only share their letters are not.
    assert is_false_interruption("Uhh, ummm... hmmm. Mmm-hmm. Errr", o)
    assert not is_false_interruption("no", o) and not is_false_interruption("noo", o)
    assert not is_false_interruption("hum", o) and not is_false_interruption("umbrella", o)


def test_dtmf_entry() -> None:
    d = DtmfCollector()
    assert d.press("1", 0.0, "quantity") is None
    assert d.press("5", 0.1, "quantity") is None
    assert d.press("#", 0.2, "quantity") == "15"
    d.press("9", 1.0)
    d.press("*", 1.1)  # erase
    d.press("4", 1.2)
    assert d.tick(3.0) is None and d.tick(5.2) == "4"
    assert d.press("1", 6.0, "yes_no") == "1"  # one key answers a yes/no prompt
    assert d.press("#", 7.0) is None  # nothing typed


def test_sentences_and_heard_characters() -> None:
    text = "Order 15 widgets, one five. Shall I place it?"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["Order 15 widgets, one five.", "Shall I place it?"]
    assert split_sentences("It costs 1.5 dollars. Ok.") == [(0, len("It costs 1.5 dollars. Ok."))]
    tl = ReplyTimeline()
    tl.begin(spans[0])
    tl.add(2.0)
    tl.end()
    tl.begin(spans[1])
    tl.add(0.5)  # still being synthesised
    assert tl.heard_chars(0.0) == 0
    assert tl.heard_chars(1.0) == 13  # half of the first sentence
    assert tl.heard_chars(2.2) == spans[0][1]  # nothing of an incomplete sentence
    tl.add(0.5)
    tl.end()
    assert tl.heard_chars(3.0) == len(text)
    assert tl.sentence_start(20) == 0 and tl.sentence_start(30) == spans[1][0]


def test_wire_messages_validate() -> None:
    msg = client_message_adapter.validate_json('{"type":"start","sample_rate":16000,"token":"x"}')
    assert isinstance(msg, StartMessage) and msg.encoding == "pcm_s16le" and msg.channels == 1
    with pytest.raises(ValueError):
        client_message_adapter.validate_json('{"type":"dance"}')
    with pytest.raises(ValueError):
        client_message_adapter.validate_json('{"type":"text","text":""}')
    out = server_message_adapter.validate_python({"type": "clear", "turn_id": "t1"})
    assert out.model_dump() == {"type": "clear", "turn_id": "t1"}
