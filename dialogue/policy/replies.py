"""Reply wording: short, speakable sentences with numbers as words. Read-backs return where the part that must
be heard ends, so a read-back cut off by barge-in before it can be treated as not asked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from dialogue.policy.state import Draft, Stage
from dialogue.understanding.numbers import digits_words, quantity_words, read_back, to_words

LABEL = {"order": "ORDER", "receipt": "RECEIVE", "pick": "PICK", "count": "COUNT", "set_min": "MINIMUM"}
"""Each write's read-back opens with its kind, said apart from the rest, so a pick cannot pass for a receipt."""
NOUN = {"order": "order", "receipt": "receipt", "pick": "pick", "count": "count", "set_min": "minimum"}
KIND_WORD = {"order": "order", "receipt": "receive", "pick": "pick", "count": "count", "set_min": "minimum"}
"""The word a caller says to name each kind of write, as offered in "Did you say pick or receive?"."""


_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")


def speakable(text: str) -> str:
    """Digits left in a reply (store messages, model answers) become words, so TTS never guesses."""

    def words(m: re.Match[str]) -> str:
        raw = m.group(0).replace(",", "")
        if "." in raw:
            whole, frac = raw.split(".", 1)
            return f"{to_words(int(whole))} point {digits_words(frac)}"
        return to_words(int(raw))

    return _DIGITS.sub(words, text)


def n(value: float) -> str:
    return quantity_words(value)


def whole(value: float) -> str:
    """A figure rounded to a whole number, in words: 12.6 → "thirteen"."""
    return to_words(round(value))


def units(value: float, unit: str = "each") -> str:
    """A rounded figure with its unit: "twelve", "three boxes" (nothing is added for "each")."""
    word = "" if unit in ("each", "ea", "") else f" {unit}{'' if round(value) == 1 else 's'}"
    return f"{whole(value)}{word}"


def site_phrase(site: str, names: Mapping[str, str]) -> str:
    """A site as said in a sentence: "the east annex" for a site with a recorded name, else its id."""
    name = names.get(site)
    if not name:
        return site
    return name if name.lower().startswith("the ") else f"the {name}"


def spoken_order_id(order_id: str) -> str:
    """ "PO-10012" → "P O one zero zero one two", so TTS does not say "ten thousand twelve"."""
    letters = " ".join(c for c in order_id.split("-")[0] if c.isalpha())
    return f"{letters} {digits_words(order_id)}".strip()


def plural(count: float, word: str) -> str:
    return word if count == 1 else (word + "es" if word.endswith(("s", "x")) else word + "s")


def spoken_quantity(qty: int) -> str:
    """ "fifteen, one five" — digits added for numbers with homophones."""
    words, digits = read_back(qty)
    return f"{words}, {digits}," if digits else words


def spoken_count(count: float) -> str:
    """A count of cases or pallets as said back: the digits go on the number the worker said ("seven hundred
    thirty, seven three zero"), not on the unit total it implies."""
    return spoken_quantity(int(count)) if float(count).is_integer() else n(count)


def join_names(names: Sequence[str], conj: str = "or") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]


def read_back_text(draft: Draft, name: str, site: str | None) -> tuple[str, int]:
    """(text, must_hear_chars). The kind leads ("PICK: taking twelve coffee pods OUT of bin ..."), then the
    quantity and item; the must-hear offset is the end of those (for a count, of its figure), so a read-back
    cut off before them was not asked. ``site``: the site as spoken, when it needs saying."""
    qty = spoken_quantity(draft.quantity)
    if (
        draft.spoken
    ):  # "three cases, three hundred units, of ..." (the total in words: its digits add nothing)
        qty = f"{draft.spoken}, {n(draft.quantity)} {'unit' if draft.quantity == 1 else 'units'}, of"
    at = f" at {site}" if site else ""
    place = f"bin {spell_bin(draft.bin)}" if draft.bin else "stock"
    if draft.kind == "count":
        body, tail = f"COUNT: {name}{at} set to {qty.removesuffix(', of')}", ""
    elif draft.kind == "pick":
        body, tail = f"PICK: taking {qty} {name}", f" OUT of {place}{at}"
    elif draft.kind == "receipt":
        body, tail = f"RECEIVE: adding {qty} {name}", f" IN to {place}{at}"
    elif draft.kind == "order":
        supplier = f" from {draft.supplier_name}" if draft.supplier_name else ""
        body, tail = f"ORDER: buying {qty} {name}", supplier + (f" for {site}" if site else "")
    else:
        body, tail = f"MINIMUM: keep at least {qty} {name}", at
    body = body.rstrip(",")
    return f"{body}{tail}? Say yes to confirm.", len(body)


def warning_text(draft: Draft, recheck: bool = False) -> str:
    """The second warning for an unusual quantity: against sales history "the usual amount"; against the
    catalogue prior (no history) a normal write of that kind, or for a count the figure on record. ``recheck``
    (a spoken turn): the figure must be said again, since a yes by habit would confirm a misheard one."""
    again = (
        f"If {to_words(draft.quantity)} is really right, say the number again."
        if recheck
        else f"Say yes again if {to_words(draft.quantity)} is really right."
    )
    if draft.usual is not None and draft.usual.source == "catalogue":
        if draft.kind == "count" and draft.current is not None:
            diff = draft.quantity - draft.current
            more = "more" if diff > 0 else "fewer"
            return (
                f"That is {to_words(abs(diff))} {more} than the {to_words(draft.current)} on record. {again}"
            )
        ratio = draft.quantity / max(draft.usual.typical, 1.0)
        return (
            f"That is about {to_words(round(ratio))} times a normal {NOUN[draft.kind]} of this item. {again}"
        )
    ratio = draft.quantity / max(draft.typical or 1.0, 1.0)
    return f"That is about {to_words(round(ratio))} times the usual amount. {again}"


def figure_to_confirm(draft: Draft) -> str:
    """A read-back answered with words that were neither yes nor no: the figure confirms it, not a yes."""
    return f"Sorry, I didn't catch that. If {to_words(draft.quantity)} is right, say it again. If not, say the right number."


def spell_bin(code: str) -> str:
    """ "B-07-3" → "B zero seven three": one character at a time, so the worker can compare with the label."""
    out = []
    for ch in code:
        if ch.isdigit():
            out.append(to_words(int(ch)))
        elif ch.isalpha():
            out.append(ch.upper())
    return " ".join(out)


def check_prompt(bin_code: str, site: str) -> str:
    """``site`` as spoken ("the east annex")."""
    return f"Go to bin {spell_bin(bin_code)} at {site}. What are the check digits?"


# --- targeted questions about what the recognizer was unsure of (``confirm``) ---------------------------


def quantity_question(heard: float, alt: float, name: str, unit: str | None) -> str:
    """ "Fifteen or fifty coffee pods?" — the figure heard and the one it is easily confused with."""
    a, b = n(heard), n(alt)
    what = f"{plural(alt, unit)} of {name}" if unit is not None and unit != "each" else name
    return f"{a.capitalize()} or {b} {what}?"


def quantity_again(name: str) -> str:
    """Asked for an unsure quantity with no confusable partner."""
    return f"I'm not sure I heard the quantity. How many {name}?"


def quantity_digits(name: str) -> str:
    """Asked when a quantity was heard unsurely twice: digits are hard to mishear ("three eight" where "thirty
    eight" and "forty eight" were confused)."""
    return f"Please say the number of {name} digit by digit, like one two for twelve."


def pair_digits(heard: float, alt: float, name: str, unit: str | None) -> str:
    """ "Sixteen or sixty coffee pods? Say it digit by digit: one six, or six zero." Two figures misheard for
    each other are misheard the same way each time they are said: digits settle them."""
    a, b = digits_words(str(int(heard))), digits_words(str(int(alt)))
    return f"{quantity_question(heard, alt, name, unit)} Say it digit by digit: {a}, or {b}."


def kind_question(heard: str, alt: str) -> str:
    """ "Did you say pick or receive?" (kinds as ``KIND_WORD``)."""
    return f"Did you say {KIND_WORD[heard]} or {KIND_WORD[alt]}?"


def item_question(names: Sequence[str]) -> str:
    if len(names) > 1:
        return f"Which item: {join_names(names)}?"
    return "I'm not sure which item you said. Please say the item name."


def what_for(name: str) -> str:
    """Asked when only the item of a request was heard clearly."""
    return f"{name[0].upper()}{name[1:]}. Check, order, pick, receive or count?"


WHAT_FOR_DROPPED = "Sorry, I didn't get that, so nothing was recorded. What do you need?"
UNSURE_AGAIN = "Sorry, I'm still not sure. "
DIGITS_PLEASE = "Sorry, I need the digits. "
DIGITS_HINT = "Say the number digit by digit, like one two for twelve."
STEP_DOWN = "Sorry, I didn't get that either. Let's go step by step. Which item?"
CHOICE_DROPPED = "Sorry, I still couldn't tell which item, so nothing was recorded. What do you need?"
UNSURE_DROPPED = "I still couldn't hear that clearly, so nothing was recorded. Please say it again."
SAY_FIGURE_AGAIN = "Please say the number again, to be sure."
UNSURE_YES = "Sorry, was that a yes? Say yes to confirm, or no."


HELP: dict[Stage, str] = {
    "idle": "You can ask how many of an item we have, where it is, what is running low, or what to order. "
    "You can also say order, received, picked, count, or keep at least, with a quantity and an item.",
    "confirm": "Say yes to confirm, no to change it, a new quantity to correct it, or cancel.",
    "warn": "Say yes (or, when asked, the number again) if the quantity is right, a new quantity to correct it, "
    "or cancel.",
    "check": "Say the check digits printed at the bin, or cancel.",
    "ask_qty": "Say a quantity, like twelve or three cases, or cancel.",
    "ask_item": "Say the item name, or cancel.",
    "choose": "Say which item you mean, or cancel.",
    "ask_change": "Say a new quantity, a different item, or cancel.",
    "fetch": "One moment.",
    "commit": "One moment.",
    "which_item": "Say the item name, or cancel.",
    "which_kind": "Say pick, receive, order or count, or cancel.",
    "what_for": "Say check, order, pick, receive or count, or cancel.",
    "which_qty": "Say the quantity, like fifteen, or digit by digit, like one five, or cancel.",
}

HINT: dict[Stage, str] = {
    "idle": "What do you need?",
    "confirm": "Yes or no?",
    "warn": "Yes or no?",
    "check": "Check digits?",
    "ask_qty": "How many?",
    "ask_item": "Which item?",
    "choose": "Which one?",
    "ask_change": "New quantity, or cancel?",
    "fetch": "One moment.",
    "commit": "One moment.",
    "which_item": "Which item?",
    "which_kind": "Pick, receive, order or count?",
    "what_for": "Check, order, pick, receive or count?",
    "which_qty": "How many?",
}


def list_reply(intro: str, lines: Sequence[str], page: int) -> tuple[str, tuple[str, ...]]:
    """First ``page`` lines after the intro, and the rest for "more"."""
    shown, rest = list(lines[:page]), tuple(lines[page:])
    text = f"{intro} {'; '.join(shown)}."
    if rest:
        text += f" And {to_words(len(rest))} more — say more."
    return text, rest


def more_reply(rest: Sequence[str], page: int) -> tuple[str, tuple[str, ...]]:
    shown, remaining = list(rest[:page]), tuple(rest[page:])
    text = "; ".join(shown) + "."
    if remaining:
        text += f" And {to_words(len(remaining))} more — say more."
    return text[0].upper() + text[1:], remaining
