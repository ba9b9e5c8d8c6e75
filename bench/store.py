"""Store latency: stock lookup and guarded decrement, single and 200 concurrent, against the embedded
nx-27017 server (or MONGODB_URI). Prints p50/p95 in ms and whether any oversell happened.

    .venv/bin/python bench/store.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

from inventory_core.demo_loader import load_demo
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.errors import InsufficientStock
from inventory_core.models import Location, MovementKind, Product, StockLevel, WriteContext
from inventory_core.ports import MovementRequest
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, ms: list[float]) -> None:
    print(f"store.{name} n={len(ms)} p50={statistics.median(ms):.2f}ms p95={pct(ms, 0.95):.2f}ms")


def ctx() -> WriteContext:
    return WriteContext(actor="bench", channel="bench", idempotency_key=uuid.uuid4().hex)


async def timed(coro: object) -> float:
    start = time.perf_counter()
    await coro  # type: ignore[misc]
    return (time.perf_counter() - start) * 1000


async def main() -> None:
    server = None
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        server = EmbeddedMongo(db_path="memory")
        uri = server.start()
    store = MongoStore(uri, f"bench_{uuid.uuid4().hex[:6]}")
    try:
        await store.ensure_indexes()
        await load_demo(store, progress=False)
        inv = InventoryService(store)
        skus = [p.sku for p in (await inv.catalogue()).products]
        lookups = [await timed(inv.get_product(skus[i % len(skus)])) for i in range(300)]
        line("lookup_by_sku.single", lookups)
        names = [p.name for p in (await inv.catalogue()).products]
        line("lookup_by_name.single", [await timed(inv.lookup(names[i % len(names)])) for i in range(300)])

        product = Product(
            sku="BEN-0001",
            name="bench widget",
            category="bench",
            locations=[Location(site="main", bin="A-01-1", check_digits="11")],
        )
        await inv.create_product(product, [StockLevel(sku="BEN-0001", site="main", on_hand=100_000)], ctx())
        pick = MovementRequest(kind=MovementKind.PICK, quantity=1)
        line(
            "guarded_decrement.single",
            [await timed(inv.record_movement("BEN-0001", pick, ctx())) for _ in range(300)],
        )

        stock = 150
        product2 = product.model_copy(update={"sku": "BEN-0002", "name": "bench widget two"})
        await inv.create_product(product2, [StockLevel(sku="BEN-0002", site="main", on_hand=stock)], ctx())
        outcomes: list[str] = []

        async def one() -> float:
            start = time.perf_counter()
            try:
                await inv.record_movement("BEN-0002", pick, ctx())
                outcomes.append("ok")
            except InsufficientStock:
                outcomes.append("short")
            return (time.perf_counter() - start) * 1000

        wall = time.perf_counter()
        concurrent = list(await asyncio.gather(*(one() for _ in range(200))))
        wall_ms = (time.perf_counter() - wall) * 1000
        line("guarded_decrement.200_concurrent", concurrent)
        on_hand = (await inv.get_product("BEN-0002")).on_hand
        report = await inv.reconcile("BEN-0002")
        oversold = outcomes.count("ok") > stock or on_hand < 0
        print(
            f"store.concurrency stock={stock} attempts=200 succeeded={outcomes.count('ok')} "
            f"refused={outcomes.count('short')} on_hand_after={on_hand} oversell={'YES' if oversold else 'no'} "
            f"ledger_reconciles={'yes' if report.ok else 'NO'} wall={wall_ms:.0f}ms"
        )
    finally:
        await store.db.client.drop_database(store.db.name)
        await store.close()
        if server:
            server.stop()


if __name__ == "__main__":
    argparse.ArgumentParser(prog="bench/store.py", description=__doc__.split("\n\n")[0]).parse_args()
    asyncio.run(main())
