"""Is what was said already a complete answer to the prompt? A pure judgement on a transcript and what the
dialogue awaits, used to end a turn early (after a short pause) instead of waiting out the full end silence.

It errs towards "not complete": a wrong "complete" cuts the caller off (they must repeat or correct), a wrong
"not complete" only costs the usual hang. So it accepts only answers that are whole on their own:

- ``yes_no``: a yes or no phrase on its own ("yes", "yeah", "yes please", "nope"), or a command;
- ``quantity``: one number, optionally after "no" / "make it" and before a unit ("twelve", "thirty eight boxes"),
  but not a number that invites more ("one" of "one ... fifty", "a hundred" of "a hundred and ...",
  digit by digit "one two"), or a command;
- ``choice``: one of the offered phrases that no other phrase extends, an ordinal ("the second one"), or a command;
- ``free``: a command alone ("cancel", "say again", "stop", "help");
- ``digits`` and ``item``: never (digit strings come in groups; item names run on: "stop ... signs").
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogue.contract import Expectation, RecognitionHints
from dialogue.understanding.numbers import parse_at, tokenize

EARLY_END_EXPECTATIONS: frozenset[Expectation] = frozenset({"yes_no", "quantity", "choice", "free"})


@dataclass(frozen=True)
class AnswerVocabulary:
    """The phrases that count as whole answers (lower case; compared word for word with the transcript)."""

    yes: tuple[str, ...] = (
        "yes", "yeah", "yep", "yup", "yes please", "correct", "that's right", "that is right", "confirm",
        "confirmed", "affirmative", "go ahead", "okay", "ok", "sure",
    )  # fmt: skip
    no: tuple[str, ...] = ("no", "nope", "negative", "that's wrong", "wrong", "no thanks")
    commands: tuple[str, ...] = (
        "cancel", "cancel that", "cancel it", "cancel the order", "stop", "never mind", "forget it",
        "scratch that", "say again", "say that again", "repeat", "repeat that", "come again", "pardon", "help",
    )  # fmt: skip
    units: tuple[str, ...] = (
        "each", "eaches", "unit", "units", "piece", "pieces", "case", "cases", "box", "boxes", "pack", "packs",
        "carton", "cartons", "pallet", "pallets", "roll", "rolls",
    )  # fmt: skip
    number_leads: tuple[str, ...] = ("no", "make it", "i said", "actually", "no make it")
    ordinals: tuple[str, ...] = ("first", "second", "third", "fourth", "fifth", "sixth", "last")


DEFAULT_VOCABULARY = AnswerVocabulary()
_LONE_DIGITS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"})
_INVITES_MORE = frozenset({"and", "a", "an", "point", "hundred", "thousand", "million", "half"})


def may_end_early(expect: Expectation) -> bool:
    """Whether any answer to a prompt of this kind can end the turn early."""
    return expect in EARLY_END_EXPECTATIONS


def is_complete_answer(
    text: str, hints: RecognitionHints, vocabulary: AnswerVocabulary = DEFAULT_VOCABULARY
) -> bool:
    """True when ``text`` alone answers a prompt awaiting ``hints`` (see the module's rules)."""
    tokens = tokenize(text)
    if not tokens or not may_end_early(hints.expect):
        return False
    said = " ".join(tokens)
    if said in vocabulary.commands:
        return True
    if hints.expect == "yes_no":
        return said in vocabulary.yes or said in vocabulary.no
    if hints.expect == "quantity":
        return _whole_quantity(tokens, vocabulary)
    if hints.expect == "choice":
        return _whole_choice(tokens, hints.phrases, vocabulary)
    return False


def _strip_lead(tokens: list[str], leads: tuple[str, ...]) -> list[str]:
    for lead in sorted(leads, key=len, reverse=True):
        words = lead.split()
        if tokens[: len(words)] == words:
            return tokens[len(words) :]
    return tokens


def _whole_quantity(tokens: list[str], vocabulary: AnswerVocabulary) -> bool:
    rest = _strip_lead(tokens, vocabulary.number_leads)
    if rest and rest[-1] in vocabulary.units:
        rest = rest[:-1]
    if not rest:
        return False
    number = parse_at(rest, 0)
    if number is None or number.end != len(rest):
        return False
    if rest[-1] in _INVITES_MORE:
        return False  # "a hundred ... and twenty", "two and a ..."
    if len(rest) == 1 and (rest[0] in _LONE_DIGITS or (rest[0].isdigit() and len(rest[0]) == 1)):
        return False  # "one ... fifty", "two ... twenty": paired forms start with a lone digit
    # Said digit by digit ("one two"): more digits may follow.
    return number.digits is None or rest[0].isdigit()


def _whole_choice(tokens: list[str], phrases: tuple[str, ...], vocabulary: AnswerVocabulary) -> bool:
    rest = tokens[1:] if tokens[0] == "the" else tokens
    if rest and rest[-1] == "one" and len(rest) == 2:
        rest = rest[:-1]  # "the second one"
    if len(rest) == 1 and rest[0] in vocabulary.ordinals:
        return True
    said = " ".join(rest)
    offered = [" ".join(tokenize(p)) for p in phrases]
    if said not in offered:
        return False
    # "widget a" is not whole while "widget a large" is offered too.
    return not any(o != said and o.startswith(said + " ") for o in offered)
