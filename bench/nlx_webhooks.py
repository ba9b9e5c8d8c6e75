"""Latency of the NLX data-request webhooks over real HTTP on loopback, against NLX's 3 s budget.

Starts the embedded MongoDB server with the demo warehouse, serves the app with uvicorn, and calls each
endpoint ``--n`` times (sequentially, then ``--concurrency`` at a time). Prints p50/p95/max per endpoint.

    .venv/bin/python -m bench.nlx_webhooks --n 100 --concurrency 8

(Run it as a module: as a script, this file would shadow the ``nlx_webhooks`` package on ``sys.path``.)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from inventory_core.demo_loader import load_demo
from inventory_core.embedded_mongo import EmbeddedMongo, free_port
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore

TOKEN = "bench-nlx-token"
BUDGET_S = 3.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[httpx.Response]]) -> float:
    start = time.perf_counter()
    r = await call()
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
    return elapsed


async def run(n: int, concurrency: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nlx-bench-"))
    mongo = EmbeddedMongo(db_path=str(tmp / "bench.db"))
    uri = mongo.start()
    store = MongoStore(uri, f"bench_{uuid.uuid4().hex[:6]}")
    await store.ensure_indexes()
    await load_demo(store, seed=7, progress=False)
    settings = Settings(nlx_webhook_tokens=[SecretStr(TOKEN)], api_tokens=[SecretStr("x")], var_dir=tmp)
    auth = Authenticator({"x": "bench"}, {TOKEN: "nlx-1"})
    services = Services(settings=settings, inventory=InventoryService(store), auth=auth)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), port=port, log_level="warning", timeout_keep_alive=60)
    )
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):  # uvicorn offers no started event to await
            if server.started:
                break
            await asyncio.sleep(0.05)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as c:
            await c.post("/api/nlx/inventory/check", json={"item": "coffee filters"})  # prepares the runtime

            async def confirm() -> httpx.Response:
                cid = (
                    await c.post("/api/nlx/orders/propose", json={"item": "napkins", "quantity": 60})
                ).json()
                return await c.post(
                    "/api/nlx/orders/confirm", json={"confirmation_id": cid["confirmation_id"]}
                )

            cases: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
                "check (name)": lambda: c.post(
                    "/api/nlx/inventory/check", json={"item": "half inch hex bolts"}
                ),
                "check (misheard)": lambda: c.post("/api/nlx/inventory/check", json={"item": "cofee filter"}),
                "check (legacy)": lambda: c.post(
                    "/api/nlx/inventory/check",
                    json={"variables": [{"variableId": "S", "payload": {"item": "paper cups"}}]},
                ),
                "low stock": lambda: c.post("/api/nlx/inventory/low-stock", json={}),
                "reorder (all)": lambda: c.post("/api/nlx/reorder/recommendation", json={}),
                "reorder (item)": lambda: c.post("/api/nlx/reorder/recommendation", json={"item": "sponges"}),
                "propose": lambda: c.post(
                    "/api/nlx/orders/propose", json={"item": "paper cups", "quantity": 50}
                ),
                "propose+confirm": confirm,
                "order status": lambda: c.post("/api/nlx/orders/status", json={"item": "napkins"}),
                "forecast": lambda: c.post("/api/nlx/forecast", json={"item": "paper plates"}),
                "lifecycle": lambda: c.post("/api/nlx/lifecycle", json={"eventType": "conversationStart"}),
            }
            print(
                f"{'endpoint':<18} {'mode':<6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  budget {BUDGET_S:.0f} s"
            )
            worst = 0.0
            for name, call in cases.items():
                seq = [await timed(call) for _ in range(n)]
                sem = asyncio.Semaphore(concurrency)

                async def limited(
                    call: Callable[[], Awaitable[httpx.Response]] = call, sem: asyncio.Semaphore = sem
                ) -> float:
                    async with sem:
                        return await timed(call)

                par = list(await asyncio.gather(*(limited() for _ in range(n))))
                for mode, values in (("seq", seq), (f"x{concurrency}", par)):
                    worst = max(worst, max(values))
                    print(
                        f"{name:<18} {mode:<6} {statistics.median(values) * 1e3:8.1f} "
                        f"{pct(values, 0.95) * 1e3:8.1f} {max(values) * 1e3:8.1f}"
                    )
            verdict = "within" if worst < BUDGET_S else "OVER"
            print(f"worst single call {worst * 1e3:.1f} ms: {verdict} the {BUDGET_S:.0f} s budget")
    finally:
        server.should_exit = True
        await serving
        await store.db.client.drop_database(store.db.name)
        await store.close()
        mongo.stop()


def main() -> None:
    if not __package__:
        raise SystemExit("run as: .venv/bin/python -m bench.nlx_webhooks")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=50, help="calls per endpoint and mode")
    parser.add_argument("--concurrency", type=int, default=8)
    args: Any = parser.parse_args()
    asyncio.run(run(args.n, args.concurrency))


if __name__ == "__main__":
    main()
