"""A real uvicorn server on a loopback port in a background thread, with its own event loop and services —
for tests that speak HTTP/WebSocket from outside the test's loop (schemathesis, browsers, CLIs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from app.main import create_app
from app.settings import Settings
from inventory_core.embedded_mongo import free_port


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    port = free_port()
    settings = settings.model_copy(update={"port": port})
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=settings.max_ws_message_bytes,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.1)
    else:
        raise RuntimeError("the live server did not answer in time")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
