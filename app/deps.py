"""Request dependencies: the services, and who is calling (401 when credentials are missing or unknown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from app.auth import Identity, presented_token
from app.services import Services
from inventory_core.service import InventoryService


def get_services(request: Request) -> Services:
    services = request.app.state.services
    if not isinstance(services, Services):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"code": "starting", "message": "the service is starting; try again in a moment"},
        )
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_inventory(services: ServicesDep) -> InventoryService:
    return services.inventory


InventoryDep = Annotated[InventoryService, Depends(get_inventory)]


def unauthenticated(message: str = "send Authorization: Bearer <token>") -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"code": "unauthenticated", "message": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_token(request: Request, services: ServicesDep) -> str:
    """The caller's identity (an API token's name). Used by every route but health."""
    actor = services.auth.api_actor(presented_token(request.headers))
    if actor is None:
        raise unauthenticated()
    return actor


def require_identity(request: Request, services: ServicesDep) -> Identity:
    """An API token or an NLX webhook token (the text channel takes both)."""
    identity = services.auth.identify(presented_token(request.headers))
    if identity is None:
        raise unauthenticated("send Authorization: Bearer <token> or x-api-key")
    return identity


ActorDep = Annotated[str, Depends(require_token)]
IdentityDep = Annotated[Identity, Depends(require_identity)]
