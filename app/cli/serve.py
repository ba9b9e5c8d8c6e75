"""``python -m app`` (or ``python -m app serve``): serve InventoryPulse Voice on its settings (embedded
defaults when unset)."""

from __future__ import annotations

import logging
import warnings

import uvicorn

from app.auth import dev_token
from app.logs import configure_logging
from app.main import create_app
from app.settings import Settings


def start_links(settings: Settings) -> str:
    """What a newcomer clicks: the talk page and the console, signed in with the dev token when no token is
    configured (the console also has a login form for people's accounts); the API docs."""
    base = f"http://{settings.host}:{settings.port}"
    sign_in = "" if settings.api_tokens else dev_token(settings.var_dir)
    talk = f"{base}/#token={sign_in}" if sign_in else f"{base}/"  # a fragment stays out of access logs
    console = f"{base}/console#token={sign_in}" if sign_in else f"{base}/console"
    return (
        f"InventoryPulse Voice is starting.\n  Talk page: {talk}\n  Console:   {console}\n"
        f"  API docs:  {base}/docs"
    )


def serve(settings: Settings) -> int:
    # Chosen on measurement (see ``ws_implementation``); uvicorn warns that it will retire it one day.
    warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
    configure_logging(json_lines=settings.log_json)
    app = create_app(settings)
    logging.getLogger("inventorypulse").info("serving on http://%s:%d", settings.host, settings.port)
    print(start_links(settings), flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        # JSON lines: uvicorn's own loggers (the access log, server errors) go through the root handler too, so
        # they are JSON and carry the request id (app.logs).
        log_config=None if settings.log_json else uvicorn.config.LOGGING_CONFIG,
        # Above the gateway's own cap, so an oversized message is answered with message_too_large, not a bare 1009.
        ws_max_size=2 * settings.max_ws_message_bytes,
        # Audio frames do not compress; per-message deflate would only cost CPU on every 20 ms frame.
        ws_per_message_deflate=False,
        ws=settings.ws_implementation,
    )
    return 0
