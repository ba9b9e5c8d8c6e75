"""The turn contract between the dialogue and whatever carries a conversation (the voice gateway's call
sessions, the text API, NLX): what a reply is, what it expects next, and how a conversation is driven.

The built-in dialogue (``dialogue.conversation``) and the NLX Conversation-API client (``nlx_webhooks``) both
implement ``Conversation``; a call session talks to one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

TurnSource = Literal["speech", "dtmf", "typed"]

Expectation = Literal["yes_no", "quantity", "digits", "item", "choice", "free"]
"""What kind of answer the dialogue expects next; recognition is biased to it (a grammar per prompt)."""

ConfirmationOutcome = Literal["confirmed", "denied", "corrected", "cancelled", "not_heard", "other"]
"""What became of a read-back that was waiting for a yes or no, decided by the dialogue that asked it:
``confirmed`` (the yes that sent the write; the store may still refuse it), ``denied`` (a plain no),
``corrected`` (a new figure or item, read back again), ``cancelled``, ``not_heard`` (it timed out, was not
understood, or its quantity was cut off before a yes), ``other`` (another request dropped it). The first yes to
an unusual quantity settles nothing: the answer to the second warning does."""


@dataclass(frozen=True)
class RecognitionHints:
    """What the dialogue expects next, so recognition can be biased to it.

    ``phrases`` lists expected answers for ``choice`` (e.g. "widget a", "widget b")."""

    expect: Expectation = "free"
    phrases: tuple[str, ...] = ()
    secret: bool = False
    """The answer is a secret (a PIN): recognised as asked, never shown, logged or read back."""

    def shown(self, answer: str) -> str:
        """The caller's answer as screens, events and the console may show it: dots for a secret."""
        return "•" * len(answer) if self.secret else answer


@dataclass(frozen=True)
class HeardWords:
    """How sure the recognizer was of what it heard: the whole utterance and each word of the transcript
    (0-1, in transcript order; empty when the engine gives no per-word figures). Typed and DTMF turns carry
    none: they are certain."""

    confidence: float
    words: tuple[tuple[str, float], ...] = ()
    alternative: str = ""
    """The transcript with the likeliest rival of its figure ("forty eight" for "thirty eight"): the figure
    offered beside the heard one when the heard one is unsure."""


@dataclass(frozen=True)
class AgentReply:
    turn_id: str
    text: str
    awaiting: RecognitionHints = field(default_factory=RecognitionHints)
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    # Character offset in ``text`` up to which the caller must have heard the reply for a read-back to count
    # as asked (the end of the spoken quantity). None: nothing in this reply needs to be heard.
    must_hear_chars: int | None = None
    cards: list[dict[str, Any]] = field(default_factory=list)  # stock cards for the page
    end_call: bool = False
    # Set when this turn answered a read-back that was waiting for a yes or no.
    confirmation: ConfirmationOutcome | None = None


class Conversation(Protocol):
    async def greet(self) -> AgentReply: ...

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        """A turn of the caller's. ``heard``: the recognizer's confidence, when the text was recognized speech."""
        ...

    async def no_input(self) -> AgentReply:
        """The caller said nothing (or nothing recognisable) for a while."""
        ...

    async def not_understood(self) -> AgentReply:
        """Speech was heard but the recognizer produced no transcript."""
        ...

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        """The reply ``turn_id`` was cut off after ``heard_chars`` characters. A read-back whose quantity was
        not heard does not count as asked."""
        ...

    async def close(self) -> None: ...


class ConversationFactory(Protocol):
    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> Conversation: ...
