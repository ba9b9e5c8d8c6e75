"""Forecasting benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/forecast.py [--skus 10000] [--days 730] [--load-skus 1000] [--no-warehouse]

1. Speed: backtest + forecast + restock recommendations for every SKU (seeded synthetic demand, the same mix the
   tests use), through ``ForecastService`` so the figure is what a monitor cycle spends; peak traced memory.
2. Accuracy: the last 28 days held out; MASE (against the in-sample seasonal-naive error) of every model family
   applied to all SKUs, of the per-SKU choice, and the interval coverage.
3. Warehouse: time to load the history (write_pandas on fakesnow in-process, and the stage-free JSON path over
   HTTP to the embedded server, which is what the running service uses) and to read it back as a matrix.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
import tracemalloc
import warnings
from datetime import UTC, date, datetime, timedelta

import numpy as np

from forecasting.engine import EngineConfig, forecast_batch, seasonal_scale
from forecasting.ports import DemandMatrix, ItemFacts, StoreSnapshot
from forecasting.service import ForecastService
from forecasting.smoothing import MODEL_NAMES, Series
from forecasting.synthetic import KINDS, synthetic_demand

TODAY = date(2025, 6, 2)


class _History:
    def __init__(self, values: np.ndarray) -> None:
        self.values = values.astype(np.float32)

    async def demand(self, first_day: date, last_day: date) -> DemandMatrix:
        n, days = self.values.shape
        keys = [(f"SKU-{i:05d}", "main") for i in range(n)]
        return DemandMatrix(keys, last_day - timedelta(days=days - 1), self.values, np.zeros(n, dtype=int))


class _Store:
    def __init__(self, y: np.ndarray, seed: int) -> None:
        rng = np.random.default_rng(seed)
        recent = y[:, -28:].mean(axis=1)
        cover = rng.uniform(0.5, 30.0, len(y))
        self.snapshot_ = StoreSnapshot(
            items={
                (f"SKU-{i:05d}", "main"): ItemFacts(
                    sku=f"SKU-{i:05d}",
                    site="main",
                    name=f"item {i}",
                    on_hand=int(recent[i] * cover[i]),
                    min_qty=int(rng.integers(0, 20)),
                    pack_size=int(rng.choice([1, 6, 12, 24])),
                    lead_time_days=int(rng.integers(2, 22)),
                    min_order_qty=int(rng.choice([1, 12, 48])),
                    supplier_id="SUP01",
                    supplier_name="Acme",
                )
                for i in range(len(y))
            }
        )

    async def snapshot(self, sku: str | None = None, refresh: bool = False) -> StoreSnapshot:
        return self.snapshot_


def _now() -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, 5, tzinfo=UTC)


async def speed(y: np.ndarray, seed: int) -> None:
    store = _Store(y, seed)
    svc = ForecastService(_History(y), store, clock=_now)
    t0 = time.perf_counter()
    run = await svc.compute()
    t1 = time.perf_counter()
    planned = await svc.plan(store.snapshot_)
    t2 = time.perf_counter()
    due = sum(p.needs_order for p in planned)
    print(f"  backtest + forecast ({run.batch.horizon} days): {t1 - t0:6.2f} s")
    print(f"  recommendations ({len(planned):,} items, {due:,} orders due): {t2 - t1:6.2f} s")
    print(f"  total: {t2 - t0:6.2f} s   (goal <= 5 s)")
    t3 = time.perf_counter()
    await svc.recommend("SKU-00042")
    print(f"  one item's recommendation from the cached run: {(time.perf_counter() - t3) * 1000:.1f} ms")
    tracemalloc.start()
    svc2 = ForecastService(_History(y), store, clock=_now)
    await svc2.compute()
    await svc2.plan(store.snapshot_)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  peak traced memory (engine + plan): {peak / 2**20:,.0f} MiB; input matrix {y.nbytes / 2**20:,.0f} MiB"
    )
    print(f"  process max RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


def accuracy(y: np.ndarray, kinds: np.ndarray, hold: int = 28) -> None:
    train, test = y[:, :-hold], y[:, -hold:]
    scale = seasonal_scale(Series(train.astype(np.float32), np.zeros(len(y), dtype=int)), train.shape[1])

    def mase(mean: np.ndarray) -> np.ndarray:
        return np.asarray(np.abs(test - mean).mean(axis=1) / scale)

    rows: list[tuple[str, np.ndarray, float]] = []
    for name in MODEL_NAMES:
        batch = forecast_batch(train, EngineConfig(horizon_days=hold, models=(name,)))
        rows.append((name, mase(batch.mean), float(((test >= batch.lo) & (test <= batch.hi)).mean())))
    chosen = forecast_batch(train, EngineConfig(horizon_days=hold))
    chosen_mase = mase(chosen.mean)
    naive = float(np.median(rows[MODEL_NAMES.index("seasonal_naive")][1]))
    best_single = min(rows, key=lambda r: float(np.median(r[1])))
    print(
        f"  {'model applied to all SKUs':<28}{'median MASE':>12}{'mean MASE':>11}{'vs s-naive':>11}{'95% cover':>11}"
    )
    for name, m, cover in rows:
        ratio = float(np.median(m)) / naive
        print(f"  {name:<28}{np.median(m):>12.3f}{m.mean():>11.3f}{ratio:>11.3f}{cover:>11.3f}")
    cover = float(((test >= chosen.lo) & (test <= chosen.hi)).mean())
    med = float(np.median(chosen_mase))
    print(
        f"  {'per-SKU choice (backtest)':<28}{med:>12.3f}{chosen_mase.mean():>11.3f}{med / naive:>11.3f}{cover:>11.3f}"
    )
    print(
        f"  goal: median < 1 -> {med < 1}; better than the best single model ({best_single[0]}, "
        f"{np.median(best_single[1]):.3f}) -> {med < float(np.median(best_single[1]))}"
    )
    counts = np.bincount(chosen.model, minlength=len(chosen.families))
    print("  chosen: " + ", ".join(f"{n} {c}" for n, c in zip(chosen.families, counts, strict=True) if c))
    print("  median MASE by demand shape (chosen / seasonal naive):")
    naive_m = rows[MODEL_NAMES.index("seasonal_naive")][1]
    for k, kind in enumerate(KINDS):
        sel = kinds == k
        if sel.any():
            print(
                f"    {kind:<14}{sel.sum():>6} SKUs  {np.median(chosen_mase[sel]):.3f} / {np.median(naive_m[sel]):.3f}"
            )


async def warehouse(y: np.ndarray, load_skus: int) -> None:
    import fakesnow

    from forecasting.warehouse.connection import WarehouseConfig
    from forecasting.warehouse.store import Warehouse
    from forecasting.warehouse.sync import HistorySeries, history_frame

    warnings.filterwarnings("ignore", category=UserWarning)
    start = TODAY - timedelta(days=y.shape[1])
    series = [HistorySeries(f"SKU-{i:05d}", "main", start, y[i].astype(np.int64)) for i in range(len(y))]
    t = time.perf_counter()
    frame = history_frame(series)
    print(f"  build the long frame ({len(frame):,} rows): {time.perf_counter() - t:.2f} s")

    with fakesnow.patch():
        wh = Warehouse(WarehouseConfig(account="in-process", user="b", password="b", bulk="write_pandas"))
        await wh.open()
        t = time.perf_counter()
        await wh.merge_sales(frame)
        load = time.perf_counter() - t
        t = time.perf_counter()
        m = await wh.demand(start, TODAY - timedelta(days=1))
        read = time.perf_counter() - t
        print(
            f"  fakesnow in-process, write_pandas + MERGE: {load:.2f} s; read back {m.values.shape}: {read:.2f} s"
        )
        await wh.close()

    part = history_frame(series[:load_skus])
    wh = Warehouse(WarehouseConfig())  # the embedded server, as the running service uses it
    await wh.open()
    try:
        t = time.perf_counter()
        await wh.merge_sales(part)
        load = time.perf_counter() - t
        t = time.perf_counter()
        m = await wh.demand(start, TODAY - timedelta(days=1))
        read = time.perf_counter() - t
        per_row = load / len(part) * 1e6
        print(
            f"  embedded server over HTTP, stage-free JSON + MERGE, {len(part):,} rows: {load:.2f} s "
            f"({per_row:.1f} us/row, about {per_row * len(frame) / 1e6:.0f} s for all {len(frame):,}); "
            f"read back {m.values.shape}: {read:.2f} s"
        )
    finally:
        await wh.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skus", type=int, default=10_000)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--load-skus", type=int, default=1_000, help="SKUs loaded over HTTP (the slow path)")
    p.add_argument("--no-warehouse", action="store_true")
    args = p.parse_args()
    print(f"cores visible: {os.cpu_count()}, numpy {np.__version__}; engine runs in one thread")
    t = time.perf_counter()
    data = synthetic_demand(args.skus, args.days, seed=args.seed)
    print(
        f"{args.skus:,} SKUs x {args.days} days of synthetic demand generated in {time.perf_counter() - t:.1f} s"
    )
    print("speed")
    asyncio.run(speed(data.y, args.seed))
    print("accuracy (last 28 days held out)")
    accuracy(data.y, data.kind)
    if not args.no_warehouse:
        print("warehouse")
        asyncio.run(warehouse(data.y, args.load_skus))


if __name__ == "__main__":
    main()
