"""Property: whatever is said, in whatever order, nothing is written unless the turn that wrote it was a "yes"
to a read-back, heard in full, of that very quantity and item, within the confirmation time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.policy.state import NoInput, PlaybackCut, PolicyConfig
from dialogue.understanding.nlu import understand
from dialogue.understanding.numbers import to_words
from tests.dialogue.helpers import Driver, World

pytestmark = pytest.mark.unit

UTTERANCES = [
    "order 40 widget a", "order 2000 widget a", "reorder it", "order more coffee pods", "received 3 cases of coffee pods",
    "picked 12 coffee pods", "took 5 from bin A-01-2", "count for motor oil is 48", "keep at least 40 toilet paper",
    "set it to 30", "received 10 of those", "yes", "yes", "yes", "yeah", "no", "no, one fifty", "make it 200",
    "no, widget b", "cancel", "say again", "help", "nine zero", "one two", "one two", "four seven", "blah blah",
    "how many widget do we have", "b", "the first one", "what's running low", "more", "goodbye", "twelve",
    "how many coffee pods do we have", "where is it", "who supplies it", "order 15 nitrile gloves",
]  # fmt: skip

Step = tuple[str, object]

WRITES = UTTERANCES[:11]
single = st.one_of(
    st.sampled_from(UTTERANCES).map(lambda u: ("say", u)),
    st.integers(min_value=0, max_value=200).map(lambda n: ("cut", n)),
    st.sampled_from([5.0, 45.0, 90.0]).map(lambda dt: ("wait", dt)),
    st.just(("silence", None)),
)
# A request, perhaps cut off or delayed, then "yes": the situations where a wrong commit would happen.
burst = st.tuples(
    st.sampled_from(WRITES),
    st.lists(st.one_of(st.integers(0, 200).map(lambda n: ("cut", n)), st.sampled_from([("wait", 45.0),
             ("wait", 90.0), ("say", "nine zero"), ("say", "say again"), ("silence", None)])), max_size=2),
).map(lambda t: [("say", t[0]), *t[1], ("say", "yes")])  # fmt: skip
steps = st.one_of(single.map(lambda s: [s]), burst)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=1, max_size=12).map(lambda chunks: [s for c in chunks for s in c]))
def test_no_write_without_a_heard_yes(script: list[Step]) -> None:
    timeout = 60.0
    d = Driver(
        World(recommend={"W-1": 120}, daily={"W-1": 2.0}), config=PolicyConfig(confirm_timeout_s=timeout)
    )
    read_at = 0.0  # when the last read-back (or unusual-quantity warning) was spoken
    last_read = ""
    read_back = ""
    cut_short = False  # that read-back was cut off before its must-hear offset
    pause = 0.0
    for kind, value in script:
        if kind == "wait":
            pause += float(str(value))
            continue
        if kind == "cut":
            last = d.speaks[-1] if d.speaks else None
            if last is not None:
                d.send(PlaybackCut(int(str(value))))
                if last.must_hear_chars is not None and int(str(value)) < last.must_hear_chars:
                    cut_short = True
            continue
        before_commits, before_speaks = len(d.commits), len(d.speaks)
        if kind == "silence":
            d.t += pause
            d.send(NoInput(d.t))
        else:
            d.say(str(value), dt=1.0 + pause)
        pause = 0.0
        if len(d.commits) > before_commits:
            assert len(d.commits) == before_commits + 1
            draft = d.commits[-1].draft
            assert kind == "say" and understand(str(value), d.policy.index).intent == "yes"
            assert not cut_short, "a cut-off read-back must not be confirmed"
            assert d.t - read_at <= timeout
            assert to_words(draft.quantity) in last_read
            assert d.policy.index.name(draft.sku) in read_back and to_words(draft.quantity) in read_back
        for spoken in d.speaks[before_speaks:]:
            if spoken.must_hear_chars is not None:
                read_at, last_read, cut_short = d.t, spoken.text, False
                if spoken.text.endswith("Say yes to confirm."):
                    read_back = spoken.text
    keys = [c.draft.key for c in d.commits]
    assert len(keys) == len(set(keys)), "a key may be committed once"
