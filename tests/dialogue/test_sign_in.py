"""The operator sign-in as a pure state machine, from text: digits however they are said, the PIN asked as a
secret, three failures ending the call; and the conversation it stands in front of, opened as the person."""

from __future__ import annotations

import pytest

from dialogue.sign_in import (
    Ask,
    Check,
    Operator,
    SignInFlow,
    SigningInConversation,
    SigningInFactory,
    SignInState,
    spoken_digits,
)
from tests.fakes.conversation import FakeConversationFactory


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("4417", "4417"),
        ("four four one seven", "4417"),
        ("my number is four four one seven", "4417"),
        ("forty four seventeen", "4417"),
        ("oh seven two", "072"),
        ("2 5 8 0", "2580"),
        ("I don't know", ""),
    ],
)
def test_digits_however_they_are_said(said: str, digits: str) -> None:
    assert spoken_digits(said) == digits


def test_the_flow_asks_for_the_pin_as_a_secret_then_checks_the_pair() -> None:
    flow = SignInFlow()
    state, action = flow.step(SignInState(), "four four one seven")
    assert action == Ask("PIN?", secret=True) and state.stage == "pin" and state.operator_id == "4417"
    state, action = flow.step(state, "12")  # too short to be a PIN: asked again, not counted
    assert isinstance(action, Ask) and action.secret and state.failures == 0
    state, action = flow.step(state, "two five eight zero")
    assert action == Check("4417", "2580") and state.stage == "checking"
    done, nothing = flow.checked(state, Operator("dana", "Dana Ortiz"))
    assert done.stage == "done" and nothing is None


def test_three_failures_end_the_call_and_never_repeat_the_pin() -> None:
    flow, state = SignInFlow(), SignInState()
    asked: list[Ask] = []
    for _ in range(3):
        state, _ = flow.step(state, "4417")
        state, _ = flow.step(state, "9999")
        state, ask = flow.checked(state, None)
        assert ask is not None
        asked.append(ask)
    assert [a.end_call for a in asked] == [False, False, True] and state.stage == "failed"
    assert all("9999" not in a.text and "nine" not in a.text for a in asked)
    state2, ask2 = flow.step(SignInState(failures=2), "no idea")  # no digits counts as a failure too
    assert ask2.end_call and state2.stage == "failed"


async def test_the_conversation_opens_the_real_one_as_the_person() -> None:
    inner = FakeConversationFactory()

    async def check(operator_id: str, pin: str) -> Operator | None:
        return Operator("dana", "Dana Ortiz") if (operator_id, pin) == ("4417", "2580") else None

    conv = SigningInFactory(inner, check, is_person=lambda actor: actor == "dana").open("s1", "voice", "dev")
    assert isinstance(conv, SigningInConversation)
    hello = await conv.greet()
    assert (
        hello.text == "Operator number?" and hello.awaiting.expect == "digits" and not hello.awaiting.secret
    )
    pin = await conv.user_text("4417", "dtmf")
    assert pin.awaiting.secret and inner.opened == []
    assert (await conv.no_input()).text == "PIN?"  # still waiting for the PIN
    signed = await conv.user_text("2580", "dtmf")
    assert signed.text.startswith("Signed in: Dana.") and inner.opened[0][2] == "dana"
    await conv.user_text("how many widgets")
    assert inner.opened[0][4].calls[-1][:2] == ("user_text", "how many widgets")
    # a caller already signed in as a person skips it
    assert not isinstance(SigningInFactory(inner, check, lambda a: a == "dana").open("s2", "voice", "dana"),
                          SigningInConversation)  # fmt: skip
