"""Structured JSON log lines (one object per line), with any ``extra=`` fields such as the session id, and the
ids of what a line was logged for: ``request_id`` while an HTTP request or WebSocket is handled (``RequestIds``)
and ``call_id`` inside a voice call's tasks (``voice_gateway.call_tasks.CALL_ID``)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voice_gateway.call_tasks import CALL_ID

# Record attributes that are not ``extra`` fields (uvicorn adds ``color_message``: the message with ANSI colours).
_NOT_EXTRA = {"message", "asctime", "color_message"}
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | _NOT_EXTRA

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the HTTP request or WebSocket being handled (``X-Request-ID``)."""

_HEADER = b"x-request-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class ContextIds(logging.Filter):
    """Puts ``request_id`` and ``call_id`` on each record logged where they are set (an ``extra=`` of the same
    name wins). Attached to the handler, so it sees every logger's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id, call_id = REQUEST_ID.get(), CALL_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        if call_id is not None and not hasattr(record, "call_id"):
            record.call_id = call_id
        return True


def configure_logging(json_lines: bool = True, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    handler.addFilter(ContextIds())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def request_id_from(scope: Scope) -> str:
    """The client's ``X-Request-ID`` when it is 1-64 of ``[A-Za-z0-9._-]``, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == _HEADER:
            text = value.decode("latin-1")
            if _VALID_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestIds:
    """Gives every HTTP request and WebSocket an id: the client's ``X-Request-ID`` when valid, else a new one. It
    is in ``REQUEST_ID`` (so on every log line) while the request is handled, and in the response's
    ``X-Request-ID`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER]
                message = {**message, "headers": [*headers, (_HEADER, request_id.encode())]}
            await send(message)

        token = REQUEST_ID.set(request_id)
        await self.app(scope, receive, tagged)
        # Not reset when the app raised: the server logs the error next, in this request's own task, and that
        # line should carry the id too.
        REQUEST_ID.reset(token)
