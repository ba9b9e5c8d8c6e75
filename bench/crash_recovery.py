"""Crash drill of the movement ledger: random cases of concurrent writes, kill -9 of the embedded store mid-burst
with the service's requests abandoned, restart on the same data, recovery, checks (``tests/store/crash_harness``).
Prints one line per failing case and a summary: cases, failures, writes acknowledged, claims left pending by the
crash, wall time.

    .venv/bin/python bench/crash_recovery.py [--cases 200] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.store.crash_harness import CaseReport, CrashableStore, CrashCase, crash_cases, run_case


def drill(cases: int, seed_value: int | None) -> list[CaseReport]:
    reports: list[CaseReport] = []
    with tempfile.TemporaryDirectory(prefix="crash-drill-") as folder:
        server = CrashableStore(Path(folder))
        server.start()
        try:

            @settings(
                max_examples=cases,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=crash_cases())
            def one(case: CrashCase) -> None:
                report = asyncio.run(run_case(server, case))
                reports.append(report)
                if report.failures:
                    print(f"FAIL case {len(reports)}: {case}", flush=True)
                    for failure in report.failures:
                        print(f"  {failure}", flush=True)

            if seed_value is not None:
                one = seed(seed_value)(one)
            one()
        finally:
            server.stop()
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # recovery logs each settled claim as a warning
    began = time.perf_counter()
    reports = drill(args.cases, args.seed)
    wall_s = time.perf_counter() - began
    failed = sum(1 for r in reports if r.failures)
    writes = sum(len(r.case.writes) for r in reports)
    per_case = [r.wall_s for r in reports]
    by_recovery = {
        k: sum(1 for r in reports if r.case.recovery == k) for k in ("start-up", "loop", "retries")
    }
    print(
        f"crash_recovery cases={len(reports)} failures={failed} writes={writes} "
        f"acknowledged={sum(r.acknowledged for r in reports)} "
        f"pending_at_restart={sum(r.pending_at_restart for r in reports)} "
        f"applied_at_restart={sum(r.applied_at_restart for r in reports)} "
        f"cases_with_pending={sum(1 for r in reports if r.pending_at_restart)} "
        f"cases_with_applied={sum(1 for r in reports if r.applied_at_restart)} "
        f"recovery={by_recovery} "
        f"case_p50={statistics.median(per_case):.2f}s case_max={max(per_case):.2f}s wall={wall_s:.1f}s"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
