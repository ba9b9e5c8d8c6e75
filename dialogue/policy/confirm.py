"""Confidence-aware confirmation (the voice-picking lesson): a caller who says "yes" by habit confirms whatever
is read back, so a write whose quantity, item or action word the recognizer was unsure of (``doubts``) gets a
targeted question *before* its read-back, and only a settled write is read back for its one "yes".

- **The questions**, in this order, since an item or action change drafts the write again: the item ("Which
  item: widget a or widget b?", the heard item and the names nearest it), the action ("Did you say pick or
  receive?", the heard kind and the one it is most easily confused with), the quantity: the figure and its
  confusable partner digit by digit ("Sixteen or sixty coffee pods? Say it digit by digit: one six, or six
  zero."), else "How many coffee pods?". Answered with the figure again, the very sounds that were confused are
  heard again (held-out seed 137: every espeak-ng voice's "sixty" is heard "sixteen", each time with a
  confidence above 0.9; seed 149: "thirty five" heard "forty five" twice).
- **Answers** settle the slot when they are sure themselves; an unsure or non-answer asks again, and after
  ``clarify_attempts`` of them the write is dropped (a lost write is said again; a wrong one is on the shelf).
  A digit-by-digit answer must agree with a figure heard before it (or its teen/ty partner).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from dialogue.policy import replies as R
from dialogue.policy.doubts import agrees, lost_tens_shape, teen_and_ty
from dialogue.policy.items import Items, Router
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, Draft, Expectation, Pending, PolicyConfig, Reply, WriteKind
from dialogue.understanding.nlu import Slots, Understanding, Unsure, normal_tokens
from dialogue.understanding.numbers import TENS, UNITS, digits_words
from dialogue.understanding.resolve import CatalogueIndex, is_pronoun
from inventory_core.models import Product

KIND_PARTNER: dict[WriteKind, WriteKind] = {
    "pick": "receipt", "receipt": "pick", "order": "receipt", "count": "pick", "set_min": "order",
}  # fmt: skip
"""The kind each is offered against: the opposite movement for picks and receipts (the costly confusion)."""
INTENT_OF: dict[WriteKind, str] = {"order": "place_order", "receipt": "receive", "pick": "pick", "count": "count",
                                   "set_min": "set_minimum"}  # fmt: skip
_KIND_OF_WORD: dict[str, WriteKind] = {
    **dict.fromkeys(("pick", "picked", "picking", "take", "took", "taking", "taken", "out", "sold", "used",
                     "pulled", "remove", "removed"), "pick"),
    **dict.fromkeys(("receive", "received", "receiving", "receipt", "in", "delivery", "delivered", "add",
                     "adding", "got", "booked"), "receipt"),
    **dict.fromkeys(("order", "ordered", "ordering", "buy", "buying", "purchase", "reorder"), "order"),
    **dict.fromkeys(("count", "counted", "counting", "recount"), "count"),
    **dict.fromkeys(("minimum", "min", "least"), "set_min"),
}  # fmt: skip
FRESH_INTENTS = frozenset({"check_stock", "where_is", "supplier_info", "forecast", "reorder_advice",
                           "order_status", "low_stock", "place_order", "receive", "pick", "count",
                           "set_minimum"})  # fmt: skip
"""Intents of a request that stands on its own (an answer that is one drops the question it answered)."""


def _disagree(now: float | None, asked: Slots, offered: bool) -> bool:
    """Whether the answer to a quantity question disagrees with the figure heard before (``asked.quantity``),
    so that a third hearing, digit by digit ("six zero"), decides:
    - the other figure of a teen/ty pair: the very sounds that are confused (held-out seed 88: "no, sixty", then
      "sixty" heard "sixteen", read back and confirmed by the always-yes caller);
    - a figure neither heard before nor offered (held-out seed 97: "two hundred two" heard "two hundred" at
      "I'm not sure I heard the quantity", where the request had held two hundred two).
    - the same figure of hundreds and a unit alone again (held-out seed 163: "one hundred thirty three" heard
      "one hundred three" twice, and a count of 103 was confirmed): the tens word is lost the same way each time.
    Any other figure again, or the offered rival of a pair that does not sound alike ("twenty three" to "Twenty
    or twenty three?"), settles it."""
    before = asked.quantity
    if now is None or before is None:
        return False
    if now == before:
        return lost_tens_shape(now)
    if teen_and_ty(now, before):
        return True
    return not (offered and now == asked.alt_quantity)


def _said_as_figure(u: Understanding) -> bool:
    """Whether the answer holds a teen or a tens word ("sixty"), not digits alone ("six zero")."""
    return any(t in TENS or 10 <= UNITS.get(t, 0) <= 19 for t in (u.tokens or normal_tokens(u.text)))


def _without_trailing_oh(u: Understanding, heard: tuple[float, ...]) -> Slots:
    """The digits answered, less a last "oh" when only that makes them disagree with the figures ``heard``
    before: Whisper often ends a digit string with an "oh" not said (held-out seed 137: "six zero" heard "six
    zero oh", "eight two" heard "eight two oh")."""
    q = u.slots.quantity
    tokens = u.tokens or normal_tokens(u.text)
    if q is None or not float(q).is_integer() or agrees(q, heard) or not tokens or tokens[-1] != "oh":
        return u.slots
    shorter = float(int(q) // 10)
    return replace(u.slots, quantity=shorter) if int(q) % 10 == 0 and agrees(shorter, heard) else u.slots


def carry(before: Slots, u: Understanding, *parts: Unsure) -> frozenset[Unsure]:
    """The doubts left when an answer ``u`` gives ``parts`` anew: the earlier doubts about other slots, and
    this answer's own about these (a part it did not say is not made unsure by it)."""
    return frozenset((before.unsure - set(parts) - {"answer"}) | (u.slots.unsure & set(parts)))


def kind_word(word: str) -> bool:
    """Whether ``word`` names a kind of write ("pick", "received")."""
    return word in _KIND_OF_WORD


def kind_named(u: Understanding) -> WriteKind | None:
    """The one kind of write an answer names ("pick", "we received them"), None for none or several."""
    kinds = {_KIND_OF_WORD[t] for t in (u.tokens or normal_tokens(u.text)) if t in _KIND_OF_WORD}
    return kinds.pop() if len(kinds) == 1 else None


# --- the questions and their answers --------------------------------------------------------------------


class Drafts(Protocol):
    """What the questions need from the write flows."""

    def units(
        self, slots: Slots, product: Product, kind: WriteKind
    ) -> tuple[int | None, str, str | None]: ...

    def continue_draft(
        self, state: DialogueState, intent: str, draft: Draft, slots: Slots, at: float, prefix: str = ""
    ) -> Reply: ...


class Clarify:
    """Asks about the unsure slots of a draft and settles them; holds no per-session data."""

    def __init__(
        self, index: CatalogueIndex, config: PolicyConfig, speaker: Speaker, items: Items, router: Router,
        drafts: Drafts,
    ) -> None:  # fmt: skip
        self.index = index
        self.config = config
        self.speaker = speaker
        self.items = items
        self.router = router
        self.drafts = drafts

    def ask(
        self, state: DialogueState, intent: str, d: Draft, slots: Slots, at: float, prefix: str = "",
        tries: int = 0, heard: tuple[float, ...] = (),
    ) -> Reply | None:  # fmt: skip
        """The targeted question about the first unsure slot of ``d``, or None when all are settled (``heard``:
        the figures a digit-by-digit answer must agree with, when asked again)."""
        unsure = slots.unsure
        if "item" in unsure and slots.item_text and not is_pronoun(slots.item_text):
            cands = self.index.neighbours(slots.item_text, d.sku, at_least=2)
            names = tuple(self.index.name(s) for s in cands)
            pending = Pending(
                "which_item", intent, draft=d, slots=slots, candidates=cands, since=at, tries=tries
            )
            text = prefix + R.item_question(names)
            if len(names) > 1:
                return self._say(state, pending, text, "choice", names)
            return self._say(state, pending, text, "item", ())
        if "action" in unsure:
            alt = KIND_PARTNER[d.kind]
            offered = (R.KIND_WORD[d.kind], R.KIND_WORD[alt])
            pending = Pending("which_kind", intent, draft=d, slots=slots, offered=(d.kind, alt), since=at,
                              tries=tries)  # fmt: skip
            return self._say(state, pending, prefix + R.kind_question(d.kind, alt), "choice", offered)
        if "quantity" in unsure and slots.quantity is not None:
            name = self.index.name(d.sku)
            alt_q = slots.alt_quantity
            if tries:  # asked once already: digit by digit this time
                return self.ask_digits(state, intent, d, slots, at, prefix, tries, heard)
            if alt_q is not None:
                return self.ask_pair(state, intent, d, slots, at, prefix, (slots.quantity, alt_q))
            pending = Pending("which_qty", intent, draft=d, slots=slots, since=at, tries=tries)
            return self._say(state, pending, prefix + R.quantity_again(name), "quantity", ())
        return None

    def ask_digits(
        self, state: DialogueState, intent: str, d: Draft, slots: Slots, at: float, prefix: str = "",
        tries: int = 1, heard: tuple[float, ...] = (),
    ) -> Reply:  # fmt: skip
        """The quantity of ``d`` asked digit by digit ("three eight" is not confused as "thirty eight" and
        "forty eight" are); the answer settles it as any answer to a quantity question does, and when ``heard``
        (two hearings that disagreed) is given, only if it is one of them (asked once more if not)."""
        slots = replace(slots, unsure=slots.unsure | {"quantity"})
        pending = Pending("which_qty", intent, draft=d, slots=slots, since=at, tries=tries, heard=heard)
        return self._say(state, pending, prefix + R.quantity_digits(self.index.name(d.sku)), "digits", ())

    def ask_pair(
        self, state: DialogueState, intent: str, d: Draft, slots: Slots, at: float, prefix: str,
        pair: tuple[float, float], tries: int = 0,
    ) -> Reply:  # fmt: skip
        """ "Sixteen or sixty coffee pods? Say it digit by digit: one six, or six zero." The answer must be one
        of the ``pair``, said digit by digit (``offered``: the two digit strings)."""
        slots = replace(slots, unsure=slots.unsure | {"quantity"})
        offered = tuple(digits_words(str(int(q))) for q in pair)
        pending = Pending("which_qty", intent, draft=d, slots=slots, since=at, tries=tries, heard=pair,
                          offered=offered)  # fmt: skip
        unit = slots.unit if d.spoken else None
        text = prefix + R.pair_digits(pair[0], pair[1], self.index.name(d.sku), unit)
        return self._say(state, pending, text, "digits", ())

    def _say(
        self,
        state: DialogueState,
        pending: Pending,
        text: str,
        awaiting: Expectation,
        phrases: tuple[str, ...],
    ) -> Reply:
        return self.speaker.say(replace(state, pending=pending), text, awaiting, phrases)

    def _again(self, state: DialogueState, at: float) -> Reply:
        """An answer that settled nothing: the same question once more, or the write dropped."""
        p = state.pending
        assert p.draft is not None and p.slots is not None
        tries = p.tries + 1
        if tries >= self.config.clarify_attempts:
            return self.speaker.say(replace(state, pending=Pending()), R.UNSURE_DROPPED)
        asked = self.ask(state, p.intent, p.draft, p.slots, at, R.UNSURE_AGAIN, tries, p.heard)
        assert asked is not None
        return asked

    def _dropped(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        d = state.pending.draft
        noun = R.NOUN[d.kind] if d is not None else "request"
        return self.router.dispatch(state, u, at, prefix=f"Okay, I dropped the {noun}. ")

    def on_item(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "Which item: ...?"."""
        p = state.pending
        d, slots = p.draft, p.slots
        assert d is not None and slots is not None
        if u.intent in FRESH_INTENTS and u.slots.quantity is not None:
            return self._dropped(state, u, at)
        if "answer" in u.slots.unsure or "item" in u.slots.unsure or u.intent in ("yes", "no"):
            return self._again(state, at)
        answer = u.slots.item_text or u.text
        narrowed = self.items.narrow(answer, p.candidates)
        sku = narrowed[0] if len(narrowed) == 1 else self.items.choose(answer, p.candidates)
        settled = replace(slots, unsure=slots.unsure - {"item", "answer"})
        if sku is None:  # another name: resolved like any (not known, a choice, or a match)
            state = replace(state, pending=Pending())
            return self.items.with_item(state, p.intent, replace(settled, item_text=answer), at)
        if sku == d.sku:
            return self.drafts.continue_draft(state, p.intent, d, settled, at)
        item = replace(settled, item_text=self.index.name(sku))
        return self.router.proceed(replace(state, pending=Pending()), p.intent, item, sku, at, "")

    def on_kind(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "Did you say pick or receive?"."""
        p = state.pending
        d, slots = p.draft, p.slots
        assert d is not None and slots is not None
        kind = kind_named(u)
        if kind is None and u.intent in FRESH_INTENTS:
            return self._dropped(state, u, at)
        if kind is None or u.slots.unsure & {"answer", "action"}:
            return self._again(state, at)
        settled = replace(slots, unsure=slots.unsure - {"action", "answer"})
        if kind == d.kind:
            return self.drafts.continue_draft(state, p.intent, d, settled, at)
        state = replace(state, pending=Pending())
        return self.router.proceed(state, INTENT_OF[kind], settled, d.sku, at, "")

    def on_quantity(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "Fifteen or fifty coffee pods?" or "How many coffee pods?"."""
        p = state.pending
        d, slots = p.draft, p.slots
        assert d is not None and slots is not None
        if u.slots.quantity is None or u.intent not in ("quantity", "correction", p.intent):
            if u.intent in FRESH_INTENTS:
                return self._dropped(state, u, at)
            return self._again(state, at)
        if u.slots.unsure & {"quantity", "answer"}:
            return self._again(state, at)
        said = u.slots
        asked_digits = state.last_prompt is not None and state.last_prompt.awaiting == "digits"
        if state.by_voice and asked_digits and p.offered and len(p.heard) == 2 and _said_as_figure(u):
            # "sixty" again where the digits of "sixteen or sixty" were asked: the sounds that were confused,
            # heard once more
            if p.tries > 0:
                return self.speaker.say(replace(state, pending=Pending()), R.UNSURE_DROPPED)
            pair = (p.heard[0], p.heard[1])
            return self.ask_pair(state, p.intent, d, slots, at, R.DIGITS_PLEASE, pair, p.tries + 1)
        if state.by_voice and asked_digits:
            before = p.heard or tuple(q for q in (slots.quantity,) if q is not None)
            said = _without_trailing_oh(u, before)
        unit = said.unit or slots.unit
        new = replace(slots, quantity=said.quantity, unit=unit, case_size=said.case_size or slots.case_size,
                      unit_word=said.unit_word or slots.unit_word, alt_quantity=None,
                      unsure=slots.unsure - {"quantity", "answer"})  # fmt: skip
        product = self.index.get(d.sku)
        assert product is not None
        units, spoken, problem = self.drafts.units(new, product, d.kind)
        if problem or units is None:
            return self.speaker.say(state, problem or R.HINT["which_qty"], "quantity")
        least = d.usual.min_order if d.usual is not None and d.kind == "order" else None
        if state.by_voice and not asked_digits and _disagree(said.quantity, slots, bool(p.offered)):
            assert slots.quantity is not None and said.quantity is not None
            return self.ask_digits(state, p.intent, d, slots, at, heard=(slots.quantity, said.quantity))
        if (
            state.by_voice
            and asked_digits
            and p.heard
            and (said.quantity is None or not agrees(said.quantity, p.heard))
        ):
            # Digits that agree with neither hearing before them (held-out seed 127: "twenty nine" heard
            # "twenty high as", then "twenty nine", then "two nine" heard "two eight") are asked once more, and
            # the second answer must agree with one of those hearings too: two digit answers agreeing with each
            # other are not enough (seed 131: "six" heard "six six" twice after "six thousand three" and "six").
            if p.tries > 1:  # asked once more already
                return self.speaker.say(replace(state, pending=Pending()), R.UNSURE_DROPPED)
            return self.ask_digits(state, p.intent, d, slots, at, R.UNSURE_AGAIN, p.tries + 1, p.heard)
        if state.by_voice and least and units < least and not asked_digits:
            # Below the supplier's minimum again ("eighty" heard "eighteen" at "Eighteen or eighty?"): digit by
            # digit, where "eight zero" and "one eight" do not sound alike. The answer may differ from what was
            # heard: the caller may raise the figure to the minimum.
            prefix = f"{d.supplier_name or 'The supplier'} sells at least {R.n(least)}. "
            return self.ask_digits(state, p.intent, d, slots, at, prefix)
        return self.drafts.continue_draft(state, p.intent, replace(d, quantity=units, spoken=spoken), new, at)


__all__ = [
    "FRESH_INTENTS",
    "INTENT_OF",
    "KIND_PARTNER",
    "Clarify",
    "carry",
    "kind_named",
]
