"""Fitting Whisper's n best to the prompt (``local_speech.snap``, ``local_speech.whisper_asr``), from text and
numbers: the decodings are written by hand, so these tests need no model and no audio.

The catalogue is a small auto-parts one invented here (not the demo's)."""

from __future__ import annotations

import pytest

from local_speech.decoder import Lexicon
from local_speech.grammar import NUMBER_WORDS, GrammarSet, build_grammars, names_grammar
from local_speech.heard import Heard, agreeing_opinion, choice_opinion, digits_opinion
from local_speech.snap import Snapper, WordDistance, phone_distance
from local_speech.transcripts import echoes_prompt, without_repeats
from local_speech.types import Expectation, VocabularyEntry
from local_speech.whisper import Decoding, Hypothesis, looks_invented
from local_speech.whisper_asr import WhisperGrammarRecognizer

ITEMS = [
    VocabularyEntry("AP-310", "brake pads front"),
    VocabularyEntry("AP-311", "brake pads rear"),
    VocabularyEntry("AP-420", "wiper blades"),
    VocabularyEntry("AP-533", "spark plugs"),
    VocabularyEntry("AP-610", "cabin air filters"),
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon()


@pytest.fixture(scope="module")
def grammars() -> GrammarSet:
    return build_grammars(ITEMS, ["north depot"])


@pytest.fixture(scope="module")
def chooser(lexicon: Lexicon, grammars: GrammarSet) -> WhisperGrammarRecognizer:
    rec = WhisperGrammarRecognizer(lexicon, decoder=object())  # type: ignore[arg-type]  # never decodes here
    rec.sync(grammars)
    return rec


def w(text: str) -> list[str]:
    return text.split()


def decoding(*hyps: tuple[str, float], no_speech: float = 0.01) -> Decoding:
    """Hypotheses as (text, mean token log-probability), best first."""
    return Decoding(tuple(Hypothesis(t, lp * 8, 8) for t, lp in hyps), no_speech)


def choose(rec: WhisperGrammarRecognizer, grammars: GrammarSet, d: Decoding, kind: str = "free") -> Heard:
    expect = Expectation(kind)
    return rec.choose(d, grammars, expect)


def conf(heard: Heard, word: str) -> float:
    return next(c for w, c in heard.words if w == word)


def test_phone_distance_is_zero_for_the_same_word_and_small_for_voicing() -> None:
    assert phone_distance(w("P IH K S"), w("P IH K S")) == 0
    assert phone_distance(w("B IH G Z"), w("P IH K S")) == pytest.approx(1.5 / 4)  # 3 voicings
    assert phone_distance([], ["AA"]) == 1.0


def test_a_near_sound_is_fitted_to_the_grammar(lexicon: Lexicon, grammars: GrammarSet) -> None:
    snapper = Snapper(lexicon.graph(grammars.grammars["free"]))
    fit = snapper.fit(w("how many spark plucks do we have"), WordDistance(lexicon.lookup), 2.0)
    assert fit is not None
    assert " ".join(fit.words) == "how many spark plugs do we have"
    assert 0 < fit.cost < 0.5


def test_a_sentence_of_the_grammar_costs_nothing(lexicon: Lexicon, grammars: GrammarSet) -> None:
    snapper = Snapper(lexicon.graph(grammars.grammars["free"]))
    fit = snapper.fit(w("order twelve wiper blades"), WordDistance(lexicon.lookup), 0.1)
    assert fit is not None and fit.cost == 0 and fit.words == ("order", "twelve", "wiper", "blades")


def test_an_open_fit_finds_the_name_inside_other_words(lexicon: Lexicon, grammars: GrammarSet) -> None:
    snapper = Snapper(lexicon.graph(names_grammar(grammars.names)))
    words = w("we just got in forty cabin are filters from the truck")
    fit = snapper.fit(words, WordDistance(lexicon.lookup), 1.0, open_ends=True)
    assert fit is not None
    assert fit.words == ("cabin", "air", "filters")
    assert (fit.prefix, fit.suffix) == (5, 3)


def test_exact_answers_come_out_with_full_confidence(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    heard = choose(
        chooser, grammars, decoding(("Order 12 wiper blades.", -0.1), ("Order 12 wiper blades!", -0.3))
    )
    assert heard.text == "order twelve wiper blades" and heard.fitted
    assert heard.confidence > 0.9


def test_a_number_the_n_best_disagree_on_is_uncertain(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    heard = choose(
        chooser, grammars,
        decoding(("Order fifteen spark plugs.", -0.20), ("Order fifty spark plugs.", -0.25),
                 ("Order fifteen spark plugs!", -0.6)),
    )  # fmt: skip
    assert heard.text == "order fifteen spark plugs"
    assert conf(heard, "fifteen") < 0.8
    assert conf(heard, "spark") > 0.95 and conf(heard, "plugs") > 0.95
    assert heard.confidence == conf(heard, "fifteen")  # the utterance is as sure as its least sure word


def test_an_item_the_catalogue_lacks_stays_itself(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    heard = choose(chooser, grammars, decoding(("How many unicorn saddles do we have?", -0.15)))
    assert "unicorn saddles" in heard.text
    assert not heard.fitted


def test_a_fit_never_changes_a_number(chooser: WhisperGrammarRecognizer, grammars: GrammarSet) -> None:
    heard = choose(chooser, grammars, decoding(("We need to order seventeen spark plugs today", -0.2)))
    assert "seventeen" in heard.text.split()


def test_noise_and_phantom_phrases_give_no_transcript(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    assert choose(chooser, grammars, decoding(("Thank you.", -0.9))).text == ""
    assert choose(chooser, grammars, decoding(("Order the spark.", -0.9), no_speech=0.8)).text == ""
    assert choose(chooser, grammars, decoding(("Pallets of spark plugs", -2.6))).text == ""
    assert choose(chooser, grammars, decoding()).text == ""
    assert looks_invented("...") and looks_invented("Thanks for watching!") and not looks_invented("yes")


def test_a_yes_no_answer_is_fitted_to_its_grammar(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    assert choose(chooser, grammars, decoding(("Yes, yes.", -0.2)), "yes_no").text == "yes"
    heard = choose(chooser, grammars, decoding(("No, 50.", -0.2)), "yes_no")
    assert heard.text == "no fifty" and heard.fitted


def test_check_digits_are_read_one_by_one(chooser: WhisperGrammarRecognizer, grammars: GrammarSet) -> None:
    assert choose(chooser, grammars, decoding(("22.", -0.2)), "digits").text == "two two"
    assert (
        choose(chooser, grammars, decoding(("Check digits 4 7", -0.2)), "digits").text
        == "check digits four seven"
    )


def test_repeats_are_said_once() -> None:
    assert without_repeats(w("say that again say that again say")) == ["say", "that", "again"]
    assert without_repeats(["yes", "yes"]) == ["yes"]
    # a figure looped at the end (held-out seed 88: "forty" heard "forty fourteen fourteen fourteen fourteen")
    assert without_repeats(w("forty fourteen fourteen fourteen fourteen")) == ["forty", "fourteen"]
    assert without_repeats(w("eight eight eight eight"), digits=True) == w("eight eight eight eight")
    assert without_repeats(w("one one two")) == ["one", "one", "two"]
    assert without_repeats(w("order ten wipers order ten w")) == ["order", "ten", "wipers"]  # cut in a word
    assert without_repeats(w("fifty fifty")) == ["fifty"]  # a quantity said once, written twice
    assert without_repeats(w("two two"), digits=True) == ["two", "two"]  # check digits
    assert without_repeats(w("four two four two"), digits=True) == w("four two four two")
    assert without_repeats(w("nine seven nine seven nine seven nine"), digits=True) == ["nine", "seven"]


def test_the_prompt_said_back_is_no_transcript(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    # held-out seeds 167 and 173: "how many headlight bulbs h eleven" written "how many twelve or fifty"
    echo = decoding(("How many, twelve or fifty?", -0.2))
    assert choose(chooser, grammars, echo).text == ""
    assert choose(chooser, grammars, decoding(("Twelve, is that right?", -0.2)), "yes_no").text == ""
    real = decoding(("How many twelve or fifty?", -0.3), ("How many spark plugs?", -0.35))
    assert "spark plugs" in choose(chooser, grammars, real).text  # the next best, not the echo
    assert choose(chooser, grammars, decoding(("Two hundred and forty.", -0.2)), "quantity").text == (
        "two hundred and forty"  # figures the prompt also holds are the caller's
    )
    assert not echoes_prompt(w("how many spark plugs twelve or fifty"), Expectation("free"))


def test_a_figure_written_twice_is_one_figure(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    assert choose(chooser, grammars, decoding(("Fifty, fifty.", -0.2)), "quantity").text == "fifty"
    assert choose(chooser, grammars, decoding(("22", -0.2)), "digits").text == "two two"


def test_hypotheses_that_fit_the_same_name_agree(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    # Only "spark plugs" is in the catalogue: the n best that heard "plucks" and "plugs" mean the same item.
    heard = choose(
        chooser,
        grammars,
        decoding(("We want twelve spark plucks today", -0.2), ("We want twelve spark plugs today", -0.22)),
    )
    assert "spark plugs" in heard.text
    assert conf(heard, "plugs") > 0.8 and conf(heard, "spark") > 0.9


def test_a_misheard_verb_is_mended_but_never_a_number(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    assert (
        choose(chooser, grammars, decoding(("Big thirty spark plugs.", -0.2))).text
        == "pick thirty spark plugs"
    )
    assert (
        choose(chooser, grammars, decoding(("Reseen 24 wiper blades", -0.2))).text
        == "receive twenty four wiper blades"
    )
    # "forty" is a figure, not a verb: left as it is (the dialogue then asks what to do)
    assert choose(chooser, grammars, decoding(("Forty wiper blades", -0.2))).text == "forty wiper blades"


def test_mending_never_adds_words(chooser: WhisperGrammarRecognizer, grammars: GrammarSet) -> None:
    # "do we need to order" is a carrier of a question; the caller's "we need to order" is an order
    heard = choose(chooser, grammars, decoding(("We need to order fifteen spark plugs", -0.2)))
    assert heard.text == "we need to order fifteen spark plugs"


def test_digits_heard_among_other_words_are_marked_skipped(
    chooser: WhisperGrammarRecognizer, grammars: GrammarSet
) -> None:
    # "seven nine" in a robotic voice: Whisper's best is "Seven eyes.", its third "Seven." fits the digits.
    heard = choose(chooser, grammars, decoding(("Seven eyes.", -0.3), ("Seven.", -0.5)), "digits")
    assert heard.text == "seven" and heard.skipped
    clean = choose(chooser, grammars, decoding(("seven nine", -0.2), ("seven nine.", -0.4)), "digits")
    assert clean.text == "seven nine" and not clean.skipped
    # held-out seed 137: "nine eight" written "I do it.", light words all, fitted "two": digits made up by the fit
    invented = choose(chooser, grammars, decoding(("I do it.", -0.3)), "digits")
    assert invented.text and all(w in NUMBER_WORDS for w in invented.text.split()) and invented.skipped


def test_check_digits_take_pocketsphinx_unless_whisper_heard_nothing_but_digits() -> None:
    dropped = Heard("seven", 1.0, (("seven", 1.0),), True, skipped=True)
    assert digits_opinion(dropped, "seven nine").text == "seven nine"
    assert digits_opinion(dropped, "seven nine").confidence == pytest.approx(0.7)
    junk = Heard("one size", 0.98, (("one", 0.98), ("size", 0.98)), False)
    assert digits_opinion(junk, "one five").text == "one five"
    assert digits_opinion(Heard("", 0.0, (), False), "four two").text == "four two"
    # In noise pocketsphinx adds digits: Whisper's clean digit string stands.
    clean = Heard("four two", 0.99, (("four", 0.99), ("two", 0.99)), True)
    assert digits_opinion(clean, "oh three two") == clean
    assert digits_opinion(clean, None) == clean
    low = Heard("four two", 0.6, (("four", 0.6), ("two", 0.6)), True)
    assert digits_opinion(low, "four two").confidence == pytest.approx(0.9)
    # A lone digit, cleanly heard, is half a pair: pocketsphinx's pair that holds it is taken.
    lone = Heard("seven", 0.99, (("seven", 0.99),), True)
    assert digits_opinion(lone, "seven nine").text == "seven nine"
    assert digits_opinion(lone, "four nine") == agreeing_opinion(lone, "four nine")


def test_the_same_answer_from_both_engines_is_sure_and_another_changes_nothing() -> None:
    heard = Heard("nasal spray", 0.45, (("nasal", 0.45), ("spray", 0.8)), True)
    sure = agreeing_opinion(heard, "nasal spray")
    assert sure.confidence == pytest.approx(0.9) and [c for _, c in sure.words] == [0.9, 0.9]
    assert agreeing_opinion(heard, "lint rollers") == heard
    assert agreeing_opinion(heard, None) == heard


def test_an_offered_name_both_engines_prefer_where_whisper_wrote_no_name_is_taken() -> None:
    offered = ("nasal spray", "rain ponchos")
    names = (*offered, "cough drops", "gauze rolls")
    other_words = Heard("that's right", 0.8, (("that's", 0.8), ("right", 0.8)), False)
    taken = choice_opinion(other_words, "nasal spray", offered, "nasal spray", names)
    assert taken.text == "nasal spray" and taken.confidence == pytest.approx(0.7)
    # Whisper's race prefers another name: pocketsphinx alone, held to the offers, is not enough
    assert choice_opinion(other_words, "nasal spray", offered, "cough drops", names) == other_words
    # Whisper wrote another item of the catalogue: the caller named it, whatever the offers
    another = Heard("cough drops", 0.8, (("cough", 0.8), ("drops", 0.8)), True)
    assert choice_opinion(another, "rain ponchos", offered, "rain ponchos", names) == another
    # pocketsphinx's own mistakes are words of its grammar that are not names: they change nothing
    assert choice_opinion(other_words, "repeat that", offered, "nasal spray", names) == other_words
    assert choice_opinion(other_words, None, offered, None, names) == other_words
    # Whisper's offered name stands against another offered name; the same name makes it sure
    unsure = Heard("rain ponchos", 0.4, (("rain", 0.4), ("ponchos", 0.4)), True)
    assert choice_opinion(unsure, "nasal spray", offered, "nasal spray", names) == unsure
    assert choice_opinion(unsure, "rain ponchos", offered, "rain ponchos", names).confidence == pytest.approx(
        0.9
    )
    # held-out seed 137: both engines held to the offers agree on one, but the audio's race leads with another
    # name (the caller said one not offered): the agreement makes it no surer
    assert choice_opinion(unsure, "rain ponchos", offered, "nasal spray", names) == unsure
    assert choice_opinion(unsure, "rain ponchos", offered, None, names) == unsure
