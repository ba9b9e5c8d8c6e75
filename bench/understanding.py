"""Held-out task success (issue 12, item 6): tasks, not words.

Generated catalogues of other trades (bench/understanding/catalogues.py) are loaded through the REST API into a
fresh service (``python -m app serve`` on embedded defaults, demo data off, local speech engine); scripted
multi-turn tasks (stock questions, orders, picks, receipts, counts, corrections, cancels, "say again", ambiguous
and unknown items) are played by a caller model through ``POST /api/agent/query`` (typed) or ``/ws/voice`` with
espeak-ng / hibari speech, noise and 8 kHz μ-law phone audio; the store is read back to score each task.

    .venv/bin/python bench/understanding.py                         # held-out set, default conditions
    .venv/bin/python bench/understanding.py --conditions typed,en-us,noise10 --limit 12
    .venv/bin/python bench/understanding.py --set tune --caller careful -v

Conditions: typed, en-us, en-gb, en-sc, en-029, neural, noise20, noise10, noise5, phone (noise and phone with the
en-us voice; "noise10-neural", "phone-neural" with the neural one). Each runs on its own
service (so the store of one never sees another's writes); ``--jobs`` of them at a time."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.understanding.catalogues import Catalogue, catalogues_for
from bench.understanding.drivers import run_task
from bench.understanding.render import Condition, Voice, hibari_available
from bench.understanding.scenarios import CallerMode, Task, build_tasks
from bench.understanding.score import HEADER, Tally, Transcript, score_task
from bench.understanding.server import Api, load_catalogues, running_service

ROOT = Path(__file__).resolve().parents[1]
SEED = 12
DEFAULT_CONDITIONS = "typed,en-us,en-gb,en-sc,en-029,neural,noise10,phone"

# The voice sets: the tune set's voices are never used for the held-out report, and the other way round.
VOICES: dict[str, dict[str, Voice]] = {
    "heldout": {
        "en-us": Voice("espeak", "en-us", 180), "en-gb": Voice("espeak", "en-gb", 150),
        "en-sc": Voice("espeak", "en-gb-scotland", 160), "en-029": Voice("espeak", "en-029", 165),
        "neural": Voice("hibari", "heart", 1.0),
    },
    "tune": {
        "en-us": Voice("espeak", "en-us+m3", 170), "en-gb": Voice("espeak", "en-gb-x-rp", 160),
        "en-sc": Voice("espeak", "en-gb-x-gbclan", 160), "en-029": Voice("espeak", "en-us+f2", 150),
        "neural": Voice("hibari", "heart", 1.15),
    },
}  # fmt: skip


def condition(name: str, which: str) -> Condition:
    voices = VOICES[which]
    if name == "typed":
        return Condition(name, None)
    if name in voices:
        return Condition(name, voices[name])
    base, _, voice = name.partition("-")  # "noise10-neural": the neural voice at 10 dB (default: en-us)
    speaker = voices[voice or "en-us"]
    if base.startswith("noise"):
        return Condition(name, speaker, snr_db=float(base.removeprefix("noise")))
    if base == "phone":
        return Condition(name, speaker, phone=True)
    raise SystemExit(f"unknown condition {name!r}")


def task_list(cats: list[Catalogue], seed: int, limit: int | None) -> list[tuple[Task, Catalogue]]:
    """Every catalogue's tasks, in rounds of one task of each kind (the catalogue rotating by kind), so that
    ``--limit 12`` covers every kind and every trade."""
    per = [build_tasks(c, seed) for c in cats]
    mixed = [
        (per[(k + j) % len(cats)][k], cats[(k + j) % len(cats)])
        for j in range(len(cats))
        for k in range(len(per[0]))
    ]
    return mixed[:limit] if limit else mixed


async def run_condition(
    cond: Condition,
    pairs: list[tuple[Task, Catalogue]],
    cats: list[Catalogue],
    mode: CallerMode,
    verbose: bool,
) -> tuple[Tally, float]:
    started = time.monotonic()
    tally = Tally()
    with running_service() as service:
        api = Api(service.base)
        try:
            load_catalogues(service, api, cats)
            await asyncio.sleep(2.0)  # the recognizer's vocabulary follows the catalogue within a second
            for task, cat in pairs:
                t: Transcript = await run_task(task, cat, cond, mode, service, api)
                verdict = score_task(t, cat, [c for c in cats if c is not cat])
                tally.add(t, verdict)
                if verbose:
                    mark = "ok " if verdict.success else "BAD"
                    print(f"[{cond.name}] {mark} {task.task_id}: {verdict.why}", flush=True)
                    if not verdict.success:
                        for turn in t.turns:
                            heard = f" (heard {turn.heard!r})" if turn.heard is not None else ""
                            print(f"      > {turn.said!r}{heard}\n      < {turn.reply!r} [{turn.awaiting}]")
                        if t.error:
                            print(f"      ! {t.error}")
        finally:
            api.close()
    return tally, time.monotonic() - started


def code_version() -> str:
    """The commit the services run, with "+changes" when the work tree differs from it."""

    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conditions", default=DEFAULT_CONDITIONS)
    parser.add_argument("--set", dest="which", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--limit", type=int, default=None, help="tasks per condition")
    parser.add_argument("--caller", choices=("always_yes", "careful"), default="always_yes")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--jobs", type=int, default=3, help="conditions run at once (each on its own service)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print each task and the failures' turns"
    )
    parser.add_argument(
        "--tasks", default="", help="only these tasks of the drawn list (ids: auto_parts.receipt,...)"
    )
    args = parser.parse_args()

    cats = catalogues_for(args.which, args.seed)
    pairs = task_list(cats, args.seed, args.limit)
    if args.tasks:
        wanted = {t.strip() for t in args.tasks.split(",")}
        pairs = [(t, c) for t, c in pairs if t.task_id in wanted]
    conds = [condition(n.strip(), args.which) for n in args.conditions.split(",") if n.strip()]
    skipped: list[str] = []
    if any(c.voice and c.voice.engine == "hibari" for c in conds) and (why := hibari_available()):
        skipped.append(f"neural: hibari-tts does not run here ({why})")
        conds = [c for c in conds if not (c.voice and c.voice.engine == "hibari")]
    trades = ", ".join(c.trade for c in cats)
    code = code_version()
    print(f"set={args.which} catalogues={trades} seed={args.seed} tasks/condition={len(pairs)} "
          f"caller={args.caller} code={code}", flush=True)  # fmt: skip

    def one(cond: Condition) -> tuple[Tally, float]:
        return asyncio.run(run_condition(cond, pairs, cats, args.caller, args.verbose))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, conds))
    print()
    print(HEADER)
    for cond, (tally, _) in zip(conds, results, strict=True):
        print(tally.row(cond.name))
    print()
    for cond, (tally, took) in zip(conds, results, strict=True):
        fails = "; ".join(f"{tid} ({why})" for tid, why in tally.failures) or "none"
        print(f"{cond.name}: {took:.0f}s; failed: {fails}")
    for line in skipped:
        print(f"not run: {line}")
    print(f"total {time.monotonic() - started:.0f}s")
    if code_version() != code:
        # Each condition's service starts when a job slot frees: rows may come from different code.
        print(f"WARNING: the code changed during the run ({code} -> {code_version()})")


if __name__ == "__main__":
    main()
