"""The outcome of a read-back, as the pure policy decides it: each answer to a pending read-back (stage
``confirm`` or ``warn``) settles one ``Confirmation``, and turns that answer no read-back settle none."""

from __future__ import annotations

import pytest

from dialogue.contract import ConfirmationOutcome
from dialogue.policy.state import (
    Action,
    Confirmation,
    Event,
    NoInput,
    NotHeard,
    PlaybackCut,
    PolicyConfig,
    Speak,
)
from tests.dialogue.helpers import Driver, World

pytestmark = pytest.mark.unit


class Recorder(Driver):
    """The test driver, also keeping the outcomes the policy settled during the last event."""

    def __init__(self, world: World | None = None, config: PolicyConfig | None = None) -> None:
        super().__init__(world, config)
        self.outcomes: list[ConfirmationOutcome] = []

    def send(self, event: Event) -> Speak:
        self.outcomes = []
        return super().send(event)

    def _run(self, actions: list[Action], spoken: list[Speak]) -> Event | None:
        self.outcomes.extend(a.outcome for a in actions if isinstance(a, Confirmation))
        return super()._run(actions, spoken)

    def outcome(self, text: str, dt: float = 1.0) -> ConfirmationOutcome | None:
        """Say ``text``; the outcome it settled, if any (never more than one)."""
        self.say(text, dt)
        return self.settled()

    def settled(self) -> ConfirmationOutcome | None:
        assert len(self.outcomes) <= 1, self.outcomes
        return self.outcomes[0] if self.outcomes else None


def reading_back(world: World | None = None, config: PolicyConfig | None = None) -> Recorder:
    d = Recorder(world, config)
    assert d.say("order 40 widget a").awaiting == "yes_no"
    assert d.settled() is None  # the read-back itself settles nothing
    return d


def test_yes_that_commits_is_confirmed() -> None:
    d = reading_back()
    assert d.outcome("yes") == "confirmed"
    assert len(d.commits) == 1 and d.speaks[-1].text.startswith("Done.")
    assert d.outcome("yes") is None  # nothing was waiting any more


def test_confirmed_does_not_wait_for_the_store() -> None:
    d = Recorder(World(fail_writes="insufficient_stock"))
    d.say("picked 12 coffee pods")
    assert d.outcome("yes") == "confirmed"
    assert d.speaks[-1].text.startswith("Only three on hand")


def test_retry_after_the_store_failed_is_confirmed_again() -> None:
    d = Recorder(World(fail_writes="store_unavailable", retryable=True))
    d.say("picked 12 coffee pods")
    assert d.outcome("yes") == "confirmed"
    assert "try again" in d.speaks[-1].text
    assert d.outcome("yes") == "confirmed"
    assert len(d.commits) == 2


def test_unusual_quantity_is_settled_by_the_answer_to_the_warning() -> None:
    d = Recorder(World(daily={"W-1": 2.0}))
    d.say("order 2000 widget a")
    assert d.outcome("yes") is None  # the read-back goes on as the warning
    assert "times the usual amount" in d.speaks[-1].text
    assert d.outcome("yes") == "confirmed"
    assert len(d.commits) == 1


def test_correcting_the_warning_is_corrected() -> None:
    d = Recorder(World(daily={"W-1": 2.0}))
    d.say("order 2000 widget a")
    d.say("yes")
    assert d.outcome("no, 20") == "corrected"
    assert d.speaks[-1].text.startswith("ORDER: buying twenty widget a")


def test_plain_no_is_denied_and_the_change_settles_nothing_more() -> None:
    d = reading_back()
    assert d.outcome("no") == "denied"
    assert d.speaks[-1].text.startswith("What should I change?")
    assert d.outcome("fifteen") is None  # answers "What should I change?", not a read-back
    assert d.speaks[-1].text.startswith("ORDER: buying fifteen, one five, widget a")
    assert d.outcome("yes") == "confirmed"
    assert [c.draft.quantity for c in d.commits] == [15]


def test_no_to_the_warning_is_denied() -> None:
    d = Recorder(World(daily={"W-1": 2.0}))
    d.say("order 2000 widget a")
    d.say("yes")
    assert d.outcome("no") == "denied"
    assert d.commits == []


@pytest.mark.parametrize("text", ["no, one fifty", "one fifty", "no make it twenty"])
def test_a_new_quantity_is_corrected(text: str) -> None:
    d = reading_back()
    assert d.outcome(text) == "corrected"
    assert d.speaks[-1].awaiting == "yes_no" and d.speaks[-1].text.startswith("ORDER: buying")
    assert d.commits == []


def test_a_new_item_is_corrected() -> None:
    d = reading_back()
    assert d.outcome("no, widget b") == "corrected"
    assert "widget b" in d.speaks[-1].text and d.speaks[-1].awaiting == "yes_no"


def test_a_quantity_that_cannot_be_used_is_still_a_correction() -> None:
    d = Recorder()
    d.say("order 40 coffee pods")
    assert d.outcome("no, two pallets") == "corrected"
    assert "pallet" in d.speaks[-1].text and d.speaks[-1].awaiting == "quantity"


@pytest.mark.parametrize("text", ["cancel", "never mind", "goodbye"])
def test_cancel_and_goodbye_are_cancelled(text: str) -> None:
    d = reading_back()
    assert d.outcome(text) == "cancelled"
    assert d.commits == []


def test_not_understood_is_not_heard_and_the_read_back_still_waits() -> None:
    d = reading_back()
    assert d.outcome("blah blah") == "not_heard"
    assert d.outcome("") == "not_heard"  # an empty transcript is silence
    d.send(NotHeard(at=d.t))
    assert d.settled() == "not_heard"
    d.send(NoInput(at=d.t))
    assert d.settled() == "not_heard"
    assert d.outcome("yes") == "confirmed"


@pytest.mark.parametrize("text", ["yes", "no", "how many coffee pods do we have", "cancel"])
def test_timed_out_is_not_heard(text: str) -> None:
    d = reading_back(config=PolicyConfig(confirm_timeout_s=30))
    assert d.outcome(text, dt=31) == "not_heard"
    assert d.commits == []


def test_yes_to_a_cut_read_back_is_not_heard() -> None:
    d = Recorder()
    read = d.say("order 40 widget a")
    assert read.must_hear_chars is not None
    d.send(PlaybackCut(heard_chars=read.must_hear_chars - 5))
    assert d.settled() is None
    assert d.outcome("yes") == "not_heard"
    assert d.speaks[-1].text == read.text and d.commits == []
    assert d.outcome("yes") == "confirmed"


def test_another_request_is_other() -> None:
    d = reading_back()
    assert d.outcome("how many coffee pods do we have") == "other"
    assert d.speaks[-1].text.startswith("Okay, I dropped the order.")
    assert d.outcome("thanks") is None


@pytest.mark.parametrize("text", ["say again", "help"])
def test_repeat_and_help_settle_nothing(text: str) -> None:
    d = reading_back()
    assert d.outcome(text) is None
    assert d.outcome("yes") == "confirmed"


def test_questions_that_are_not_read_backs_settle_nothing() -> None:
    d = Recorder()
    assert d.outcome("count for coffee pods is 48") is None
    assert d.speaks[-1].awaiting == "digits"
    assert d.outcome("one two") is None  # wrong check digits
    assert d.outcome("yes") is None  # not an answer to check digits
    assert d.outcome("nine zero") is None
    assert d.speaks[-1].awaiting == "yes_no"
    assert d.outcome("yes") == "confirmed"
    d.say("picked coffee pods")
    assert d.speaks[-1].awaiting == "quantity"
    assert d.outcome("blah blah") is None
    assert d.outcome("cancel") is None
    d.say("how many widget do we have")
    assert d.outcome("no") is None  # a choice between items
