"""Shared policy machinery: speaking (and remembering the prompt for "say again"), asking for data, and working
out which item is meant — by name, pronoun ("it" = the last item), bin, or by asking."""

from __future__ import annotations

import re
from dataclasses import replace

from dialogue.policy.replies import join_names, speakable
from dialogue.policy.state import (
    Action,
    DialogueState,
    Draft,
    Expectation,
    Fetch,
    Pending,
    PolicyConfig,
    Prompt,
    Query,
    Speak,
)
from dialogue.understanding.nlu import Slots, Understanding
from dialogue.understanding.resolve import CatalogueIndex, is_pronoun

Reply = tuple[DialogueState, list[Action]]

_STAGE_AWAITS: dict[str, Expectation] = {
    "confirm": "yes_no", "warn": "yes_no", "check": "digits", "ask_qty": "quantity", "ask_item": "item",
    "choose": "choice", "ask_change": "quantity",
}  # fmt: skip
_ORDINAL = {"first": 0, "one": 0, "second": 1, "two": 1, "third": 2, "three": 2, "fourth": 3, "four": 3,
            "last": -1, "top": 0}  # fmt: skip


def _bin_key(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", code.upper())


class PolicyBase:
    def __init__(self, index: CatalogueIndex, config: PolicyConfig) -> None:
        self.index = index
        self.config = config
        self._bins: dict[str, list[tuple[str, str]]] = {}
        for sku, product in index.products.items():
            for loc in product.locations:
                self._bins.setdefault(_bin_key(loc.bin), []).append((sku, loc.site))

    # --- speaking ------------------------------------------------------------------------------------------

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
        awaiting = _STAGE_AWAITS.get(pending.stage, "free")
        if pending.stage == "choose":
            names = tuple(self.index.name(s) for s in pending.candidates)
            return awaiting, names + (("yes", "no") if len(names) == 1 else ())
        return awaiting, ()

    def fetch(
        self, state: DialogueState, intent: str, queries: tuple[Query, ...], at: float, *,
        slots: Slots | None = None, draft: Draft | None = None, sku: str | None = None, note: str = "",
    ) -> Reply:  # fmt: skip
        pending = Pending("fetch", intent=intent, draft=draft, slots=slots, since=at,
                          candidates=(sku,) if sku else (), note=note)  # fmt: skip
        return replace(state, pending=pending), [Fetch(queries)]

    # --- which item ---------------------------------------------------------------------------------------

    def proceed(
        self, state: DialogueState, intent: str, slots: Slots, sku: str, at: float, prefix: str
    ) -> Reply:
        raise NotImplementedError

    def dispatch(self, state: DialogueState, u: Understanding, at: float, prefix: str = "") -> Reply:
        raise NotImplementedError

    def item_by_bin(self, code: str) -> tuple[str, str] | None:
        hits = self._bins.get(_bin_key(code), [])
        return hits[0] if len(hits) == 1 else None

    def with_item(
        self, state: DialogueState, intent: str, slots: Slots, at: float, prefix: str = ""
    ) -> Reply:
        text = slots.item_text
        if text and slots.bin is None and text.strip() == "from":
            text = None
        if text is None or is_pronoun(text):
            if text is None and slots.bin:
                found = self.item_by_bin(slots.bin)
                if found is not None:
                    return self.proceed(state, intent, replace(slots, site=slots.site or found[1]), found[0], at,
                                        prefix)  # fmt: skip
                return self.ask_item(state, intent, slots, at, prefix + "I don't know that bin. Which item?")
            if state.last_sku is not None:
                return self.proceed(state, intent, slots, state.last_sku, at, prefix)
            return self.ask_item(state, intent, slots, at, prefix + "Which item?")
        res = self.index.resolve(text)
        if res.kind == "match" and res.sku is not None:
            return self.proceed(state, intent, slots, res.sku, at, prefix)
        if res.kind == "ambiguous":
            return self.ask_choice(state, intent, slots, res.candidates, at, prefix)
        if res.suggestions:
            names = join_names([self.index.name(s) for s in res.suggestions[:2]])
            pending = Pending("choose", intent, slots=slots, candidates=res.suggestions[:2], since=at)
            state = replace(state, pending=pending)
            return self.say(
                state, f"{prefix}I don't know {text}. Did you mean {names}?", *self.expect(pending)
            )
        return self.ask_item(state, intent, slots, at, f"{prefix}I couldn't find {text}. Which item?")

    def ask_item(self, state: DialogueState, intent: str, slots: Slots, at: float, text: str) -> Reply:
        pending = Pending("ask_item", intent, slots=slots, since=at)
        return self.say(replace(state, pending=pending), text, "item")

    def ask_choice(
        self,
        state: DialogueState,
        intent: str,
        slots: Slots,
        candidates: tuple[str, ...],
        at: float,
        prefix: str,
    ) -> Reply:
        shown = candidates[:3]
        names = [self.index.name(s) for s in shown]
        if len(candidates) > 3:
            text = f"{prefix}Which one? For example {join_names(names)}."
        else:
            text = f"{prefix}{join_names(names)}?"
        pending = Pending("choose", intent, slots=slots, candidates=candidates, since=at)
        return self.say(replace(state, pending=pending), text[0].upper() + text[1:], *self.expect(pending))

    def on_item_answer(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        p = state.pending
        assert p.slots is not None
        if u.intent in ("item", "unknown", "correction") or (u.intent == p.intent and not _has_quantity(u)):
            phrase = u.slots.item_text or u.text
            return self.with_item(state, p.intent, replace(p.slots, item_text=phrase), at)
        if u.intent in ("no",):
            return self.say(replace(state, pending=Pending()), "Okay. What do you need?")
        return self.dispatch(state, u, at)

    def on_choice(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        p = state.pending
        assert p.slots is not None
        if u.intent == "yes" and len(p.candidates) == 1:
            return self.proceed(replace(state, pending=Pending()), p.intent, p.slots, p.candidates[0], at, "")
        if u.intent == "no":
            return self.ask_item(state, p.intent, p.slots, at, "Which item then?")
        picked = self.choose(
            u.text if u.intent != "correction" else (u.slots.item_text or u.text), p.candidates
        )
        if picked is not None:
            return self.proceed(replace(state, pending=Pending()), p.intent, p.slots, picked, at, "")
        if u.intent in ("item", "unknown", "correction"):
            return self.with_item(
                state, p.intent, replace(p.slots, item_text=u.slots.item_text or u.text), at
            )
        return self.dispatch(state, u, at)

    def choose(self, answer: str, candidates: tuple[str, ...]) -> str | None:
        """Which candidate an answer picks: "the second one", the words that tell them apart ("large"), or a
        fuzzy match restricted to the candidates."""
        words = re.findall(r"[a-z]+", answer.lower())
        filler = {"the", "one", "please", "that", "i", "mean", "meant", "said"}
        for w in words:
            if w in _ORDINAL and w != "one" and len(candidates) > 1:
                idx = _ORDINAL[w]
                return candidates[idx] if idx < len(candidates) else None
        names = {s: set(re.findall(r"[a-z]+", self.index.name(s).lower())) for s in candidates}
        common = set.intersection(*names.values()) if names else set()
        said = {w for w in words if w not in filler} - common
        exact = [s for s, ws in names.items() if said and ws - common == said]
        if len(exact) == 1:
            return exact[0]
        res = self.index.resolve(answer, among=candidates)
        return res.sku if res.kind == "match" else None


def _has_quantity(u: Understanding) -> bool:
    return u.slots.quantity is not None
