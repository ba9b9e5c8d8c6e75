"""Operator sign-in at the start of a call, as voice-picking systems do at the start of a shift: "Operator
number?" → digits (spoken or keyed) → "PIN?" → digits → the call runs as that person (their name on every write
it makes). Three failures end the call politely. The PIN is asked with ``secret`` hints, so the gateway neither
shows nor logs what was heard, and it is never repeated back.

``SignInFlow.step`` is the pure state machine (text and outcomes in, what to say and whether to check out);
``SigningInConversation`` runs it in front of the real conversation, which it opens once the caller is known."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from dialogue.contract import (
    AgentReply,
    Conversation,
    ConversationFactory,
    HeardWords,
    RecognitionHints,
    TurnSource,
)
from dialogue.understanding.numbers import parse_at

MAX_FAILURES = 3


@dataclass(frozen=True)
class Operator:
    username: str
    display_name: str


class OperatorCheck(Protocol):
    async def __call__(self, operator_id: str, pin: str) -> Operator | None:
        """The person with this operator number and PIN (None: no such pair, or a disabled account)."""
        ...


Stage = Literal["operator", "pin", "checking", "done", "failed"]


@dataclass(frozen=True)
class SignInState:
    stage: Stage = "operator"
    operator_id: str = ""
    failures: int = 0


@dataclass(frozen=True)
class Ask:
    text: str
    secret: bool = False
    end_call: bool = False


@dataclass(frozen=True)
class Check:
    operator_id: str
    pin: str


ASK_OPERATOR = Ask("Operator number?")
ASK_PIN = Ask("PIN?", secret=True)


def spoken_digits(text: str) -> str:
    """The digits in what was said or keyed: "4 4 1 7", "four four one seven", "forty four seventeen" → "4417";
    other words are skipped ("my number is ...")."""
    tokens = [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].isdigit():
            out.append(tokens[i])
            i += 1
            continue
        number = parse_at(tokens, i)
        if number is None or number.value != int(number.value) or number.value < 0:
            i += 1
            continue
        out.append(number.digits or str(int(number.value)))
        i = max(number.end, i + 1)
    return "".join(out)


class SignInFlow:
    """Pure: ``step(state, said)`` for what the caller said, ``checked(state, operator)`` for the outcome of a
    check; each returns the next state and what to do."""

    def step(self, state: SignInState, said: str) -> tuple[SignInState, Ask | Check]:
        digits = spoken_digits(said)
        if state.stage == "operator":
            if not 1 <= len(digits) <= 8:
                return self._failed(state, "I need your operator number: say or key the digits.")
            return replace(state, stage="pin", operator_id=digits), ASK_PIN
        if state.stage == "pin":
            if not 4 <= len(digits) <= 8:
                return state, Ask("Your PIN is four to eight digits. PIN?", secret=True)
            return replace(state, stage="checking"), Check(state.operator_id, digits)
        return state, ASK_OPERATOR

    def checked(self, state: SignInState, operator: Operator | None) -> tuple[SignInState, Ask | None]:
        if operator is not None:
            return replace(state, stage="done"), None
        return self._failed(state, "That operator number and PIN don't match.")

    def _failed(self, state: SignInState, why: str) -> tuple[SignInState, Ask]:
        failures = state.failures + 1
        if failures >= MAX_FAILURES:
            goodbye = (
                "I couldn't sign you in. Please check your operator number with your supervisor. Goodbye."
            )
            return replace(state, stage="failed", failures=failures), Ask(goodbye, end_call=True)
        return SignInState(failures=failures), Ask(f"{why} Operator number?")


class SigningInConversation:
    """The sign-in in front of a conversation: until the caller is signed in, every turn goes to the flow; then
    to the conversation opened as that person."""

    def __init__(
        self,
        inner: ConversationFactory,
        check: OperatorCheck,
        session_id: str,
        channel: str,
        site: str | None,
    ) -> None:
        self._factory = inner
        self._check = check
        self._session_id = session_id
        self._channel = channel
        self._site = site
        self._flow = SignInFlow()
        self._state = SignInState()
        self._turns = 0
        self._inner: Conversation | None = None
        self.operator: Operator | None = None

    def _reply(self, ask: Ask) -> AgentReply:
        self._turns += 1
        expect = RecognitionHints("free") if ask.end_call else RecognitionHints("digits", secret=ask.secret)
        return AgentReply(
            turn_id=f"{self._session_id}-signin-{self._turns}",
            text=ask.text,
            awaiting=expect,
            intent="sign_in",
            end_call=ask.end_call,
        )

    async def greet(self) -> AgentReply:
        return self._reply(ASK_OPERATOR)

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        if self._inner is not None:
            return await self._inner.user_text(text, source, heard)
        if self._state.stage == "failed":
            return self._reply(Ask("Goodbye.", end_call=True))
        self._state, action = self._flow.step(self._state, text)
        if isinstance(action, Ask):
            return self._reply(action)
        operator = await self._check(action.operator_id, action.pin)
        self._state, ask = self._flow.checked(self._state, operator)
        if ask is not None or operator is None:
            return self._reply(ask or ASK_OPERATOR)
        return await self._signed_in(operator)

    async def _signed_in(self, operator: Operator) -> AgentReply:
        self.operator = operator
        self._inner = self._factory.open(self._session_id, self._channel, operator.username, self._site)
        hello = await self._inner.greet()
        first = operator.display_name.split()[0] if operator.display_name.strip() else operator.username
        prefix = f"Signed in: {first}. "
        must = None if hello.must_hear_chars is None else hello.must_hear_chars + len(prefix)
        return replace(hello, text=(prefix + hello.text).strip(), must_hear_chars=must)

    async def no_input(self) -> AgentReply:
        if self._inner is not None:
            return await self._inner.no_input()
        return self._reply(ASK_PIN if self._state.stage == "pin" else ASK_OPERATOR)

    async def not_understood(self) -> AgentReply:
        if self._inner is not None:
            return await self._inner.not_understood()
        return self._reply(ASK_PIN if self._state.stage == "pin" else ASK_OPERATOR)

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        if self._inner is not None:
            await self._inner.playback_interrupted(turn_id, heard_chars)

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


class SigningInFactory:
    """Opens conversations that start with the operator sign-in, except for callers already signed in as a
    person (``is_person``: their token named them)."""

    def __init__(
        self, inner: ConversationFactory, check: OperatorCheck, is_person: Callable[[str], bool]
    ) -> None:
        self._inner = inner
        self._check = check
        self._is_person = is_person

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> Conversation:
        if self._is_person(actor):
            return self._inner.open(session_id, channel, actor, site)
        return SigningInConversation(self._inner, self._check, session_id, channel, site)
