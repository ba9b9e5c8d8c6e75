"""Maps typed domain errors to HTTP answers a person can act on: ``{code, message, details?}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts import Forbidden, InvalidCredentials, TooManyAttempts
from inventory_core.errors import (
    Conflict,
    InsufficientStock,
    InvalidInput,
    InventoryError,
    NotFound,
    StoreUnavailable,
)
from inventory_core.people import AccountLocked

log = logging.getLogger("inventorypulse.api")

_STATUS: dict[type[InventoryError], int] = {
    InvalidCredentials: 401,
    Forbidden: 403,
    TooManyAttempts: 429,
    AccountLocked: 429,
    NotFound: 404,
    InvalidInput: 400,
    InsufficientStock: 409,
    Conflict: 409,
    StoreUnavailable: 503,
}


def status_for(exc: InventoryError) -> int:
    for kind, code in _STATUS.items():
        if isinstance(exc, kind):
            return code
    return 400


def _body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InventoryError)
    async def inventory_error(_: Request, exc: InventoryError) -> JSONResponse:
        status = status_for(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if status == 429 and "retry_after_s" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after_s"])
        return JSONResponse(exc.to_dict(), status_code=status, headers=headers)

    @app.exception_handler(PyMongoError)
    async def store_error(_: Request, exc: PyMongoError) -> JSONResponse:
        log.error("store error: %s", exc)
        return JSONResponse(_body("store_unavailable", "the inventory store is unavailable; try again"), 503)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:3])
        return JSONResponse(_body("invalid_request", f"the request is not valid: {summary}", problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = exc.detail if isinstance(exc.detail, dict) else _body("http_error", str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


class BodySizeLimit:
    """Refuses HTTP request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent: a declared
    size is refused before the app runs; a chunked body fails the app's read of it with ``PayloadTooLarge`` (an
    ``HTTPException``, so the framework answers 413 rather than "could not parse the body"), answered here if it
    reaches this far before a response has started."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except PayloadTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(PayloadTooLarge(self.max_bytes).detail, 413)
        await response({"type": "http"}, _no_receive, send)


class PayloadTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            413, _body("payload_too_large", f"request bodies are limited to {max_bytes:,} bytes")
        )


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
