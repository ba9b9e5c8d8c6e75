"""Readiness for a load balancer or an orchestrator: ``GET /api/ready`` reports each part the service uses and
answers 503 only when it cannot serve at all (the operational store is not answering). ``/api/health`` stays the
liveness check."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.services import Services

router = APIRouter(prefix="/api", tags=["system"])

CHECK_TIMEOUT_S = 1.0
"""Each part gets this long: a readiness probe must answer quickly whatever a part is doing."""

PartState = Literal["ok", "not answering", "off"]


class ReadyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ready": True, "timestamp": "2026-12-05T08:00:00Z", "store": "ok", "warehouse": "ok",
                 "workflows": "ok", "recognizer": "local-whisper", "synthesizer": "espeak-ng"}
            ]
        }
    )  # fmt: skip
    ready: bool = Field(description="False (and 503) only when the operational store does not answer.")
    timestamp: datetime
    store: str
    warehouse: PartState = Field(
        description="off: forecasting is not running (answers use the movement rate)."
    )
    workflows: PartState = Field(description="off: Temporal is not in use on this instance.")
    recognizer: str = Field(description="The speech recognizer in use, or off.")
    synthesizer: str = Field(description="The speech synthesizer in use, or off.")


async def _answers(check: Awaitable[Any]) -> PartState:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except Exception:  # a probe reports; it never fails on a part
        return "not answering"
    return "ok"


def _engine(engine: object | None) -> str:
    return "off" if engine is None else str(getattr(engine, "name", type(engine).__name__))


@router.get(
    "/ready", response_model=ReadyOut, summary="Readiness: each part the service uses (no token needed)"
)
async def ready(request: Request) -> JSONResponse:
    services = request.app.state.services
    if not isinstance(services, Services):
        body = {"ready": False, "store": "not started", "timestamp": datetime.now(UTC).isoformat()}
        return JSONResponse(body, status_code=503)
    store = (await services.inventory.health()).get("store", "unreachable")
    monitor, workflows = services.monitor, services.workflows
    out = ReadyOut(
        ready=store == "ok",
        timestamp=datetime.now(UTC),
        store=str(store),
        warehouse="off" if monitor is None else await _answers(monitor.warehouse.ping()),
        workflows="off"
        if workflows is None
        else await _answers(workflows.client.service_client.check_health()),
        recognizer=_engine(services.recognizer),
        synthesizer=_engine(services.synthesizer),
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if out.ready else 503)
