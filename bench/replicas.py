"""Conversations per second through HAProxy with 3 instances vs 1, and the latency of a "yes" answered by
another instance than the one that asked the read-back.

Each client runs conversations back to back for ``--seconds``: a stock question, an order read back, "yes"
(three typed turns on ``/api/agent/query``, every one balanced round-robin with no stickiness). Every instance,
MongoDB (the embedded wire-protocol server), HAProxy and the clients share this machine's cores, so the ratio
says what the shared conversation store costs and allows, not what 3 machines would give.

    .venv/bin/python bench/replicas.py [--instances 1,3] [--clients 12] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.replica_set import ReplicaSet, cpu_seconds

ORDERS = (("coffee pods", 15), ("half inch hex bolts", 200), ("zip knives", 12), ("utility blades", 9))
"""Demo items with an order size each supplier takes and the unusual-quantity check lets through: the bench
measures the conversation store, not the dialogue's objections."""


@dataclass
class Tally:
    done: int = 0
    failed: int = 0
    cross_yes_ms: list[float] = field(default_factory=list)
    same_yes_ms: list[float] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)


async def conversation(api: httpx.AsyncClient, item: str, n: int, tally: Tally) -> None:
    sid: str | None = None
    asked_by = ""
    for text in (f"how many {item} do we have", f"order {n} {item}", "yes"):
        body = {"text": text, **({"session_id": sid} if sid else {})}
        began = time.perf_counter()
        r = await api.post("/api/agent/query", json=body)
        ms = (time.perf_counter() - began) * 1000
        if r.status_code != 200:
            tally.failed += 1
            return
        tally.turn_ms.append(ms)
        sid = r.json()["session_id"]
        who = r.headers.get("x-served-by", "")
        if text == "yes":
            if not r.json()["reply"].startswith("Done."):
                tally.failed += 1
                return
            (tally.cross_yes_ms if who != asked_by else tally.same_yes_ms).append(ms)
        asked_by = who
    tally.done += 1


async def client(api: httpx.AsyncClient, k: int, until: float, tally: Tally) -> None:
    i = 0
    while time.monotonic() < until:
        item, n = ORDERS[(k + i) % len(ORDERS)]
        await conversation(api, item, n, tally)
        i += 1


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values, default=0.0)


async def run(instances: int, clients: int, seconds: float) -> tuple[float, Tally]:
    async with (
        ReplicaSet(instances) as rs,
        httpx.AsyncClient(base_url=rs.url, headers=rs.headers(), timeout=30) as api,
    ):
        warm = Tally()
        await asyncio.gather(*(conversation(api, *ORDERS[k % len(ORDERS)], warm) for k in range(clients)))
        tally = Tally()
        groups = rs.process_groups()
        cpu_before, own_before = cpu_seconds(groups), sum(os.times()[:2])
        began = time.monotonic()
        await asyncio.gather(*(client(api, k, began + seconds, tally) for k in range(clients)))
        elapsed = time.monotonic() - began
        cpu_after = cpu_seconds(groups)
        tally.cpu_s = {k: cpu_after[k] - cpu_before[k] for k in groups}
        tally.cpu_s["clients"] = sum(os.times()[:2]) - own_before
        return tally.done / elapsed, tally


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", default="1,3", help="comma-separated instance counts")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(f"# replicas bench: {os.cpu_count()} cores, {args.clients} clients, {args.seconds:.0f} s per run")
    print(
        "| instances | conversations/s | failed | turn p50 ms | cross-instance yes p50 / p95 ms | same-instance yes "
        "| CPU ms per turn: instances / store / haproxy / clients |"
    )
    print("|---|---|---|---|---|---|---|")
    rates: dict[int, float] = {}
    for n in (int(x) for x in args.instances.split(",")):
        rate, t = await run(n, args.clients, args.seconds)
        rates[n] = rate
        cross = (
            f"{statistics.median(t.cross_yes_ms):.0f} / {p95(t.cross_yes_ms):.0f} (n={len(t.cross_yes_ms)})"
            if t.cross_yes_ms
            else "—"
        )
        per_turn = " / ".join(
            f"{1000 * t.cpu_s[k] / len(t.turn_ms):.1f}" for k in ("instances", "store", "haproxy", "clients")
        )
        print(
            f"| {n} | {rate:.1f} | {t.failed} | {statistics.median(t.turn_ms):.0f} | {cross} "
            f"| {len(t.same_yes_ms)} | {per_turn} |",
            flush=True,
        )
    if len(rates) > 1:
        low, high = min(rates), max(rates)
        print(f"\n{high} instances vs {low}: {rates[high] / rates[low]:.2f}x conversations/s")


if __name__ == "__main__":
    asyncio.run(main())
