"""Build (and close) the warehouse, the forecasting service, the monitor and its scheduler in one place."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from forecasting.monitor.cycle import Monitor
from forecasting.monitor.notify import LogNotifier, Notifier, WebhookNotifier
from forecasting.monitor.scheduler import MonitorScheduler
from forecasting.service import ForecastOptions, ForecastService
from forecasting.warehouse.connection import WarehouseConfig
from forecasting.warehouse.mongo_source import MongoLedgerSource
from forecasting.warehouse.store import Warehouse
from forecasting.warehouse.sync import LedgerSync
from inventory_core.service import InventoryService


@dataclass(frozen=True)
class ForecastingOptions:
    warehouse: WarehouseConfig = field(default_factory=WarehouseConfig)
    forecast: ForecastOptions = field(default_factory=ForecastOptions)
    interval_s: float = 0.0
    """Seconds between cycles of the in-process scheduler; 0 leaves it off."""
    run_at_start: bool = True
    """With the scheduler on, run the first cycle immediately."""
    warm_up: bool = False
    """With the scheduler off, still run one cycle in the background at start, so the first question is fast."""
    notify_webhook_url: str | None = None
    """POST new insights here; None logs them."""


@dataclass
class Forecasting:
    warehouse: Warehouse
    forecaster: ForecastService
    monitor: Monitor
    scheduler: MonitorScheduler | None


async def _cancel(task: asyncio.Task[object]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def open_forecasting(
    inventory: InventoryService, options: ForecastingOptions | None = None, notifier: Notifier | None = None
) -> AsyncIterator[Forecasting]:
    """The forecasting stack over ``inventory``'s MongoDB store. Without a run, the first forecast question
    syncs the warehouse and computes one; with ``interval_s`` set, the scheduler keeps them fresh."""
    opts = options or ForecastingOptions()
    async with contextlib.AsyncExitStack() as stack:
        warehouse = Warehouse(opts.warehouse)
        await warehouse.open()
        stack.push_async_callback(warehouse.close)
        source = MongoLedgerSource(inventory.store)
        sync = LedgerSync(source, warehouse)
        forecaster = ForecastService(warehouse, source, opts.forecast, prepare=sync.run)
        if notifier is None and opts.notify_webhook_url:
            webhook = WebhookNotifier(opts.notify_webhook_url)
            stack.push_async_callback(webhook.aclose)
            notifier = webhook
        monitor = Monitor(
            sync=sync,
            warehouse=warehouse,
            forecaster=forecaster,
            store=source,
            inventory=inventory,
            notifier=notifier or LogNotifier(),
        )
        scheduler = None
        if opts.interval_s > 0:
            scheduler = MonitorScheduler(monitor, opts.interval_s, run_at_start=opts.run_at_start)
            scheduler.start()
            stack.push_async_callback(scheduler.aclose)
        elif opts.warm_up:
            warm = asyncio.create_task(monitor.run_cycle(), name="inventorypulse-monitor-warm-up")
            stack.push_async_callback(_cancel, warm)
        yield Forecasting(warehouse, forecaster, monitor, scheduler)
