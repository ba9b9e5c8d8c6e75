"""NLX as the dialogue engine: a ``dialogue.contract.Conversation`` whose turns go to the NLX Conversation
API. The gateway keeps audio, endpointing, recognition and synthesis; NLX decides what to say.

NLX's choices become the recognizer's expected answers, and a spoken answer that matches a choice is sent as
that choice. The read-back rule holds here too: when a yes/no question was cut off by barge-in before its
last number was heard, a "yes" is not forwarded; the question is asked again."""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from dialogue.contract import AgentReply, Conversation, HeardWords, RecognitionHints, TurnSource
from dialogue.understanding.numbers import NUMBER_WORDS
from nlx_webhooks.client import NlxChoice, NlxClient, NlxError, NlxTurn

log = logging.getLogger("inventorypulse.nlx")

YES = frozenset(
    {"yes", "yeah", "yep", "yup", "correct", "confirm", "sure", "affirmative", "right", "ok", "okay"}
)
NO = frozenset({"no", "nope", "nah", "negative", "cancel", "wrong"})
_NUMBER = re.compile(
    r"\d[\d,.]*|\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I
)


@dataclass(frozen=True)
class NlxConversationOptions:
    welcome_intent: str | None = "NLX.Welcome"
    """Sent as ``structured.intentId`` to start the call; None: greet locally with ``greeting``."""
    greeting: str = "Hello, this is InventoryPulse. How can I help?"
    unavailable: str = "Sorry, I can't reach the assistant right now. Please try again in a moment."
    still_working: str = "I'm still working on that. Ask me again in a moment."
    not_heard: str = "Sorry, I didn't catch that."
    no_input: str = "Are you still there?"
    send_context: bool = True
    """Send ``channel``/``site`` as conversation context (retried without it if NLX refuses)."""
    choice_score: float = 85.0
    """How closely a transcript must match a choice's text to be sent as that choice."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _is_yes(text: str) -> bool:
    words = _words(text)
    return bool(words) and words[0] in YES and not any(w in NO for w in words)


def _is_no(text: str) -> bool:
    return any(w in NO for w in _words(text))


def hints_for(choices: tuple[NlxChoice, ...]) -> RecognitionHints:
    texts = tuple(c.text.strip().lower() for c in choices if c.text.strip())
    if texts and all(set(_words(t)) <= YES | NO for t in texts):
        return RecognitionHints("yes_no", texts)
    return RecognitionHints("choice", texts) if texts else RecognitionHints()


def must_hear(text: str, hints: RecognitionHints) -> int | None:
    """For a yes/no question: where its last number ends (the quantity being confirmed)."""
    if hints.expect != "yes_no":
        return None
    ends = [m.end() for m in _NUMBER.finditer(text)]
    return ends[-1] if ends else None


def match_choice(text: str, choices: tuple[NlxChoice, ...], min_score: float) -> NlxChoice | None:
    if not choices:
        return None
    said = " ".join(_words(text))
    for choice in choices:
        label = " ".join(_words(choice.text))
        if (label in YES and _is_yes(text)) or (label in NO and _is_no(text) and not _is_yes(text)):
            return choice
    scored = [(fuzz.WRatio(said, " ".join(_words(c.text))), i) for i, c in enumerate(choices)]
    best, index = max(scored)
    close = [s for s, _ in scored if s >= best - 5]
    return choices[index] if best >= min_score and len(close) == 1 else None


class NlxConversation:
    def __init__(
        self,
        client: NlxClient,
        options: NlxConversationOptions,
        session_id: str,
        user_id: str,
        context: dict[str, Any],
    ) -> None:
        self._client = client
        self._options = options
        self._session_id = session_id
        self._user_id = user_id
        self._context = context
        self._turns = itertools.count(1)
        self.conversation_id: str | None = None
        self._last: AgentReply | None = None
        self._choices: tuple[NlxChoice, ...] = ()
        self._unheard = False  # the last yes/no question was cut off before its quantity

    def _reply(self, text: str, hints: RecognitionHints = RecognitionHints(), **extra: Any) -> AgentReply:
        reply = AgentReply(
            turn_id=f"{self._session_id}-{next(self._turns)}",
            text=text,
            awaiting=hints,
            must_hear_chars=must_hear(text, hints),
            **extra,
        )
        self._last = reply
        self._unheard = False
        return reply

    def _from_turn(self, turn: NlxTurn) -> AgentReply:
        self.conversation_id = turn.conversation_id or self.conversation_id
        self._choices = turn.choices
        text = turn.text or (self._options.still_working if turn.pending else "")
        slots: dict[str, Any] = {"nlx_conversation_id": self.conversation_id}
        if turn.escalation:
            slots["escalation"] = True
        return self._reply(text, hints_for(turn.choices), intent=turn.intent_id, slots=slots)

    async def _call(self, send: str, value: str) -> AgentReply:
        kwargs: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "user_id": self._user_id,
            "context": self._context if self._options.send_context else None,
        }
        try:
            if send == "intent":
                turn = await self._client.send_intent(value, **kwargs)
            elif send == "choice":
                turn = await self._client.send_choice(value, **kwargs)
            else:
                turn = await self._client.send_text(value, **kwargs)
        except NlxError as exc:
            log.warning("NLX turn failed (%s): %s", "retryable" if exc.retryable else "final", exc.message)
            last_hints = self._last.awaiting if self._last else RecognitionHints()
            return self._reply(self._options.unavailable, last_hints)
        return self._from_turn(turn)

    async def greet(self) -> AgentReply:
        if self._options.welcome_intent is None:
            return self._reply(self._options.greeting)
        reply = await self._call("intent", self._options.welcome_intent)
        return reply if reply.text else self._reply(self._options.greeting)

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        if self._unheard and self._last is not None and _is_yes(text):
            # The quantity was not heard, so this "yes" cannot confirm it: ask again, and tell NLX nothing.
            return self._reply(f"Let me say that again. {self._last.text}", self._last.awaiting)
        choice = match_choice(text, self._choices, self._options.choice_score)
        if choice is not None and choice.choice_id:
            return await self._call("choice", choice.choice_id)
        return await self._call("text", text)

    def _question(self) -> str:
        if self._last is None:
            return ""
        sentences = re.findall(r"[^.?!]*\?", self._last.text)
        return sentences[-1].strip() if sentences else ""

    async def no_input(self) -> AgentReply:
        hints = self._last.awaiting if self._last else RecognitionHints()
        return self._reply(f"{self._options.no_input} {self._question()}".strip(), hints)

    async def not_understood(self) -> AgentReply:
        hints = self._last.awaiting if self._last else RecognitionHints()
        return self._reply(f"{self._options.not_heard} {self._question()}".strip(), hints)

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        last = self._last
        if last is not None and last.turn_id == turn_id and last.must_hear_chars is not None:
            self._unheard = heard_chars < last.must_hear_chars

    async def close(self) -> None:
        """NLX conversations expire on their own; nothing to release per call."""


class NlxConversationFactory:
    def __init__(self, client: NlxClient, options: NlxConversationOptions | None = None) -> None:
        self._client = client
        self._options = options or NlxConversationOptions()

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> Conversation:
        context: dict[str, Any] = {"channel": channel}
        if site:
            context["site"] = site
        return NlxConversation(self._client, self._options, session_id, f"{actor}:{session_id}", context)

    async def aclose(self) -> None:
        await self._client.aclose()
