"""``DialogueService``: the dialogue for every channel. It keeps text sessions by id (bounded, idle ones expire)
for the text API and NLX, and opens ``Conversation``s for voice calls (``ConversationFactory``)."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from dialogue.catalogue import CatalogueCache
from dialogue.conversation import DialogueConversation
from dialogue.forecasts import Forecasts, MovementRateForecasts
from dialogue.policy.state import Expectation, PolicyConfig
from dialogue.runner import Clock, LanguageModel, PolicyCache, Runner
from dialogue.tools import InventoryTools
from inventory_core.ports import Inventory


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
        llm: LanguageModel | None = None, max_sessions: int = 1000, idle_expiry_s: float = 1800.0,
        catalogue_ttl_s: float = 0.0, clock: Clock = time.monotonic,
    ) -> None:  # fmt: skip
        cfg = config or PolicyConfig(llm_enabled=llm is not None)
        catalogue = CatalogueCache(inventory, ttl_s=catalogue_ttl_s, clock=clock)
        self.tools = InventoryTools(
            inventory, forecasts or MovementRateForecasts(inventory), catalogue=catalogue
        )
        self.catalogue = PolicyCache(catalogue, cfg)
        self.runner = Runner(self.tools, llm)
        self._max_sessions = max_sessions
        self._idle_expiry_s = idle_expiry_s
        self._clock = clock
        self._sessions: OrderedDict[tuple[str, str], DialogueConversation] = OrderedDict()

    # --- ConversationFactory -------------------------------------------------------------------------------

    def open(
        self, session_id: str, channel: str, actor: str, site: str | None = None
    ) -> DialogueConversation:
        return DialogueConversation(
            session_id, channel, actor, site, self.catalogue, self.runner, self._clock
        )

    # --- text channel --------------------------------------------------------------------------------------

    def _expire(self) -> None:
        now = self._clock()
        for key in [
            k for k, c in self._sessions.items() if now - c.last_used > self._idle_expiry_s or c.closed
        ]:
            del self._sessions[key]
        while len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)

    def session(
        self, session_id: str | None, actor: str, channel: str, site: str | None
    ) -> DialogueConversation:
        """The session ``session_id`` of ``actor`` (another actor's id opens a fresh session), or a new one."""
        self._expire()
        sid = session_id or uuid.uuid4().hex
        key = (actor, sid)
        conv = self._sessions.get(key)
        if conv is None:
            conv = self.open(sid, channel, actor, site)
            self._sessions[key] = conv
            self._expire()
        self._sessions.move_to_end(key)
        return conv

    async def handle_text(
        self,
        session_id: str | None,
        text: str,
        actor: str,
        channel: str,
        context: dict[str, Any] | None = None,
    ) -> TurnResult:
        site = (context or {}).get("site")
        conv = self.session(session_id, actor, channel, site if isinstance(site, str) else None)
        reply = await conv.user_text(text, "typed")
        if reply.end_call:
            await conv.close()
        return TurnResult(
            session_id=conv.session_id,
            reply=reply.text,
            intent=reply.intent,
            slots=dict(reply.slots),
            awaiting=reply.awaiting.expect,
            end_session=reply.end_call,
        )

    async def greet(self, session_id: str | None, actor: str, channel: str) -> TurnResult:
        conv = self.session(session_id, actor, channel, None)
        reply = await conv.greet()
        return TurnResult(conv.session_id, reply.text, reply.intent, dict(reply.slots), reply.awaiting.expect)

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    async def aclose(self) -> None:
        for conv in self._sessions.values():
            await conv.close()
        self._sessions.clear()
        closer = getattr(self.runner.llm, "aclose", None)
        if closer is not None:
            await closer()


def build_dialogue(
    inventory: Inventory, *, forecasts: Forecasts | None = None, confirm_timeout_s: float = 60.0,
    unusual_quantity_factor: float = 10.0, llm_api_key: str | None = None,
    llm_base_url: str = "https://api.anthropic.com", llm_model: str = "claude-sonnet-4-5",
    llm_calls_per_session: int = 5,
) -> DialogueService:  # fmt: skip
    """The service as the settings describe it (``confirm_timeout_s``, ``unusual_quantity_factor``, ``llm_*``).
    The language-model fallback exists only with an API key; close the service with ``aclose()``."""
    config = PolicyConfig(
        confirm_timeout_s=confirm_timeout_s,
        unusual_quantity_factor=unusual_quantity_factor,
        llm_enabled=llm_api_key is not None,
    )
    service = DialogueService(inventory, forecasts=forecasts, config=config)
    if llm_api_key is not None:
        from dialogue.llm_fallback import LlmFallback
        from dialogue.mcp_server import build_mcp_server

        service.runner.llm = LlmFallback(
            build_mcp_server(service.tools), api_key=llm_api_key, base_url=llm_base_url, model=llm_model,
            calls_per_session=llm_calls_per_session,
        )  # fmt: skip
    return service
