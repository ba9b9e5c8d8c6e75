"""The engine's own plain values: what it is asked to recognize, and what it heard."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VocabularyEntry:
    """A catalogue entry as the grammars need it: its code and the names people say."""

    sku: str
    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Expectation:
    """What to listen for: a prompt kind (``free``, ``yes_no``, ``quantity``, ``digits``, ``item``,
    ``choice``) and, for ``choice``, the phrases that answer it."""

    kind: str = "free"
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recognition:
    """What one utterance was heard as."""

    text: str
    """Empty when nothing in the grammar explains the speech."""
    confidence: float
    """0-1 from the acoustic score; 0 when ``text`` is empty."""
    duration_s: float
    """Length of the audio that was decoded."""
    words: tuple[tuple[str, float], ...] = ()
    """Each word of ``text`` with its confidence (0-1), when the engine gives them."""
    alternative: str = ""
    """The transcript with the likeliest rival of its figure ("forty eight" for "thirty eight"), when one was
    weighed: what to offer if the figure is unsure."""
