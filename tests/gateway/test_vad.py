"""The voice decision's background gate: a steady hum is not speech once it has been heard for a while, so it no
longer holds a turn open, and words over it are still found; over silence nothing changes. Its noise gate: a
reversing beeper, in which Silero VAD hears no speech, no longer holds a turn open either; words well above it
pass before Silero has heard them; without Silero the gate is off. The judge's background: what a frame adds to
it."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.gateway.harness import beeper, espeak
from voice_gateway.turns.interruption_features import F_EXCESS, MIN_CONTEXT, background, frame_vector
from voice_gateway.turns.segmenter import SegmentEnd, Segmenter, SegmentStart
from voice_gateway.turns.vad import QuietestFrame, VadOptions, WebRtcVoiceDetector

pytestmark = pytest.mark.unit
RATE, FRAME = 16000, 640


def hum(seconds: float, dbfs: float = -40.0, seed: int = 5) -> np.ndarray:
    """A conveyor: mains harmonics, a motor whine and a roller rattle (noise gated at 11 Hz), steady."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * 55.0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 8))
    rattle = rng.normal(size=t.size) * (0.5 + 0.5 * np.sign(np.sin(2 * np.pi * 11.0 * t)))
    x = x / np.std(x) + 0.3 * np.sin(2 * np.pi * 430.0 * t) + 0.4 * rattle
    return x / np.sqrt(np.mean(x**2)) * 32768 * 10 ** (dbfs / 20)


def words(text: str) -> np.ndarray:
    return np.frombuffer(espeak(text), dtype="<i2").astype(np.float64)


def pcm(x: np.ndarray) -> bytes:
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


def segments(audio: bytes, options: VadOptions | None = None) -> list[tuple[str, float]]:
    vad, seg = WebRtcVoiceDetector(options=options), Segmenter()
    out: list[tuple[str, float]] = []
    for i in range(0, len(audio) - FRAME + 1, FRAME):
        frame = audio[i : i + FRAME]
        event = seg.process(frame, vad.is_speech(frame))
        if isinstance(event, SegmentStart):
            out.append(("start", event.onset_s))
        elif isinstance(event, SegmentEnd):
            out.append(("end", event.end_s))
    return out


def test_the_quietest_frame_of_a_sliding_window() -> None:
    rng = random.Random(3)
    levels = [rng.uniform(0, 100) for _ in range(500)]
    q = QuietestFrame(window=25)
    for i, level in enumerate(levels):
        assert q.add(level) == min(levels[max(0, i - 24) : i + 1])


def test_a_steady_hum_no_longer_holds_the_turn_open_and_words_over_it_are_found() -> None:
    said = words("how many widgets do we have")
    lead, tail = hum(3.0), hum(2.0, seed=6)
    body = said + hum(len(said) / RATE, seed=7)
    audio = pcm(np.concatenate([lead, body, tail]))
    start_s, end_s = 3.0, 3.0 + len(said) / RATE

    # Without the gates the hum is speech from its first frames and the turn never ends.
    ungated = VadOptions(background_window_s=0.0, noise_after_s=0.0)
    assert segments(audio, ungated) == [("start", pytest.approx(0.0, abs=0.1))]

    found = segments(audio)
    # The hum alone starts speech, and is let go once it has been heard for half a second…
    assert found[0][0] == "start" and found[1][0] == "end" and found[1][1] < 1.5
    # …then the words are one utterance, ending at the words' end (plus the 0.4 s end silence, at most).
    (_, onset), (_, end) = found[2], found[3]
    assert onset == pytest.approx(start_s, abs=0.15)
    assert end_s - 0.2 <= end <= end_s + 0.1 and len(found) == 4


def test_over_silence_the_gate_changes_nothing() -> None:
    said = words("order twelve boxes")
    audio = pcm(np.concatenate([np.zeros(RATE * 3), said, np.zeros(RATE)]))
    assert segments(audio) == segments(audio, VadOptions(background_window_s=0.0))
    assert len(segments(audio)) == 2


def test_the_judge_hears_what_a_frame_adds_to_the_background() -> None:
    steady = pcm(hum(1.0))
    frames = [steady[i : i + FRAME] for i in range(0, len(steady), FRAME)]
    assert background(frames[: MIN_CONTEXT - 1]) is None  # too little to tell
    heard = background(frames[:40])
    assert heard is not None
    floor = heard.floor
    # The hum over itself adds nothing; over silence (no background) it is far above.
    assert abs(frame_vector(frames[45], floor)[F_EXCESS]) < 6.0  # (the floor is a low quantile per bin)
    assert frame_vector(frames[45])[F_EXCESS] == pytest.approx(40.0)
    said = pcm(words("stop")[: FRAME // 2 * 8] + hum(0.16, seed=8)[: FRAME // 2 * 8])
    louder = max(frame_vector(said[i : i + FRAME], floor)[F_EXCESS] for i in range(0, len(said), FRAME))
    assert louder > 10.0


def test_a_reversing_beeper_no_longer_holds_the_turn_open_and_words_over_it_are_found() -> None:
    said = words("how many widgets do we have")
    lead = beeper(4.0)
    body = said + beeper(len(said) / RATE, seed=5)
    audio = pcm(np.concatenate([lead, body, beeper(3.0, seed=6)]))
    start_s, end_s = 4.0, 4.0 + len(said) / RATE

    # Without the noise gate the beeper is speech (its pauses are too short for the background gate): the first
    # utterance runs on past the words.
    off = segments(audio, VadOptions(noise_after_s=0.0))
    assert any(kind == "end" and t > end_s + 1.0 for kind, t in off) or off[-1][0] == "start"

    found = segments(audio)
    ends = [t for kind, t in found if kind == "end"]
    starts = [t for kind, t in found if kind == "start"]
    # The beeper alone is let go within about a second of each start, as a noise…
    assert all(end - start < 1.6 for start, end in zip(starts, ends, strict=False) if end < start_s)
    # …the words start an utterance at their onset and it ends soon after them, not with the beeper.
    onset = min(starts, key=lambda t: abs(t - start_s))
    assert onset == pytest.approx(start_s, abs=0.15)
    end = min(t for t in ends if t > onset)
    assert end_s - 0.2 <= end <= end_s + 1.3
    assert found[-1][0] == "end"  # nothing is left open by the beeper after the words


def first_speech(audio: bytes, from_s: float, options: VadOptions | None = None) -> int:
    """Frames from ``from_s`` to the first the detector calls speech."""
    vad, start = WebRtcVoiceDetector(options=options), round(from_s * RATE / (FRAME // 2))
    decisions = [vad.is_speech(audio[i : i + FRAME]) for i in range(0, len(audio) - FRAME + 1, FRAME)]
    return next(i - start for i in range(start, len(decisions)) if decisions[i])


def test_words_well_above_a_gated_noise_pass_before_silero_hears_them() -> None:
    for text in ("stop", "cancel"):
        said = words(text)
        audio = pcm(
            np.concatenate([beeper(3.0), said + beeper(len(said) / RATE, seed=5), beeper(1.0, seed=6)])
        )
        # The beeper has been held back since about 0.8 s: the words' first loud frames pass at once…
        assert first_speech(audio, 3.0) <= 3, text
        # …where waiting for Silero VAD to hear speech would take twice as long or more.
        assert first_speech(audio, 3.0, VadOptions(noise_margin_db=100.0)) >= 6, text


def test_the_noise_gate_is_off_when_silero_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from local_speech import silero_vad

    audio = pcm(beeper(4.0))
    monkeypatch.setattr(silero_vad, "MODEL_SHA256", "0" * 64)
    silero_vad._session.cache_clear()
    try:
        # webrtcvad's decisions alone, as with the gate switched off.
        assert segments(audio) == segments(audio, VadOptions(noise_after_s=0.0))
    finally:
        silero_vad._session.cache_clear()
