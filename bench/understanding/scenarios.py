"""Scenario scripts (multi-turn tasks with their expected outcome) and the caller model that plays them.

A ``Task`` says what the caller wants: a stock figure, one write (kind, SKU, quantity, site), nothing at all
(a cancel), a choice to be asked (an ambiguous family), or "not known" (an item the store does not carry). The
``Caller`` answers each reply: read-backs with "yes" (the always-yes habit caller) or, in careful mode, "yes" only
when the read-back matches the intent, else a correction; quantities, check digits and choices from what it
knows. Scripted interventions ("no, fifty", "say again", "cancel") come first."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Literal

from bench.understanding.catalogues import Catalogue, Item
from bench.understanding.numbers import numbers_in, say_digits, say_number

WriteKind = Literal["order", "pick", "receipt", "count"]
CallerMode = Literal["always_yes", "careful"]


@dataclass(frozen=True)
class Write:
    kind: WriteKind
    sku: str
    quantity: int
    site: str | None = None  # None: wherever the service puts it (the primary location)


@dataclass(frozen=True)
class Task:
    task_id: str
    kind: str  # stock, stock_site, order, pick, receipt, count, correction, cancel, say_again, ambiguous,
    #            unknown, unknown_write
    opening: str
    sku: str | None = None  # the item meant (None for an unknown item)
    site: str | None = None  # a site the caller named
    write: Write | None = None  # the one write expected (None: nothing may be written)
    first_quantity: int | None = None  # correction tasks: what the caller says first, then corrects
    choice: str | None = None  # ambiguous tasks: how the caller picks among the offered choices
    unknown: str | None = None  # the unknown item's name

    @property
    def is_write_task(self) -> bool:
        return self.kind not in ("stock", "stock_site", "unknown")

    @property
    def scripted_turns(self) -> int:
        """Caller turns a perfect run takes, check digits not counted."""
        extra = {"correction": 1, "say_again": 1, "ambiguous": 1}.get(self.kind, 0)
        return 1 + extra + (1 if self.write is not None else 0) + (1 if self.kind == "cancel" else 0)


VERBS: dict[WriteKind, tuple[str, ...]] = {
    "order": ("order {q} {n}", "place an order for {q} {n}", "we need to order {q} {n}"),
    "pick": ("we picked {q} {n}", "pick {q} {n}", "I just picked {q} {n}"),
    "receipt": ("we received {q} {n}", "receive {q} {n}", "{q} {n} just came in"),
    "count": ("count for {n} is {q}", "I counted {q} {n}", "the count on {n} is {q}"),
}
CORRECTIONS = ((15, 50), (13, 30), (14, 40), (16, 60), (70, 17), (80, 18))


def _qty(rng: random.Random, item: Item, kind: WriteKind) -> int:
    if kind == "order":
        step = max(5, item.min_order_qty)
        return step * rng.randint(1, 4)
    if kind == "pick":
        return rng.randint(2, max(3, min(40, min(item.stock.values()) // 2)))
    if kind == "count":
        return rng.randint(5, 300)
    return rng.choice((6, 12, 20, 24, 36, 48, 75, 120))


def _say(template: str, q: int, name: str) -> str:
    return template.format(q=say_number(q), n=name)


def build_tasks(cat: Catalogue, seed: int) -> list[Task]:
    """Twelve tasks on one catalogue, deterministic for ``seed``."""
    rng = random.Random(f"tasks:{cat.trade}:{seed}")
    singles = [i for i in cat.items if i.family is None]
    rng.shuffle(singles)
    pool = iter(singles + list(cat.items))
    tid = f"{cat.trade}"
    tasks: list[Task] = []

    a = next(pool)
    tasks.append(Task(f"{tid}.stock", "stock", rng.choice(("how many {n} do we have", "what's the stock of {n}",
                      "how many {n} are there")).format(n=a.name), sku=a.sku))  # fmt: skip
    b = next(i for i in cat.items if len(i.stock) == 2 and i.sku != a.sku)
    site = rng.choice(list(b.stock))
    tasks.append(Task(f"{tid}.stock_site", "stock_site",
                      f"how many {b.name} at the {cat.site(site).spoken}", sku=b.sku, site=site))  # fmt: skip
    for kind in ("order", "pick", "receipt", "count"):
        it = next(pool)
        q = _qty(rng, it, kind)  # type: ignore[arg-type]
        k: WriteKind = kind  # type: ignore[assignment]
        tasks.append(Task(f"{tid}.{kind}", kind, _say(rng.choice(VERBS[k]), q, it.name), sku=it.sku,
                          write=Write(k, it.sku, q)))  # fmt: skip
    it = next(pool)
    wrong, right = rng.choice(CORRECTIONS)
    tasks.append(Task(f"{tid}.correction", "correction", _say(rng.choice(VERBS["receipt"]), wrong, it.name),
                      sku=it.sku, write=Write("receipt", it.sku, right), first_quantity=wrong))  # fmt: skip
    it = next(pool)
    q = _qty(rng, it, "pick")
    tasks.append(Task(f"{tid}.cancel", "cancel", _say(rng.choice(VERBS["pick"]), q, it.name), sku=it.sku))
    it = next(pool)
    q = _qty(rng, it, "order")
    tasks.append(Task(f"{tid}.say_again", "say_again", _say(rng.choice(VERBS["order"]), q, it.name), sku=it.sku,
                      write=Write("order", it.sku, q)))  # fmt: skip
    family = rng.choice(sorted(cat.families))
    chosen = cat.item(rng.choice(cat.families[family]))
    q = _qty(rng, chosen, "order")
    variant = chosen.variant or ""
    choice = f"the {variant} ones" if len(variant.split()) == 1 else f"the {variant}"
    tasks.append(Task(f"{tid}.ambiguous", "ambiguous", _say(rng.choice(VERBS["order"]), q, family),
                      sku=chosen.sku, write=Write("order", chosen.sku, q), choice=choice))  # fmt: skip
    unknown = rng.sample(cat.unknown, 2)
    tasks.append(Task(f"{tid}.unknown", "unknown", f"how many {unknown[0]} do we have", unknown=unknown[0]))
    tasks.append(Task(f"{tid}.unknown_write", "unknown_write", _say(VERBS["order"][0], 20, unknown[1]),
                      unknown=unknown[1]))  # fmt: skip
    return tasks


# -- the caller ------------------------------------------------------------------------------------------------
NOT_KNOWN = re.compile(r"\b(don't know|do not know|not in the catalogue|no item|not (?:a|an) item|can't find|"
                       r"couldn't find|not carry|don't carry|no such)\b")  # fmt: skip
REPROMPT = re.compile(
    r"\b(sorry|didn't catch|did not catch|say that again|pardon|repeat that|didn't hear|"
    r"what do you need)\b"
)
ACTION_WORD: dict[WriteKind, str] = {"order": "order", "pick": "pick", "receipt": "receive", "count": "count"}
KIND_WORDS: dict[WriteKind, tuple[str, ...]] = {
    "order": ("order",), "pick": ("pick",), "receipt": ("receiv", "receipt"), "count": ("count",),
}  # fmt: skip


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


@dataclass
class Caller:
    """Plays one task against the replies it hears."""

    task: Task
    cat: Catalogue
    mode: CallerMode
    max_turns: int = 8
    said: list[str] = field(default_factory=list)
    corrected: bool = False
    cancelled: bool = False
    asked_again: bool = False
    chose: bool = False
    choice_offered: bool = False
    repeated_verbatim: bool | None = None  # say-again tasks: the repeat was the same prompt
    digits_answered: int = 0
    restated: bool = False
    repeats: int = 0
    _last_reply: str = ""

    def first(self) -> str:
        return self._say(self.task.opening)

    def _say(self, text: str) -> str:
        self.said.append(text)
        return text

    def respond(self, reply: str, awaiting: str) -> str | None:
        """What the caller says next, or None when the task is over."""
        if len(self.said) >= self.max_turns:
            return None
        text, task = words(reply), self.task
        previous, self._last_reply = self._last_reply, reply
        if self.asked_again and self.repeated_verbatim is None:
            self.repeated_verbatim = reply.strip() == previous.strip()
        if awaiting == "yes_no":
            return self._read_back(text)
        if awaiting == "digits" and "digit by digit" in text and task.write is not None:
            return self._say(say_digits(str(task.write.quantity)))  # a quantity, one digit at a time
        if awaiting == "digits":
            self.digits_answered += 1
            return self._say(say_digits(self._check_digits(text)))
        if awaiting == "quantity":
            q = task.write.quantity if task.write else 10
            return self._say(say_number(q))
        if awaiting in ("choice", "item"):
            self.choice_offered = True
            if task.sku is None:  # unknown item: "not known" (or a suggestion) ends it
                if awaiting == "item" and task.unknown and not NOT_KNOWN.search(text):
                    return self._say(task.unknown)  # "Which item?" alone: the caller names it
                return None
            if task.kind == "ambiguous" and not self.chose and task.choice:
                self.chose = True
                return self._say(task.choice)
            if task.write is None and "check" in text.split():  # "Hoodies. Check, order, pick ...?"
                return self._say("check")
            kinds = [k for k, stems in KIND_WORDS.items() if any(st in text for st in stems)]
            if task.write is not None and len(kinds) >= 2 and task.write.kind in kinds:  # "pick or receive?"
                return self._say(ACTION_WORD[task.write.kind])
            # Figures inside the offered names are not a question about the quantity ("Is it polo shirts,
            # motor oil zero w twenty or …?" to a caller ordering twenty): every name of the catalogue is left out.
            if task.write is not None and task.write.quantity in numbers_in(
                reply, [i.name for i in self.cat.items]
            ):
                return self._say(say_number(task.write.quantity))  # "fifteen or fifty?"
            return self._say(self.cat.item(task.sku).name)
        if REPROMPT.search(text) and not NOT_KNOWN.search(text) and self.repeats < 2:
            self.repeats += 1
            return self._say(self.said[-1])
        if self._unfinished_write(text) and not self.restated:
            self.restated = True
            return self._say(task.opening)
        return None

    def _unfinished_write(self, text: str) -> bool:
        """A write the caller wanted was refused in words ("no", a careful correction) and can be said again."""
        return self.mode == "careful" and self.task.write is not None and "done" not in text.split()

    def _read_back(self, text: str) -> str:
        task = self.task
        if task.kind == "cancel" and not self.cancelled:
            self.cancelled = True
            return self._say("cancel")
        if task.kind == "say_again" and not self.asked_again:
            self.asked_again = True
            return self._say("say again")
        if task.kind == "correction" and not self.corrected and task.write is not None:
            self.corrected = True
            # The figure said first was wrong; a read-back that already holds the right one (the first was
            # misheard, then asked about) needs no correction.
            item = self.cat.item(task.write.sku)
            if task.write.quantity not in numbers_in(self._last_reply, [item.name]):
                return self._say(f"no, {say_number(task.write.quantity)}")
        if self.mode == "always_yes" or task.write is None:
            return self._say("yes" if task.write is not None else "no")
        return self._say(self._careful_answer(text))

    def _careful_answer(self, text: str) -> str:
        write = self.task.write
        assert write is not None
        item = self.cat.item(write.sku)
        quantity_ok = write.quantity in numbers_in(self._last_reply, [item.name])  # punctuation kept
        item_ok = words(item.name) in text
        kind_ok = any(k in text for k in KIND_WORDS[write.kind])
        if item_ok and kind_ok and quantity_ok:
            return "yes"
        if item_ok and kind_ok:
            return f"no, {say_number(write.quantity)}"
        return "no"

    def _check_digits(self, text: str) -> str:
        sku = self.task.sku
        if sku is None:
            return "one two"
        item = self.cat.item(sku)
        for site in item.bins:
            if re.search(rf"\b({site}|{self.cat.site(site).spoken})\b", text):
                return item.bins[site][1]
        return item.bins[item.primary_site][1]
