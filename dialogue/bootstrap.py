"""Opens an inventory for the command-line entry points (REPL, MCP over stdio): the MongoDB named by
``MONGODB_URI``, or the embedded wire-protocol server with the demo warehouse in ``var/dialogue-mongo/``.
The web service builds its own in ``app.services``; this is only for trying things by hand."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from dialogue.forecasts import MovementRateForecasts
from dialogue.tools import InventoryTools
from inventory_core.demo_loader import load_demo, store_is_empty
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore


def _data_file() -> str:
    var = Path(os.environ.get("IP_VAR_DIR", "var"))
    var.mkdir(parents=True, exist_ok=True)
    return str((var / "dialogue-mongo").resolve())


@asynccontextmanager
async def open_inventory(uri: str | None = None, db: str | None = None) -> AsyncIterator[InventoryService]:
    async with AsyncExitStack() as stack:
        uri = uri or os.environ.get("MONGODB_URI") or os.environ.get("IP_MONGODB_URI")
        if uri is None:
            server = EmbeddedMongo(db_path=_data_file())
            uri = server.start()
            stack.callback(server.stop)
        store = MongoStore(uri, db or os.environ.get("IP_MONGODB_DB", "inventorypulse"))
        stack.push_async_callback(store.close)
        await store.ensure_indexes()
        if await store_is_empty(store):
            await load_demo(store, int(os.environ.get("IP_DEMO_SEED", "7")), progress=False)
        yield InventoryService(store)


@asynccontextmanager
async def open_tools() -> AsyncIterator[InventoryTools]:
    async with open_inventory() as inventory:
        yield InventoryTools(inventory, MovementRateForecasts(inventory))
