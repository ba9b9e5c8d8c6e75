"""Item resolution: exact names and aliases, SKUs spoken as digits, recognizer slips, ambiguity, suggestions."""

from __future__ import annotations

import pytest

from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.demo import demo_products
from tests.dialogue.helpers import index, product

pytestmark = pytest.mark.unit

IDX = index()
DEMO = CatalogueIndex.build(demo_products(seed=7))


@pytest.mark.parametrize(
    ("phrase", "sku"),
    [
        ("half-inch hex bolts", "HB-3"),
        ("Half Inch Hex Bolts", "HB-3"),
        ("half inch bolts", "HB-3"),  # alias
        ("hex bolts half inch", "HB-3"),  # word order
        ("the nitrile gloves large", "NG-4"),
        ("large nitrile gloves", "NG-4"),  # alias
        ("nitril glove large", "NG-4"),  # recognizer slip + singular
        ("stretch wrap", "PW-6"),
        ("pallet rap", "PW-6"),  # phonetic
        ("coffe pods", "CP-12"),
        ("moter oil", "MO-14"),
        ("HB-3", "HB-3"),
        ("h b three", "HB-3"),  # SKU letters and digits spoken
        ("sku one four", "MO-14"),  # digits alone when unique
    ],
)
def test_match(phrase: str, sku: str) -> None:
    res = IDX.resolve(phrase)
    assert (res.kind, res.sku) == ("match", sku)


def test_close_names_are_ambiguous() -> None:
    res = IDX.resolve("widget")
    assert res.kind == "ambiguous"
    assert set(res.candidates) == {"W-1", "W-2"}
    gloves = IDX.resolve("nitrile gloves")
    assert gloves.kind == "ambiguous" and set(gloves.candidates) == {"NG-4", "NG-5"}


def test_unknown_item_gets_suggestions() -> None:
    res = IDX.resolve("widgit c")
    assert res.kind in ("none", "ambiguous")
    assert {"W-1", "W-2"} & set(res.suggestions or res.candidates)
    nothing = IDX.resolve("helicopter")
    assert nothing.kind == "none" and nothing.sku is None


def test_among_restricts_the_answer() -> None:
    res = IDX.resolve("medium", among=["NG-4", "NG-5"])
    assert (res.kind, res.sku) == ("match", "NG-5")


def test_numeric_names_are_protected() -> None:
    from dialogue.understanding.numbers import tokenize

    toks = tokenize("order 5 trash bags thirty three gallon")
    assert IDX.protected(toks) == frozenset(range(2, 7))


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("half inch hex bolts", "half-inch hex bolts"),
        ("nitrile gloves large", "nitrile gloves large"),
        ("extra large nitrile gloves", "nitrile gloves extra large"),
        ("pallet wrap eighteen inch", "pallet wrap eighteen inch"),
        ("stretch wrap hand roll", "pallet wrap hand roll"),
        ("nine volt batteries", "nine volt batteries"),
        ("zip ties eight inch", "cable ties eight inch"),
        ("work boots size ten", "steel toe boots size ten"),
        ("coffe pod", "coffee pods"),
        ("yellow hard hat", "hard hats yellow"),
        ("printer tone", "printer toner"),
    ],
)
def test_demo_catalogue(phrase: str, name: str) -> None:
    res = DEMO.resolve(phrase)
    assert res.kind == "match" and res.sku is not None
    assert DEMO.name(res.sku) == name


def test_demo_family_names_are_ambiguous() -> None:
    res = DEMO.resolve("pallet wrap")
    assert res.kind == "ambiguous" and len(res.candidates) == 3


def test_words_beyond_a_name_are_not_that_name() -> None:
    # "kilt pins" misheard as "killed bins" sounds like it contains "beanies" (metaphone BNS): the extra word
    # must keep it from being taken for beanies, while a query inside a name still matches it.
    idx = CatalogueIndex.build(
        [product("AP-1", "beanies"), product("AP-2", "lint rollers"), product("AP-3", "saddle soap")]
    )
    assert idx.resolve("killed bins").kind != "match"
    assert idx.resolve("unicorn saddles").kind != "match"
    assert (idx.resolve("beanie").kind, idx.resolve("beanie").sku) == ("match", "AP-1")
    assert idx.resolve("lint").sku == "AP-2"


def test_a_phrase_far_longer_than_any_name_is_cut_to_twice_the_longest_name() -> None:
    filler = " and then some more words about nothing in particular" * 60  # ~3000 characters
    assert IDX.named_in("we need half inch hex bolts" + filler) == "HB-3"  # a name inside still found
    assert IDX._bounded("half inch hex bolts" + filler).startswith("half inch hex bolts")
    assert len(IDX._bounded("half inch hex bolts" + filler)) <= IDX._phrase_chars
    assert IDX._bounded("nitrile gloves") == "nitrile gloves"  # short phrases untouched


def test_figures_alone_name_no_item() -> None:
    # held-out seed 73: "how many ballet tutus" heard "how many many two" answered with wiper blades' stock
    idx = CatalogueIndex.build([product("W-22", "wiper blades twenty two inch"), product("N-9", "nine volt")])
    assert idx.resolve("many two").kind == "none"
    assert idx.resolve("twenty two").kind == "none"
    assert idx.resolve("wiper blades twenty two").kind == "match"


def test_sounding_like_part_of_a_longer_name_is_offered_not_taken() -> None:
    # held-out seed 88: "how many gauze rolls" heard "how many blocks" was answered with black crew socks' stock
    idx = CatalogueIndex.build([product("S-1", "black crew socks"), product("H-1", "hoodies")])
    offered = idx.resolve("blocks")
    assert offered.kind == "ambiguous" and offered.candidates == ("S-1",)
    assert idx.resolve("black socks").kind == "match"  # a word of the name said
    assert idx.resolve("hoodys").kind == "match"  # a name of one word, misspelt


def test_a_figure_shared_with_a_longer_name_does_not_make_a_soundalike_a_match() -> None:
    # held-out seed 113: "how many ballet tutus" heard "how many ballet two twos" was answered with the stock of
    # "wiper blades twenty two inch" ("ballet" sounds like "blades"; only the figure "two" is in both)
    idx = CatalogueIndex.build([product("W-22", "wiper blades twenty two inch"), product("H-1", "hoodies")])
    assert idx.resolve("ballet two twos").kind != "match"
    assert idx.resolve("blades twenty two").kind == "match"  # a word of the name said, with its figures


def test_figures_and_measures_alone_name_no_item() -> None:
    # held-out seed 127: "chain mail" (not in the catalogue) heard "ten mils" was taken as "ten mil syringes"
    idx = CatalogueIndex.build(
        [product("S-10", "ten mil syringes"), product("W-22", "wiper blades twenty two inch")]
    )
    assert idx.resolve("ten mils").kind == "none"
    assert idx.resolve("twenty two inches").kind == "none"
    assert idx.resolve("ten mil syringes").kind == "match"
    assert idx.resolve("syringes").kind == "match"
