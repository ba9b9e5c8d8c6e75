"""The dialogue policy: ``Policy(catalogue, config).step(state, event) -> (state, actions)``. Pure: no I/O, no
clock. Reads are asked for with ``Fetch`` and come back as ``DataReady``; a write is read back, and only an
explicit "yes" to a read-back that was heard produces a ``Commit``. A turn that answers a read-back also emits a
``Confirmation`` with its outcome.

``Policy`` routes events and fresh requests and handles repair (repeat, help, cancel, not understood); it composes
a ``Speaker`` (say, expect, fetch), ``Items`` (which item is meant), ``ReadFlows`` and ``WriteFlows``, and is the
``Router`` those hand a resolved item or a fresh request back to.
"""

from __future__ import annotations

from dataclasses import replace

from dialogue.contract import HeardWords
from dialogue.policy.analytics import GROUP_INTENTS
from dialogue.policy.answers import goodbye, not_recorded
from dialogue.policy.doubts import unsure_slots
from dialogue.policy.items import Items
from dialogue.policy.outcome import write_done
from dialogue.policy.reads import ReadFlows
from dialogue.policy.replies import DIGITS_HINT, HELP, HINT, SAY_FIGURE_AGAIN, STEP_DOWN, more_reply
from dialogue.policy.salvage import STEP_BY_STEP, Salvage
from dialogue.policy.speaker import Speaker, settle
from dialogue.policy.state import (
    READ_BACK_STAGES,
    Action,
    AskLlm,
    DataReady,
    DialogueState,
    Event,
    Fetch,
    LlmDone,
    NoInput,
    NotHeard,
    Pending,
    PlaybackCut,
    PolicyConfig,
    Query,
    Reply,
    Start,
    UserSaid,
    WriteDone,
)
from dialogue.policy.writes import WRITE_KIND, WriteFlows
from dialogue.understanding.nlu import Slots, Understanding, understand
from dialogue.understanding.resolve import CatalogueIndex

READ_INTENTS = frozenset({"check_stock", "item", "where_is", "supplier_info", "forecast", "reorder_advice",
                          "order_status", "sales_history", "inventory_value"})  # fmt: skip
WAITING = frozenset({"confirm", "warn", "check", "ask_qty", "ask_item", "choose", "ask_change", "which_item",
                     "which_kind", "which_qty", "what_for"})  # fmt: skip


class Policy:
    """One per catalogue version; shared by every session (it holds no per-session data).

    The outcome of a read-back (stage ``confirm`` or ``warn``) is settled by the turn that answers it: the yes, no,
    correction or other request as ``WriteFlows.on_confirm`` describes, and here ``not_heard`` for a read-back
    that timed out, or a silent or not-understood turn while it waited (it is asked again and can still be
    confirmed), and ``cancelled`` for cancel or goodbye. "Say again" and "help" settle nothing: the read-back is
    still waiting."""

    def __init__(self, index: CatalogueIndex, config: PolicyConfig | None = None) -> None:
        self.index = index
        self.config = config or PolicyConfig()
        self.speaker = Speaker(index)
        self.items = Items(index, self.speaker, self, self.config.clarify_attempts)
        self.reads = ReadFlows(index, self.config, self.speaker)
        self.writes = WriteFlows(index, self.config, self.speaker, self.items, self)
        self.salvage = Salvage(index, self.config, self.speaker, self, self.items)

    def step(self, state: DialogueState, event: Event) -> Reply:
        """The new state and the actions ``event`` calls for."""
        if isinstance(event, UserSaid):
            return self._user(state, event.text, event.at, event.heard)
        if isinstance(event, NoInput | NotHeard):
            failed = self._failure(state, silent=isinstance(event, NoInput), at=event.at)
            return settle(state.pending, failed, "not_heard")
        if isinstance(event, PlaybackCut):
            return self._cut(state, event.heard_chars), []
        if isinstance(event, Start):
            pending = Pending("fetch", intent="greet", since=event.at)
            return replace(state, pending=pending), [Fetch((Query("insights"),))]
        if isinstance(event, DataReady):
            return self._on_data(state, event)
        if isinstance(event, WriteDone):
            if state.pending.stage != "commit":
                return state, []
            return write_done(self.speaker, self.index, state, event)
        if isinstance(event, LlmDone):
            state = replace(state, pending=Pending())
            if event.text:
                return self.speaker.say(replace(state, failures=0), event.text)
            return self._failure(state, silent=False)
        raise TypeError(f"unknown event {event!r}")

    # --- Router: where item resolution and the flows hand a turn on ---------------------------------------

    def proceed(
        self, state: DialogueState, intent: str, slots: Slots, sku: str, at: float, prefix: str
    ) -> Reply:
        """Start the read or write ``intent`` for the resolved item ``sku``; it becomes the item in context."""
        state = replace(state, last_sku=sku, slots={**state.slots, "sku": sku})
        if intent == STEP_BY_STEP:
            return self.salvage.ask_about(state, sku, at, prefix, doubt=slots.unsure & {"item"})
        if intent in WRITE_KIND:
            return self.writes.start_write(state, intent, slots, sku, at, prefix)
        return self.reads.start_read(state, intent, slots, sku, at, prefix)

    def dispatch(self, state: DialogueState, u: Understanding, at: float, prefix: str = "") -> Reply:
        """A fresh request (nothing pending, or the pending question was abandoned)."""
        state = replace(state, pending=Pending(), more=() if u.intent != "more" else state.more)
        intent = u.intent
        if intent in ("reorder_advice", "order_status") and not (u.slots.item_text or u.slots.bin):
            return self.reads.read_general(state, intent, u.slots.site, at, prefix)
        if intent in GROUP_INTENTS and not u.slots.item_text:
            return self.reads.read_group(state, intent, u.slots, at, prefix)
        if intent in READ_INTENTS or intent in WRITE_KIND:
            return self.items.with_item(state, intent, u.slots, at, prefix)
        say = self.speaker.say
        if intent == "low_stock":
            site = u.slots.site or state.site
            query = Query("low_stock", site=site)
            return self.speaker.fetch(state, "low_stock", (query,), at, slots=u.slots, note=prefix)
        if intent == "more":
            return say(state, prefix + "There is no list to go on with. What do you need?")
        if intent in ("yes", "no"):
            return say(state, prefix + "There is nothing waiting for a yes or no. What do you need?")
        if intent in ("correction", "quantity"):
            # "please no that for twenty swing tags" for "place an order for twenty swing tags": a figure and a
            # clearly named item with the verb lost; the item is kept and what to do with it asked.
            salvaged = self.salvage.ask(state, u, at, prefix)
            if salvaged is not None:
                return salvaged
            return say(
                state, prefix + "What should I do with that number? Say order, received, picked or count."
            )
        if intent == "thanks":
            return say(state, prefix + "You're welcome. Anything else?")
        if intent == "greeting":
            return say(state, prefix + "Hello. What do you need?")
        if self.config.llm_enabled and intent == "unknown":
            return replace(state, pending=Pending("fetch", intent="llm", since=at)), [AskLlm(u.text)]
        if intent == "unknown":
            salvaged = self.salvage.ask(state, u, at, prefix)
            if salvaged is not None:
                return salvaged
        return self._failure(state, silent=False, prefix=prefix, at=at)

    # --- events --------------------------------------------------------------------------------------------

    def _on_data(self, state: DialogueState, event: DataReady) -> Reply:
        if state.pending.stage != "fetch":
            return state, []
        results = dict(event.results)
        if state.pending.intent in WRITE_KIND:
            return self.writes.on_write_data(state, results, event.at)
        return self.reads.on_read_data(state, results)

    def _user(self, state: DialogueState, text: str, at: float, heard: HeardWords | None) -> Reply:
        u = unsure_slots(understand(text, self.index), heard, self.config)
        p = state.pending
        if u.intent == "silence":
            return settle(p, self._failure(state, silent=True), "not_heard")
        state = replace(
            state, turn=state.turn + 1, intent=u.intent, slots=u.slots.as_dict(), by_voice=heard is not None
        )
        if p.stage in WAITING and at - p.since > self.config.confirm_timeout_s:
            state = replace(state, pending=Pending())
            if u.intent in ("yes", "no", "correction", "quantity"):
                late = self.speaker.say(
                    state, "That request timed out, so nothing was recorded. Please say it again."
                )
                return settle(p, late, "not_heard")
            return settle(p, self._answer(state, u, at), "not_heard")
        return self._answer(state, u, at)

    def _answer(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """A user turn, in the light of what is pending (a read-back that timed out was dropped already)."""
        p = state.pending
        say = self.speaker.say
        if u.intent not in ("unknown", "repeat"):
            state = replace(state, failures=0)
        if u.intent == "repeat":
            return self._repeat(state)
        if u.intent == "help":
            prompt = state.last_prompt
            return say(state, HELP[p.stage], *self.speaker.expect(p), keep_prompt=prompt is not None)
        if u.intent == "cancel":
            had = p.stage != "idle"
            state = replace(state, pending=Pending(), more=())
            return settle(p, say(state, "Cancelled. Nothing was recorded." if had else "Okay."), "cancelled")
        if u.intent == "goodbye":
            d = p.draft
            text = goodbye(state.recorded, not_recorded(d.kind, self.index.name(d.sku)) if d else None)
            bye = say(replace(state, pending=Pending(), ended=True), text, end_call=True)
            return settle(p, bye, "cancelled")
        if u.intent == "more" and state.more:
            text, rest = more_reply(state.more, self.config.list_page)
            return say(replace(state, more=rest), text)
        if u.intent == "unknown" and p.stage == "confirm" and state.by_voice:
            return settle(p, self.writes.confirm_by_figure(replace(state, failures=state.failures + 1), at),
                          "not_heard")  # fmt: skip
        if u.intent == "unknown" and p.stage in ("confirm", "warn", "check", "ask_qty", "ask_change"):
            # not understood is not "another intent": the question stays, and a read-back was not heard
            return settle(p, self._failure(state, silent=False, at=at), "not_heard")
        handler = {
            "confirm": self.writes.on_confirm,
            "warn": self.writes.on_confirm,
            "check": self.writes.checks.on_check,
            "ask_qty": self.writes.on_quantity,
            "ask_item": self.items.on_item_answer,
            "choose": self.items.on_choice,
            "ask_change": self.writes.on_change,
            "which_item": self.writes.clarify.on_item,
            "which_kind": self.writes.clarify.on_kind,
            "which_qty": self.writes.clarify.on_quantity,
            "what_for": self.salvage.on_answer,
        }.get(p.stage)
        if handler is not None:
            return handler(state, u, at)
        return self.dispatch(state, u, at)

    # --- repair --------------------------------------------------------------------------------------------

    def _repeat(self, state: DialogueState) -> Reply:
        prompt = state.last_prompt
        if prompt is None:
            return self.speaker.say(state, HINT[state.pending.stage], *self.speaker.expect(state.pending))
        p = state.pending
        if p.draft is not None and not p.draft.heard:
            state = replace(state, pending=replace(p, draft=replace(p.draft, heard=True)))
        return self.speaker.say(
            state, prompt.text, prompt.awaiting, prompt.phrases, must_hear=prompt.must_hear_chars
        )

    def _failure(
        self, state: DialogueState, silent: bool, prefix: str = "", at: float | None = None
    ) -> Reply:
        failures = state.failures + 1
        state = replace(state, failures=failures)
        stage = state.pending.stage
        hint = HINT[stage]
        awaiting, phrases = self.speaker.expect(state.pending)
        if stage == "warn" and state.pending.draft is not None and state.pending.draft.recheck:
            hint = SAY_FIGURE_AGAIN  # the figure was asked for, not a yes
        if stage == "which_qty" and state.last_prompt is not None and state.last_prompt.awaiting == "digits":
            # still the digits that were asked for (held-out seed 137: after a silence "How many?" took "ten")
            awaiting, hint = "digits", DIGITS_HINT
        if failures == self.config.step_down_after and stage == "idle" and not silent and at is not None:
            # A request heard wrong twice is likely to be heard wrong a third time: take it one part at a time,
            # each answered to a narrow prompt (the item, then what to do with it, then how many).
            pending = Pending("ask_item", STEP_BY_STEP, slots=Slots(), since=at)
            return self.speaker.say(replace(state, pending=pending), prefix + STEP_DOWN, "item")
        if failures >= self.config.failures_before_help:
            text = "Sorry, I still didn't get that. Say help to hear what you can say."
        elif failures == 1:
            text = f"I didn't hear anything. {hint}" if silent else f"Sorry, I didn't catch that. {hint}"
        else:
            text = hint
        return self.speaker.say(state, prefix + text, awaiting, phrases, keep_prompt=True)

    def _cut(self, state: DialogueState, heard_chars: int) -> DialogueState:
        p = state.pending
        must = state.last_must_hear
        if p.draft is None or must is None:
            return state
        if heard_chars < must and p.stage in READ_BACK_STAGES:
            return replace(state, pending=replace(p, draft=replace(p.draft, heard=False)))
        return state


__all__ = ["READ_BACK_STAGES", "READ_INTENTS", "WAITING", "Action", "Policy"]
