"""What the voice gateway needs from a dialogue engine. The built-in dialogue (``dialogue``) and the NLX
Conversation API client (``nlx_webhooks``) both implement it; a call session talks to one ``Conversation``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from voice_gateway.speech.ports import RecognitionHints

TurnSource = Literal["speech", "dtmf", "typed"]


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


class Conversation(Protocol):
    async def greet(self) -> AgentReply: ...

    async def user_text(self, text: str, source: TurnSource = "speech") -> AgentReply: ...

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
