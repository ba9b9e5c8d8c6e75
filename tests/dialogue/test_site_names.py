"""Sites by name: the dialogue speaks a site's recorded name ("at the walk in cooler") in answers, prompts and
read-backs, and understands a site said by name or by id ("in the walk in cooler", "at dry", "dry store") as the
site slot. A made-up food-service catalogue; a site without a name is still spoken by its id."""

from __future__ import annotations

import pytest

from dialogue.understanding.nlu import understand
from dialogue.understanding.resolve import CatalogueIndex
from tests.dialogue.helpers import Driver, World, product

pytestmark = pytest.mark.unit

NAMES = {"dry": "dry store", "cool": "walk in cooler"}
KITCHEN = CatalogueIndex.build(
    [
        product("K-1", "basmati rice sacks", pack=4, site_bins=(("dry", "R-1", "12"), ("cool", "C-9", "34"))),
        product("K-2", "heavy cream quarts", pack=12, site_bins=(("cool", "C-1", "56"),)),
        product("K-3", "sea salt tubs", pack=6, site_bins=(("dry", "S-2", ""), ("annex", "X-1", ""))),
    ],
    version=1,
    site_names=NAMES,
)


def kitchen() -> Driver:
    return Driver(World(daily={"K-1": 0.0, "K-2": 0.0, "K-3": 0.0}), catalogue=KITCHEN)


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("how many basmati rice sacks in the walk in cooler", "cool"),
        ("how many basmati rice sacks at the dry store", "dry"),
        ("how many basmati rice sacks in dry", "dry"),
        ("what is running low at the walk in cooler", "cool"),
        ("picked 4 heavy cream quarts walk in cooler", "cool"),
        ("how many basmati rice sacks at cool store", "cool"),  # an id with a site noun after it
    ],
)
def test_a_site_said_by_name_or_id_is_the_site_slot(text: str, site: str) -> None:
    u = understand(text, KITCHEN)
    assert u.slots.site == site
    assert u.slots.item_text in (None, "basmati rice sacks", "heavy cream quarts")


def test_a_bare_id_word_inside_a_sentence_is_not_a_site() -> None:
    assert understand("how many dry goods labels", KITCHEN).slots.site is None


def test_answers_speak_site_names() -> None:
    d = kitchen()
    stock = d.say("how many basmati rice sacks")
    assert (
        stock.text
        == "We have one hundred basmati rice sacks: fifty at the dry store and fifty at the walk in cooler."
    )
    where = d.say("where are the basmati rice sacks")
    assert (
        where.text
        == "Basmati rice sacks are in bin R one at the dry store and bin C nine at the walk in cooler."
    )
    salt = d.say("how many sea salt tubs do we have at annex")
    assert salt.text == "We have fifty sea salt tubs at annex."  # no name recorded: its id


def test_prompts_and_read_backs_speak_site_names() -> None:
    d = kitchen()
    ask = d.say("received 2 cases of basmati rice sacks in the walk in cooler")
    assert ask.text == "Go to bin C nine at the walk in cooler. What are the check digits?"
    read = d.say("three four")
    assert read.text.startswith(
        "RECEIVE: adding two cases, eight units, of basmati rice sacks IN to bin C nine"
    )
    assert "at the walk in cooler?" in read.text
    assert d.say("yes").text == "Done. The walk in cooler has fifty eight basmati rice sacks now."
    assert [(c.draft.site, c.draft.quantity) for c in d.commits] == [("cool", 8)]


def test_an_order_for_a_site_says_its_name() -> None:
    d = kitchen()
    read = d.say("order 40 basmati rice sacks for the dry store")
    assert "for the dry store?" in read.text
