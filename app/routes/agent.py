"""The text channel: ``POST /api/agent/query`` runs one turn of the built-in dialogue, without audio.

NLX calls it as its agent fallback: it may send ``conversationId`` (NLX's name for the session) and ``context``
(its flow variables, e.g. ``site``), and authenticate with an NLX webhook token (bearer or ``x-api-key``). Turns
with the same conversation id continue one conversation, so a read-back asked in one call is confirmed in the
next."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from app.deps import IdentityDep, ServicesDep
from app.routes.schemas import Problem, SeedNamed

log = logging.getLogger("inventorypulse.agent")
router = APIRouter(
    prefix="/api/agent",
    tags=["agent"],
    responses={code: {"model": Problem} for code in (401, 503)},
)


class AgentQuery(SeedNamed):
    """One typed turn. ``query`` (the seed specification's name) may stand for ``text``."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [
            {"text": "how many zip knives are left", "site": "main"},
            {"text": "yes", "session_id": "c0ffee42-agent", "user_id": "dana"},
            {"query": "Do I need to reorder anything?"},
        ]},
    )  # fmt: skip
    seed_names: ClassVar[dict[str, str]] = {"query": "text"}

    text: str = Field(min_length=1, max_length=2000, description="What the user said or typed.")
    session_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$",
        validation_alias=AliasChoices("session_id", "conversationId"),
        description="Continue this conversation (NLX: its conversationId); omit to start a new one.",
    )  # fmt: skip
    user_id: str | None = Field(
        default=None, max_length=128, validation_alias=AliasChoices("user_id", "userId"),
        description="Who is speaking, as the channel knows them (recorded in the log, not trusted for auth).",
    )  # fmt: skip
    site: str | None = Field(default=None, max_length=64, description="The caller's site, if known.")
    context: dict[str, Any] | None = Field(
        default=None, description="Channel context (NLX flow variables); a string `site` in it is used."
    )


class AgentAnswer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "session_id": "c0ffee42-agent", "conversationId": "c0ffee42-agent",
            "reply": "There are 42 zip knives at the main warehouse.",
            "text": "There are 42 zip knives at the main warehouse.",
            "answer": "There are 42 zip knives at the main warehouse.",
            "intent": "check_stock", "slots": {"item": "zip knives", "sku": "TLS-1143"}, "awaiting": "free",
            "end_session": False,
        }]}
    )  # fmt: skip

    session_id: str
    conversationId: str = Field(description="The same as session_id, under NLX's name.")
    reply: str
    text: str = Field(description="Ready to speak (the same as reply).")
    answer: str = Field(description="The same as reply, under the seed specification's name.")
    intent: str | None
    slots: dict[str, Any]
    awaiting: Literal["yes_no", "quantity", "digits", "item", "choice", "free"]
    end_session: bool = False


def _site(body: AgentQuery) -> str | None:
    if body.site:
        return body.site
    site = (body.context or {}).get("site")
    return site if isinstance(site, str) and 0 < len(site) <= 64 else None


@router.post("/query", response_model=AgentAnswer, summary="Run one typed turn of the dialogue")
async def agent_query(body: AgentQuery, services: ServicesDep, caller: IdentityDep) -> AgentAnswer:
    # An API token is the API channel; an NLX webhook token (NLX's agent fallback) the NLX channel.
    actor, channel = (caller.name, "api") if caller.kind == "api" else (f"nlx-{caller.name}", "nlx")
    dialogue = services.dialogue
    if dialogue is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"code": "dialogue_unavailable", "message": "the dialogue service is not running"},
        )
    site = _site(body)
    log.info(
        "agent turn",
        extra={"session_id": body.session_id, "user_id": body.user_id, "channel": channel, "actor": actor},
    )
    result = await dialogue.handle_text(
        body.session_id, body.text, actor=actor, channel=channel, context={"site": site} if site else None
    )
    return AgentAnswer(
        session_id=result.session_id,
        conversationId=result.session_id,
        reply=result.reply,
        text=result.reply,
        answer=result.reply,
        intent=result.intent,
        slots=result.slots,
        awaiting=result.awaiting,
        end_session=result.end_session,
    )
