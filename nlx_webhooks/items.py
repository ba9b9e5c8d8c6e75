"""Resolving what a caller said ("half inch hex bolts", "fas 1003") to one product.

The SKU or exact name is tried first; then the dialogue's fuzzy and phonetic catalogue index, built once per
catalogue version so a webhook call costs one lookup rather than an index build."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.errors import InvalidInput, NotFound
from inventory_core.models import ProductView
from inventory_core.ports import Inventory


@dataclass(frozen=True)
class Resolved:
    view: ProductView | None
    reason: str | None = None  # not_found | ambiguous, when view is None
    suggestions: tuple[str, ...] = ()  # product names


class ItemResolver:
    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._index: CatalogueIndex | None = None
        self._lock = asyncio.Lock()

    async def index(self) -> CatalogueIndex:
        snapshot = await self._inventory.catalogue()
        if self._index is None or self._index.version != snapshot.version:
            async with self._lock:
                if self._index is None or self._index.version != snapshot.version:
                    self._index = CatalogueIndex.build(snapshot.products, snapshot.version)
        return self._index

    async def resolve(self, query: str) -> Resolved:
        try:
            return Resolved(await self._inventory.lookup(query))
        except (NotFound, InvalidInput) as exc:
            exact_miss = exc
        index = await self.index()
        found = index.resolve(query)
        if found.kind == "match" and found.sku:
            return Resolved(await self._inventory.get_product(found.sku))
        if found.kind == "ambiguous":
            return Resolved(None, "ambiguous", tuple(index.name(s) for s in found.candidates[:3]))
        names = tuple(index.name(s) for s in found.suggestions)
        if not names:
            names = tuple(str(s) for s in exact_miss.details.get("suggestions", ())[:3])
        return Resolved(None, "not_found", names)
