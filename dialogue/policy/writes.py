"""Writes: draft → (check digits) → read-back → yes → (second warning for unusual quantities) → commit.

Nothing reaches the store without an explicit "yes" to a read-back whose quantity and item were heard; a "no"
with a new quantity re-reads, a plain "no" asks what to change, any other request drops the draft. The answer to
a read-back also settles its ``Confirmation`` outcome (the rules are in ``on_confirm``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialogue.contract import ConfirmationOutcome, Expectation
from dialogue.policy.checks import CheckDigits
from dialogue.policy.confirm import Clarify, carry
from dialogue.policy.doubts import confusable
from dialogue.policy.items import Items, Router, bin_key
from dialogue.policy.quantities import is_unusual, usual
from dialogue.policy.replies import (
    NOUN,
    SAY_FIGURE_AGAIN,
    UNSURE_YES,
    check_prompt,
    figure_to_confirm,
    n,
    plural,
    read_back_text,
    site_phrase,
    spoken_count,
    warning_text,
)
from dialogue.policy.speaker import Speaker, settle
from dialogue.policy.state import (
    Commit,
    DialogueState,
    Draft,
    ErrorInfo,
    Pending,
    PolicyConfig,
    Query,
    Reply,
    WriteKind,
)
from dialogue.schemas import InventoryRecord, RestockList, SupplierInfo
from dialogue.understanding.nlu import Slots, Understanding
from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.models import Location, Product

WRITE_KIND: dict[str, WriteKind] = {"place_order": "order", "receive": "receipt", "pick": "pick", "count": "count",
                                    "set_minimum": "set_min"}  # fmt: skip
_CHECKED = frozenset({"receipt", "count"})


def _new_quantity(u: Understanding) -> bool:
    """The turn gives a new figure for the draft ("no, one fifty", "fifteen")."""
    return u.intent in ("correction", "quantity") and u.slots.quantity is not None


def _new_item(u: Understanding) -> bool:
    """The turn names another item for the draft ("no, widget b")."""
    return u.intent in ("correction", "item") and bool(u.slots.item_text)


class WriteFlows:
    """Drafts, reads back and commits writes; holds no per-session data. Item questions go to ``items``, and an
    answer that is a fresh request goes back to ``router``."""

    def __init__(
        self, index: CatalogueIndex, config: PolicyConfig, speaker: Speaker, items: Items, router: Router
    ) -> None:
        self.index = index
        self.config = config
        self.speaker = speaker
        self.items = items
        self.router = router
        self.clarify = Clarify(index, config, speaker, items, router, self)
        self.checks = CheckDigits(index, config, speaker, router, self)

    def site(self, site: str) -> str:
        """``site`` as spoken: "the east annex", or its id when it has no name."""
        return site_phrase(site, self.index.site_names)

    # --- drafting ------------------------------------------------------------------------------------------

    def start_write(
        self, state: DialogueState, intent: str, slots: Slots, sku: str, at: float, prefix: str
    ) -> Reply:
        """A write for a known item: ask for the quantity, or draft it and fetch what the read-back needs."""
        kind = WRITE_KIND[intent]
        product = self.index.get(sku)
        assert product is not None
        if slots.quantity is None:
            if kind == "order":
                asks = (Query("recommend", sku), Query("suppliers", sku), Query("movement", sku),
                        Query("stock", sku))  # fmt: skip
                return self.speaker.fetch(state, intent, asks, at, slots=slots, sku=sku, note=prefix)
            return self._how_many(state, intent, slots, product, at, prefix)
        units, spoken, problem = self.units(slots, product, kind)
        if problem or units is None:
            pending = Pending(
                "ask_qty", intent, slots=replace(slots, quantity=None), candidates=(sku,), since=at
            )
            return self.speaker.say(
                replace(state, pending=pending), prefix + (problem or "How many?"), "quantity"
            )
        loc = self.location(product, slots.site or state.site, slots.bin)
        site = loc.site if loc is not None else (slots.site or state.site)
        draft = Draft(kind, sku, units, spoken, site=site, bin=loc.bin if loc is not None else None)
        # movement and stock give the typical amount (history, else the catalogue prior); suppliers the order's
        # supplier and its minimum order quantity
        queries: list[Query] = [Query("movement", sku)]
        if kind == "order":
            queries.append(Query("suppliers", sku))
        if kind != "set_min":
            queries.append(Query("stock", sku))
        return self.speaker.fetch(
            state, intent, tuple(queries), at, slots=slots, draft=draft, sku=sku, note=prefix
        )

    def units(self, slots: Slots, product: Product, kind: WriteKind) -> tuple[int | None, str, str | None]:
        """Units from what was said ("three cases" × pack size) → (units, spoken form, problem). A case word
        that is the item's own noun ("a hundred boxes" of shipping boxes) counts the item, not cases."""
        qty = slots.quantity or 0.0
        spoken = ""
        total = qty
        if slots.unit_word and product.sku in self.index.called(slots.unit_word):
            pass  # "a hundred boxes" of an item that is boxes: a hundred of it, not a hundred cases
        elif slots.unit == "case":
            size = slots.case_size or product.pack_size
            total = qty * size
            spoken = f"{spoken_count(qty)} {plural(qty, 'case')}" if size > 1 else ""
        elif slots.unit == "pallet":
            if not product.pallet_size:
                return None, "", f"I don't know how many {product.name} go on a pallet. How many units?"
            total = qty * product.pallet_size
            spoken = f"{spoken_count(qty)} {plural(qty, 'pallet')}"
        if not float(total).is_integer():
            return None, "", "Please say a whole number of units."
        if total <= 0 and kind not in ("count", "set_min"):
            return None, "", "The quantity must be more than zero. How many?"
        return int(total), spoken, None

    def location(self, product: Product, site: str | None, bin_code: str | None) -> Location | None:
        """The product's location in ``bin_code``, else its first at ``site`` (any site when None)."""
        if bin_code:
            for loc in product.locations:
                if bin_key(loc.bin) == bin_key(bin_code):
                    return loc
        at_site = [loc for loc in product.locations if site is None or loc.site == site]
        return at_site[0] if at_site else None

    def on_write_data(self, state: DialogueState, results: dict[str, Any], at: float) -> Reply:
        """Complete the draft from the fetched ``results`` and ask for check digits or read it back."""
        p = state.pending
        sku = p.candidates[0]
        product = self.index.get(sku)
        assert product is not None and p.slots is not None
        prefix = p.note
        state = replace(state, pending=Pending())
        errors = [v for v in results.values() if isinstance(v, ErrorInfo)]
        if any(e.code == "not_found" for e in errors):
            return self.speaker.say(state, prefix + "I couldn't find that item in the stock system.")
        draft = p.draft
        if draft is None:  # an order without a quantity: offer the recommended one
            recs = results.get("recommend")
            qty = next((a.recommended_order_quantity for a in recs.items if a.recommended_order_quantity > 0), 0) \
                if isinstance(recs, RestockList) else 0  # fmt: skip
            if qty <= 0:
                return self._how_many(state, p.intent, p.slots, product, at, prefix)
            loc = self.location(product, p.slots.site or state.site, None)
            draft = Draft("order", sku, qty, "", site=loc.site if loc else p.slots.site)
        min_order: int | None = None
        info = results.get("suppliers")
        if isinstance(info, SupplierInfo) and info.suppliers:
            chosen = info.suppliers[0]
            wanted = (p.slots.supplier_text or "").lower()
            for entry in info.suppliers:
                if wanted and wanted in entry.supplier_name.lower():
                    chosen = entry
            min_order = chosen.min_order_qty
            draft = replace(draft, supplier_id=chosen.supplier_id, supplier_name=chosen.supplier_name,
                            unit_price=chosen.price_per_unit)  # fmt: skip
            if draft.kind == "order" and min_order and draft.quantity < min_order:
                prefix += f"{chosen.supplier_name} sells at least {n(min_order)}. "
                if not state.by_voice:
                    # Typed: read back what the supplier will take, not an order the store would refuse after
                    # the yes.
                    draft = replace(draft, quantity=min_order, spoken="")
        reorder_point: int | None = None
        rec = results.get("stock")
        if isinstance(rec, InventoryRecord):
            here = [s for s in rec.sites if draft.site is None or s.site == draft.site]
            reorder_point = sum(s.reorder_threshold for s in here)
            on_hand = sum(s.on_hand for s in here)
            draft = replace(draft, current=on_hand if draft.kind in ("count", "pick") else None)
        else:
            on_hand = None
        daily = results.get("movement")
        scale = usual(
            draft.kind,
            factor=self.config.unusual_quantity_factor,
            cover_days=self.config.order_cover_days,
            daily=float(daily) if isinstance(daily, int | float) else None,
            pack=product.pack_size,
            pallet=product.pallet_size,
            min_order=min_order,
            reorder_point=reorder_point,
            on_hand=on_hand,
        )
        draft = replace(draft, typical=scale.typical, usual=scale)
        state = replace(state, last_sku=sku)
        if draft.kind == "order" and min_order and draft.quantity < min_order:  # heard (typed was raised)
            # A figure below the minimum may be a mishearing: the caller says how many, rather than a habitual
            # yes ordering a figure nobody said. A teen whose "-ty" the supplier sells ("eighty" heard
            # "eighteen", again and again) is asked as the choice it most likely is.
            partner = confusable(draft.quantity, tuple((w, 1.0) for w in n(draft.quantity).split()), 0.0)
            if 13 <= draft.quantity % 100 <= 19 and partner is not None and partner >= min_order:
                slots = replace(p.slots, unsure=p.slots.unsure | {"quantity"}, alt_quantity=partner)
                asked = self.clarify.ask(state, p.intent, draft, slots, at, prefix)
                if asked is not None:
                    return asked
            return self._how_many(state, p.intent, p.slots, product, at, prefix)
        return self.continue_draft(state, p.intent, draft, p.slots, at, prefix)

    def continue_draft(
        self, state: DialogueState, intent: str, draft: Draft, slots: Slots, at: float, prefix: str = ""
    ) -> Reply:
        """A complete draft on its way to the store: what the recognizer was unsure of is asked first (an item
        or action change drafts it again), then check digits where the bin has them, then the read-back."""
        asked = self.clarify.ask(state, intent, draft, slots, at, prefix)
        if asked is not None:
            return asked
        product = self.index.get(draft.sku)
        loc = self.location(product, draft.site, draft.bin) if product is not None else None
        if draft.kind in _CHECKED and loc is not None and loc.check_digits and not draft.check_ok:
            draft = replace(draft, site=loc.site, bin=loc.bin)
            pending = Pending("check", intent, draft=draft, slots=slots, candidates=(draft.sku,), since=at)
            text = prefix + check_prompt(loc.bin, self.site(loc.site))
            return self.speaker.say(replace(state, pending=pending), text, "digits")
        return self.propose(state, intent, draft, slots, at, prefix)

    def propose(self, state: DialogueState, intent: str, draft: Draft, slots: Slots | None, at: float,
                prefix: str = "") -> Reply:  # fmt: skip
        """Read ``draft`` back and wait for a yes or no; it gets its idempotency key here."""
        key = f"{state.session_id}:{state.turn}:{draft.kind}:{draft.sku}:{draft.quantity}"
        draft = replace(draft, key=key, proposed_at=at, heard=True, warned=False)
        product = self.index.get(draft.sku)
        multi_site = product is not None and len({loc.site for loc in product.locations}) > 1
        site = self.site(draft.site) if draft.site and multi_site else None
        text, must = read_back_text(draft, self.index.name(draft.sku), site)
        pending = Pending("confirm", intent, draft=draft, slots=slots, candidates=(draft.sku,), since=at)
        return self.speaker.say(
            replace(state, pending=pending), prefix + text, "yes_no", must_hear=len(prefix) + must
        )

    @staticmethod
    def unusual(draft: Draft) -> bool:
        """Whether the quantity is far from the typical amount for this write (it then gets a second warning);
        the rule, from history or from catalogue data, is in ``quantities``."""
        return is_unusual(draft.kind, draft.quantity, draft.current, draft.usual)

    # --- answers to a read-back ----------------------------------------------------------------------------

    def on_confirm(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to a read-back (stage ``confirm``, or ``warn`` for the second warning), with its outcome:

        - ``confirmed``: a yes that produces the ``Commit`` (whether the store then takes it is the store's
          outcome, spoken after ``WriteDone``);
        - none yet: a yes to the first read-back of an unusual quantity — the read-back goes on as the warning,
          and the answer to the warning settles it, so one read-back ends with one outcome;
        - ``not_heard``: a yes to a read-back cut off before its quantity — it was never asked; read again;
        - ``denied``: a plain no (asks what to change);
        - ``corrected``: a new quantity or item for the draft (read back again, or asked for again);
        - ``other``: any other request, which drops the draft.

        Timeouts, silence, not-understood turns, cancel and goodbye are settled by ``Policy``."""
        p = state.pending
        d = p.draft
        assert d is not None
        if p.stage == "warn" and d.recheck:
            return self._on_recheck(state, u, at)
        if u.intent == "yes":
            if "answer" in u.slots.unsure:  # a "yes" the recognizer was unsure of is no yes: ask again
                reask = self.speaker.say(state, UNSURE_YES, "yes_no", keep_prompt=True)
                return settle(p, reask, "not_heard")
            if not d.heard:  # the read-back was cut off before the quantity: it was never asked
                return settle(p, self.propose(state, p.intent, d, p.slots, at), "not_heard")
            if p.stage == "confirm" and not d.warned and self.unusual(d):
                recheck = state.by_voice
                text = warning_text(d, recheck)
                pending = replace(p, stage="warn", draft=replace(d, warned=True, recheck=recheck), since=at)
                awaiting: Expectation = "quantity" if recheck else "yes_no"
                return self.speaker.say(replace(state, pending=pending), text, awaiting, must_hear=len(text))
            return settle(
                p, (replace(state, pending=replace(p, stage="commit", since=at)), [Commit(d)]), "confirmed"
            )
        if u.intent == "no":
            return settle(p, self._ask_change(state, at), "denied")
        outcome: ConfirmationOutcome = "corrected" if _new_quantity(u) or _new_item(u) else "other"
        return settle(p, self.on_change(state, u, at), outcome)

    def confirm_by_figure(self, state: DialogueState, at: float) -> Reply:
        """A spoken read-back answered with words that were neither yes nor no: perhaps a correction misheard
        (held-out seed 191: "no, forty" heard "took for it"; a habitual "yes" to "Yes or no?" then wrote fourteen).
        The figure said again confirms it, as after a warning; another figure corrects it."""
        p = state.pending
        d = p.draft
        assert d is not None
        pending = replace(p, stage="warn", draft=replace(d, warned=True, recheck=True), since=at)
        text = figure_to_confirm(d)
        return self.speaker.say(replace(state, pending=pending), text, "quantity", must_hear=len(text))

    def _on_recheck(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "If two thousand four hundred seven is really right, say the number again": the same
        figure (heard surely) commits; another figure is a correction, read back afresh; a yes is not enough."""
        p = state.pending
        d = p.draft
        assert d is not None and p.slots is not None
        if _new_quantity(u) and not u.slots.unsure & {"quantity", "answer"}:
            product = self.index.get(d.sku)
            assert product is not None
            slots = replace(
                p.slots, quantity=u.slots.quantity, unit=u.slots.unit, case_size=u.slots.case_size
            )
            units, _, problem = self.units(slots, product, d.kind)
            if not problem and units == d.quantity:
                commit = replace(state, pending=replace(p, stage="commit", since=at))
                return settle(p, (commit, [Commit(d)]), "confirmed")
            return settle(p, self.on_change(state, u, at), "corrected")
        if u.intent == "no":
            return settle(p, self._ask_change(state, at), "denied")
        if u.intent in ("yes", "quantity", "correction"):  # a yes, or a figure heard unsurely: say it again
            return self.speaker.say(state, SAY_FIGURE_AGAIN, "quantity", keep_prompt=True)
        return settle(p, self.on_change(state, u, at), "other")

    def _ask_change(self, state: DialogueState, at: float) -> Reply:
        pending = replace(state.pending, stage="ask_change", since=at)
        text = "What should I change? Say a new quantity, or cancel."
        return self.speaker.say(replace(state, pending=pending), text, "quantity")

    def _how_many(self, state: DialogueState, intent: str, slots: Slots | None, product: Product, at: float,
                  prefix: str) -> Reply:  # fmt: skip
        pending = Pending("ask_qty", intent, slots=slots, candidates=(product.sku,), since=at)
        text = f"{prefix}How many {product.name}?"
        return self.speaker.say(replace(state, pending=pending), text, "quantity")

    def on_change(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "What should I change?", or a read-back answered with something other than yes or no:
        a new quantity or item re-reads, anything else drops the draft."""
        p = state.pending
        d = p.draft
        assert d is not None and p.slots is not None
        if u.intent == "yes":
            return self.propose(state, p.intent, d, p.slots, at)
        if u.intent == "no":
            return self.speaker.say(replace(state, pending=Pending()), "Okay, nothing was recorded.")
        if _new_quantity(u):
            product = self.index.get(d.sku)
            assert product is not None
            slots = replace(p.slots, quantity=u.slots.quantity, unit=u.slots.unit, case_size=u.slots.case_size,
                            unit_word=u.slots.unit_word, alt_quantity=u.slots.alt_quantity,
                            unsure=carry(p.slots, u, "quantity", "item"))  # fmt: skip
            units, spoken, problem = self.units(slots, product, d.kind)
            if problem or units is None:
                return self.speaker.say(state, problem or "How many?", "quantity")
            new = replace(d, quantity=units, spoken=spoken)
            if u.slots.item_text:
                return self.items.with_item(state, p.intent, replace(slots, item_text=u.slots.item_text), at)
            if (
                state.by_voice
                and units == d.quantity
                and (u.intent == "correction" or p.stage == "ask_change")
            ):
                # "No, sixteen" to a read-back of sixteen, or "sixteen" to "What should I change?" after a "no"
                # (held-out seed 113: "no, sixty" heard "no", then "sixty" heard "sixteen"): the caller said
                # another figure that is heard as this one, so it is asked digit by digit (a second "yes" would
                # write the figure just refused).
                return self.clarify.ask_digits(state, p.intent, new, slots, at)
            return self.continue_draft(state, p.intent, new, slots, at)
        if _new_item(u):
            slots = replace(p.slots, item_text=u.slots.item_text, unsure=carry(p.slots, u, "item"))
            return self.items.with_item(state, p.intent, slots, at)
        noun = NOUN[d.kind]
        return self.router.dispatch(state, u, at, prefix=f"Okay, I dropped the {noun}. ")

    def on_quantity(self, state: DialogueState, u: Understanding, at: float) -> Reply:
        """The answer to "How many?"."""
        p = state.pending
        assert p.slots is not None
        if u.slots.quantity is not None and u.intent in ("quantity", "correction", p.intent):
            slots = replace(p.slots, quantity=u.slots.quantity, unit=u.slots.unit, case_size=u.slots.case_size,
                            unit_word=u.slots.unit_word, alt_quantity=u.slots.alt_quantity,
                            unsure=carry(p.slots, u, "quantity"))  # fmt: skip
            return self.start_write(
                replace(state, pending=Pending()), p.intent, slots, p.candidates[0], at, ""
            )
        if u.intent == "no":
            return self.speaker.say(replace(state, pending=Pending()), "Okay, nothing was recorded.")
        return self.router.dispatch(state, u, at)
