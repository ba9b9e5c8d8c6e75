"""The embedded warehouse server leaves the process's uvicorn loggers alone: the service's own access log goes on
being written while the warehouse's routine lines are dropped."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from forecasting.warehouse.connection import EmbeddedSnowflake
from inventory_core.embedded_mongo import free_port

pytestmark = pytest.mark.snowflake


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_log() -> Iterator[_Kept]:
    """The service's access log, configured as ``uvicorn.run`` configures it (a handler, INFO, no propagation)."""
    logger = logging.getLogger("uvicorn.access")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    kept = _Kept()
    logger.handlers[:] = [kept]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield kept
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def _service(port: int) -> tuple[uvicorn.Server, threading.Thread]:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"ok": "yes"}

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="service", daemon=True)
    thread.start()
    return server, thread


def test_the_service_access_log_survives_the_embedded_warehouse(access_log: _Kept) -> None:
    warehouse = EmbeddedSnowflake(None)
    warehouse.start()
    port = free_port()
    service, thread = _service(port)
    try:
        logger = logging.getLogger("uvicorn.access")
        assert access_log in logger.handlers and logger.level == logging.INFO and not logger.propagate
        httpx.get(f"http://127.0.0.1:{warehouse.port}/no-such-page", timeout=5)  # the warehouse's own request
        for _ in range(100):
            if service.started:
                break
            threading.Event().wait(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/ping", timeout=5).status_code == 200
        threading.Event().wait(0.2)
        lines = [r.getMessage() for r in access_log.records]
        assert any("/ping" in line and "200" in line for line in lines), lines
        assert not any("/no-such-page" in line for line in lines), lines
    finally:
        service.should_exit = True
        thread.join(timeout=10)
        warehouse.stop()
