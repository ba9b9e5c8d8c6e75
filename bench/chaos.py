"""The chaos drills of issue 13 against a live service (``python -m app serve`` on its embedded defaults, in a
process of its own): store faults, service crashes, edge inputs, speech-vendor faults and noise floods. Prints
one table row per drill and a summary; exits 1 if any drill is not ok.

    .venv/bin/python bench/chaos.py                      # everything (about 5 minutes on 2 cores)
    .venv/bin/python bench/chaos.py --quick              # fewer writes, shorter freezes and floods
    .venv/bin/python bench/chaos.py --only store-kill,edges
    .venv/bin/python bench/chaos.py --only speech        # only the speech drills (bench/chaos_speech.py)

Drills (``--only`` names): ``store-kill`` (kill -9 of the embedded store mid-burst of REST writes),
``store-freeze`` (SIGSTOP of the store while writes, health polls, a typed and a spoken question run),
``write-in-outage`` (an order confirmed by "yes" while the store is frozen, then "yes" again after),
``edges`` (200 ``/ws/twilio`` streams that never start, junk JSON, a 2 MB chunked body, a 64,000-character name,
malformed audio), ``service-kill`` (kill -9 of the service mid-burst, restart on the same data) — see
``bench/chaos_store.py`` and ``bench/chaos_edges.py``; ``speech`` runs every drill of ``bench/chaos_speech.py`` (when that module exists).

Columns:
- drill, expected: the fault and what must hold;
- observed: what was measured (times from the fault, statuses, the spoken wording, reconcile);
- writes lost: writes acknowledged (201) but absent from the store's ledger or orders, or never able to complete
  with their Idempotency-Key;
- writes doubled: extra ledger entries or orders for one key, retries of one key answered with different ids,
  or a movement that moved stock by more than asked;
- calls dropped: voice calls that ended unexpectedly during the drill (a call ending with a killed service is
  expected and not counted);
- ok: every expectation held. Notes under the table say what went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chaos_edges import edges
from bench.chaos_live import LiveService, Row, VoiceCall, print_table
from bench.chaos_store import Stage, service_kill, store_freeze, store_kill, targets, write_in_outage

RUNS: dict[str, Callable[[Stage, bool], Awaitable[Row]]] = {
    "store-kill": store_kill,
    "store-freeze": store_freeze,
    "write-in-outage": write_in_outage,
    "edges": edges,
    "service-kill": service_kill,
}
"""The drills by name, in the order they run on one service (the service kill last: it ends the idle call)."""
DRILLS = tuple(RUNS)
SPEECH = "speech"


async def store_drills(quick: bool, only: set[str] | None) -> list[Row]:
    """The store and service drills named in ``only`` (all when None), in order, on one live service whose
    ``/ws/twilio`` start timeout is 3 s; the data folder and service log are kept when a drill fails."""
    chosen = [name for name in DRILLS if only is None or name in only]
    if not chosen:
        return []
    rows: list[Row] = []
    svc = LiveService(env={"IP_CALL_START_TIMEOUT_S": "3"}, var_dir=Path(tempfile.mkdtemp(prefix="chaos-")))
    await svc.start()
    try:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(
            base_url=svc.base_url, headers=svc.headers(), timeout=15.0, limits=limits
        ) as http:
            stage = Stage(svc, http, await targets(http))
            stage.call = await VoiceCall.open(svc)  # idle across the drills; each checks it still answers
            for name in chosen:
                try:
                    rows.append(await RUNS[name](stage, quick))
                except Exception as exc:  # a drill that crashed is a failed row; the others still run
                    rows.append(Row(name, "runs", f"drill crashed: {type(exc).__name__}: {exc}"[:300]))
                    pid = svc.store_pid()
                    if pid is not None:  # a freeze cut short: thaw the store
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGCONT)
            if stage.call is not None:
                await stage.call.close()
    finally:
        await svc.stop()
    failed = next((r for r in rows if not r.ok), None)
    if failed is None:
        shutil.rmtree(svc.var_dir, ignore_errors=True)
    else:
        failed.notes.append(f"service log kept: {svc.log_path}")
    return rows


async def speech_rows(quick: bool) -> list[Row]:
    """The speech drills, if ``bench/chaos_speech.py`` provides them."""
    try:
        from bench.chaos_speech import speech_drills
    except ImportError as exc:
        print(f"speech drills skipped: bench/chaos_speech.speech_drills is not available ({exc})", flush=True)
        return []
    return list(await speech_drills(quick))


async def run(quick: bool, only: set[str] | None) -> list[Row]:
    rows = await store_drills(quick, only)
    if only is None or SPEECH in only:
        rows += await speech_rows(quick)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer writes, shorter freezes and floods")
    parser.add_argument(
        "--only", default="", help=f"comma-separated drills: {', '.join(DRILLS)}, {SPEECH} (default: all)"
    )
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    unknown = (only or set()) - {*DRILLS, SPEECH}
    if unknown:
        parser.error(f"unknown drills: {', '.join(sorted(unknown))}")
    began = time.monotonic()
    rows = asyncio.run(run(args.quick, only))
    wall = time.monotonic() - began
    print_table(rows)
    failed = [r.drill for r in rows if not r.ok]
    print(
        f"\n{len(rows)} drills, {len(rows) - len(failed)} ok; writes lost {sum(r.writes_lost for r in rows)}, "
        f"writes doubled {sum(r.writes_doubled for r in rows)}, calls dropped {sum(r.calls_dropped for r in rows)}; "
        f"wall time {wall:.0f} s" + (f"; NOT ok: {', '.join(failed)}" if failed else "")
    )
    sys.exit(1 if failed or not rows else 0)


if __name__ == "__main__":
    main()
