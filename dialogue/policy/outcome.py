"""What the store made of a committed write, in words: done (with the new figure, sites by name), retry with the
same idempotency key, or why it was not recorded."""

from __future__ import annotations

from dataclasses import replace

from dialogue.policy import answers as A
from dialogue.policy.replies import n, site_phrase
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, Pending, Reply, WriteDone
from dialogue.schemas import MinimumSet, OrderOut, StockUpdate
from dialogue.understanding.resolve import CatalogueIndex


def write_done(speaker: Speaker, index: CatalogueIndex, state: DialogueState, done: WriteDone) -> Reply:
    """What the store made of the commit: done, retry (same idempotency key), or why it was not recorded."""
    p = state.pending
    d = p.draft
    assert d is not None
    name = index.name(d.sku)
    if done.error is not None:
        if done.retryable:  # safe to try again: the same idempotency key cannot apply twice
            pending = Pending("confirm", p.intent, draft=d, slots=p.slots, candidates=(d.sku,), since=done.at)
            # "Not recorded" may be untrue: a store that answers late still carries the write out. Trying again is
            # safe either way, and then says what happened.
            text = "The stock system did not answer, so it may not have been recorded. Say yes to try again, or cancel."
            return speaker.say(replace(state, pending=pending), text, "yes_no")
        state = replace(state, pending=Pending())
        if done.error.code == "insufficient_stock":
            on_hand = done.error.details.get("on_hand")
            have = f"Only {n(int(on_hand))} on hand" if isinstance(on_hand, int) else "Not enough on hand"
            return speaker.say(state, f"{have}, so the pick was not recorded.")
        return speaker.say(state, f"That was not recorded: {done.error.message.rstrip('.')}.")
    state = replace(state, pending=Pending(), last_sku=d.sku)
    result = done.result
    if not (isinstance(result, StockUpdate) and result.status == "already applied"):
        state = replace(state, recorded=(*state.recorded, A.recorded_phrase(d.kind, d.quantity, name)))
    if isinstance(result, OrderOut):
        return speaker.say(
            state, f"Done. Ordered {n(result.quantity)} {name}, order {A.order_ref(result.order_id)}."
        )
    if isinstance(result, StockUpdate):
        return speaker.say(state, A.movement_done(result, name, index.site_names))
    if isinstance(result, MinimumSet):
        where = f" at {site_phrase(result.site, index.site_names)}" if result.site else ""
        return speaker.say(state, f"Done. The minimum for {name}{where} is now {n(result.min_qty)}.")
    return speaker.say(state, "Done.")
