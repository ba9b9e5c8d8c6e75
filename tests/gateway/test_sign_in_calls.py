"""Operator sign-in on a call, through the real gateway: over ``/ws/twilio`` by speech and by the keypad (DTMF),
three failures ending the call, and over ``/ws/voice`` the PIN never shown back (its transcript masked)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from dialogue.sign_in import Operator, SigningInFactory
from tests.fakes.clock import eventually
from tests.fakes.conversation import FakeConversationFactory
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer, silence, speech_like
from tests.gateway.conftest import connect
from tests.gateway.test_twilio import FakeTwilio, twilio

pytestmark = pytest.mark.gateway

OPERATOR, PIN, WRONG = 260, 300, 340
SPOKEN = FakeSynthesizer(seconds_per_char=0.01, pace_s=0.0)
WORDS = {OPERATOR: "four four one seven", PIN: "two five eight zero", WRONG: "one one one one"}


class Operators:
    """The people's accounts, as the sign-in sees them: operator 4417 with PIN 2580 is Dana."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, str]] = []

    async def __call__(self, operator_id: str, pin: str) -> Operator | None:
        self.checked.append((operator_id, pin))
        return Operator("dana", "Dana Ortiz") if (operator_id, pin) == ("4417", "2580") else None


@pytest.fixture
def calls(gateway_app: FastAPI) -> tuple[FakeConversationFactory, Operators]:
    inner, operators = FakeConversationFactory(), Operators()
    gateway_app.state.gateway = fake_gateway(
        recognizer=FakeRecognizer(by_f0=dict(WORDS)),
        synthesizer=SPOKEN,
        conversations=SigningInFactory(inner, operators, is_person=lambda actor: False),
        greet=True,
    )
    return inner, operators


async def answered(t: FakeTwilio, replies: int) -> None:
    """Until the ``replies``-th reply has been played to the caller (its last mark echoed), so what the caller
    says next is not taken for an echo of it."""
    await eventually(lambda: len({m.split("|")[0] for m in t.marks_echoed}) >= replies and not t.buffered, 10)


def said(out: list[dict[str, Any]]) -> str:
    return json.dumps(out)


async def test_a_phone_caller_signs_in_by_speech_and_the_call_runs_as_them(
    host: str, calls: tuple[FakeConversationFactory, Operators]
) -> None:
    inner, operators = calls
    t = await twilio(host)
    await t.connected()
    await t.start()
    await answered(t, 1)  # "Operator number?"
    await t.speak(silence(0.2) + speech_like(0.6, OPERATOR) + silence(1.6))
    await answered(t, 2)  # "PIN?"
    await t.speak(silence(0.2) + speech_like(0.6, PIN) + silence(1.6))
    await eventually(lambda: bool(inner.opened), 10)
    _, channel, actor, _, conv = inner.opened[0]
    assert (channel, actor) == ("phone", "dana")  # every write of the call names the person
    assert operators.checked == [("4417", "2580")]
    await eventually(lambda: ("greet",) in [c[:1] for c in conv.calls], 5)
    await t.close()


async def test_a_phone_caller_signs_in_on_the_keypad(
    host: str, calls: tuple[FakeConversationFactory, Operators]
) -> None:
    inner, operators = calls
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.wait_for("media")
    await t.speak(silence(0.2))
    for key in "4417#":
        await t.dtmf(key)
    await eventually(lambda: len([m for m in t.out if m["event"] == "mark"]) >= 2, 10)
    for key in "2580#":
        await t.dtmf(key)
    await eventually(lambda: bool(inner.opened), 10)
    assert inner.opened[0][2] == "dana" and operators.checked == [("4417", "2580")]
    await t.close()


async def test_three_failures_end_the_call_politely_and_nothing_is_opened(
    host: str, calls: tuple[FakeConversationFactory, Operators]
) -> None:
    inner, operators = calls
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.wait_for("media")
    await t.speak(silence(0.2))
    for attempt in range(3):
        for key in "4417#":
            await t.dtmf(key)
        for key in "9999#":
            await t.dtmf(key)
        await eventually(lambda n=attempt: len(operators.checked) == n + 1, 10)
    await eventually(lambda: t.ws.close_code is not None, 15)  # the call was ended, after its goodbye
    assert " ".join(SPOKEN.completed[-3:]).endswith(
        "check your operator number with your supervisor. Goodbye."
    )
    assert inner.opened == [] and operators.checked == [("4417", "9999")] * 3
    await t.close()


async def test_the_pin_is_never_shown_back_on_the_voice_socket(
    host: str, calls: tuple[FakeConversationFactory, Operators]
) -> None:
    inner, _ = calls
    client = await connect(host)
    await client.send(
        {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "channels": 1, "token": TOKEN}
    )
    first = await client.until("reply")  # "Operator number?"
    assert first["awaiting"]["expect"] == "digits"
    await client.send_frames(silence(0.2) + speech_like(0.6, OPERATOR) + silence(1.6), speed=None)
    await client.until("reply", lambda m: m["text"] == "PIN?")
    await client.send_frames(silence(0.2) + speech_like(0.6, PIN) + silence(1.6), speed=None)
    hello = await client.until("reply", lambda m: m["turn_id"] != first["turn_id"] and m["text"] != "PIN?")
    assert hello["text"].startswith("Signed in: Dana.") and inner.opened[0][2] == "dana"
    transcripts = [
        m["text"] for m in client.received if isinstance(m, dict) and m.get("type") == "transcript"
    ]
    assert "four four one seven" in transcripts  # the operator number is not a secret
    text = said([m for m in client.received if isinstance(m, dict)])
    assert "two five eight zero" not in text and "2580" not in text
    assert any(set(t) == {"•"} for t in transcripts)  # the PIN's transcript, masked
    await client.close()
