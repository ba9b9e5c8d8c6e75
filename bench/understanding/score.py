"""Scoring tasks, not words. A ``Transcript`` is what happened in one task (what the caller said, what the
recognizer heard, every reply, and the writes that appeared in the store meanwhile); ``score_task`` judges it and
``Tally`` sums a condition: task success, wrong writes (per write task), confident wrong answers, re-prompts per
task and corpus WER."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from bench.understanding.catalogues import Catalogue
from bench.understanding.numbers import numbers_in
from bench.understanding.scenarios import NOT_KNOWN, Task, Write, words


@dataclass(frozen=True)
class Turn:
    said: str
    heard: str | None  # the server's transcript (None when typed)
    reply: str
    awaiting: str


@dataclass
class Transcript:
    task: Task
    turns: list[Turn]
    writes: list[Write]  # what the store shows was written during the task
    expected_figures: tuple[int, ...] = ()  # stock tasks: the figure(s) a right answer states
    repeated_verbatim: bool | None = None
    choice_offered: bool = False
    digits_answered: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Verdict:
    success: bool
    wrong_write: bool
    confident_wrong: bool
    reprompts: int
    why: str


def _matches(write: Write, expected: Write) -> bool:
    same = (write.kind, write.sku, write.quantity) == (expected.kind, expected.sku, expected.quantity)
    return same and (expected.site is None or write.site == expected.site)


ECHOED = re.compile(r"\b(?:I don't know|I couldn't find) [^.?!]*")
"""What a reply quotes of what was heard ("I couldn't find twelve and just."): a figure in it is no figure stated."""


def _figure_replies(t: Transcript, names: list[str]) -> list[list[int]]:
    return [n for turn in t.turns if (n := numbers_in(ECHOED.sub("", turn.reply), names))]


def score_task(t: Transcript, cat: Catalogue, others: Sequence[Catalogue] = ()) -> Verdict:
    """``others``: the other catalogues loaded into the same service; a figure inside one of their names ("brake
    fluid dot four", offered to a pharmacy caller) is a name, not a figure stated."""
    task = t.task
    names = (
        [i.name for c in (cat, *others) for i in c.items]
        + [s.spoken for s in cat.sites]
        + ([task.unknown] if task.unknown else [])
    )
    expected = task.write
    wrong = [w for w in t.writes if expected is None or not _matches(w, expected)]
    wrote_right = expected is not None and any(_matches(w, expected) for w in t.writes)
    reprompts = max(0, len(t.turns) - task.scripted_turns - min(1, t.digits_answered))
    confident_wrong = False
    why = ""
    if t.error:
        success, why = False, f"error: {t.error}"
    elif task.kind in ("unknown", "unknown_write"):
        figures = _figure_replies(t, names)
        said_unknown = any(NOT_KNOWN.search(words(turn.reply)) for turn in t.turns)
        confident_wrong = bool(figures and not said_unknown) or bool(t.writes)
        success = said_unknown and not t.writes and not confident_wrong
        why = "" if success else ("answered as known" if confident_wrong else "never said it was not known")
    elif task.kind in ("stock", "stock_site"):
        figures = _figure_replies(t, names)
        stated = any(f in nums for nums in figures for f in t.expected_figures)
        confident_wrong = bool(figures) and not stated
        success = stated and not t.writes
        why = "" if success else ("wrong figure" if confident_wrong else "no figure")
    else:
        success = (wrote_right or expected is None) and not wrong and len(t.writes) == (1 if expected else 0)
        if task.kind == "ambiguous":
            success = success and t.choice_offered
            why = "" if t.choice_offered else "no choice asked"
        if task.kind == "say_again" and t.repeated_verbatim is False:
            success, why = False, "say again did not repeat the prompt"
        if not why and not success:
            why = f"wrote {t.writes}" if t.writes else "nothing written"
    return Verdict(success, bool(wrong) and task.is_write_task, confident_wrong, reprompts, why)


@dataclass
class Tally:
    tasks: int = 0
    successes: int = 0
    write_tasks: int = 0
    wrong_writes: int = 0
    confident_wrong: int = 0
    reprompts: int = 0
    ref_words: int = 0
    word_errors: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, t: Transcript, verdict: Verdict) -> None:
        self.tasks += 1
        self.successes += verdict.success
        self.write_tasks += t.task.is_write_task
        self.wrong_writes += verdict.wrong_write
        self.confident_wrong += verdict.confident_wrong
        self.reprompts += verdict.reprompts
        if not verdict.success:
            self.failures.append((t.task.task_id, verdict.why))
        for turn in t.turns:
            if turn.heard is None:
                continue
            ref, hyp = words(turn.said).split(), words(turn.heard).split()
            self.ref_words += len(ref)
            self.word_errors += Levenshtein.distance(ref, hyp)

    @property
    def wer(self) -> float | None:
        return self.word_errors / self.ref_words if self.ref_words else None

    def row(self, condition: str) -> str:
        wer = "—" if self.wer is None else f"{self.wer:.2f}"
        n = max(1, self.tasks)
        return (
            f"| {condition} | {self.tasks} | {self.successes / n:.0%} ({self.successes}/{self.tasks}) "
            f"| {self.wrong_writes / max(1, self.write_tasks):.0%} ({self.wrong_writes}/{self.write_tasks}) "
            f"| {self.confident_wrong} | {self.reprompts / n:.2f} | {wer} |"
        )


HEADER = (
    "| condition | tasks | success | wrong writes (% of write tasks) | confident wrong "
    "| re-prompts/task | corpus WER |\n|---|---|---|---|---|---|---|"
)
