"""The service starts Temporal as it runs (``app.services.open_services``): the embedded dev server under
``var_dir``, the worker and the daily schedule; a restart on the same data keeps one schedule; the server goes
with the service."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.workflows.conftest import running_service
from workflows.definitions import DAILY_SCHEDULE_ID

pytestmark = pytest.mark.mongo


async def test_the_service_runs_its_workflows_on_the_embedded_temporal(
    mongo_uri: str, tmp_path: Path
) -> None:
    async with running_service(mongo_uri, tmp_path, daily_forecast_cron="30 2 * * *") as services:
        wf = services.workflows
        assert wf is not None and wf.embedded is not None
        assert (tmp_path / "temporal.db").exists()
        report = await wf.run_daily()
        assert report.forecast_series > 0
        port = wf.embedded.port
        app = create_app(services=services)
        app.state.services = services
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            ready = await c.get("/api/ready")  # no token: a load balancer's probe
        assert ready.status_code == 200
        assert ready.json() | {"timestamp": None} == {
            "ready": True, "timestamp": None, "store": "ok", "warehouse": "ok", "workflows": "ok",
            "recognizer": "off", "synthesizer": "off",
        }  # fmt: skip
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # stopped with the service
    async with running_service(mongo_uri, tmp_path, daily_forecast_cron="30 2 * * *") as services:
        assert services.workflows is not None
        schedules = [s.id async for s in await services.workflows.client.list_schedules()]
        assert schedules.count(DAILY_SCHEDULE_ID) == 1  # the restart kept one schedule


async def test_workflows_off_or_temporal_unreachable_leave_the_service_serving(
    mongo_uri: str, tmp_path: Path
) -> None:
    async with running_service(mongo_uri, tmp_path, workflows=False) as services:
        assert services.workflows is None
    async with running_service(mongo_uri, tmp_path, temporal_address="127.0.0.1:9") as services:
        assert services.workflows is None  # logged; stock questions and writes still served
        assert services.monitor is not None
