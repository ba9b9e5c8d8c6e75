"""Shared fixtures: the real MongoDB driver over a real socket to the embedded nx-27017 server (or to the MongoDB
named by ``MONGODB_URI``), with the demo warehouse loaded once per session."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# The service's Temporal workflows are off in tests unless a test turns them on (``Settings(workflows=True)``):
# every app a test builds would otherwise start its own Temporal dev server. tests/workflows covers them.
os.environ.setdefault("IP_WORKFLOWS", "false")

from inventory_core.demo_loader import load_demo
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.models import WriteContext
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    server = EmbeddedMongo(db_path=str(Path(tmp_path_factory.mktemp("mongo"))))
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def inventory(mongo_uri: str) -> AsyncIterator[InventoryService]:
    """The demo warehouse, loaded once. Tests that change stock use their own SKUs or restore what they change;
    use ``fresh_inventory`` for a private, empty store."""
    store = MongoStore(mongo_uri, f"ip_demo_{uuid.uuid4().hex[:8]}")
    await store.ensure_indexes()
    await load_demo(store, seed=7, progress=False)
    yield InventoryService(store)
    await store.close()


@pytest.fixture
async def fresh_inventory(mongo_uri: str) -> AsyncIterator[InventoryService]:
    store = MongoStore(mongo_uri, f"ip_t_{uuid.uuid4().hex[:10]}")
    await store.ensure_indexes()
    # No drop_database: the embedded server empties every database on it (the data file is discarded anyway).
    yield InventoryService(store)
    await store.close()


def write_ctx(key: str | None = None, actor: str = "tester", channel: str = "api") -> WriteContext:
    return WriteContext(actor=actor, channel=channel, idempotency_key=key or uuid.uuid4().hex)


API_TOKEN = "test-token-123"


@contextlib.contextmanager
def _service(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory, db_prefix: str) -> Iterator[str]:
    """The whole service on a real port, in a database of its own."""
    from pydantic import SecretStr

    from app.settings import Settings
    from tests.live_server import live_server

    settings = Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=f"{db_prefix}_{uuid.uuid4().hex[:8]}",
        api_tokens=[SecretStr(API_TOKEN)],
        var_dir=tmp_path_factory.mktemp("var"),
        log_json=False,
    )
    with live_server(settings) as base:
        yield base


@pytest.fixture(scope="session")
def live_base_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole service on a real port, with the demo warehouse in its own database."""
    with _service(mongo_uri, tmp_path_factory, "ip_live") as base:
        yield base


@pytest.fixture
def scratch_base_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole service on its own port and database, for a test that writes whatever it likes (a fuzzer): the
    shared ``live_base_url`` keeps the demo warehouse other tests speak to (in one CI run, after schemathesis had
    written to it, a spoken "order forty coffee pods", heard right, was asked "Which item?")."""
    with _service(mongo_uri, tmp_path_factory, "ip_scratch") as base:
        yield base
