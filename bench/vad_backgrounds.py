"""Backgrounds alone, and words over them, through the gateway's voice detector and segmenter (16 kHz).

A turn that a background holds open is a deaf assistant: the caller's command waits behind it (the segmenter cuts
only at ``max_utterance_s``). For each background (render.py's babble, reversing beeper and hum; bargein_noises'
fan, alarm, music and engine) at 20 and 10 dB below speech, it prints, with the noise gate on and off:

- alone, 20 s of it: the segments the segmenter made, the longest, and Silero VAD's share of 32 ms chunks heard
  as speech (what the noise gate goes by);
- words over it (an espeak-ng command at 3.0 s, speech at about -21 dBFS): the median time from the words' start to
  the segmenter starting a turn for them (``start``; none when a turn was already open), how long after the words
  ended their turn ended (the tail; the end silence is 0.4 s) and in how many a segment was already open when the
  words began (``held``: the command then waits behind the noise).

Then the fixture utterances (``fixtures/audio/generated``: 232 requests in six espeak-ng voices, clean, with
warehouse noise at 20 and 10 dB SNR, and through a phone line), with 0.5 s of silence before and 1 s after: in how
many the turn ended more than 0.1 s before the same utterance's clean turn did (words cut short), and the median
end against the clean one, with the gate on and off. The gate must not cut words. Last, what the detector costs per
frame with the gate on and off.

Seeds here are not the barge-in corpus's. The gate's ``noise_after_s`` was chosen by looking at these backgrounds,
so this shows what the gate does, not how it does on unseen noise (``bench/bargein.py --split fresh`` does that).

    .venv/bin/python bench/vad_backgrounds.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bargein_corpus import pcm16
from bench.bargein_noises import BEDS
from bench.speech import load_utterance
from bench.understanding.render import RATE, espeak, noise
from fixtures.audio.generate import CONDITIONS, Entry, ensure_generated
from local_speech.silero_vad import SileroStream
from voice_gateway.audio import resample
from voice_gateway.turns.segmenter import EndpointingOptions, SegmentEnd, Segmenter, SegmentStart
from voice_gateway.turns.vad import FRAME_S, VadOptions, WebRtcVoiceDetector

SPEECH_RMS = 3000.0
FRAME = int(RATE * FRAME_S)
COMMANDS = (
    "pick twelve from aisle four",
    "how many cartons of gloves are left",
    "receive forty units of item three three seven",
)


def _bed(kind: str, n: int, seed: int) -> np.ndarray:
    if kind in BEDS:
        bed: Callable[[int, int], np.ndarray] = BEDS[kind]
        x = bed(n, seed)
    else:
        x = noise(kind, n, seed)  # type: ignore[arg-type]
    return x / (float(np.sqrt(np.mean(x**2))) or 1.0)


def _options(gate: bool) -> VadOptions:
    return VadOptions() if gate else VadOptions(noise_after_s=0.0)


@dataclass(frozen=True)
class Segments:
    spans: list[tuple[float, float]]
    """(onset, end): ends when the segmenter ended it (its end silence included)."""
    started: list[float]
    """When the segmenter started each segment (after its onset)."""

    def longest(self) -> float:
        return max((b - a for a, b in self.spans), default=0.0)


def segments(pcm: bytes, gate: bool) -> Segments:
    vad, seg = WebRtcVoiceDetector(RATE, _options(gate)), Segmenter(EndpointingOptions(tentative_end_s=0.0))
    spans: list[tuple[float, float]] = []
    started: list[float] = []
    onset: float | None = None
    for i in range(0, len(pcm) // (2 * FRAME)):
        frame = pcm[2 * FRAME * i : 2 * FRAME * (i + 1)]
        event = seg.process(frame, vad.is_speech(frame))
        if isinstance(event, SegmentStart):
            onset = event.onset_s
            started.append((i + 1) * FRAME_S)
        elif isinstance(event, SegmentEnd) and onset is not None:
            spans.append((onset, (i + 1) * FRAME_S))
            onset = None
    if onset is not None:
        spans.append((onset, len(pcm) / 2 / RATE))
    return Segments(spans, started)


def silero_share(pcm: bytes) -> float:
    stream = SileroStream()
    for i in range(0, len(pcm), 2 * FRAME):
        stream.push(pcm[i : i + 2 * FRAME])
    speech_p = VadOptions().noise_speech_p
    return sum(p >= speech_p for p in stream.probs) / max(1, len(stream.probs))


def _fixture(entry: Entry, condition: str) -> bytes:
    """The fixture utterance at 16 kHz, with 0.5 s of silence before and 1 s after."""
    utterance = load_utterance(entry, condition)
    return bytes(RATE) + resample(utterance.pcm, utterance.sample_rate, RATE) + bytes(2 * RATE)


def fixture_turns(entries: list[Entry]) -> None:
    """Turn ends of the fixture utterances in noise against the same utterances clean."""
    clean = [segments(_fixture(e, "clean"), True).spans for e in entries]
    print(f"\n{'fixtures':10} {'gate':>4} | {'n':>4} {'cut short':>9} {'end vs clean p50':>16}")
    for condition in CONDITIONS:
        for gate in (False, True):
            ends = []
            for entry, clean_spans in zip(entries, clean, strict=True):
                spans = segments(_fixture(entry, condition), gate).spans
                if spans and clean_spans:
                    ends.append(spans[-1][1] - clean_spans[-1][1])
            short = sum(d < -0.1 for d in ends)
            print(
                f"{condition:10} {'on' if gate else 'off':>4} | {len(ends):4d} {short:9d}"
                f" {statistics.median(ends):+15.2f}s"
            )


def cost(entries: list[Entry]) -> None:
    """``is_speech`` per 20 ms frame over 40 clean fixture utterances (speech, each with 0.5 s of silence before and
    1 s after), the best of three passes."""
    pcm = b"".join(_fixture(e, "clean") for e in entries[:40])
    frames = [pcm[i : i + 2 * FRAME] for i in range(0, len(pcm) - 2 * FRAME + 1, 2 * FRAME)]
    for gate in (False, True):
        best = float("inf")
        for _ in range(3):
            vad = WebRtcVoiceDetector(RATE, _options(gate))
            vad.is_speech(frames[0])
            t0 = time.perf_counter()
            for f in frames:
                vad.is_speech(f)
            best = min(best, (time.perf_counter() - t0) / len(frames))
        print(f"cost, gate {'on' if gate else 'off'}: {best * 1e6:.1f} µs per frame ({len(frames)} frames)")


def _ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:.0f}ms" if xs else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="background alone, per background and level")
    ap.add_argument("--seeds", type=int, default=3, help="renderings per background and level")
    args = ap.parse_args()
    kinds = ["babble", "beeps", "hum", *BEDS]
    words = [espeak(c, "en-us", 160) for c in COMMANDS]
    words = [w * SPEECH_RMS / float(np.sqrt(np.mean(w**2))) for w in words]
    print(f"{'background':10} {'below':>5} {'gate':>4} | {'segs/20s':>8} {'longest':>7} {'silero':>6} |"
          f" {'start':>6} {'tail p50':>8} {'tail max':>8} {'held':>5}")  # fmt: skip
    for kind in kinds:
        for below in (20.0, 10.0):
            alone = []
            for s in range(args.seeds):
                bed = _bed(kind, int(args.seconds * RATE), 9100 + s) * SPEECH_RMS * 10 ** (-below / 20)
                alone.append(pcm16(bed))
            share = statistics.mean(silero_share(p) for p in alone)
            for gate in (False, True):
                segs = [segments(p, gate) for p in alone]
                tails, starts, held = [], [], 0
                for s, w in enumerate(words):
                    n = int(10.0 * RATE)
                    bed = _bed(kind, n, 9200 + s) * SPEECH_RMS * 10 ** (-below / 20)
                    at = int(3.0 * RATE)
                    bed[at : at + len(w)] += w
                    start, end = 3.0, 3.0 + len(w) / RATE
                    found = segments(pcm16(bed), gate)
                    hit = [(a, b) for a, b in found.spans if a < end and b > start]
                    held += any(a < start - 0.3 for a, _ in hit)
                    starts += [t - start for t in found.started if start <= t < end][:1]
                    tails.append(max(b for _, b in hit) - end if hit else float("nan"))
                print(
                    f"{kind:10} {below:5.0f} {'on' if gate else 'off':>4} |"
                    f" {statistics.mean(len(x.spans) for x in segs) * 20 / args.seconds:8.1f}"
                    f" {max(x.longest() for x in segs):6.1f}s {share:6.2f} |"
                    f" {_ms(starts):>6} {statistics.median(tails):7.2f}s {max(tails):7.2f}s {held:2d}/{len(words)}"
                )
    entries = ensure_generated()
    fixture_turns(entries)
    cost(entries)


if __name__ == "__main__":
    main()
