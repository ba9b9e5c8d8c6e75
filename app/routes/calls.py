"""The calls in progress on this server, for supervisors (the console's live calls)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ServicesDep, SupervisorDep
from app.routes.common import ERRORS

router = APIRouter(prefix="/api", tags=["console"], responses=ERRORS)


class LiveCallOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"session_id": "CA0001", "channel": "phone", "actor": "dana", "site": "main",
                 "started": "2026-12-05T08:02:11Z", "heard": "picked four zip knives",
                 "said": "Four zip knives picked from main. Is that right?", "awaiting": "yes_no", "choices": [],
                 "turns": 3}
            ]
        }
    )  # fmt: skip
    session_id: str
    channel: str = Field(description="voice (headset or page) or phone")
    actor: str = Field(description="The person signed in, or the token the call came with.")
    site: str | None
    started: datetime
    heard: str = Field(description="What the caller last said (a PIN shows as dots).")
    said: str = Field(description="What the assistant last said.")
    awaiting: str = Field(description="What it waits for: yes_no, quantity, digits, item, choice or free.")
    choices: list[str]
    turns: int


@router.get(
    "/calls", response_model=list[LiveCallOut], summary="Calls in progress on this server (supervisors)"
)
async def live_calls(services: ServicesDep, _: SupervisorDep) -> list[LiveCallOut]:
    return [
        LiveCallOut(
            session_id=c.session_id,
            channel=c.channel,
            actor=c.actor,
            site=c.site,
            started=datetime.fromtimestamp(c.started, UTC),
            heard=c.heard,
            said=c.said,
            awaiting=c.awaiting,
            choices=list(c.choices),
            turns=c.turns,
        )
        for c in services.live_calls.now()
    ]
