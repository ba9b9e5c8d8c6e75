"""Event-loop audit: which request holds the service's event loop, and for how long. The service runs as a real
process (``python -m app`` on embedded defaults with the demo data, local speech engines); each probe sends its
request ``--rounds`` times, ``--concurrency`` at a time, while a client polls ``/api/health`` every 20 ms.

    .venv/bin/python bench/loop_audit.py [--rounds 8] [--concurrency 4] [--only agent-long,chart]

Per probe:
- request p50 / max: wall time of the request at the client;
- loop lag max: the service's own ``event_loop_lag_max_seconds`` (``app/loop_watch.py``: a 50 ms sleep on the
  loop, how much later it woke), read before and after the probe, so only that probe's worst stall counts;
- health p99 / max: ``/api/health`` latency at the client during the probe.
The probes are the requests a client can make heavy: long text into fuzzy matching, the biggest pages, the
forecast views computed on request (anomalies, recommendations, charts), reconcile, a new catalogue version
(index rebuild), junk bodies. The first forecast view pays for the forecast run; it is warmed before probing."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chaos_live import HealthProbe, LiveService, p99

Probe = Callable[[httpx.AsyncClient, int], Awaitable[int]]

WORDS = "please tell me how many of the blue heavy duty cable ties zip fasteners and copper fittings we have left "
LONG_TEXT = (WORDS * 30)[:2000]


def _long_name(n: int) -> str:
    return ("widget bracket hinge " * 20)[:195].strip() + str(n)  # under the 200-character limit


async def _agent(client: httpx.AsyncClient, text: str, session: str) -> int:
    r = await client.post("/api/agent/query", json={"text": text, "session_id": session})
    return r.status_code


def _probes() -> dict[str, Probe]:
    return {
        "agent-short": lambda c, i: _agent(c, "how many coffee filters", f"a{i}"),
        "agent-long": lambda c, i: _agent(c, LONG_TEXT, f"l{i}"),
        "lookup-200-chars": lambda c, i: _status(c.get(f"/api/inventory/{_long_name(i)}")),
        "list-500": lambda c, i: _status(c.get("/api/inventory", params={"limit": 500})),
        "low-stock": lambda c, i: _status(c.get("/api/inventory/low-stock")),
        "insights": lambda c, i: _status(c.get("/api/insights")),
        "recommendation-all": lambda c, i: _status(c.get("/api/insights/recommendation")),
        "forecast-365-days": lambda c, i: _status(
            c.get("/api/insights/forecast/BRK-1308", params={"days": 365})
        ),
        "chart": lambda c, i: _status(c.get("/api/insights/forecast/BRK-1308/chart.svg")),
        "reconcile-all": lambda c, i: _status(c.get("/api/admin/reconcile")),
        "orders-list": lambda c, i: _status(c.get("/api/orders")),
        "junk-json-900k": lambda c, i: _status(
            c.post("/api/agent/query", content=b"[" * 900_000, headers={"Content-Type": "application/json"})
        ),
        "catalogue-change": _catalogue_change,
    }


async def _status(request: Awaitable[httpx.Response]) -> int:
    return (await request).status_code


async def _catalogue_change(client: httpx.AsyncClient, i: int) -> int:
    """A new item (a new catalogue version: the matcher's index, the policy and the speech grammar rebuilt), then
    a question that needs the new index."""
    body = {
        "sku": f"AUD-{1000 + i}",
        "name": f"audit gadget {i}",
        "aliases": [f"gizmo number {i}"],
        "category": "audit",
        "locations": [{"site": "main", "bin": f"Z-{i}", "check_digits": f"{40 + i}"}],
        "stock": [{"site": "main", "on_hand": 10}],
    }
    r = await client.post(
        "/api/inventory", json=body, headers={"Idempotency-Key": f"audit-{i}-{time.time()}"}
    )
    if r.status_code >= 400:
        return r.status_code
    return await _agent(client, f"how many audit gadget {i}", f"c{i}")


async def _worst_lag(client: httpx.AsyncClient) -> float:
    text = (await client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("event_loop_lag_max_seconds "):
            return float(line.split()[1])
    raise RuntimeError("the service exports no event_loop_lag_max_seconds")


async def run_probe(
    svc: LiveService, name: str, probe: Probe, rounds: int, concurrency: int
) -> dict[str, object]:
    async with (
        httpx.AsyncClient(base_url=svc.base_url, headers=svc.headers(), timeout=60.0) as client,
        httpx.AsyncClient(base_url=svc.base_url, timeout=10.0) as watcher,
    ):
        await _worst_lag(watcher)  # resets the worst-since-scrape
        times: list[float] = []
        statuses: list[int] = []
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                t = time.perf_counter()
                statuses.append(await probe(client, i))
                times.append(time.perf_counter() - t)

        async with HealthProbe(svc, every_s=0.02) as polls:
            await asyncio.gather(*(one(i) for i in range(rounds)))
            await asyncio.sleep(0.1)
        health = polls.latencies()
        lag = await _worst_lag(watcher)
    return {
        "probe": name,
        "statuses": sorted(set(statuses)),
        "p50_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "lag_max_ms": lag * 1000,
        "health_p99_ms": p99(health) * 1000,
        "health_max_ms": max(health) * 1000,
    }


async def main_async(args: argparse.Namespace) -> int:
    probes = _probes()
    chosen = args.only.split(",") if args.only else list(probes)
    rows = []
    async with LiveService() as svc:
        async with httpx.AsyncClient(base_url=svc.base_url, headers=svc.headers(), timeout=120.0) as client:
            await client.get("/api/insights/recommendation")  # the forecast run, once
        await asyncio.sleep(2.0)  # start-up work (speech workers, vocabulary) settles
        for name in chosen:
            rows.append(await run_probe(svc, name, probes[name], args.rounds, args.concurrency))
    print(f"loop audit: {args.rounds} requests per probe, {args.concurrency} at a time, service on 2 cores")
    print("| probe | status | request p50 / max ms | loop lag max ms | /api/health p99 / max ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['probe']} | {','.join(map(str, r['statuses']))} | {r['p50_ms']:.0f} / {r['max_ms']:.0f} "  # type: ignore[union-attr]
            f"| {r['lag_max_ms']:.0f} | {r['health_p99_ms']:.0f} / {r['health_max_ms']:.0f} |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--only", default="")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
