"""The recognizer's vocabulary from the live catalogue, and the task that keeps it current."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from inventory_core.ports import CatalogueSnapshot
from voice_gateway.speech.ports import VocabularyAware, VocabularyItem

log = logging.getLogger(__name__)


class CatalogueSource(Protocol):
    async def catalogue(self) -> CatalogueSnapshot: ...


def vocabulary_of(snapshot: CatalogueSnapshot) -> list[VocabularyItem]:
    return [VocabularyItem(sku=p.sku, name=p.name, aliases=tuple(p.aliases)) for p in snapshot.products]


def site_phrases_of(snapshot: CatalogueSnapshot) -> list[str]:
    """Every site a product is stocked at, as an id ("east") and, when recorded, its spoken name ("east annex")."""
    sites = sorted({loc.site for p in snapshot.products for loc in p.locations})
    return sites + [snapshot.site_names[s] for s in sites if s in snapshot.site_names]


class VocabularyRefresher:
    """Polls the catalogue (cheap: the service caches it by version) and hands a changed one to every
    recognizer that compiles a grammar from it. Grammar building runs in a thread: it takes tens of ms."""

    def __init__(
        self, catalogue: CatalogueSource, recognizers: Sequence[VocabularyAware], version: int
    ) -> None:
        self._catalogue = catalogue
        self._recognizers = list(recognizers)
        self.version = version

    async def refresh(self) -> bool:
        """Rebuild the vocabulary if the catalogue changed since the last look; True when it did."""
        snapshot = await self._catalogue.catalogue()
        if snapshot.version == self.version:
            return False
        items, sites = vocabulary_of(snapshot), site_phrases_of(snapshot)
        for recognizer in self._recognizers:
            await asyncio.to_thread(recognizer.set_vocabulary, items, sites)
        self.version = snapshot.version
        log.info(
            "recognizer vocabulary rebuilt for catalogue version %d (%d items)", snapshot.version, len(items)
        )
        return True

    async def run(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh()
            except Exception:  # a store hiccup must not end the refresher; the next poll tries again
                log.exception("vocabulary refresh failed")
