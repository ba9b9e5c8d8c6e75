"""Whisper's text around one decode: the prompt it reads as what came before, and its transcripts cleaned before
they are fitted (digits read one by one, the utterance said again dropped)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from local_speech.grammar import NUMBER_WORDS, normalize_phrase
from local_speech.types import Expectation


def prompt_for(expect: Expectation, names: Sequence[str]) -> str:
    """The text Whisper reads as what came before: the question the caller answers and the vocabulary it
    should prefer (numbers written as words)."""
    if expect.kind == "yes_no":
        return "Twelve, is that right?"
    if expect.kind == "digits":
        return "Read me the check digits, four seven."
    if expect.kind == "quantity":
        return "How many? Twelve, fifty, two hundred and forty?"
    if expect.kind == "choice" and expect.phrases:
        return "Which one: " + ", ".join(expect.phrases) + "?"
    stock = "We stock " + ", ".join(names) + ". " if names else ""
    return stock + "How many, twelve or fifty? How can I help?"


ECHO_RUN = 4
"""Words in a row, at least three of them not figures, that make a transcript the prompt said back."""


def echoes_prompt(words: Sequence[str], expect: Expectation) -> bool:
    """Whether ``words`` hold ``ECHO_RUN`` words in a row of the prompt's own question (not its names), three of
    them other than figures: Whisper writing what it was told came before ("how many twelve or fifty" for "how
    many headlight bulbs h eleven", held-out seeds 167 and 173). A caller's figures ("two hundred and
    forty") are no echo."""
    asked = normalize_phrase(prompt_for(expect, ())).split()
    runs = {tuple(asked[i : i + ECHO_RUN]) for i in range(len(asked) - ECHO_RUN + 1)}
    runs = {r for r in runs if sum(w not in NUMBER_WORDS for w in r) >= 3}
    return any(tuple(words[i : i + ECHO_RUN]) in runs for i in range(len(words) - ECHO_RUN + 1))


def spoken_digits(text: str) -> str:
    """``normalize_phrase`` with digits read one by one ("22" -> "two two"), as check digits are said."""
    return normalize_phrase(re.sub(r"\d", lambda m: f" {m.group()} ", text))


def without_repeats(words: list[str], digits: bool = False) -> list[str]:
    """Whisper sometimes says the utterance again ("yes yes", "order ten x order ten x order"): once is
    enough. A leading block that repeats to the end (the last copy may be cut short) is kept once."""
    n = len(words)
    for size in range(1, n):
        if n - size < max(1, size // 2):
            break  # too little after the block to call it a repeat
        block = words[:size]
        if digits and all(w in NUMBER_WORDS for w in block) and (size < 2 or n <= 2 * size):
            # "two two" and "four two four two" may be check digits; "nine seven nine seven nine" is a pair
            # written over and over ("fifty fifty" for a quantity is one figure)
            continue
        # The last copy may stop inside a word ("... order twelve w"): decoding ran out of its token budget.
        if all(words[i] == block[i % size] for i in range(size, n - 1)) and block[(n - 1) % size].startswith(
            words[n - 1]
        ):
            return block
    if not digits and n >= 4 and len(set(words[-3:])) == 1 and words[-1] in NUMBER_WORDS:
        # A figure said over and over at the end ("forty fourteen fourteen fourteen fourteen"): Whisper looping
        # on the token it likes; once, so the figure said before it is not read as part of it.
        k = n - 1
        while k > 0 and words[k - 1] == words[-1]:
            k -= 1
        return words[: k + 1]
    return words
