"""The people who use the assistant: accounts with a role, an Argon2id password hash and, for the floor, an
operator number with a PIN (signing in by voice or keypad); their sign-in sessions (a refresh token each, kept
as a hash, revocable); and the lockout after repeated failures.

Hashing is CPU work (tens of milliseconds by design), so it runs in a thread, never on the event loop. A wrong
user name costs the same hash check as a wrong password, so the time taken does not say which names exist."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inventory_core.errors import Conflict, InvalidInput, InventoryError, NotFound
from inventory_core.models import UtcDatetime, _Frozen
from inventory_core.store import Doc, MongoStore, utcnow

Role = Literal["worker", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("worker", "supervisor", "admin")
"""In order: each role may do what the ones before it may."""

MAX_FAILURES = 5
"""Wrong passwords (or PINs) in a row before the account is locked for ``LOCK_FOR``."""
LOCK_FOR = timedelta(minutes=5)


class AccountLocked(InventoryError):
    code = "account_locked"
    retryable: ClassVar[bool] = True


class Person(_Frozen):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")
    display_name: str = Field(max_length=120)
    role: Role
    operator_id: str | None = Field(
        default=None, description="The number a worker says or keys in to sign in."
    )
    disabled: bool = False
    created_at: UtcDatetime


class SignIn(_Frozen):
    """One sign-in session: what an access token's ``sid`` names; logging out revokes it."""

    session_id: str
    username: str
    channel: str
    expires_at: UtcDatetime
    revoked: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PeopleBook:
    def __init__(self, store: MongoStore, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # a hash checked when the name is unknown (made on first need)

    @property
    def _people(self) -> Any:
        return self.store.db["people"]

    @property
    def _sessions(self) -> Any:
        return self.store.db["sign_ins"]

    async def ensure_indexes(self) -> None:
        await self._people.create_index("username", unique=True)
        await self._people.create_index("operator_id", unique=True, sparse=True)
        await self._sessions.create_index("session_id", unique=True)

    # ---- accounts -------------------------------------------------------------------------------------------

    async def count(self) -> int:
        return int(await self._people.count_documents({}))

    async def create(
        self,
        person: Person,
        password: str,
        pin: str | None = None,
    ) -> Person:
        _check_password(password)
        doc: Doc = person.model_dump(mode="python", exclude_none=True)
        doc["password_hash"] = await asyncio.to_thread(self.hasher.hash, password)
        if pin is not None:
            if person.operator_id is None:
                raise InvalidInput("a PIN needs an operator number")
            doc["pin_hash"] = await asyncio.to_thread(self.hasher.hash, _check_pin(pin))
        if person.operator_id is not None and not person.operator_id.isdigit():
            raise InvalidInput("an operator number is digits only", operator_id=person.operator_id)
        doc |= {"failures": 0, "locked_until": None}
        try:
            await self._people.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict("that user name or operator number is taken", username=person.username) from exc
        return person

    async def get(self, username: str) -> Person:
        doc = await self._people.find_one({"username": username})
        if doc is None:
            raise NotFound(f"no user {username!r}", username=username)
        return Person.model_validate(doc)

    async def everyone(self) -> list[Person]:
        docs = await self._people.find({}).sort("username", 1).to_list()
        return [Person.model_validate(d) for d in docs]

    async def update(
        self,
        username: str,
        *,
        display_name: str | None = None,
        role: Role | None = None,
        disabled: bool | None = None,
        password: str | None = None,
        pin: str | None = None,
    ) -> Person:
        change: Doc = {}
        if display_name is not None:
            change["display_name"] = display_name
        if role is not None:
            change["role"] = role
        if disabled is not None:
            change["disabled"] = disabled
        if password is not None:
            change["password_hash"] = await asyncio.to_thread(self.hasher.hash, _check_password(password))
            change |= {"failures": 0, "locked_until": None}
        if pin is not None:
            change["pin_hash"] = await asyncio.to_thread(self.hasher.hash, _check_pin(pin))
        doc = await self._people.find_one_and_update(
            {"username": username}, {"$set": change}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound(f"no user {username!r}", username=username)
        if disabled:
            await self.revoke_all(username)
        return Person.model_validate(doc)

    async def check_password(self, username: str, password: str) -> Person | None:
        """The person, when the password is theirs and the account is open; None otherwise. Raises
        ``AccountLocked`` while locked (after ``MAX_FAILURES`` wrong ones in a row)."""
        return await self._check({"username": username}, "password_hash", password)

    async def check_pin(self, operator_id: str, pin: str) -> Person | None:
        """As ``check_password``, for an operator number and PIN (the voice and keypad sign-in)."""
        return await self._check({"operator_id": operator_id}, "pin_hash", pin)

    async def _check(self, query: Doc, field: str, secret: str) -> Person | None:
        doc = await self._people.find_one(query)
        if self._dummy is None:
            self._dummy = await asyncio.to_thread(self.hasher.hash, secrets.token_urlsafe(16))
        stored = str(doc[field]) if doc is not None and doc.get(field) else self._dummy
        ok = await asyncio.to_thread(self._verify, stored, secret)
        if doc is None or not doc.get(field):
            return None
        now = _epoch(utcnow())
        locked_until = doc.get("locked_until")  # epoch seconds: times are compared as numbers (see _epoch)
        if locked_until is not None and locked_until > now:
            raise AccountLocked(
                "too many wrong attempts; try again in a few minutes",
                retry_after_s=int(locked_until - now) + 1,
            )
        if not ok:
            failures = int(doc.get("failures", 0)) + 1
            lock = now + LOCK_FOR.total_seconds() if failures >= MAX_FAILURES else None
            await self._people.update_one(
                {"_id": doc["_id"]},
                {"$set": {"failures": 0 if lock else failures, "locked_until": lock}},
            )
            return None
        if doc.get("failures") or locked_until is not None:
            await self._people.update_one(
                {"_id": doc["_id"]}, {"$set": {"failures": 0, "locked_until": None}}
            )
        person = Person.model_validate(doc)
        return None if person.disabled else person

    def _verify(self, stored: str, secret: str) -> bool:
        try:
            return bool(self.hasher.verify(stored, secret))
        except (VerificationError, InvalidHashError):
            return False

    # ---- sign-in sessions -----------------------------------------------------------------------------------

    async def open_session(self, username: str, channel: str, lifetime: timedelta) -> tuple[SignIn, str]:
        """A new session and its refresh token (returned once; only its hash is kept)."""
        refresh = secrets.token_urlsafe(32)
        session = SignIn(
            session_id=secrets.token_hex(12),
            username=username,
            channel=channel,
            expires_at=utcnow() + lifetime,
        )
        await self._sessions.insert_one(
            {
                **session.model_dump(mode="python"),
                "refresh_hash": _digest(refresh),
                "expires": _epoch(session.expires_at),
            }
        )
        return session, refresh

    async def session(self, session_id: str) -> SignIn | None:
        doc = await self._sessions.find_one({"session_id": session_id})
        return SignIn.model_validate(doc) if doc is not None else None

    async def rotate(self, refresh: str, lifetime: timedelta) -> tuple[SignIn, str] | None:
        """Trade a live refresh token for a new one (the old one stops working); None when it is unknown,
        revoked or expired."""
        new = secrets.token_urlsafe(32)
        until = utcnow() + lifetime
        doc = await self._sessions.find_one_and_update(
            {"refresh_hash": _digest(refresh), "revoked": False, "expires": {"$gt": _epoch(utcnow())}},
            {"$set": {"refresh_hash": _digest(new), "expires_at": until, "expires": _epoch(until)}},
            return_document=ReturnDocument.AFTER,
        )
        return (SignIn.model_validate(doc), new) if doc is not None else None

    async def revoke(self, session_id: str) -> None:
        await self._sessions.update_one({"session_id": session_id}, {"$set": {"revoked": True}})

    async def revoke_all(self, username: str) -> None:
        await self._sessions.update_many({"username": username}, {"$set": {"revoked": True}})


def _epoch(value: datetime) -> float:
    """Times that queries compare are kept as epoch seconds: the embedded store hands back a time written by
    ``$set`` as text, which would not compare with a time."""
    return value.timestamp()


def _check_password(password: str) -> str:
    if not 10 <= len(password) <= 200:
        raise InvalidInput("a password has 10 to 200 characters")
    return password


def _check_pin(pin: str) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("a PIN is 4 to 8 digits")
    return pin
