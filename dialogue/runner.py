"""The thin runner: executes the policy's actions with the tool layer and feeds results back until the policy
has nothing left to do but speak. Also the policy cache, which builds a policy per catalogue version.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dialogue.catalogue import CatalogueCache
from dialogue.contract import ConfirmationOutcome
from dialogue.policy.policy import Policy
from dialogue.policy.state import (
    AskLlm,
    Commit,
    Confirmation,
    DataReady,
    DialogueState,
    Draft,
    ErrorInfo,
    Escalate,
    Event,
    Fetch,
    LlmDone,
    PolicyConfig,
    Query,
    Speak,
    UserSaid,
    WriteDone,
)
from dialogue.tools import Caller, InventoryTools
from inventory_core.business_events import NO_EVENTS, BusinessEvents
from inventory_core.errors import InventoryError, StoreUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class LanguageModel(Protocol):
    async def answer(self, session_id: str, text: str) -> str | None: ...


class PolicyCache:
    """The policy for the current catalogue version, over the tool layer's one ``CatalogueCache``: rebuilt
    only when that cache hands out a new index."""

    def __init__(self, catalogue: CatalogueCache, config: PolicyConfig) -> None:
        self._catalogue = catalogue
        self._config = config
        self._policy: Policy | None = None

    async def policy(self) -> Policy:
        index = await self._catalogue.index()
        if self._policy is None or self._policy.index is not index:
            self._policy = Policy(index, self._config)
        return self._policy


def _unavailable(result: Any) -> bool:
    return isinstance(result, ErrorInfo) and result.code == StoreUnavailable.code


def _error(exc: Exception) -> ErrorInfo:
    if isinstance(exc, InventoryError):
        return ErrorInfo(exc.code, exc.message, dict(exc.details))
    return ErrorInfo("internal", str(exc) or type(exc).__name__)


@dataclass(frozen=True)
class Ran:
    """What one event came to once the policy had nothing left to do but speak."""

    state: DialogueState
    spoken: tuple[Speak, ...]
    """What to say, in order."""
    confirmation: ConfirmationOutcome | None = None
    """The outcome of the read-back this event answered; None when it answered none."""
    store_down: bool = False
    """A read or write of this turn found the store not answering (so nothing else is asked of it this turn)."""
    written: tuple[tuple[Draft, Any], ...] = ()
    """The writes this event made, each with what the store answered (for the screen's write card)."""


class Runner:
    def __init__(
        self,
        tools: InventoryTools,
        llm: LanguageModel | None = None,
        *,
        max_steps: int = 8,
        events: BusinessEvents = NO_EVENTS,
    ) -> None:
        self.tools = tools
        self.llm = llm
        self.max_steps = max_steps
        self.events = events
        """Told of every write made and every read-back settled, with the conversation's channel."""

    async def run(self, policy: Policy, state: DialogueState, event: Event, clock: Clock) -> Ran:
        """Steps the policy from ``event`` until it only speaks; returns the new state, what to say and the
        read-back outcome the policy settled (the last one, should a step settle more than one)."""
        spoken: list[Speak] = []
        confirmation: ConfirmationOutcome | None = None
        store_down = False
        written: list[tuple[Draft, Any]] = []
        current: Event | None = event
        for _ in range(self.max_steps):
            if current is None:
                break
            if isinstance(current, UserSaid):
                # Understanding and item matching are CPU work that grows with the text and the catalogue:
                # off the event loop, so one long request cannot hold up every call's audio (the policy is pure).
                state, actions = await asyncio.to_thread(policy.step, state, current)
            else:
                state, actions = policy.step(state, current)
            current = None
            for action in actions:
                if isinstance(action, Speak):
                    spoken.append(action)
                elif isinstance(action, Confirmation):
                    confirmation = action.outcome
                    self.events.confirmation(action.outcome, state.channel)
                elif isinstance(action, Fetch):
                    data = await self._fetch(action.queries)
                    store_down = store_down or any(_unavailable(v) for v in data.values())
                    current = DataReady(data, at=clock())
                elif isinstance(action, Commit):
                    done = await self._commit(action.draft, state, clock)
                    store_down = store_down or (done.error is not None and done.retryable)
                    if done.error is None:
                        written.append((action.draft, done.result))  # (counted by the store's events)
                    current = done
                elif isinstance(action, Escalate):
                    await self._escalate(action)
                elif isinstance(action, AskLlm):
                    text = await self.llm.answer(state.session_id, action.text) if self.llm else None
                    current = LlmDone(text)
        return Ran(state, tuple(spoken), confirmation, store_down, tuple(written))

    async def _fetch(self, queries: tuple[Query, ...]) -> dict[str, Any]:
        results = await asyncio.gather(*(self._query(q) for q in queries), return_exceptions=True)
        out: dict[str, Any] = {}
        for query, result in zip(queries, results, strict=True):
            if isinstance(result, Exception):
                if not isinstance(result, InventoryError):
                    log.exception("dialogue query %s failed", query.name, exc_info=result)
                out[query.name] = _error(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                out[query.name] = result
        return out

    async def _query(self, q: Query) -> Any:
        t = self.tools
        sku = q.sku or ""
        if q.name == "stock":
            return await t.stock(sku)
        if q.name == "low_stock":
            return await t.list_low_stock(q.site)
        if q.name == "movement":
            return await t.typical_movement(sku)
        if q.name == "suppliers":
            return await t.get_supplier_info(sku)
        if q.name == "recommend":
            return await t.recommend_restock(q.sku)
        if q.name == "forecast":
            return await t.forecast_demand(sku, q.days or 30)
        if q.name == "orders":
            return await t.order_status(q.sku)
        if q.name == "insights":
            return await t.insights(unread_only=True)
        if q.name == "stockout_risk":
            return await t.stockout_risk(q.days or 7)
        if q.name == "forecast_total":  # every item: the policy narrows to a category
            return await t.forecast_total(q.days or 30, limit=None)
        if q.name == "sales":
            return await t.sales_history(sku, months=None, days=q.days or 30, site=q.site)
        if q.name == "sales_months":  # ``days``: thirty per month asked for
            return await t.sales_history(sku, months=max(1, (q.days or 180) // 30), site=q.site)
        if q.name == "inventory_value":  # every item: the policy narrows to a category or an item
            return await t.inventory_value(q.site, limit=None)
        raise ValueError(f"unknown query {q.name}")

    async def _commit(self, d: Draft, state: DialogueState, clock: Clock) -> WriteDone:
        caller = Caller(actor=state.actor, channel=state.channel, idempotency_key=d.key)
        t = self.tools
        try:
            if d.kind == "order":
                result: Any = await t.place_order(
                    d.sku, d.quantity, caller, confirm=True, supplier_id=d.supplier_id, site=d.site
                )
            elif d.kind == "count":
                result = await t.update_stock(
                    d.sku, d.quantity, caller, confirm=True, site=d.site, reason="count"
                )
            elif d.kind == "set_min":
                result = await t.set_minimum(d.sku, d.quantity, caller, confirm=True, site=d.site)
            else:
                result = await t.record_movement(
                    d.sku, d.kind, d.quantity, caller, confirm=True, site=d.site, bin=d.bin
                )
        except InventoryError as exc:
            return WriteDone(error=_error(exc), retryable=exc.retryable, at=clock())
        except (TimeoutError, OSError) as exc:  # outcome unknown: retrying with the same key is safe
            log.warning("dialogue write %s failed: %s", d.kind, exc)
            return WriteDone(error=_error(exc), retryable=True, at=clock())
        return WriteDone(result=result, at=clock())

    async def _escalate(self, e: Escalate) -> None:
        try:
            await self.tools.add_insight(e.kind, e.message, e.dedupe_key, e.sku, e.site, e.severity)
        except InventoryError:
            log.exception("could not record insight %s", e.kind)
