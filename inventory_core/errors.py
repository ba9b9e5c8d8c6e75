"""Typed inventory errors. Each has a stable ``code`` and ``retryable``; the HTTP/WebSocket/MCP edges map them
to wire errors. ``details`` carries what a person needs to act (close matches, how many are on hand)."""

from __future__ import annotations

from typing import Any, ClassVar


class InventoryError(Exception):
    code: ClassVar[str] = "inventory_error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            **({"details": self.details} if self.details else {}),
        }


class NotFound(InventoryError):
    code = "not_found"


class InvalidInput(InventoryError):
    code = "invalid_input"


class InsufficientStock(InventoryError):
    code = "insufficient_stock"


class Conflict(InventoryError):
    code = "conflict"


class StoreUnavailable(InventoryError):
    code = "store_unavailable"
    retryable = True


class StoreInUse(StoreUnavailable):
    """The embedded store's data folder is served by another live server (of another process)."""

    code = "store_in_use"
