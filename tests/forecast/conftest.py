"""Fixtures for the forecasting tests: in-memory sources built from the seeded synthetic generator, and a
warehouse on fakesnow in-process (the real connector API, patched to DuckDB)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import fakesnow
import numpy as np
import pytest

from forecasting.ports import DemandMatrix, ItemFacts, StoreSnapshot
from forecasting.synthetic import synthetic_demand
from forecasting.warehouse.connection import WarehouseConfig
from forecasting.warehouse.store import Warehouse
from inventory_core.demo import DemoDataset, demo_dataset
from inventory_core.demo_loader import load_demo
from inventory_core.service import InventoryService

TODAY = date(2025, 3, 10)  # a Monday
NOW = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)


class MatrixHistory:
    """A HistorySource over a fixed matrix whose last column is ``TODAY - 1``."""

    def __init__(
        self, keys: list[tuple[str, str]], values: np.ndarray, start: np.ndarray | None = None
    ) -> None:
        self.keys = keys
        self.values = values.astype(np.float32)
        self.start = np.zeros(len(keys), dtype=int) if start is None else start
        self.calls = 0

    async def demand(self, first_day: date, last_day: date) -> DemandMatrix:
        self.calls += 1
        days = (last_day - first_day).days + 1
        end_offset = (TODAY - timedelta(days=1) - last_day).days
        cols = self.values[:, : self.values.shape[1] - end_offset] if end_offset else self.values
        cols = cols[:, -days:]
        pad = days - cols.shape[1]
        out = np.pad(cols, ((0, 0), (pad, 0)))
        return DemandMatrix(keys=list(self.keys), first_day=first_day, values=out, start=self.start + pad)


class FixedStore:
    """A StoreSource with fixed item facts (copied per call, like a fresh read)."""

    def __init__(self, items: list[ItemFacts]) -> None:
        self.items = {(i.sku, i.site): i for i in items}

    async def snapshot(self, sku: str | None = None, refresh: bool = False) -> StoreSnapshot:
        chosen = {k: v for k, v in self.items.items() if sku is None or k[0] == sku}
        return StoreSnapshot(items=chosen, taken_at=NOW)


@pytest.fixture
def small_world() -> tuple[MatrixHistory, FixedStore]:
    """Six items at two sites with 400 days of seeded synthetic demand."""
    data = synthetic_demand(6, 400, seed=11, mix=(1, 0, 1, 1, 0))
    keys = [
        ("AAA-1", "main"),
        ("AAA-1", "east"),
        ("BBB-2", "main"),
        ("CCC-3", "main"),
        ("DDD-4", "main"),
        ("EEE-5", "east"),
    ]
    history = MatrixHistory(keys, data.y)
    recent = data.y[:, -28:].mean(axis=1)
    items = [
        ItemFacts(
            sku=k,
            site=s,
            name=f"item {k.lower()}",
            on_hand=int(recent[i] * (2 if i % 2 else 20)),
            pack_size=6,
            lead_time_days=5,
            min_order_qty=12,
            supplier_id="SUP01",
            supplier_name="Acme",
        )
        for i, (k, s) in enumerate(keys)
    ]
    return history, FixedStore(items)


@pytest.fixture
def fakesnow_patched() -> Iterator[None]:
    with fakesnow.patch():
        yield


@pytest.fixture
async def warehouse(fakesnow_patched: None) -> AsyncIterator[Warehouse]:
    """The Warehouse over the real connector API, patched in-process to fakesnow; each test a fresh database."""
    wh = Warehouse(WarehouseConfig(account="in-process", user="test", password="x", bulk="write_pandas"))
    await wh.open()
    yield wh
    await wh.close()


def small_demo(products: int = 12, seed: int = 7) -> DemoDataset:
    """The first ``products`` of the demo warehouse with its history, one item out of stock and one low."""
    full = demo_dataset(seed)
    skus = {p.sku for p in full.products[:products]}
    stock = [s for s in full.stock if s.sku in skus]
    stock[0] = stock[0].model_copy(update={"on_hand": 0})
    stock[1] = stock[1].model_copy(update={"on_hand": 1})
    return DemoDataset(
        products=[p for p in full.products if p.sku in skus],
        stock=stock,
        suppliers=full.suppliers,
        offers=[o for o in full.offers if o.sku in skus],
        sales=[s for s in full.sales if s.sku in skus],
    )


@pytest.fixture
async def loaded_inventory(fresh_inventory: InventoryService) -> InventoryService:
    await load_demo(fresh_inventory.store, progress=False, dataset=small_demo())
    return fresh_inventory


class Webhook:
    """A real HTTP server on loopback that records JSON POST bodies (the notification hook's receiver)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: list[dict[str, Any]] = []
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        self.bodies.append(json.loads(await reader.readexactly(length)))
        writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
