"""Signing in and out, and the people admins manage: ``/api/auth/*`` and ``/api/users``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.accounts import Accounts, TokenPair
from app.deps import AdminDep, PrincipalDep, ServicesDep
from app.routes.common import ERRORS, PathText
from inventory_core.people import Person, Role

router = APIRouter(prefix="/api", tags=["people"], responses=ERRORS)


class LoginIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "dana", "password": "correct horse battery"}]},
    )
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"refresh_token": "Jx4...Q"}]})
    refresh_token: str = Field(min_length=1, max_length=200)


class PersonOut(BaseModel):
    username: str
    display_name: str
    role: Role
    operator_id: str | None = None
    disabled: bool = False


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is good for; refresh before then.")
    refresh_token: str
    user: PersonOut


class StatusOut(BaseModel):
    signed_in: bool = True
    name: str
    role: str
    kind: str = Field(description="user: a person signed in; api: an integration token.")
    user: PersonOut | None = None


class PersonIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"username": "dana", "display_name": "Dana Ortiz", "role": "worker", "password": "pallet-jack-42",
                 "operator_id": "4417", "pin": "2580"}
            ]
        },
    )  # fmt: skip
    username: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    password: str = Field(min_length=10, max_length=200)
    operator_id: str | None = Field(default=None, pattern=r"^\d{1,8}$")
    pin: str | None = Field(default=None, pattern=r"^\d{4,8}$")


class PersonPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "supervisor"}]})
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)
    pin: str | None = Field(default=None, pattern=r"^\d{4,8}$")


def _person(p: Person) -> PersonOut:
    return PersonOut(
        username=p.username,
        display_name=p.display_name,
        role=p.role,
        operator_id=p.operator_id,
        disabled=p.disabled,
    )


def _tokens(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        user=_person(pair.person),
    )


def _accounts(services: ServicesDep) -> Accounts:
    if services.accounts is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={
                "code": "accounts_unavailable",
                "message": "people's accounts are not enabled on this server",
            },
        )
    return services.accounts


@router.post("/auth/login", response_model=TokenOut, summary="Sign in with a user name and password")
async def login(body: LoginIn, request: Request, services: ServicesDep) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    return _tokens(await _accounts(services).login(body.username, body.password, client))


@router.post("/auth/refresh", response_model=TokenOut, summary="Trade a refresh token for new tokens")
async def refresh(body: RefreshIn, services: ServicesDep) -> TokenOut:
    return _tokens(await _accounts(services).refresh(body.refresh_token))


@router.post("/auth/logout", status_code=204, summary="End this sign-in (its tokens stop working)")
async def logout(principal: PrincipalDep, services: ServicesDep) -> None:
    await _accounts(services).logout(principal)


@router.get("/auth/status", response_model=StatusOut, summary="Who the token stands for")
async def auth_status(principal: PrincipalDep, services: ServicesDep) -> StatusOut:
    user = None
    if principal.kind == "user":
        user = _person(await _accounts(services).people.get(principal.name))
    return StatusOut(name=principal.name, role=principal.role, kind=principal.kind, user=user)


@router.get("/users", response_model=list[PersonOut], summary="List people's accounts (admins)")
async def list_people(_: AdminDep, services: ServicesDep) -> list[PersonOut]:
    return [_person(p) for p in await _accounts(services).people.everyone()]


@router.post("/users", response_model=PersonOut, status_code=201, summary="Create an account (admins)")
async def create_person(body: PersonIn, _: AdminDep, services: ServicesDep) -> PersonOut:
    person = Person(
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        operator_id=body.operator_id,
        created_at=datetime.now(UTC),
    )
    return _person(await _accounts(services).people.create(person, body.password, body.pin))


@router.patch("/users/{username}", response_model=PersonOut, summary="Change a role, disable, reset (admins)")
async def update_person(
    username: PathText, body: PersonPatch, _: AdminDep, services: ServicesDep
) -> PersonOut:
    people = _accounts(services).people
    changed = await people.update(
        username,
        display_name=body.display_name,
        role=body.role,
        disabled=body.disabled,
        password=body.password,
        pin=body.pin,
    )
    return _person(changed)
