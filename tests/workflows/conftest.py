"""Workflow tests: the forecasting fixtures (a loaded demo subset in the embedded MongoDB, fakesnow in-process),
and the service as it runs with its workflows on (``running_service``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from app.services import Parts, Services, open_services
from tests.forecast.conftest import fakesnow_patched, loaded_inventory
from tests.wiring.test_open_services import settings_for

__all__ = ["fakesnow_patched", "loaded_inventory", "running_service"]


@contextlib.asynccontextmanager
async def running_service(
    mongo_uri: str, var_dir: Path, *, mcp: bool = False, **overrides: object
) -> AsyncIterator[Services]:
    """``open_services`` with workflows on (embedded Temporal under ``var_dir``), without speech (nor MCP unless
    asked)."""
    settings = settings_for(
        mongo_uri,
        var_dir,
        **{"workflows": True, "daily_forecast_cron": "", "supplier_sync_hours": 0, **overrides},
    )
    parts = Parts(speech=False, mcp_http=mcp)
    async with open_services(settings, parts=parts, load_demo_progress=False) as services:
        yield services
