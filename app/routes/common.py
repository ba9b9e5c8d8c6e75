"""What the REST routers share: the error responses they document, the idempotency key writes need, the
bounded path and query strings (names, SKUs, sites, ids: at most ``MAX_NAME_CHARS``, else 422), and the SKU query
parameter that also answers to the seed specification's ``product_id``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Query, status

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


def sku_query(
    sku: Annotated[str | None, Query(max_length=64, description="One item by SKU.")] = None,
    product_id: Annotated[
        str | None, Query(max_length=64, description="The seed specification's name for sku: send either.")
    ] = None,
) -> str | None:
    """``?sku=`` or ``?product_id=`` (both: they must agree, else 422)."""
    if sku is not None and product_id is not None and sku != product_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "invalid_request",
                "message": "the request is not valid: sku and product_id name different items; send one",
            },
        )
    return sku if sku is not None else product_id


SkuQuery = Annotated[str | None, Depends(sku_query)]
"""An optional SKU from ``?sku=`` or ``?product_id=``."""
