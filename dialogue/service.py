"""``DialogueService``: the dialogue for every channel. Text and NLX conversations live in a
``ConversationStore`` between requests (MongoDB in the service, so any instance can answer the next turn: one turn
at a time per conversation, idle ones expire); voice calls get a ``Conversation`` each (``ConversationFactory``),
held by the instance that holds the call."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dialogue.catalogue import CatalogueCache
from dialogue.contract import AgentReply
from dialogue.conversation import DialogueConversation
from dialogue.forecasts import Forecasts, MovementRateForecasts
from dialogue.llm_wire import ApiStyle
from dialogue.policy.state import DialogueState, Expectation, PolicyConfig
from dialogue.runner import Clock, LanguageModel, PolicyCache, Runner
from dialogue.tools import InventoryTools
from inventory_core.conversations import Claim, ConversationStore, MemoryConversations
from inventory_core.ports import Inventory

log = logging.getLogger(__name__)

_STATE = TypeAdapter(DialogueState)


def encode_state(state: DialogueState) -> dict[str, Any]:
    """The state as JSON-able data for the store (every field; frozensets and tuples become lists)."""
    data: dict[str, Any] = _STATE.dump_python(state, mode="json")
    return data


def decode_state(data: Any) -> DialogueState | None:
    """The stored state, or None when it no longer fits this version's shape (the conversation starts afresh)."""
    try:
        return _STATE.validate_python(data)
    except ValidationError:
        log.warning("a stored conversation no longer fits the dialogue state; starting it afresh")
        return None


@dataclass(frozen=True)
class TurnResult:
    session_id: str
    reply: str
    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    awaiting: Expectation = "free"
    end_session: bool = False


class DialogueService:
    def __init__(
        self, inventory: Inventory, *, forecasts: Forecasts | None = None, config: PolicyConfig | None = None,
        llm: LanguageModel | None = None, sessions: ConversationStore | None = None,
        catalogue_ttl_s: float = 0.0, clock: Clock = time.monotonic, text_clock: Clock = time.time,
    ) -> None:  # fmt: skip
        """``sessions``: where text conversations live between turns (default: this process's memory).
        ``text_clock`` times them: wall-clock time, as a read-back proposed on one instance may be answered on
        another (``clock``, for voice calls and the catalogue cache, may be monotonic)."""
        cfg = config or PolicyConfig(llm_enabled=llm is not None)
        catalogue = CatalogueCache(inventory, ttl_s=catalogue_ttl_s, clock=clock)
        self.tools = InventoryTools(
            inventory, forecasts or MovementRateForecasts(inventory), catalogue=catalogue
        )
        self.catalogue = PolicyCache(catalogue, cfg)
        self.runner = Runner(self.tools, llm)
        self.sessions: ConversationStore = sessions or MemoryConversations()
        self._clock = clock
        self._text_clock = text_clock

    # --- ConversationFactory -------------------------------------------------------------------------------

    def open(
        self, session_id: str, channel: str, actor: str, site: str | None = None
    ) -> DialogueConversation:
        return DialogueConversation(
            session_id, channel, actor, site, self.catalogue, self.runner, self._clock
        )

    # --- text channel --------------------------------------------------------------------------------------

    async def _text_turn(
        self, session_id: str | None, actor: str, channel: str, site: str | None,
        turn: Callable[[DialogueConversation], Awaitable[AgentReply]],
    ) -> TurnResult:  # fmt: skip
        """One turn of the conversation ``session_id`` of ``actor`` (another actor's id is another
        conversation), or of a new one: claimed from the store, run, and saved with what it ended in."""
        claim = await self.sessions.claim(session_id or uuid.uuid4().hex, actor)
        try:
            conv = self._resume(claim, channel, site)
            reply = await turn(conv)
        except BaseException:
            await self.sessions.release(claim)
            raise
        if reply.end_call:
            await conv.close()
        state = None if reply.end_call else encode_state(conv.state)
        if not await self.sessions.save(claim, state, conv.turns):
            # The turn outlived its lease and another took the conversation over: what this one did stands
            # (a write carries its own idempotency key), but its state is not stored over the newer one.
            log.warning("a turn's conversation was taken over", extra={"session_id": claim.session_id})
        return TurnResult(
            session_id=conv.session_id,
            reply=reply.text,
            intent=reply.intent,
            slots=dict(reply.slots),
            awaiting=reply.awaiting.expect,
            end_session=reply.end_call,
        )

    def _resume(self, claim: Claim, channel: str, site: str | None) -> DialogueConversation:
        state = decode_state(claim.state) if claim.state is not None else None
        return DialogueConversation(
            claim.session_id, channel, claim.caller, site, self.catalogue, self.runner, self._text_clock,
            state=state, turns=claim.turns if state is not None else 0,
        )  # fmt: skip

    async def handle_text(
        self,
        session_id: str | None,
        text: str,
        actor: str,
        channel: str,
        context: dict[str, Any] | None = None,
    ) -> TurnResult:
        site = (context or {}).get("site")
        return await self._text_turn(
            session_id, actor, channel, site if isinstance(site, str) else None,
            lambda conv: conv.user_text(text, "typed"),
        )  # fmt: skip

    async def greet(self, session_id: str | None, actor: str, channel: str) -> TurnResult:
        return await self._text_turn(session_id, actor, channel, None, lambda conv: conv.greet())

    async def aclose(self) -> None:
        closer = getattr(self.runner.llm, "aclose", None)
        if closer is not None:
            await closer()


def build_dialogue(
    inventory: Inventory, *, forecasts: Forecasts | None = None, confirm_timeout_s: float = 60.0,
    unusual_quantity_factor: float = 10.0, llm_api_key: str | None = None,
    llm_base_url: str = "https://api.anthropic.com", llm_model: str = "claude-sonnet-4-5",
    llm_calls_per_session: int = 5, sessions: ConversationStore | None = None,
    llm_api_style: ApiStyle = "anthropic", llm_timeout_s: float = 10.0,
) -> DialogueService:  # fmt: skip
    """The service as the settings describe it (``confirm_timeout_s``, ``unusual_quantity_factor``, ``llm_*``).
    The language-model fallback exists only with an API key; close the service with ``aclose()``."""
    config = PolicyConfig(
        confirm_timeout_s=confirm_timeout_s,
        unusual_quantity_factor=unusual_quantity_factor,
        llm_enabled=llm_api_key is not None,
    )
    service = DialogueService(inventory, forecasts=forecasts, config=config, sessions=sessions)
    if llm_api_key is not None:
        from dialogue.llm_fallback import LlmFallback
        from dialogue.mcp_server import build_mcp_server

        service.runner.llm = LlmFallback(
            build_mcp_server(service.tools), api_key=llm_api_key, base_url=llm_base_url, model=llm_model,
            calls_per_session=llm_calls_per_session, api_style=llm_api_style, timeout_s=llm_timeout_s,
        )  # fmt: skip
    return service
