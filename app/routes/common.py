"""What the REST routers share: the error responses they document and the idempotency key writes need."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, HTTPException, status

from app.routes.schemas import Problem

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
