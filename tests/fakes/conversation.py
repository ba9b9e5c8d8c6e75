"""A scripted ``Conversation`` (and its factory) that keeps the one dialogue rule the gateway must respect:
"order <q> <item>" is read back, and a "yes" commits it only if the read-back was heard up to its quantity."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from dialogue.contract import AgentReply, HeardWords, RecognitionHints, TurnSource
from tests.fakes.clock import ManualClock

READ_BACK = "Order {q} {item}, {spoken}. Shall I place it?"
SPOKEN = {"10": "one zero", "15": "one five", "50": "five zero"}


@dataclass
class FakeConversation:
    """Scripted replies (``replies`` by text, else ``answer``, else an echo), plus the read-back rule; records
    every call and every write. A "yes" that commits reports ``confirmation="confirmed"``."""

    replies: dict[str, str] = field(default_factory=dict)
    answer: str | None = None
    greeting: str = "Hello, how can I help?"
    reprompt: str = "Are you still there?"
    delay_s: float = 0.0
    clock: ManualClock | None = None
    fail_on: frozenset[str] = frozenset()
    end_on: frozenset[str] = frozenset({"goodbye"})
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    heard: list[HeardWords | None] = field(default_factory=list)
    """The recognizer's confidence passed with each ``user_text`` call."""
    _n: int = 0
    _pending: AgentReply | None = None
    _asked: bool = False

    def _reply(self, text: str, **kw: Any) -> AgentReply:
        self._n += 1
        return AgentReply(turn_id=f"t{self._n}", text=text, **kw)

    async def _wait(self) -> None:
        if self.delay_s > 0:
            await (self.clock.sleep(self.delay_s) if self.clock else asyncio.sleep(self.delay_s))

    async def greet(self) -> AgentReply:
        self.calls.append(("greet",))
        return self._reply(self.greeting)

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        self.calls.append(("user_text", text, source))
        self.heard.append(heard)
        await self._wait()
        if text in self.fail_on:
            raise RuntimeError("scripted dialogue failure")
        words = text.lower().split()
        if words[:1] == ["order"] and len(words) >= 3:
            q, item = words[1], " ".join(words[2:])
            return self._read_back(q, item)
        if self._pending is not None and words[:1] == ["yes"]:
            pending, self._pending = self._pending, None
            if not self._asked:
                return self._read_back(*pending.slots["order"])
            self.writes.append(pending.slots["order"][1])
            return self._reply("Done, the order is placed.", intent="yes", confirmation="confirmed")
        if text.lower() == "reorder widgets":
            return self._reply(
                "How many should I order?", intent="ask_quantity", awaiting=RecognitionHints("quantity")
            )
        if source == "dtmf" and self._pending is None:
            return self._reply(f"You typed {text}.", intent="dtmf")
        if text.lower() in self.end_on:
            return self._reply("Goodbye.", intent="goodbye", end_call=True)
        return self._reply(self.replies.get(text.lower(), self.answer or f"You said {text}."), intent="echo")

    def _read_back(self, q: str, item: str) -> AgentReply:
        spoken = SPOKEN.get(q, q)
        text = READ_BACK.format(q=q, item=item, spoken=spoken)
        reply = self._reply(
            text,
            intent="order",
            awaiting=RecognitionHints("yes_no"),
            must_hear_chars=text.index(spoken) + len(spoken),
            slots={"order": (q, item)},
        )
        self._pending, self._asked = reply, True
        return reply

    async def no_input(self) -> AgentReply:
        self.calls.append(("no_input",))
        return self._reply(self.reprompt)

    async def not_understood(self) -> AgentReply:
        self.calls.append(("not_understood",))
        return self._reply("Sorry, I did not catch that.")

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        self.calls.append(("playback_interrupted", turn_id, heard_chars))
        p = self._pending
        if p is not None and p.turn_id == turn_id and p.must_hear_chars is not None:
            self._asked = heard_chars >= p.must_hear_chars

    async def close(self) -> None:
        self.calls.append(("close",))


class FakeConversationFactory:
    def __init__(self, **kw: Any) -> None:
        self.kw = kw
        self.opened: list[tuple[str, str, str, str | None, FakeConversation]] = []

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> FakeConversation:
        conv = FakeConversation(**self.kw)
        self.opened.append((session_id, channel, actor, site, conv))
        return conv
