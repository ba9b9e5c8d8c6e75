"""``python -m app monitor``: run one monitor cycle by hand (sync the warehouse, forecast, plan restocks, raise
insights) with a progress bar, on the service's settings: the same store and, without a Snowflake account, the
embedded warehouse persisted under the var dir."""

from __future__ import annotations

import asyncio

from tqdm import tqdm

from app.services import Parts, open_services
from app.settings import Settings
from forecasting.monitor.cycle import STEPS, CycleReport


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


async def run_cycle(settings: Settings) -> CycleReport:
    # One cycle, run here: no warm-up cycle at start and no scheduler.
    settings = settings.model_copy(
        update={"forecasting": True, "forecast_warm_up": False, "monitor_interval_s": 0.0}
    )
    parts = Parts(speech=False, mcp_http=False, workflows=False)  # the cycle runs here, not on Temporal
    async with open_services(settings, parts=parts) as services:
        if services.monitor is None:
            raise SystemExit("the analytics warehouse is unavailable; see the log")
        with tqdm(total=len(STEPS), desc="monitor cycle", unit="step") as bar:
            bar.set_postfix_str(STEPS[0])

            def advance(step: str) -> None:
                bar.update(1)
                bar.set_postfix_str(step)

            return await services.monitor.run_cycle(progress=advance)


def run(settings: Settings) -> int:
    report = asyncio.run(run_cycle(settings))
    print(_summary(report))
    return 1 if report.failed_step else 0
