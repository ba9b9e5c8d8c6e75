"""Grammar generation, the JSGF-to-word-graph compiler and pronunciations of out-of-dictionary words."""

from __future__ import annotations

import shutil

import pytest

from local_speech.fsg import GrammarSyntaxError, compile_jsgf, parse_jsgf
from local_speech.grammar import (
    build_grammars,
    choice_grammar,
    normalize_phrase,
    search_name,
    spoken_code,
    spoken_number,
)
from local_speech.pronounce import ipa_to_arpabet, letters_to_arpabet, pronunciations
from local_speech.types import Expectation, VocabularyEntry

pytestmark = pytest.mark.speech

ITEMS = [
    VocabularyEntry("FAS-1003", "half-inch hex bolts", ("half-inch hex bolt", "half-inch bolts")),
    VocabularyEntry("SAF-1070", "nitrile gloves large", ("large nitrile gloves",)),
    VocabularyEntry("PKG-1034", "pallet wrap hand roll", ("stretch wrap hand roll",)),
    VocabularyEntry("ELC-2", "9V batteries", ()),
]


@pytest.fixture(scope="module")
def graphs() -> dict[str, object]:
    grammars = build_grammars(ITEMS, sites=["east annex"])
    return {name: compile_jsgf(text) for name, text in grammars.grammars.items()}


def accepts(graphs: dict[str, object], kind: str, text: str) -> bool:
    return graphs[kind].accepts(text.split())  # type: ignore[attr-defined, no-any-return]


def test_spoken_forms() -> None:
    assert spoken_number(0) == "zero"
    assert spoken_number(120) == "one hundred twenty"
    assert spoken_number(99_999) == "ninety nine thousand nine hundred ninety nine"
    assert normalize_phrase("Half-Inch  Hex Bolts!") == "half inch hex bolts"
    assert normalize_phrase("M8 washers & 9V") == "m eight washers and nine v"
    assert spoken_code("FAS-1001") == "f a s one zero zero one"
    with pytest.raises(ValueError):
        spoken_number(1_000_000)


@pytest.mark.parametrize(
    "text",
    [
        "how many nitrile gloves large do we have",
        "is there any pallet wrap hand roll left",
        "where are half inch hex bolts",
        "order one twenty cases of pallet wrap hand roll",
        "order a hundred and twenty of stretch wrap hand roll",
        "received two and a half cases of half inch bolts",
        "picked twelve hundred nitrile gloves large",
        "took five from bin a three",
        "count for half inch hex bolts is forty eight",
        "keep at least a dozen nitrile gloves large",
        "how many half inch hex bolts will we sell next month",
        "who supplies nine v batteries",
        "what's running low",
        "reorder it",
        "sku f a s one zero zero three",
        "one zero three four",
        "check digits four seven",
        "how many nitrile gloves large do we have in the east annex",
        "say again",
        "never mind",
    ],
)
def test_free_grammar_accepts_the_dialogue(graphs: dict[str, object], text: str) -> None:
    assert accepts(graphs, "free", text)


@pytest.mark.parametrize(
    "text",
    ["how many apples do we have", "order one twenty cases of", "the weather is nice", "nitrile gloves huge"],
)
def test_free_grammar_rejects_other_speech(graphs: dict[str, object], text: str) -> None:
    assert not accepts(graphs, "free", text)


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("yes_no", ["yes", "no", "no one fifty", "no make it twelve cases", "no i meant pallet wrap hand roll"],
         ["how many nitrile gloves large do we have", "four seven"]),
        ("quantity", ["one twenty", "twelve hundred", "a dozen", "two and a half cases", "forty eight of them"],
         ["yes", "where is it"]),
        ("digits", ["four seven", "check digits one two three"], ["forty seven", "yes"]),
        ("item", ["half inch hex bolts", "the nitrile gloves large", "sku one zero seven zero"], ["yes", "twelve"]),
    ],
)  # fmt: skip
def test_prompt_grammars_bias_to_the_expected_answer(
    graphs: dict[str, object], kind: str, good: list[str], bad: list[str]
) -> None:
    for text in good:
        assert accepts(graphs, kind, text), text
    for text in bad:
        assert not accepts(graphs, kind, text), text
    for command in ("cancel", "say again", "help", "stop"):
        assert accepts(graphs, kind, command), (kind, command)


def test_choice_grammar() -> None:
    graph = compile_jsgf(choice_grammar(["Widget A", "Widget B"]))
    for text in ("widget a", "the widget b", "the second one", "number two", "cancel"):
        assert graph.accepts(text.split()), text
    assert not graph.accepts(["widget", "c"])
    assert search_name(Expectation("choice", ("x",))).startswith("choice_")
    assert search_name(Expectation("choice")) == "item"
    assert search_name(Expectation("yes_no")) == "yes_no"


def test_grammar_version_follows_the_catalogue() -> None:
    a = build_grammars(ITEMS)
    assert build_grammars(list(ITEMS)).version == a.version
    changed = build_grammars([*ITEMS, VocabularyEntry("X-1", "squeegees", ())])
    assert changed.version != a.version
    assert "squeegees" in changed.words and "squeegees" not in a.words


def test_compiler_merges_shared_prefixes_and_suffixes() -> None:
    graph = compile_jsgf(
        "#JSGF V1.0; grammar g; public <s> = [please] <n> (bolts | nuts) [please];\n<n> = one | two | three;"
    )
    # start, after "please", after the number (the three share it), after the item, after the last "please",
    # and the final state
    assert graph.num_states == 6
    assert graph.accepts(["please", "two", "nuts"])
    assert graph.accepts(["three", "bolts", "please"])
    assert not graph.accepts(["please", "please"])
    assert not graph.accepts(["two"])
    assert graph.words == {"please", "one", "two", "three", "bolts", "nuts"}
    outgoing: dict[int, float] = {}
    for src, _dst, prob, _word in graph.transitions:
        outgoing[src] = outgoing.get(src, 0.0) + prob
    assert all(abs(total - 1.0) < 1e-9 for total in outgoing.values())


def test_compiler_reports_bad_grammars() -> None:
    with pytest.raises(GrammarSyntaxError):
        compile_jsgf("#JSGF V1.0; grammar g; public <s> = <missing>;")
    with pytest.raises(GrammarSyntaxError):
        compile_jsgf("#JSGF V1.0; grammar g; public <s> = ( a | b ;")
    with pytest.raises(GrammarSyntaxError):
        parse_jsgf("#JSGF V1.0; grammar g; <s> = a;")
    with pytest.raises(GrammarSyntaxError):
        compile_jsgf("#JSGF V1.0; grammar g; public <s> = a <s>;")


def test_ipa_and_letter_pronunciations() -> None:
    assert ipa_to_arpabet("nˈaɪtɹaɪl") == "N AY T R AY L"
    assert ipa_to_arpabet("skwˈiːdʒiːz") == "S K W IY JH IY Z"
    assert letters_to_arpabet("shop") == "SH AA P"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_pronunciations_from_espeak() -> None:
    prons = pronunciations(["nitrile", "degreaser", "sku", "highlighters"])
    assert prons["nitrile"][0] == "N AY T R AY L"
    assert prons["degreaser"][0].startswith("D") and "G R IY S" in prons["degreaser"][0]
    assert prons["sku"] == ("S K Y UW",)
    assert len(prons["highlighters"]) == 2  # the flap may be written T or D
