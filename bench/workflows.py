"""Workflows on the embedded Temporal dev server, through the service as it runs (``open_services`` on a fresh
data folder with the demo warehouse; no speech):

- event → insight: a pick that takes an item to zero, until its low-stock insight is in the store (the write's
  watcher signal-with-starts ``StockInsight``, whose activity plans the item and records the insight); one item
  at a time: the first with no forecast run yet (as right after a start), then ``--items`` more with it warm;
- the daily run at demo size: ``DailyForecast`` started and awaited (sync, forecast, recommendations, insights,
  notification as activities), twice: the second run of the same day writes nothing new;
- the supplier sync: ``--suppliers`` fake suppliers (REST, CSV and HTML in turn, ``tests/fakes/supplier_server.py``
  in this process, on loopback) each publishing ``--products`` demo items; a first sync (every offer written) and a
  second (every offer unchanged): wall time and supplier activities per second.

    .venv/bin/python bench/workflows.py [--items 20] [--suppliers 200 --products 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services import Parts, Services, open_services
from app.settings import Settings
from inventory_core.models import MovementKind, Supplier, WriteContext
from inventory_core.ports import MovementRequest, ProductFilter
from inventory_core.service import InventoryService
from tests.fakes.supplier_server import Item, SupplierServer


async def insight_for(inv: InventoryService, sku: str) -> None:
    """Until the item's low-stock insight is in the store (which offers no event to wait on)."""
    while not [x for x in await inv.insights(limit=500) if x.sku == sku and x.kind == "low_stock"]:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def supplier_sync(s: Services, suppliers: int, products: int) -> list[str]:
    assert s.workflows is not None
    skus = sorted(p.sku for p in (await s.inventory.catalogue()).products)[:products]
    kinds: tuple[Literal["rest", "csv", "html"], ...] = ("rest", "csv", "html")
    lines = []
    async with SupplierServer() as fake:
        for n in range(suppliers):
            sid = f"BENCH{n:03d}"
            fake.stock[sid] = {
                sku: Item(price=1 + (n + i) % 40, stock=(n * i) % 500, lead=1 + n % 9)
                for i, sku in enumerate(skus)
            }
            supplier = Supplier(
                supplier_id=sid, name=f"Bench supplier {n}", connector=fake.connector(sid, kinds[n % 3])
            )
            await s.inventory.suppliers.create(
                supplier, WriteContext(actor="bench", channel="api", idempotency_key=sid)
            )
        for label in ("first sync (every offer written)", "second sync (every offer unchanged)"):
            began = time.perf_counter()
            report = await s.workflows.sync_suppliers()
            wall = time.perf_counter() - began
            lines.append(
                f"supplier sync, {suppliers} suppliers x {len(skus)} products, {label}: {wall:.1f} s, "
                f"{report.suppliers / wall:.1f} supplier activities/s, {report.updated} offers written, "
                f"{report.unchanged} unchanged, {len(report.failed)} failed {sorted(set(report.failed.values()))[:3]}"
            )
    return lines


async def main_async(items: int, suppliers: int, products: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-workflows-") as var:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            var_dir=Path(var), workflows=True, daily_forecast_cron="", forecast_warm_up=False,
            temporal_ui_port=0, log_json=False,
        )  # fmt: skip
        t0 = time.perf_counter()
        async with open_services(
            settings, parts=Parts(speech=False, mcp_http=False), load_demo_progress=False
        ) as s:
            start_s = time.perf_counter() - t0
            assert s.workflows is not None and s.forecaster is not None
            inv = s.inventory
            page = await inv.list_products(ProductFilter(limit=500))
            chosen = [v for v in page.items if v.stock and v.stock[0].on_hand > v.stock[0].effective_min > 0][
                : items + 1
            ]
            latencies: list[float] = []
            for i, view in enumerate(
                chosen
            ):  # the first with no forecast run yet (as after a start), then warm
                level = view.stock[0]
                ctx = WriteContext(actor="bench", channel="api", idempotency_key=f"bench-pick-{i}")
                began = time.perf_counter()
                await inv.record_movement(
                    view.sku, MovementRequest(MovementKind.PICK, level.on_hand, level.site), ctx
                )
                await insight_for(inv, view.sku)
                latencies.append(time.perf_counter() - began)
            cold, latencies = latencies[0], latencies[1:]
            began = time.perf_counter()
            first = await s.workflows.run_daily()
            daily_s = time.perf_counter() - began
            began = time.perf_counter()
            again = await s.workflows.run_daily(first.run_at)
            again_s = time.perf_counter() - began
            sync_lines = await supplier_sync(s, suppliers, products) if suppliers else []
    print(f"service start with Temporal, worker and schedules: {start_s:.1f} s (demo load included)")
    print(f"event → insight, the first after a start (waits for the forecast run): {cold:.1f} s")
    print(
        f"event → insight over {len(latencies)} items: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {pct(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    print(
        f"daily run at demo size: {daily_s:.1f} s ({first.forecast_series} series, {first.orders_due} orders due, "
        f"{len(first.insights)} insights); the same day again: {again_s:.1f} s, {len(again.insights)} new insights"
    )
    for line in sync_lines:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--products", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main_async(args.items, args.suppliers, args.products))


if __name__ == "__main__":
    main()
