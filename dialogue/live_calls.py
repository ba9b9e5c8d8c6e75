"""The calls in progress, for a supervisor's screen: who is on which channel, what they last said, what the
assistant last said and what it waits for. ``WatchedFactory`` wraps the conversation factory the voice gateway
uses and keeps ``LiveCalls`` up to date; a secret answer (a PIN) is recorded as dots, never as said.

Kept in this process's memory: each replica knows its own calls."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from dialogue.contract import (
    AgentReply,
    Conversation,
    ConversationFactory,
    HeardWords,
    RecognitionHints,
    TurnSource,
)


@dataclass(frozen=True)
class LiveCall:
    session_id: str
    channel: str
    actor: str
    """Who the call runs as: the token's name until an operator signs in, then the person's."""
    site: str | None
    started: float
    """Unix time."""
    heard: str = ""
    said: str = ""
    awaiting: str = "free"
    choices: tuple[str, ...] = ()
    turns: int = 0
    updated: float = 0.0


class LiveCalls:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._calls: dict[str, LiveCall] = {}
        self._clock = clock

    def opened(self, session_id: str, channel: str, actor: str, site: str | None) -> None:
        now = self._clock()
        self._calls[session_id] = LiveCall(session_id, channel, actor, site, now, updated=now)

    def heard(self, session_id: str, text: str) -> None:
        call = self._calls.get(session_id)
        if call is not None:
            self._calls[session_id] = replace(call, heard=text, turns=call.turns + 1, updated=self._clock())

    def replied(self, session_id: str, reply: AgentReply, actor: str | None = None) -> None:
        call = self._calls.get(session_id)
        if call is None:
            return
        self._calls[session_id] = replace(
            call,
            said=reply.text,
            awaiting=reply.awaiting.expect,
            choices=reply.awaiting.phrases,
            actor=actor or call.actor,
            updated=self._clock(),
        )

    def closed(self, session_id: str) -> None:
        self._calls.pop(session_id, None)

    def now(self) -> list[LiveCall]:
        return sorted(self._calls.values(), key=lambda c: c.started)


class WatchedConversation:
    """A conversation whose turns are noted in ``LiveCalls``; it answers exactly as the one it wraps."""

    def __init__(self, inner: Conversation, calls: LiveCalls, session_id: str) -> None:
        self._inner = inner
        self._calls = calls
        self._sid = session_id
        self._awaiting = RecognitionHints()

    def _note(self, reply: AgentReply) -> AgentReply:
        operator = getattr(self._inner, "operator", None)  # a sign-in in front: the person, once known
        self._calls.replied(self._sid, reply, getattr(operator, "username", None))
        self._awaiting = reply.awaiting
        return reply

    async def greet(self) -> AgentReply:
        return self._note(await self._inner.greet())

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        self._calls.heard(self._sid, self._awaiting.shown(text))
        return self._note(await self._inner.user_text(text, source, heard))

    async def no_input(self) -> AgentReply:
        return self._note(await self._inner.no_input())

    async def not_understood(self) -> AgentReply:
        return self._note(await self._inner.not_understood())

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        await self._inner.playback_interrupted(turn_id, heard_chars)

    async def close(self) -> None:
        self._calls.closed(self._sid)
        await self._inner.close()


class WatchedFactory:
    def __init__(self, inner: ConversationFactory, calls: LiveCalls) -> None:
        self._inner = inner
        self.calls = calls

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> Conversation:
        self.calls.opened(session_id, channel, actor, site)
        return WatchedConversation(self._inner.open(session_id, channel, actor, site), self.calls, session_id)
