"""The built-in dialogue as the voice gateway's ``Conversation``: one per call, turns serialised, replies as
``AgentReply`` (the one type shared with the gateway; nothing else from ``voice_gateway`` is used here)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dialogue.contract import AgentReply, HeardWords, RecognitionHints, TurnSource
from dialogue.policy.state import (
    DialogueState,
    Draft,
    Event,
    NoInput,
    NotHeard,
    PlaybackCut,
    Speak,
    Start,
    UserSaid,
)
from dialogue.runner import Clock, PolicyCache, Ran, Runner
from inventory_core.errors import InventoryError

log = logging.getLogger(__name__)


def merge(spoken: Sequence[Speak]) -> tuple[str, Speak | None, int | None]:
    """One reply text from what the policy said this turn, the last utterance (it sets what is awaited), and
    the must-hear offset shifted into the merged text."""
    if not spoken:
        return "", None, None
    text = ""
    must: int | None = None
    for s in spoken:
        offset = len(text) + (1 if text else 0)
        text = f"{text} {s.text}" if text else s.text
        if s.must_hear_chars is not None:
            must = offset + s.must_hear_chars
    return text, spoken[-1], must


class DialogueConversation:
    """Implements ``dialogue.contract.Conversation`` structurally."""

    def __init__(
        self, session_id: str, channel: str, actor: str, site: str | None, catalogue: PolicyCache,
        runner: Runner, clock: Clock = time.monotonic, *, state: DialogueState | None = None, turns: int = 0,
    ) -> None:  # fmt: skip
        """``state`` and ``turns``: carry on a conversation stored between requests (the text channel)."""
        self.session_id = session_id
        self.state = state or DialogueState(session_id=session_id, actor=actor, channel=channel, site=site)
        self._catalogue = catalogue
        self._runner = runner
        self._clock = clock
        self._lock = asyncio.Lock()
        self._turns = turns
        self.last_turn_id: str | None = None
        self.last_used = clock()
        self.closed = False

    @property
    def turns(self) -> int:
        return self._turns

    async def _step(self, event: Event) -> AgentReply:
        async with self._lock:
            self.last_used = self._clock()
            try:
                policy = await self._catalogue.policy()
            except InventoryError:
                log.exception("catalogue unavailable")
                sorry = Speak("The stock system isn't answering right now. Please try again in a moment.")
                ran = Ran(self.state, (sorry,))
            else:
                ran = await self._runner.run(policy, self.state, event, self._clock)
            self.state = ran.state
            self._turns += 1
            turn_id = f"{self.session_id}-{self._turns}"
            self.last_turn_id = turn_id
            text, last, must = merge(ran.spoken)
            hints = (
                RecognitionHints(expect=last.awaiting, phrases=last.phrases) if last else RecognitionHints()
            )
            slots: dict[str, Any] = dict(self.state.slots)
            cards = [] if ran.store_down else await self._cards(slots)  # a second wait for a nicety: no
            cards = [*map(_write_card, ran.written), *cards]
            return AgentReply(
                turn_id=turn_id,
                text=text,
                awaiting=hints,
                intent=self.state.intent,
                slots=slots,
                must_hear_chars=must,
                end_call=any(s.end_call for s in ran.spoken),
                cards=cards,
                confirmation=ran.confirmation,
            )

    async def _cards(self, slots: dict[str, Any]) -> list[dict[str, Any]]:
        """A stock card for the item the turn is about, for screens (the page); the spoken reply stands alone."""
        sku = slots.get("sku")
        if not isinstance(sku, str):
            return []
        try:
            view = await self._runner.tools.inventory.get_product(sku)
        except InventoryError:
            return []  # the card is a nicety: the reply has already said what matters
        card: dict[str, Any] = {"name": view.product.name, "sku": view.sku, "on_hand": view.on_hand}
        for level in view.stock:
            card[f"at {level.site}"] = f"{level.on_hand} (reorder at {level.effective_min})"
        bins = ", ".join(f"{loc.site} {loc.bin}" for loc in view.product.locations)
        if bins:
            card["bins"] = bins
        return [card]

    async def greet(self) -> AgentReply:
        return await self._step(Start(self._clock()))

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        return await self._step(UserSaid(text, self._clock(), heard))

    async def no_input(self) -> AgentReply:
        return await self._step(NoInput(self._clock()))

    async def not_understood(self) -> AgentReply:
        return await self._step(NotHeard(self._clock()))

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        async with self._lock:
            if turn_id != self.last_turn_id:
                return  # an older reply: what it asked has been superseded already
            try:
                policy = await self._catalogue.policy()
            except InventoryError:
                return
            self.state, _ = policy.step(self.state, PlaybackCut(heard_chars))

    async def close(self) -> None:
        self.closed = True
        self.state = replace(self.state, ended=True)


def _write_card(write: tuple[Draft, Any]) -> dict[str, Any]:
    """What a confirmed write did, for the screen: its kind, item, quantity and the record the store made."""
    draft, result = write
    card: dict[str, Any] = {"kind": draft.kind, "sku": draft.sku, "quantity": draft.quantity}
    if draft.site:
        card["site"] = draft.site
    done = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    if isinstance(done, dict):
        for key in (
            "order_id",
            "movement_id",
            "supplier_id",
            "unit_price",
            "expected_date",
            "updated_quantity",
        ):
            value = done.get(key)
            if value is not None and not isinstance(value, (dict, list)):
                card[key] = value
    return card
