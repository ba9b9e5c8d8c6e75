"""Weighing the names an answer may be (``local_speech.names``), with a stand-in scorer: the audio's preference is a
table of log-likelihoods per text, so every rule is checked from text and numbers. The engine's own scorer
(Whisper forced on the audio) is exercised in ``test_whisper_asr``."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from local_speech.heard import Heard
from local_speech.names import NameOptions, weigh_names

pytestmark = pytest.mark.unit

OFFERED = [("nasal spray", 0.9), ("ten mil syringes", 0.9)]


def heard(text: str, confidence: float = 0.95) -> Heard:
    return Heard(text, confidence, tuple((w, confidence) for w in text.split()), fitted=True)


class Audio:
    """Log-likelihoods of texts (each asked with its full stop): the ones named, ``other`` for the rest."""

    def __init__(self, scores: dict[str, float], other: float = -40.0) -> None:
        self.scores = {f"{k}.": v for k, v in scores.items()}
        self.other = other
        self.asked: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[float]:
        self.asked.append(list(texts))
        return [self.scores.get(t, self.other) for t in texts]


def test_a_name_the_audio_clearly_prefers_is_taken() -> None:
    audio = Audio({"nasel spay": -8.0, "nasal spray": -12.0, "ten mil syringes": -30.0})
    out = weigh_names(heard("nasel spay"), "nasel spay", OFFERED, audio, NameOptions())
    assert out.text == "nasal spray" and out.fitted
    assert out.confidence == 0.9
    assert [w for w, _ in out.words] == ["nasal", "spray"]
    assert audio.asked == [["nasal spray.", "ten mil syringes.", "nasel spay."]]

    narrow = Audio({"nasel spay": -8.0, "nasal spray": -12.0, "ten mil syringes": -15.5})
    out = weigh_names(heard("nasel spay"), "nasel spay", OFFERED, narrow, NameOptions())
    assert (out.text, out.confidence) == ("nasal spray", 0.9)  # a lead of 3.5 nats is enough


def test_words_that_share_nothing_with_the_name_stay_themselves() -> None:
    """Garbage scores low itself, so a name merely beating the other names is no evidence (held-out seed 47:
    "one two three three three three three" for "nasal spray" became an offered "horn relays")."""
    garbage = "one two three three three three three"
    audio = Audio({garbage: -30.0, "horn relays": -26.0, "three mil syringes": -35.0})
    said = heard(garbage, 0.3)
    names = [("horn relays", 0.9), ("three mil syringes", 0.9)]
    assert weigh_names(said, garbage, names, audio, NameOptions()) is said
    taken = weigh_names(said, garbage, names, audio, NameOptions(min_likeness=0.0))
    assert taken.text == "horn relays"  # the likeness bar alone kept it out


def test_what_was_said_clearly_stays_itself() -> None:
    # "cancel" (or an item the catalogue lacks) is far likelier than any name: it is not made a name.
    audio = Audio({"cancel": -3.0, "nasal spray": -12.0, "ten mil syringes": -30.0})
    said = heard("cancel")
    assert weigh_names(said, "cancel", OFFERED, audio, NameOptions()) is said


def test_two_names_in_a_close_race_change_nothing() -> None:
    audio = Audio({"nasel spay": -8.0, "nasal spray": -12.0, "ten mil syringes": -13.0})
    said = heard("nasel spay", 0.4)
    assert weigh_names(said, "nasel spay", OFFERED, audio, NameOptions()) is said


def test_nothing_is_weighed_without_a_rival_or_a_transcript_or_when_a_name_was_heard() -> None:
    audio = Audio({"nasal spray": -5.0})
    for said, written, names in (
        (heard("nasel spay"), "nasel spay", OFFERED[:1]),  # one name: no rival to lead
        (heard(""), "", OFFERED),  # Whisper wrote nothing: nothing is invented
        (heard("nasal spray", 0.3), "nasal spray", OFFERED),  # a name heard: as sure as it was
    ):
        assert weigh_names(said, written, names, audio, NameOptions()) is said
    assert audio.asked == []


def test_each_name_is_taken_as_sure_as_its_entry_and_the_thresholds_are_options() -> None:
    """Offered names at 0.9, other catalogue names (the nearest by sound) at 0.7; the first entry of a name counts."""
    audio = Audio({"water packs": -10.0, "butter pats": -15.0, "water pitchers": -25.0})
    names = [("water pitchers", 0.9), ("butter pats", 0.7), ("water pitchers", 0.7)]
    out = weigh_names(heard("water packs"), "water packs", names, audio, NameOptions())
    assert (out.text, out.confidence) == ("butter pats", 0.7)
    assert audio.asked == [["water pitchers.", "butter pats.", "water packs."]]
    audio = Audio({"water packs": -10.0, "butter pats": -25.0, "water pitchers": -15.0})
    out = weigh_names(heard("water packs"), "water packs", names, audio, NameOptions())
    assert (out.text, out.confidence) == ("water pitchers", 0.9)
    said = heard("water packs")
    assert weigh_names(said, "water packs", names, audio, NameOptions(within=4.0)) is said
    assert weigh_names(said, "water packs", names, audio, NameOptions(margin=11.0)) is said
