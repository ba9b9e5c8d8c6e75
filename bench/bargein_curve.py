"""The interruption judge's whole trade-off on a split: fillers, coughs and beeps cut against commands and
requests missed, at every threshold, so two judges can be compared where they cut the same share of non-words
(a judge retrained on other data mostly moves along one curve; the benchmark at one threshold cannot tell).

    .venv/bin/python bench/bargein_curve.py --split holdout
    .venv/bin/python bench/bargein_curve.py --split fresh --weights other.json
    .venv/bin/python bench/bargein_curve.py --split holdout --breakdown 0.02   # where the misses fall at 2 %

Each scene goes through the gateway's voice detector, segmenter and the judge's features as
``bench/bargein_train.py`` replays them (not the whole ``CallSession`` that ``bench/bargein.py`` runs: the
re-arm after a let-pass sound is approximated from the sound's first loud frame), so the figures at the shipped
threshold are close to ``bench/bargein.py``'s, not equal. A word counts as cut when the judge reaches the
threshold within its judged frames (13: 0.26 s from the onset), a non-word as cut when it ever does."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bargein import bench_scenes  # noqa: E402
from bench.bargein_corpus import Split  # noqa: E402
from bench.bargein_train import MIN_FRAMES, Track, first_cut, peak, scores, tracks  # noqa: E402
from voice_gateway.turns.interruption import WEIGHTS, JudgeModel  # noqa: E402

FALSE_RATES = (0.01, 0.02, 0.037, 0.05, 0.10)
"""Shares of non-words cut at which the missed words are read off (0.037: the shipped judge on ``holdout``)."""


def trade_off(
    top: np.ndarray, is_word: np.ndarray, rates: tuple[float, ...] = FALSE_RATES
) -> list[tuple[float, float, float]]:
    """(threshold, share of non-words cut, share of words missed) at the lowest threshold cutting at most each
    share in ``rates`` of the non-words; ``top``: each scene's highest score, ``is_word``: whether it is words."""
    others, words = np.sort(top[~is_word])[::-1], top[is_word]
    out = []
    for rate in rates:
        # The non-words that may score at or above the threshold.
        allowed = int(np.floor(rate * len(others) + 1e-9))
        cut_p = float(np.nextafter(others[allowed], np.inf)) if allowed < len(others) else 0.0
        out.append((cut_p, float((others >= cut_p).mean()), float((words < cut_p).mean())))
    return out


def ranking(top: np.ndarray, is_word: np.ndarray) -> float:
    """How often a word scores above a non-word (the area under the trade-off curve; ties count half)."""
    words, others = top[is_word][:, None], top[~is_word][None, :]
    return float((words > others).mean() + 0.5 * (words == others).mean())


def by_condition(
    top: np.ndarray, is_word: np.ndarray, keys: list[list[str]], cut_p: float
) -> list[tuple[str, int, float]]:
    """(condition, scenes, share) at threshold ``cut_p``: for words the share missed, for non-words the share
    cut, per condition; ``keys[i]`` names scene ``i``'s conditions (its word, voice, background). Worst first."""
    counts: dict[str, list[int]] = {}
    for score, word, names in zip(top, is_word, keys, strict=True):
        wrong = bool(score < cut_p) if word else bool(score >= cut_p)
        for name in names:
            tally = counts.setdefault(f"{'words' if word else 'other'} {name}", [0, 0])
            tally[0] += 1
            tally[1] += wrong
    rows = [(name, n, wrong / n) for name, (n, wrong) in counts.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def _conditions(t: Track) -> list[str]:
    """A scene's word (or kind of sound), voice (spoken sounds only) and background."""
    sound = t.scene.sound
    heard = sound.text if sound.kind == "command" else sound.kind
    voice = [f"by {sound.how.split('~')[0].split('@')[0]}"] if "@" in sound.how else []
    return [f"said {heard}", *voice, f"over {t.scene.background}"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", default="holdout", choices=["report", "holdout", "fresh", "blind", "train"])
    p.add_argument("--per-sound", type=int, default=4)
    p.add_argument("--weights", type=Path, default=WEIGHTS)
    p.add_argument("--seed", type=int, default=18, help="as bench/bargein.py's: the same scenes")
    p.add_argument(
        "--breakdown",
        type=float,
        metavar="RATE",
        help="words missed and non-words cut per condition at this rate",
    )
    args = p.parse_args()
    split: Split = args.split
    model = JudgeModel.from_json(args.weights.read_text())
    t0 = time.monotonic()
    ts = tracks([sc for sc, _at in bench_scenes(split, args.per_sound, seed=args.seed)])
    is_word = np.array([t.scene.interrupting for t in ts])
    print(
        f"split {split!r}, {len(ts)} scenes that start speech ({int(is_word.sum())} words), "
        f"weights {args.weights.name}"
    )
    ps = [scores(model, t) for t in ts]  # each scene scored once
    top = np.array([peak(s, t.start_k, MIN_FRAMES) for t, s in zip(ts, ps, strict=True)])
    quick = [
        first_cut(s, t.start_k, model.cut_p, MIN_FRAMES)
        for t, s in zip(ts, ps, strict=True)
        if t.scene.interrupting
    ]
    print(
        f"  at the weights' threshold {model.cut_p:.4f}: non-words cut {100 * (top[~is_word] >= model.cut_p).mean():.1f} %, "
        f"words missed {100 * (top[is_word] < model.cut_p).mean():.1f} % (not cut within 7 frames: "
        f"{100 * np.mean([c is None or c > 7 for c in quick]):.1f} %)"
    )
    print("  non-words cut -> words missed (threshold)")
    for cut_p, false, missed in trade_off(top, is_word):
        print(f"    {100 * false:5.1f} % -> {100 * missed:5.1f} %   ({cut_p:.4f})")
    if args.breakdown is not None:
        ((cut_p, _false, _missed),) = trade_off(top, is_word, (args.breakdown,))
        print(
            f"  at {100 * args.breakdown:g} % of non-words cut ({cut_p:.4f}), per condition: scenes, share wrong"
        )
        for name, n, share in by_condition(top, is_word, [_conditions(t) for t in ts], cut_p):
            if share > 0:
                print(f"    {name:36s} {n:4d} {100 * share:5.1f} %")
    print(
        f"  a word scores above a non-word {100 * ranking(top, is_word):.1f} % of the time "
        f"({time.monotonic() - t0:.0f} s)"
    )


if __name__ == "__main__":
    main()
