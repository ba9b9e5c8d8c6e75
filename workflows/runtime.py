"""Workflows as the service runs them: a Temporal client (the embedded dev server when no address is set), a
worker in this process for the workflows and their activities, and the schedules.

    async with open_workflows(options, monitor) as wf:
        await wf.run_daily()                 # on demand; the schedule runs it every day

In production the same code points at a Temporal cluster or Temporal Cloud (``address``, ``namespace``,
``api_key``/``tls``), and workers can run as processes of their own (``python -m app worker``; ``worker=False`` here then)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.worker import Worker

from forecasting.monitor import Monitor
from inventory_core.ports import StockCrossed
from inventory_core.service import InventoryService
from workflows.activities import FailureActivities, MonitorActivities, SupplierActivities
from workflows.definitions import (
    DAILY_SCHEDULE_ID,
    SUPPLIER_SCHEDULE_ID,
    TASK_QUEUE,
    DailyForecast,
    DailyInput,
    DailyReport,
    StockEvent,
    StockInsight,
    SupplierSync,
    SupplierSyncReport,
    stock_insight_id,
)
from workflows.embedded import EmbeddedTemporal, serving_address
from workflows.telemetry import WorkflowMetrics

log = logging.getLogger("inventorypulse.workflows")


@dataclass(frozen=True)
class WorkflowOptions:
    db_path: Path
    """The embedded server's SQLite file (used when ``address`` is None)."""
    address: str | None = None
    namespace: str = "default"
    api_key: str | None = None
    tls: bool = False
    task_queue: str = TASK_QUEUE
    daily_cron: str = "0 3 * * *"
    """When the daily forecast runs (UTC, cron); empty: no schedule."""
    ui_port: int = 0
    """The embedded server's web UI (0: headless)."""
    supplier_sync_hours: float = 6.0
    """How often every supplier's feed is read (0: no schedule; on demand only)."""
    supplier_timeout_s: float = 20.0
    """One read of one supplier's feed (the activity retries a timeout twice)."""
    max_activities: int = 4
    """Activities this worker runs at once (each may write to the store: calls share it)."""
    worker: bool = True
    """Run a worker in this process; False: only the client and the schedules (workers run elsewhere, e.g.
    ``python -m app worker``)."""


@dataclass
class Workflows:
    client: Client
    options: WorkflowOptions
    metrics: WorkflowMetrics
    embedded: EmbeddedTemporal | None = None
    _starting: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def stock_crossed(self, event: StockCrossed) -> None:
        """A ``StockWatcher``: signal-with-start the item's stock-insight workflow, without holding up the write
        that crossed (the start runs as a task; a failure is logged and the daily run still catches the item)."""
        task = asyncio.create_task(self._signal_with_start(event), name=f"stock-insight-{event.sku}")
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _signal_with_start(self, event: StockCrossed) -> None:
        data = StockEvent(event.sku, event.site, event.after, event.reorder_point)
        try:
            await self.client.start_workflow(
                StockInsight.run,
                data,
                id=stock_insight_id(event.sku, event.site),
                task_queue=self.options.task_queue,
                start_signal="crossed",
                start_signal_args=[data],
            )
        except Exception:  # Temporal down: the insight waits for the daily run
            log.exception("could not start the stock-insight workflow for %s at %s", event.sku, event.site)

    async def sync_suppliers(self) -> SupplierSyncReport:
        """One supplier sync now, awaited to the end."""
        return await self.client.execute_workflow(
            SupplierSync.run,
            id=f"supplier-sync-manual-{uuid.uuid4().hex[:8]}",
            task_queue=self.options.task_queue,
        )

    async def aclose(self) -> None:
        for task in list(self._starting):
            task.cancel()
        await asyncio.gather(*self._starting, return_exceptions=True)

    async def run_daily(self, run_at: str | None = None) -> DailyReport:
        """One daily forecast run now (its own workflow id), awaited to the end."""
        return await self.client.execute_workflow(
            DailyForecast.run,
            DailyInput(run_at),
            id=f"daily-forecast-manual-{uuid.uuid4().hex[:8]}",
            task_queue=self.options.task_queue,
        )


def daily_schedule(options: WorkflowOptions) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DailyForecast.run, DailyInput(), id="daily-forecast", task_queue=options.task_queue
        ),
        spec=ScheduleSpec(cron_expressions=[options.daily_cron]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def supplier_schedule(options: WorkflowOptions) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            SupplierSync.run, id="supplier-sync", task_queue=options.task_queue
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(hours=options.supplier_sync_hours))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def _connect(address: str, options: WorkflowOptions, settle_s: float = 15.0) -> Client:
    """The client; a server that accepts connections but whose frontend is "not healthy yet" (a dev server a
    moment after its port opened) is asked again for up to ``settle_s``."""
    deadline = asyncio.get_running_loop().time() + settle_s
    while True:
        try:
            return await Client.connect(
                address, namespace=options.namespace, api_key=options.api_key, tls=options.tls
            )
        except RuntimeError as exc:
            if "not healthy yet" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


async def connect_embedded(
    embedded: EmbeddedTemporal, options: WorkflowOptions, attempts: int = 3
) -> tuple[str, Client]:
    """The embedded server started and connected to. A server that stops answering on its own port before the
    client is in (the dev server picks its internal ports at start, and another process can take one in between:
    it then shuts itself down) is started again on a fresh port, up to ``attempts`` times."""
    for _ in range(attempts - 1):
        address = await embedded.start()
        try:
            return address, await _connect(address, options)
        except RuntimeError as exc:
            if embedded.answers():
                raise
            log.warning(
                "the Temporal dev server stopped answering as it started (%s); starting it again", exc
            )
            embedded.restart_on_fresh_port()
    address = await embedded.start()
    return address, await _connect(address, options)


async def _put_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Created, or updated in place: a restart never duplicates a schedule."""
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def updated(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)


async def ensure_schedules(client: Client, options: WorkflowOptions) -> None:
    """The daily forecast and the supplier sync as the options say."""
    if options.daily_cron:
        await _put_schedule(client, DAILY_SCHEDULE_ID, daily_schedule(options))
    if options.supplier_sync_hours > 0:
        await _put_schedule(client, SUPPLIER_SCHEDULE_ID, supplier_schedule(options))


@contextlib.asynccontextmanager
async def open_workflows(
    options: WorkflowOptions,
    monitor: Monitor,
    inventory: InventoryService,
    registry: CollectorRegistry | None = None,
) -> AsyncIterator[Workflows]:
    """Temporal up (embedded unless an address is set), the worker running, the schedules in place; the
    worker's metrics on ``registry``."""
    metrics = WorkflowMetrics(registry)
    embedded = None
    address = options.address or serving_address(options.db_path)
    if address is None:
        embedded = EmbeddedTemporal(options.db_path, namespace=options.namespace, ui_port=options.ui_port)
    elif options.address is None:
        log.info("workflows: using the embedded Temporal server another process runs at %s", address)
    supervisor: asyncio.Task[None] | None = None
    try:
        if embedded is not None:
            address, client = await connect_embedded(embedded, options)
        else:
            assert address is not None
            client = await _connect(address, options)
        activities = [
            *MonitorActivities(monitor).all(),
            *SupplierActivities(inventory, options.supplier_timeout_s).all(),
            *FailureActivities(inventory, metrics).all(),
        ]
        worker = (
            contextlib.nullcontext()
            if not options.worker
            else Worker(
                client,
                task_queue=options.task_queue,
                workflows=[DailyForecast, StockInsight, SupplierSync],
                activities=activities,
                # The activities share this process's store and loop: a bounded few at a time (200 suppliers read at
                # once swamped the embedded store into timeouts); the rest wait in Temporal's queue.
                max_concurrent_activities=options.max_activities,
                interceptors=[metrics],
            )
        )
        async with worker:
            await ensure_schedules(client, options)
            if embedded is not None:
                supervisor = asyncio.create_task(embedded.supervise(), name="temporal-supervisor")
            log.info(
                "workflows: Temporal at %s, task queue %s, %s",
                address, options.task_queue, "worker in this process" if options.worker else "no worker here",
            )  # fmt: skip
            workflows = Workflows(client, options, metrics, embedded)
            try:
                yield workflows
            finally:
                await workflows.aclose()
    finally:
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        if embedded is not None:
            embedded.stop()
