"""The durability drill: the service runs with no worker of its own (``IP_WORKFLOW_WORKER=false``) and a worker
runs as its own process (``python -m app worker``, using the service's embedded Temporal, warehouse and MongoDB).
The worker is killed with SIGKILL in the middle of a supplier sync and of a daily forecast run, and started
again: each workflow completes from where it was, with no offer, insight or notification duplicated."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from app.services import Services
from inventory_core.models import Supplier
from inventory_core.suppliers import OfferTerms
from tests.conftest import write_ctx
from tests.fakes.supplier_server import Fault, Item, SupplierServer
from tests.forecast.conftest import Webhook
from tests.workflows.conftest import running_service
from workflows.definitions import DailyForecast, DailyInput, SupplierSync

pytestmark = pytest.mark.mongo

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``python -m app worker`` on the service's settings, its output in a file under the var dir."""

    def __init__(self, services: Services, webhook_url: str) -> None:
        s = services.settings
        self.var_dir = s.var_dir
        self.env = {
            **os.environ,
            "IP_MONGODB_URI": str(s.mongodb_uri),
            "IP_MONGODB_DB": s.mongodb_db,
            "IP_VAR_DIR": str(s.var_dir),
            "IP_TEMPORAL_UI_PORT": "0",
            "IP_DAILY_FORECAST_CRON": "",
            "IP_SUPPLIER_SYNC_HOURS": "0",
            "IP_NOTIFY_WEBHOOK_URL": webhook_url,
            "IP_LOG_JSON": "false",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = (self.var_dir / f"worker-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - spawn only; readiness is awaited below
            [sys.executable, "-m", "app", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        began = time.monotonic()
        while b"worker ready" not in (self.var_dir / f"worker-{self.starts}.log").read_bytes():
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() - began < 120, self.output()
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def output(self) -> str:
        return (self.var_dir / f"worker-{self.starts}.log").read_text(errors="replace")[-3000:]


@asynccontextmanager
async def service_and_worker(
    mongo_uri: str, var_dir: Path, hook_url: str
) -> AsyncIterator[tuple[Services, WorkerProcess]]:
    async with running_service(
        mongo_uri, var_dir, workflow_worker=False, notify_webhook_url=hook_url
    ) as services:
        worker = WorkerProcess(services, hook_url)
        await worker.start()
        try:
            yield services, worker
        finally:
            worker.stop()


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 60.0) -> None:
    began = time.monotonic()
    while not await check():
        assert time.monotonic() - began < timeout_s, f"never: {what}"
        await asyncio.sleep(0.05)


def sent_keys(hook: Webhook) -> collections.Counter[str]:
    return collections.Counter(i["dedupe_key"] for body in hook.bodies for i in body["insights"])


async def test_a_worker_killed_mid_supplier_sync_resumes_it_without_duplicates(
    mongo_uri: str, tmp_path: Path
) -> None:
    hook = Webhook()
    async with SupplierServer() as fake, hook as hook_url, service_and_worker(mongo_uri, tmp_path, hook_url) as (
        services,
        worker,
    ):  # fmt: skip
        inv, wf = services.inventory, services.workflows
        assert wf is not None
        skus = sorted(p.sku for p in (await inv.catalogue()).products)[:5]
        ids = [f"KILL{n:02d}" for n in range(12)]
        for n, sid in enumerate(ids):
            supplier = Supplier(supplier_id=sid, name=f"Drill {n}", connector=fake.connector(sid, "rest"))
            await inv.suppliers.create(supplier, write_ctx())
            # an earlier offer at a lower price: the sync's +50 % is an insight per item and supplier
            old = [(sku, OfferTerms(2.0, 100, 3), None) for sku in skus]
            await inv.suppliers.put_offers(supplier, old, write_ctx())
            fake.stock[sid] = {sku: Item(price=3.0, stock=100, lead=3) for sku in skus}
            fake.faults[sid] = Fault(delay_s=1.0)  # slow enough to be caught in the middle
        handle = await wf.client.start_workflow(
            SupplierSync.run, id=f"drill-sync-{uuid.uuid4().hex[:6]}", task_queue=wf.options.task_queue
        )

        async def some_applied() -> bool:
            moved = [i for i in await inv.insights(limit=500) if i.kind == "supplier_price"]
            return len(moved) >= len(skus)  # at least one supplier done, most not

        await until(some_applied, "a first supplier applied")
        worker.kill()
        done_before = {i.dedupe_key for i in await inv.insights(limit=500) if i.kind == "supplier_price"}
        assert len(done_before) < len(ids) * len(skus), "the sync had ended before the kill"
        await worker.start()
        report = await asyncio.wait_for(handle.result(), timeout=120)

        assert sorted(report.synced) == ids and report.failed == {}
        for sku in skus:
            offers = await inv.supplier_offers(sku)
            drill = [o for o in offers if o.supplier_id in ids]
            assert sorted(o.supplier_id for o in drill) == ids and {o.price for o in drill} == {3.0}
        moved = [i.dedupe_key for i in await inv.insights(limit=500) if i.kind == "supplier_price"]
        assert len(moved) == len(set(moved)) == len(ids) * len(skus)
        sent = sent_keys(hook)
        assert set(moved) <= set(sent) and max(sent.values()) == 1, sent.most_common(3)
    print(f"killed after {len(done_before) // len(skus)} of {len(ids)} suppliers; resumed and completed")


async def test_a_worker_killed_mid_forecast_run_resumes_it_without_duplicates(
    mongo_uri: str, tmp_path: Path
) -> None:
    hook = Webhook()
    async with hook as hook_url, service_and_worker(mongo_uri, tmp_path, hook_url) as (services, worker):
        wf, inv = services.workflows, services.inventory
        assert wf is not None
        run_at = "2026-12-05T03:00:00+00:00"
        handle = await wf.client.start_workflow(
            DailyForecast.run,
            DailyInput(run_at),
            id=f"drill-daily-{uuid.uuid4().hex[:6]}",
            task_queue=wf.options.task_queue,
        )
        in_step: list[str] = []

        async def forecasting() -> bool:
            pending = (await handle.describe()).raw_description.pending_activities
            in_step[:] = [p.activity_type.name for p in pending]
            return in_step in (["forecast"], ["recommend"])

        await until(forecasting, "the forecast step running", timeout_s=90)
        worker.kill()
        await worker.start()
        report = await asyncio.wait_for(handle.result(), timeout=180)

        assert report.forecast_series > 0 and report.notified
        keys = [i.dedupe_key for i in await inv.insights(limit=1000)]
        assert len(keys) == len(set(keys))
        sent = sent_keys(hook)
        assert set(report.insights) <= set(sent) and max(sent.values()) == 1, sent.most_common(3)
    print(f"killed in the {in_step[0]} step; resumed and completed with {len(report.insights)} insights")
