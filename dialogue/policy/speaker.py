"""Speaking and asking, shared by every flow of the policy: ``Speaker.say`` speaks and remembers the prompt that
"say again" repeats, ``expect`` tells what a pending question awaits, ``fetch`` parks a request while its data is
read, and ``settle`` adds the outcome of a read-back to a reply."""

from __future__ import annotations

from dataclasses import replace

from dialogue.contract import ConfirmationOutcome
from dialogue.policy.replies import KIND_WORD, speakable
from dialogue.policy.state import (
    READ_BACK_STAGES,
    Confirmation,
    DialogueState,
    Draft,
    Expectation,
    Fetch,
    Pending,
    Prompt,
    Query,
    Reply,
    Speak,
)
from dialogue.understanding.nlu import Slots
from dialogue.understanding.resolve import CatalogueIndex

_STAGE_AWAITS: dict[str, Expectation] = {
    "confirm": "yes_no", "warn": "yes_no", "check": "digits", "ask_qty": "quantity", "ask_item": "item",
    "choose": "choice", "ask_change": "quantity", "which_kind": "choice", "which_qty": "quantity",
    "what_for": "choice",
}  # fmt: skip


class Speaker:
    """Builds the replies of one catalogue version; holds no per-session data."""

    def __init__(self, index: CatalogueIndex) -> None:
        self.index = index

    def say(
        self, state: DialogueState, text: str, awaiting: Expectation = "free", phrases: tuple[str, ...] = (), *,
        must_hear: int | None = None, end_call: bool = False, keep_prompt: bool = False,
    ) -> Reply:  # fmt: skip
        """Speak ``text``; it becomes the prompt "say again" repeats unless ``keep_prompt`` (help, re-prompts)."""
        if must_hear is None:  # read-backs are built from words already; their offsets must not move
            text = speakable(text)
        if not keep_prompt:
            state = replace(state, last_prompt=Prompt(text, awaiting, phrases, must_hear))
        state = replace(state, last_must_hear=must_hear)
        return state, [Speak(text, awaiting, phrases, must_hear, end_call)]

    def expect(self, pending: Pending) -> tuple[Expectation, tuple[str, ...]]:
        """What the pending question awaits, and the phrases that answer a choice between items."""
        awaiting = _STAGE_AWAITS.get(pending.stage, "free")
        if pending.stage == "warn" and pending.draft is not None and pending.draft.recheck:
            return "quantity", ()  # the figure said again, not a yes
        if pending.stage == "choose":
            names = tuple(self.index.name(s) for s in pending.candidates)
            return awaiting, names + (("yes", "no") if len(names) == 1 else ())
        if pending.stage == "which_item":
            names = tuple(self.index.name(s) for s in pending.candidates)
            return ("choice", names) if len(names) > 1 else ("item", ())
        if pending.stage == "which_kind":
            return awaiting, tuple(KIND_WORD[k] for k in pending.offered if k in KIND_WORD)
        return awaiting, pending.offered

    def fetch(
        self, state: DialogueState, intent: str, queries: tuple[Query, ...], at: float, *,
        slots: Slots | None = None, draft: Draft | None = None, sku: str | None = None, note: str = "",
    ) -> Reply:  # fmt: skip
        """Ask for ``queries``; the request waits in a ``fetch`` stage until the data is in."""
        pending = Pending("fetch", intent=intent, draft=draft, slots=slots, since=at,
                          candidates=(sku,) if sku else (), note=note)  # fmt: skip
        return replace(state, pending=pending), [Fetch(queries)]


def settle(before: Pending, reply: Reply, outcome: ConfirmationOutcome | None) -> Reply:
    """``reply`` led by ``Confirmation(outcome)`` when ``before`` was a read-back waiting for a yes or no;
    ``reply`` unchanged otherwise, or when ``outcome`` is None (the read-back is still waiting)."""
    if outcome is None or before.stage not in READ_BACK_STAGES:
        return reply
    state, actions = reply
    return state, [Confirmation(outcome), *actions]
