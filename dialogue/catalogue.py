"""Item resolution for every channel: what a caller said ("half inch hex bolts", "fas 1003", "cofee filter")
to one product, or a miss with the nearest names.

``CatalogueCache`` keeps the catalogue snapshot and one ``CatalogueIndex`` per catalogue version, built once
under a lock and shared by every caller; anything else derived from the index (a dialogue policy) can be kept
beside it by comparing ``index() is`` the one it was built from."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.errors import InvalidInput, NotFound
from inventory_core.models import Product, ProductView
from inventory_core.ports import CatalogueSnapshot, Inventory

MissReason = Literal["not_found", "ambiguous"]


@dataclass(frozen=True)
class ItemMatch:
    """The product a phrase names (``view``), or why none (``reason``) with up to three product names."""

    view: ProductView | None
    reason: MissReason | None = None
    suggestions: tuple[str, ...] = ()


class CatalogueCache:
    """The current catalogue snapshot and its index. The store is asked for its catalogue version at most
    every ``ttl_s`` seconds (0: on every call — the store keeps its snapshot in memory, so that is cheap)."""

    def __init__(
        self, inventory: Inventory, *, ttl_s: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inventory = inventory
        self._ttl_s = ttl_s
        self._clock = clock
        self._snapshot: CatalogueSnapshot | None = None
        self._index: CatalogueIndex | None = None
        self._by_sku: tuple[int, dict[str, Product]] = (-1, {})
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._index is not None and self._clock() - self._checked_at < self._ttl_s

    async def snapshot(self) -> CatalogueSnapshot:
        if not self._fresh():
            self._snapshot = await self._inventory.catalogue()
            self._checked_at = self._clock()
        assert self._snapshot is not None
        return self._snapshot

    async def index(self) -> CatalogueIndex:
        """The index of the current catalogue version; the same object until the version changes."""
        if self._fresh():
            assert self._index is not None
            return self._index
        snapshot = await self.snapshot()
        if self._index is None or self._index.version != snapshot.version:
            async with self._lock:  # one build per version, however many callers arrive meanwhile
                if self._index is None or self._index.version != snapshot.version:
                    self._index = CatalogueIndex.build(
                        snapshot.products, snapshot.version, site_names=snapshot.site_names
                    )
        return self._index

    async def product(self, sku: str) -> Product | None:
        """The product whose SKU is exactly ``sku`` in the current catalogue, without a store read; None for
        anything else (a name, another spelling, an unknown SKU)."""
        snapshot = await self.snapshot()
        if self._by_sku[0] != snapshot.version:
            self._by_sku = (snapshot.version, {p.sku: p for p in snapshot.products})
        return self._by_sku[1].get(sku)

    async def resolve(self, query: str) -> ItemMatch:
        """By SKU, exact name or alias (the store's lookup), then by fuzzy and phonetic similarity."""
        try:
            return ItemMatch(await self._inventory.lookup(query))
        except (NotFound, InvalidInput) as exc:
            exact_miss = exc
        index = await self.index()
        found = index.resolve(query)
        if found.kind == "match" and found.sku:
            return ItemMatch(await self._inventory.get_product(found.sku))
        if found.kind == "ambiguous":
            return ItemMatch(None, "ambiguous", tuple(index.name(s) for s in found.candidates[:3]))
        names = tuple(index.name(s) for s in found.suggestions)
        if not names:
            names = tuple(str(s) for s in exact_miss.details.get("suggestions", ())[:3])
        return ItemMatch(None, "not_found", names)
