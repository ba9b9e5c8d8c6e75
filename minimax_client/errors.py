"""Typed MiniMax errors.

Every error carries the MiniMax ``code`` (``base_resp.status_code``, or the code an OpenAI-style error body maps
to), a ``message``, whether a retry may succeed (``retryable``) and the request's ``trace_id`` when the server
sent one. Failures that never reached MiniMax's error table use negative codes (see ``CONNECTION_LOST``)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

# Client-side codes: failures the MiniMax table has no code for.
CONNECTION_LOST = -1  # connect refused, socket reset, WebSocket closed without a final event
MALFORMED_RESPONSE = -2  # unparsable SSE line / JSON body / unexpected event order
HTTP_ERROR = -3  # an HTTP status with no MiniMax code (404 on a wrong base URL, say); see ``http_status``

# Retry on these (transient per the MiniMax error table); everything else is final unless HTTP 5xx.
RETRYABLE_CODES: frozenset[int] = frozenset(
    {1000, 1001, 1002, 1024, 1033, 1039, 2045, 2201, 2205, CONNECTION_LOST, MALFORMED_RESPONSE}
)
AUTH_CODES: frozenset[int] = frozenset({1004, 2049})
RATE_LIMIT_CODES: frozenset[int] = frozenset({1002, 1039, 2045, 2205})
BALANCE_CODES: frozenset[int] = frozenset({1008, 2056})
CONTENT_CODES: frozenset[int] = frozenset({1026, 1027})
INVALID_REQUEST_CODES: frozenset[int] = frozenset({1042, 2013, 20132, 2042, 2202, 2204, 2206})
SERVER_CODES: frozenset[int] = frozenset({1000, 1001, 1024, 1033})

# OpenAI-style error bodies (speech-to-text) carry a real HTTP status; MiniMax documents this mapping.
HTTP_STATUS_TO_CODE: dict[int, int] = {
    400: 2013,
    401: 1004,
    402: 1008,
    413: 2013,
    422: 1026,
    429: 1002,
    500: 1000,
}
_CODE_IN_MESSAGE = re.compile(r"\((\d{3,5})\)\s*$")


class MiniMaxError(Exception):
    """Base of every error the client raises."""

    kind: ClassVar[str] = "minimax_error"

    def __init__(
        self,
        code: int,
        message: str,
        *,
        trace_id: str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(f"MiniMax {code}: {message}" + (f" (trace {trace_id})" if trace_id else ""))
        self.code = code
        self.message = message
        self.trace_id = trace_id
        self.http_status = http_status
        self.retryable = (
            retryable
            if retryable is not None
            else code in RETRYABLE_CODES or (http_status is not None and http_status >= 500)
        )


class AuthError(MiniMaxError):
    """1004 / 2049: wrong key, or a key used against the other region's host."""

    kind = "auth"


class RateLimitError(MiniMaxError):
    """1002 RPM, 1039 TPM, 2045 rate growth, 2205 bidi queue full."""

    kind = "rate_limited"


class InsufficientBalanceError(MiniMaxError):
    kind = "insufficient_balance"


class ContentRejectedError(MiniMaxError):
    """1026 / 1027: the input or output tripped the sensitivity filter; change the text, do not retry."""

    kind = "content_rejected"


class InvalidRequestError(MiniMaxError):
    kind = "invalid_request"


class ServerError(MiniMaxError):
    """1000/1001/1024/1033 or HTTP 5xx."""

    kind = "server_error"


class ConnectionLostError(MiniMaxError):
    kind = "connection_lost"


class MalformedResponseError(MiniMaxError):
    kind = "malformed_response"


def error_for_code(
    code: int, message: str, *, trace_id: str | None = None, http_status: int | None = None
) -> MiniMaxError:
    """The typed error for a MiniMax status code."""
    cls: type[MiniMaxError] = MiniMaxError
    if code in AUTH_CODES:
        cls = AuthError
    elif code in RATE_LIMIT_CODES:
        cls = RateLimitError
    elif code in BALANCE_CODES:
        cls = InsufficientBalanceError
    elif code in CONTENT_CODES:
        cls = ContentRejectedError
    elif code in INVALID_REQUEST_CODES:
        cls = InvalidRequestError
    elif code in SERVER_CODES or (http_status is not None and http_status >= 500):
        cls = ServerError
    elif code in (CONNECTION_LOST, 2201):  # 2201: the server closed an idle WebSocket
        cls = ConnectionLostError
    elif code == MALFORMED_RESPONSE:
        cls = MalformedResponseError
    return cls(code, message or "error", trace_id=trace_id, http_status=http_status)


def check_base_resp(body: dict[str, Any], *, http_status: int | None = None) -> None:
    """Raise when ``base_resp.status_code`` is non-zero: MiniMax reports most errors with HTTP 200."""
    base = body.get("base_resp")
    if not isinstance(base, dict):
        return
    code = base.get("status_code", 0)
    if isinstance(code, int) and code != 0:
        raise error_for_code(
            code, str(base.get("status_msg") or ""), trace_id=_trace(body), http_status=http_status
        )


def error_from_http(status: int, body: Any, *, trace_id: str | None = None) -> MiniMaxError:
    """The error for a non-2xx response, whichever of the two documented body shapes it has."""
    if isinstance(body, dict):
        trace_id = trace_id or _trace(body)
        base = body.get("base_resp")
        if isinstance(base, dict) and isinstance(base.get("status_code"), int) and base["status_code"] != 0:
            return error_for_code(
                base["status_code"], str(base.get("status_msg") or ""), trace_id=trace_id, http_status=status
            )
        err = body.get("error")
        if isinstance(err, dict):  # OpenAI-style: {"type":"error","error":{"type","message","http_code"}}
            message = str(err.get("message") or err.get("type") or "error")
            found = _CODE_IN_MESSAGE.search(message)
            code = int(found.group(1)) if found else _code_for_status(status)
            return error_for_code(code, message, trace_id=trace_id, http_status=status)
    code = _code_for_status(status)
    text = body if isinstance(body, str) else f"HTTP {status}"
    return error_for_code(code, text[:200] or f"HTTP {status}", trace_id=trace_id, http_status=status)


def _trace(body: dict[str, Any]) -> str | None:
    value = body.get("trace_id") or body.get("request_id")
    return str(value) if value else None


def _code_for_status(status: int) -> int:
    return HTTP_STATUS_TO_CODE.get(status, 1000 if status >= 500 else HTTP_ERROR)
