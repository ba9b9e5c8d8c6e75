"""Sites' spoken names come from the store: naming a site reaches the recognizer's site phrases (without a
restart) and the catalogue every reply reads."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from inventory_core.models import Location, Product, StockLevel
from inventory_core.service import InventoryService
from tests.conftest import write_ctx
from voice_gateway.speech.ports import VocabularyItem
from voice_gateway.speech.vocabulary import VocabularyRefresher, site_phrases_of

pytestmark = pytest.mark.mongo


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[str] | None]] = []

    def set_vocabulary(self, items: Sequence[VocabularyItem], sites: Sequence[str] | None = None) -> None:
        self.calls.append(([i.name for i in items], list(sites) if sites is not None else None))


async def test_a_named_site_reaches_the_recognizer_and_the_catalogue(
    fresh_inventory: InventoryService,
) -> None:
    product = Product(
        sku="SIT-0001",
        name="dock plates",
        category="test",
        preferred_supplier_id="SUP-1",
        locations=[Location(site="north", bin="N-01-1", check_digits="42")],
    )
    await fresh_inventory.create_product(
        product, [StockLevel(sku="SIT-0001", site="north", on_hand=3)], write_ctx()
    )
    snapshot = await fresh_inventory.catalogue()
    assert site_phrases_of(snapshot) == ["north"]  # no name recorded: the id is what is said
    recorder = Recorder()
    refresher = VocabularyRefresher(fresh_inventory, [recorder], snapshot.version)
    assert not await refresher.refresh()

    await fresh_inventory.name_site("North", "North  Dock", write_ctx())
    assert await refresher.refresh()
    assert recorder.calls == [(["dock plates"], ["north", "North Dock"])]
    assert (await fresh_inventory.catalogue()).site_name("north") == "North Dock"
