"""Weighing a heard figure against its rivals (``local_speech.figures``), with a stand-in scorer: the audio's
preference is a table of log-likelihoods per sentence, so every rule is checked from text and numbers. The
engine's own scorer (Whisper forced on the audio) is exercised in ``test_whisper_asr``."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from local_speech.decoder import Lexicon
from local_speech.figures import (
    TENS,
    FigureOptions,
    check_figure,
    figure_span,
    rivals,
    sentence,
    tens_beside,
    weigh_lone_digit,
    well_formed,
)
from local_speech.heard import Heard
from local_speech.snap import WordDistance

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def sound() -> WordDistance:
    """How different words sound (their phones), as the engine measures it."""
    return WordDistance(Lexicon().lookup)


def heard(text: str, confidence: float = 0.95) -> Heard:
    return Heard(text, confidence, tuple((w, confidence) for w in text.split()), fitted=True)


class Audio:
    """Log-likelihoods of sentences: the ones named, and ``other`` for every sentence not named."""

    def __init__(self, scores: dict[str, float], other: float = -30.0) -> None:
        self.scores = {sentence(k.split()): v for k, v in scores.items()}
        self.other = other
        self.asked: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[float]:
        self.asked.append(list(texts))
        return [self.scores.get(t, self.other) for t in texts]


def test_the_figure_span_and_what_it_is_confused_with(sound: WordDistance) -> None:
    assert figure_span(["we", "picked", "two", "hundred", "and", "five", "bolts"]) == (2, 6)
    assert figure_span(["no", "figure", "here"]) is None
    o = FigureOptions()
    assert rivals(("fifteen",), sound, o)[0] == ("fifty",)
    assert rivals(("fifty",), sound, o)[0] == ("fifteen",)
    assert ("twenty",) in rivals(("twenty", "four"), sound, o)
    assert rivals(("eight",), sound, o)[0] == ("eighty",)
    assert ("forty", "eight") in rivals(("thirty", "eight"), sound, o)  # by sound, not by rule
    for figure in (("thirty", "three"), ("nineteen",), ("one", "hundred", "twelve"), ("seven",)):
        found = rivals(figure, sound, o)
        assert 0 < len(found) <= o.rivals and figure not in found
        assert all(well_formed(r) for r in found), found
    assert not well_formed(("thirteen", "three")) and not well_formed(("eight", "forty"))
    # a tens word lost in the "and" (held-out: "two hundred ninety one" heard "two hundred and one")
    lost = rivals(("two", "hundred", "and", "one"), sound, o)
    assert lost and all(r[:2] == ("two", "hundred") and r[2] in TENS and r[3] == "one" for r in lost), lost
    assert well_formed(("two", "hundred", "and", "five"))


def test_a_close_race_leaves_the_figure_unsure_with_its_rival(sound: WordDistance) -> None:
    audio = Audio({"we picked thirty eight heat wraps": -11.3, "we picked forty eight heat wraps": -12.2})
    checked = check_figure(heard("we picked thirty eight heat wraps"), audio, sound)
    assert checked.heard.text == "we picked thirty eight heat wraps"
    figures = dict(checked.heard.words)
    assert figures["thirty"] < 0.5 and figures["eight"] < 0.5 and figures["heat"] == 0.95
    assert checked.alternative == "we picked forty eight heat wraps"
    assert checked.heard.confidence == min(figures.values())


def test_a_clear_figure_stays_sure_and_a_clearly_better_rival_replaces_it(sound: WordDistance) -> None:
    clear = check_figure(
        heard("order fifteen lint rollers"), Audio({"order fifteen lint rollers": -5.0}), sound
    )
    assert clear.heard.text == "order fifteen lint rollers" and dict(clear.heard.words)["fifteen"] > 0.9
    # snapping made "party" into "forty"; the audio says "thirty" by far
    audio = Audio({"order forty hoodies": -14.0, "order thirty hoodies": -9.0})
    swapped = check_figure(heard("order forty hoodies", 0.8), audio, sound)
    assert swapped.heard.text == "order thirty hoodies"
    assert dict(swapped.heard.words)["thirty"] > 0.9 and swapped.alternative == "order forty hoodies"
    # a rival ahead by less than the margin does not replace the heard figure: it makes it unsure
    near = check_figure(heard("order forty hoodies"), Audio({"order forty hoodies": -10.0,
                                                             "order thirty hoodies": -9.0}), sound)  # fmt: skip
    assert near.heard.text == "order forty hoodies" and dict(near.heard.words)["forty"] < 0.5


def test_the_tens_word_beside_the_figure_must_lose_by_more(sound: WordDistance) -> None:
    # held-out seed 181 (en-029, "th" said as "t"): "thirty four" heard "forty four", which led by 2 nats
    said_thirty = Audio(
        {"i picked forty four radiator caps": -24.8, "i picked thirty four radiator caps": -26.8}
    )
    checked = check_figure(heard("i picked forty four radiator caps"), said_thirty, sound)
    assert dict(checked.heard.words)["forty"] < 0.5
    assert checked.alternative == "i picked thirty four radiator caps"
    said_forty = Audio(
        {"i picked forty four radiator caps": -22.7, "i picked thirty four radiator caps": -29.0}
    )
    assert (
        dict(check_figure(heard("i picked forty four radiator caps"), said_forty, sound).heard.words)["forty"]
        > 0.9
    )
    # a rival of another kind two nats behind leaves the figure sure, as before
    other = Audio(
        {"pick forty shoe horns": -10.0, "pick fourteen shoe horns": -12.0, "pick thirty shoe horns": -20.0}
    )
    assert dict(check_figure(heard("pick forty shoe horns"), other, sound).heard.words)["forty"] > 0.5
    assert tens_beside(("thirty", "four"), ("forty", "four")) and tens_beside(("ninety",), ("eighty",))
    assert not tens_beside(("thirty",), ("fifty",)) and not tens_beside(("forty",), ("fourteen",))
    assert not tens_beside(("thirty", "four"), ("forty", "five")) and not tens_beside(
        ("forty",), ("forty", "one")
    )


def test_the_answer_to_a_targeted_question_is_judged_like_any_figure(sound: WordDistance) -> None:
    offered = ("thirty eight", "forty eight")
    # Heard "eight", which was not offered; an offered figure a little likelier does not make it an answer
    audio = Audio({"eight": -12.0, "thirty eight": -11.0, "forty eight": -14.0})
    checked = check_figure(heard("eight", 0.3), audio, sound, offered=offered)
    assert audio.asked[0][:3] == ["Eight.", "Thirty eight.", "Forty eight."]  # the offered figures come first
    assert checked.heard.text == "eight" and dict(checked.heard.words)["eight"] < 0.5
    assert checked.alternative == "thirty eight"
    # "twenty four" against "twenty": only the audio can tell, and it does, clearly
    sure = check_figure(heard("twenty four", 0.95), Audio({"twenty four": -4.0, "twenty": -13.0}), sound,
                        offered=("twenty four", "twenty"))  # fmt: skip
    assert sure.heard.text == "twenty four" and dict(sure.heard.words)["four"] > 0.9
    # heard no surer than the engine's own figure for it: the race only ever lowers a kept figure
    low = check_figure(heard("twenty four", 0.3), Audio({"twenty four": -4.0, "twenty": -13.0}), sound)
    assert dict(low.heard.words)["four"] == 0.3


def test_another_engines_figure_is_a_rival_not_a_veto(sound: WordDistance) -> None:
    audio = Audio({"no sixty": -6.0, "no sixteen": -12.0})
    checked = check_figure(heard("no sixty"), audio, sound, opinions=("no sixteen",))
    assert audio.asked[0][1] == "No sixteen."
    assert checked.heard.text == "no sixty" and dict(checked.heard.words)["sixty"] > 0.9


def test_no_figure_no_scoring(sound: WordDistance) -> None:
    audio = Audio({})
    assert check_figure(heard("how many hoodies"), audio, sound).heard.text == "how many hoodies"
    assert audio.asked == []


def test_a_figure_the_fit_made_is_no_surer_than_the_audio_prefers_it_to_what_was_written(
    sound: WordDistance,
) -> None:
    # Whisper wrote "maybe"; the quantity grammar's fit made it "eighteen", which beats its rivals but not "maybe"
    audio = Audio({"eighteen": -10.2, "eighty": -13.9, "eight": -14.0, "maybe": -3.3})
    made = check_figure(heard("eighteen"), audio, sound, written="maybe")
    assert dict(made.heard.words)["eighteen"] < 0.1
    assert audio.asked[0][-1] == "Maybe."
    # Whisper wrote the figure itself: what it wrote around it (a name fitted beside it) is not weighed
    written = Audio({"order twenty staple guns": -6.0, "order twenty stable guns": -2.0})
    kept = check_figure(heard("order twenty staple guns"), written, sound, written="order twenty stable guns")
    assert dict(kept.heard.words)["twenty"] > 0.9 and "Order twenty stable guns." not in written.asked[0]


def test_the_words_long_after_the_figure_are_not_scored(sound: WordDistance) -> None:
    audio = Audio({})
    check_figure(heard("order thirty hoodies for the back room please"), audio, sound)
    assert audio.asked[0][0] == "Order thirty hoodies for."
    assert all(t.endswith(" hoodies for.") for t in audio.asked[0])


def test_scores_far_apart_do_not_overflow(sound: WordDistance) -> None:
    audio = Audio({"order forty hoodies": -900.0, "order thirty hoodies": -1.0})
    assert check_figure(heard("order forty hoodies"), audio, sound).heard.text == "order thirty hoodies"
    audio = Audio({"order forty hoodies": -1.0}, other=-2000.0)
    assert dict(check_figure(heard("order forty hoodies"), audio, sound).heard.words)["forty"] > 0.9
    fitted = Audio({"eighteen": -900.0, "maybe": -1.0}, other=-950.0)  # what Whisper wrote, far likelier
    assert (
        dict(check_figure(heard("eighteen"), fitted, sound, written="maybe").heard.words)["eighteen"] == 0.0
    )


class Written(Audio):
    """``Audio`` keyed by texts as written ("eight nine.", lower case), as check digits are scored."""

    def __init__(self, scores: dict[str, float], other: float = -30.0) -> None:
        super().__init__({}, other)
        self.scores = {f"{k}.": v for k, v in scores.items()}


def test_a_lone_check_digit_becomes_the_pair_the_audio_clearly_prefers() -> None:
    # "eight nine" written "eight" by Whisper (tune set, en-us): the pairs holding "eight" are weighed
    audio = Written({"eight nine": -11.9, "eight five": -13.5, "eight": -8.8})
    mended = weigh_lone_digit(heard("eight"), audio)
    assert mended.text == "eight nine" and mended.confidence == pytest.approx(0.7)
    assert len(audio.asked[0]) == 20  # 19 pairs ("eight eight" once) and the lone digit
    # no clear lead, or far less likely than the lone digit: unchanged
    close = Written({"eight nine": -11.9, "eight five": -12.5, "eight": -8.8})
    assert weigh_lone_digit(heard("eight"), close).text == "eight"
    assert weigh_lone_digit(heard("eight"), Written({"eight nine": -15.0, "eight": -8.8})).text == "eight"
    # a pair, or words, are not weighed
    assert weigh_lone_digit(heard("eight nine"), Written({})).text == "eight nine"
    assert weigh_lone_digit(heard("i need"), Written({})).text == "i need"
