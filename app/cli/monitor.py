"""Run one monitor cycle by hand: ``python -m forecasting.monitor [--mongodb-uri URI] [--var-dir var]``.

Without a URI the embedded MongoDB server is started on the service's data file (demo data is loaded into an
empty store); without a Snowflake account the embedded fakesnow server is used, persisted under the var dir."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from tqdm import tqdm

from forecasting.monitor.build import ForecastingOptions, open_forecasting
from forecasting.monitor.cycle import STEPS, CycleReport
from forecasting.restock import RestockPolicy
from forecasting.service import ForecastOptions
from forecasting.warehouse.connection import WarehouseConfig
from inventory_core.demo_loader import load_demo, store_is_empty
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore


def _args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m forecasting.monitor", description=__doc__)
    p.add_argument("--mongodb-uri", default=env("MONGODB_URI") or env("IP_MONGODB_URI"))
    p.add_argument("--db", default=env("IP_MONGODB_DB", "inventorypulse"))
    p.add_argument("--var-dir", type=Path, default=Path(env("IP_VAR_DIR", "var")))
    p.add_argument("--warehouse", default="persist", choices=["persist", "memory"])
    p.add_argument("--service-level", type=float, default=float(env("IP_SERVICE_LEVEL", "0.95")))
    p.add_argument("--review-days", type=int, default=int(env("IP_REVIEW_PERIOD_DAYS", "7")))
    p.add_argument("--webhook", default=env("IP_NOTIFY_WEBHOOK_URL"))
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty store")
    return p.parse_args(argv)


def _summary(report: CycleReport) -> str:
    lines = [f"cycle at {report.run_at:%Y-%m-%d %H:%M} UTC took {report.seconds:.1f}s"]
    if report.sync:
        s = report.sync
        lines.append(
            f"  sync: {s.history_series} histories ({s.history_rows} rows), {s.ledger_days} ledger days, "
            f"{s.snapshots} snapshots"
        )
    if report.forecast:
        f = report.forecast
        chosen = ", ".join(f"{k} {v}" for k, v in sorted(f.models.items(), key=lambda kv: -kv[1]) if v)
        lines.append(f"  forecast: {f.series} series x {f.horizon_days} days ({chosen})")
    lines.append(f"  orders due: {report.orders_due}; reorder points updated: {report.dynamic_min_updated}")
    lines.append(f"  new insights: {len(report.insights)}")
    lines += [f"    [{i.severity}] {i.message}" for i in report.insights[:10]]
    if report.failed_step:
        lines.append(f"  FAILED at {report.failed_step}: {report.error}")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> CycleReport:
    server = None
    uri = args.mongodb_uri
    if uri is None:
        server = EmbeddedMongo(db_path=str((args.var_dir / "mongo").resolve()))
        uri = server.start()
    store = MongoStore(uri, args.db)
    try:
        await store.ensure_indexes()
        if not args.no_demo and await store_is_empty(store):
            await load_demo(store)
        options = ForecastingOptions(
            warehouse=WarehouseConfig(
                embedded_path=args.var_dir / "warehouse" if args.warehouse == "persist" else None
            ),
            forecast=ForecastOptions(
                policy=RestockPolicy(service_level=args.service_level, review_period_days=args.review_days)
            ),
            notify_webhook_url=args.webhook,
        )
        async with open_forecasting(InventoryService(store), options) as stack:
            with tqdm(total=len(STEPS), desc="monitor cycle", unit="step") as bar:
                bar.set_postfix_str(STEPS[0])

                def advance(step: str) -> None:
                    bar.update(1)
                    bar.set_postfix_str(step)

                report = await stack.monitor.run_cycle(progress=advance)
        return report
    finally:
        await store.close()
        if server is not None:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    report = asyncio.run(run(_args(argv)))
    print(_summary(report))
    return 1 if report.failed_step else 0


if __name__ == "__main__":
    sys.exit(main())
