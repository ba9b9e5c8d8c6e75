"""Request dependencies: the services, and who is calling: 401 when credentials are missing, unknown, expired or
revoked; 403 when a known caller may not do this: the caller's role (``Principal.may``), or an NLX webhook token
on a route that is not NLX's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from app.accounts import Forbidden, Principal
from app.auth import Identity, presented_token
from app.services import Services
from inventory_core.people import Role
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


async def _person(token: str | None, services: Services) -> Principal | None:
    if not token or services.accounts is None:
        return None
    return await services.accounts.principal(token)


async def require_principal(request: Request, services: ServicesDep) -> Principal:
    """An API token (an integration) or a signed-in person's access token. Used by every route but health,
    signing in, the text channel and NLX's own; an NLX webhook token is known but not let in here (403)."""
    token = presented_token(request.headers)
    identity = services.auth.identify(token)
    if identity is not None and identity.kind == "api":
        return Principal(identity.name, "integration", "api")
    if identity is not None:
        raise Forbidden(
            "an NLX webhook token is for NLX's routes (/api/nlx/*, /api/voice/*) and /api/agent/query; "
            "send an API token or sign in",
            needed="api_token",
        )
    person = await _person(token, services)
    if person is None:
        raise unauthenticated()
    return person


PrincipalDep = Annotated[Principal, Depends(require_principal)]


def require_role(role: Role) -> Callable[[Principal], Principal]:
    def check(principal: PrincipalDep) -> Principal:
        if not principal.may(role):
            raise Forbidden(f"a {role} may do this; you are signed in as a {principal.role}", needed=role)
        return principal

    return check


def _name(principal: PrincipalDep) -> str:
    return principal.name


def _supervisor_name(principal: Annotated[Principal, Depends(require_role("supervisor"))]) -> str:
    return principal.name


ActorDep = Annotated[str, Depends(_name)]
"""Anyone signed in (a worker or above, or an integration token): their name, for the audit."""
SupervisorDep = Annotated[str, Depends(_supervisor_name)]
"""A supervisor, an admin or an integration token: their name."""
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


async def require_identity(request: Request, services: ServicesDep) -> Identity:
    """An API token, an NLX webhook token or a signed-in person (the text channel takes all three)."""
    token = presented_token(request.headers)
    identity = services.auth.identify(token)
    if identity is not None:
        return identity
    person = await _person(token, services)
    if person is None:
        raise unauthenticated("send Authorization: Bearer <token> or x-api-key")
    return Identity(person.name, "api")


IdentityDep = Annotated[Identity, Depends(require_identity)]
