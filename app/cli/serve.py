"""``python -m app`` (or ``python -m app serve``): serve InventoryPulse Voice on its settings (embedded
defaults when unset)."""

from __future__ import annotations

import logging
import warnings

import uvicorn

from app.logs import configure_logging
from app.main import create_app
from app.settings import Settings


def serve(settings: Settings) -> int:
    # Chosen on measurement (see ``ws_implementation``); uvicorn warns that it will retire it one day.
    warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
    configure_logging(json_lines=settings.log_json)
    app = create_app(settings)
    logging.getLogger("inventorypulse").info("serving on http://%s:%d", settings.host, settings.port)
    print(
        f"InventoryPulse Voice: open http://{settings.host}:{settings.port}/ (API docs at /docs)", flush=True
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        # Above the gateway's own cap, so an oversized message is answered with message_too_large, not a bare 1009.
        ws_max_size=2 * settings.max_ws_message_bytes,
        # Audio frames do not compress; per-message deflate would only cost CPU on every 20 ms frame.
        ws_per_message_deflate=False,
        ws=settings.ws_implementation,
    )
    return 0
