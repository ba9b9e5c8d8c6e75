"""The text channel: ``POST /api/agent/query`` runs one turn of the built-in dialogue, without audio."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from voice_gateway.api.deps import ActorDep

router = APIRouter(prefix="/api/agent", tags=["agent"])


class AgentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000, description="What the user said or typed.")
    session_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$",
        description="Continue this conversation; omit to start a new one.",
    )  # fmt: skip
    site: str | None = Field(default=None, max_length=64, description="The caller's site, if known.")


class AgentAnswer(BaseModel):
    session_id: str
    reply: str
    intent: str | None
    slots: dict[str, Any]
    awaiting: Literal["yes_no", "quantity", "digits", "item", "choice", "free"]
    end_session: bool = False


@router.post("/query", response_model=AgentAnswer)
async def agent_query(body: AgentQuery, request: Request, actor: ActorDep) -> AgentAnswer:
    dialogue = getattr(request.app.state.services, "dialogue", None)
    if dialogue is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"code": "dialogue_unavailable", "message": "the dialogue service is not running"},
        )
    context = {"site": body.site} if body.site else None
    result = await dialogue.handle_text(
        body.session_id, body.text, actor=actor, channel="api", context=context
    )
    return AgentAnswer(
        session_id=result.session_id,
        reply=result.reply,
        intent=result.intent,
        slots=result.slots,
        awaiting=result.awaiting,
        end_session=result.end_session,
    )
