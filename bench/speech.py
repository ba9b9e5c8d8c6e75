"""Local speech engine figures on the audio fixtures (fixtures/audio/manifest.jsonl, rendered on first use).

ASR, per condition (clean, 20 dB and 10 dB warehouse noise, 8 kHz μ-law phone): word accuracy and
exact-utterance accuracy on in-grammar utterances (each decoded with the grammar of the prompt it answers),
how many in-grammar utterances were rejected, the false-accept rate on out-of-grammar speech, and the
real-time factor. TTS: time to first audio and real-time factor of espeak-ng, at 16 kHz PCM and 8 kHz μ-law.

    .venv/bin/python bench/speech.py                       # everything
    .venv/bin/python bench/speech.py --conditions clean --limit 60
    .venv/bin/python bench/speech.py --conditions phone --no-tts --narrowband-floor -6.0
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogue.contract import RecognitionHints
from fixtures.audio.generate import CONDITIONS, OUT_OF_GRAMMAR, Entry, ensure_generated
from inventory_core.demo import demo_products
from local_speech.asr import LocalAsrOptions
from voice_gateway.audio import mulaw_decode, read_wav
from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer
from voice_gateway.speech.ports import SynthesisFormat, Utterance, VocabularyItem


def load_utterance(entry: Entry, condition: str) -> Utterance:
    path = entry.path(condition)
    if condition == "phone":
        return Utterance(pcm=mulaw_decode(path.read_bytes()), sample_rate=8000)
    audio = read_wav(path)
    return Utterance(pcm=audio.pcm, sample_rate=audio.sample_rate)


@dataclass
class Score:
    utterances: int = 0
    exact: int = 0
    ref_words: int = 0
    word_errors: int = 0
    rejected: int = 0
    oog: int = 0
    false_accepts: int = 0
    audio_s: float = 0.0
    cpu_s: float = 0.0
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    by_voice: dict[str, list[int]] = field(default_factory=dict)  # voice -> [utterances, exact]

    def add(self, entry: Entry, text: str, audio_s: float, cpu_s: float) -> None:
        self.audio_s += audio_s
        self.cpu_s += cpu_s
        if entry.intent == OUT_OF_GRAMMAR:
            self.oog += 1
            self.false_accepts += bool(text)
            if text:
                self.errors.append((entry.file, entry.text, text))
            return
        ref = entry.text.split()
        self.utterances += 1
        self.ref_words += len(ref)
        self.word_errors += min(len(ref), Levenshtein.distance(ref, text.split()))
        self.exact += text == entry.text
        self.rejected += not text
        tally = self.by_voice.setdefault(entry.voice, [0, 0])
        tally[0] += 1
        tally[1] += text == entry.text
        if text != entry.text:
            self.errors.append((entry.file, entry.text, text))

    def line(self, condition: str) -> str:
        wacc = 1 - self.word_errors / max(1, self.ref_words)
        return (
            f"asr.{condition:6s} n={self.utterances} word_acc={wacc:.1%} exact={self.exact / max(1, self.utterances):.1%}"
            f" rejected={self.rejected / max(1, self.utterances):.1%}"
            f" oog_false_accept={self.false_accepts}/{self.oog}"
            f" rtf={self.cpu_s / max(1e-9, self.audio_s):.3f}"
        )


def bench_asr(
    entries: list[Entry], conditions: list[str], show_errors: int, options: LocalAsrOptions | None = None
) -> dict[str, Score]:
    items = [VocabularyItem(sku=p.sku, name=p.name, aliases=tuple(p.aliases)) for p in demo_products()]
    recognizer = LocalRecognizer(items, options, sites=("main warehouse", "east annex"))
    started = time.perf_counter()
    asyncio.run(recognizer.warm_up())
    print(f"asr.warm_up {time.perf_counter() - started:.2f}s ({len(recognizer.grammars.words)} words)")
    scores: dict[str, Score] = {}
    for condition in conditions:
        score = scores[condition] = Score()
        for entry in entries:
            utterance = load_utterance(entry, condition)
            t0 = time.perf_counter()
            transcript = recognizer.transcribe_sync(utterance, RecognitionHints(expect=entry.expect))  # type: ignore[arg-type]
            score.add(entry, transcript.text, transcript.duration_s, time.perf_counter() - t0)
        print(score.line(condition), flush=True)
        voices = " ".join(f"{v}={ok / n:.0%}" for v, (n, ok) in sorted(score.by_voice.items()))
        print(f"    exact by voice: {voices}")
        for file, want, got in score.errors[:show_errors]:
            print(f"    {file}: {want!r} -> {got!r}")
    recognizer.close()
    return scores


async def bench_tts(texts: list[str]) -> None:
    tts = EspeakSynthesizer()
    for fmt in (SynthesisFormat("pcm", 16000), SynthesisFormat("pcmu_raw", 8000)):
        firsts: list[float] = []
        rtfs: list[float] = []
        for text in texts:
            t0 = time.perf_counter()
            first: float | None = None
            size = 0
            async for chunk in tts.stream(text, fmt):
                first = first if first is not None else time.perf_counter() - t0
                size += len(chunk)
            total = time.perf_counter() - t0
            audio_s = size / (fmt.sample_rate * (2 if fmt.encoding == "pcm" else 1))
            firsts.append(first or total)
            rtfs.append(total / max(1e-9, audio_s))
        print(
            f"tts.{fmt.encoding}@{fmt.sample_rate} n={len(texts)} first_audio_p50={statistics.median(firsts) * 1000:.0f}ms"
            f" p95={sorted(firsts)[int(0.95 * (len(firsts) - 1))] * 1000:.0f}ms rtf={statistics.median(rtfs):.3f}"
        )


REPLIES = [
    "You have one hundred twenty nitrile gloves large at the main warehouse. That is above the minimum of forty.",
    "Order one hundred fifty, one five zero, cases of pallet wrap hand roll from Acme Industrial Supply. "
    "Shall I place it?",
    "Half-inch hex bolts are in bin C thirteen one. Check digits please.",
    "Three items are running low: packing tape clear, box cutters and bleach. Do you want reorder advice?",
    "Okay.",
    "Sorry, I did not catch that. You can ask how many of an item we have, order, receive, pick or count.",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conditions", nargs="*", default=list(CONDITIONS), choices=CONDITIONS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N utterances of each intent mix")
    parser.add_argument("--errors", type=int, default=8, help="misrecognitions to print per condition")
    parser.add_argument("--no-tts", action="store_true")
    parser.add_argument(
        "--narrowband-floor",
        type=float,
        default=LocalAsrOptions.min_score_per_frame_narrowband,
        help="rejection threshold for audio below 16 kHz (LocalAsrOptions.min_score_per_frame_narrowband)",
    )
    args = parser.parse_args()
    entries = ensure_generated()
    if args.limit:
        entries = entries[:: max(1, len(entries) // args.limit)][: args.limit]
    bench_asr(
        entries,
        args.conditions,
        args.errors,
        LocalAsrOptions(min_score_per_frame_narrowband=args.narrowband_floor),
    )
    if not args.no_tts:
        asyncio.run(bench_tts(REPLIES))


if __name__ == "__main__":
    main()
