"""The HTTP side shared by T2A, speech-to-text and voices: one ``httpx.AsyncClient``, bearer auth, the body
checks (``base_resp`` even on HTTP 200, OpenAI-style error bodies) and the mapping of transport failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from minimax_client.config import MiniMaxConfig
from minimax_client.errors import (
    CONNECTION_LOST,
    MALFORMED_RESPONSE,
    MiniMaxError,
    ServerError,
    check_base_resp,
    error_for_code,
    error_from_http,
)
from minimax_client.retry import RetryPolicy


def policy_from(config: MiniMaxConfig) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=config.max_attempts,
        base_delay_s=config.backoff_base_s,
        max_delay_s=config.backoff_max_s,
        deadline_s=config.deadline_s,
    )


def decode_hex(value: Any, trace_id: str | None = None) -> bytes:
    if not value:
        return b""
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise error_for_code(MALFORMED_RESPONSE, "audio is not hex", trace_id=trace_id) from exc


def transport_error(exc: BaseException) -> MiniMaxError:
    """A typed, retryable error for a failure below HTTP (refused, reset, timed out)."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return ServerError(1001, f"request timeout ({type(exc).__name__})", retryable=True)
    return error_for_code(CONNECTION_LOST, f"{type(exc).__name__}: {exc}".rstrip(": "))


class HttpTransport:
    def __init__(self, config: MiniMaxConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.policy = policy_from(config)
        self._owns_client = client is None
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=config.connect_timeout_s,
                read=config.read_timeout_s,
                write=config.read_timeout_s,
                pool=config.connect_timeout_s,
            ),
            headers={"User-Agent": "inventorypulse-minimax-client"},
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def post_json(
        self, path: str, body: dict[str, Any], *, budget_s: float | None = None
    ) -> dict[str, Any]:
        """POST a JSON body and return the checked JSON response; raises a typed error on any failure."""
        return await self._request(path, budget_s=budget_s, json=body)

    async def post_form(
        self,
        path: str,
        *,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]],
        headers: dict[str, str],
        budget_s: float | None = None,
    ) -> dict[str, Any]:
        return await self._request(path, budget_s=budget_s, data=data, files=files, headers=headers)

    async def _request(self, path: str, *, budget_s: float | None, **kwargs: Any) -> dict[str, Any]:
        headers = {**self.config.auth_headers(), **kwargs.pop("headers", {})}
        try:
            async with asyncio.timeout(budget_s):
                response = await self.client.post(self.config.http_url(path), headers=headers, **kwargs)
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            raise transport_error(exc) from exc
        trace_id = response.headers.get("Trace-Id")
        body = _json_or_text(response.content)
        if response.status_code >= 400:
            raise error_from_http(response.status_code, body, trace_id=trace_id)
        if not isinstance(body, dict):
            raise error_for_code(MALFORMED_RESPONSE, "response is not a JSON object", trace_id=trace_id)
        if trace_id and not body.get("trace_id"):
            body["trace_id"] = trace_id
        check_base_resp(body, http_status=response.status_code)
        return body

    @asynccontextmanager
    async def stream_lines(self, path: str, body: dict[str, Any]) -> AsyncIterator[AsyncIterator[str]]:
        """POST and yield the response's lines; error statuses are raised before any line is read."""
        headers = {**self.config.auth_headers(), "Accept": "text/event-stream"}
        try:
            async with self.client.stream(
                "POST", self.config.http_url(path), headers=headers, json=body
            ) as response:
                if response.status_code >= 400:
                    raise error_from_http(
                        response.status_code,
                        _json_or_text(await response.aread()),
                        trace_id=response.headers.get("Trace-Id"),
                    )
                if not response.headers.get("content-type", "").startswith("text/event-stream"):
                    # MiniMax answers errors to a streaming request as a plain JSON body (HTTP 200).
                    payload = _json_or_text(await response.aread())
                    if isinstance(payload, dict):
                        check_base_resp(payload, http_status=response.status_code)
                    raise error_for_code(MALFORMED_RESPONSE, "expected text/event-stream")
                yield _lines(response)
        except (httpx.HTTPError, OSError) as exc:
            raise transport_error(exc) from exc


async def _lines(response: httpx.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        yield line


def _json_or_text(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return content.decode("utf-8", "replace")
