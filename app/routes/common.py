"""What the REST routers share: the error responses they document, the idempotency key writes need, and the
bounded path and query strings (names, SKUs, sites, ids: at most ``MAX_NAME_CHARS``, else 422)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, HTTPException, Path, Query, status

from app.routes.schemas import Problem
from inventory_core.text import MAX_NAME_CHARS

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 403, 404, 409, 413, 422, 503)
}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Required for writes: a retried request with the same key applies once.",
        max_length=200,
    ),
]

PathText = Annotated[str, Path(min_length=1, max_length=MAX_NAME_CHARS)]
"""A name, SKU, site or id in the path."""
QueryText = Annotated[str | None, Query(max_length=MAX_NAME_CHARS)]
"""An optional name, SKU, category or site in the query string."""


def require_key(value: str | None) -> str:
    if not value or not value.strip():
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={
                "code": "idempotency_key_required",
                "message": "send an Idempotency-Key header so that a retried write applies once",
            },
        )
    return value.strip()
