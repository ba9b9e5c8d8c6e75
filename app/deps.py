"""Request dependencies: the services, and bearer-token auth (401 without a token, 403 with a wrong one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from app.services import Services
from inventory_core.service import InventoryService


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_inventory(services: ServicesDep) -> InventoryService:
    return services.inventory


InventoryDep = Annotated[InventoryService, Depends(get_inventory)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_token(request: Request, services: ServicesDep) -> str:
    """The caller's identity. Used by every route but health."""
    token = bearer_token(request)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"code": "unauthenticated", "message": "send Authorization: Bearer <token>"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = services.actor_for(token)
    if actor is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail={"code": "forbidden", "message": "unknown token"}
        )
    return actor


def verify_token(services: Services, token: str | None) -> str | None:
    """For WebSockets: the actor for a token, or None."""
    return services.actor_for(token)


ActorDep = Annotated[str, Depends(require_token)]
