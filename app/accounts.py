"""Signing in as a person: ``POST /api/auth/login`` trades a user name and password for a short-lived access
token (a JWT signed with the service's key, 15 minutes) and a refresh token (a shift long, rotated on use, kept
only as a hash); logging out revokes the session, and with it every access token it issued, on the REST doors at
once (the WebSocket and MCP doors check the signature and expiry only, so a revoked token lives there until it
expires, 15 minutes at most). Wrong passwords are throttled per client address, and lock the account after five in
a row (``inventory_core.people``).

What a role may do is decided in one place, ``Principal.may``."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import jwt

from inventory_core.errors import InventoryError
from inventory_core.people import ROLES, PeopleBook, Person, Role

log = logging.getLogger("inventorypulse.auth")

ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(hours=12)
ISSUER = "inventorypulse"

PrincipalRole = Role | Literal["integration"]


class InvalidCredentials(InventoryError):
    code = "invalid_credentials"


class TooManyAttempts(InventoryError):
    code = "too_many_attempts"
    retryable: ClassVar[bool] = True


class Forbidden(InventoryError):
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (``user``, signed in) or a static token (``api``: an integration such as MCP or
    a script; ``nlx``: an NLX webhook)."""

    name: str
    role: PrincipalRole
    kind: Literal["user", "api", "nlx"]
    session_id: str | None = None

    def may(self, needed: Role) -> bool:
        """Workers ask, pick, receive and count; supervisors also order, adjust, set thresholds and approve;
        admins also manage people. An integration token may do what a supervisor may (as every static token
        could before people had accounts), never manage people."""
        if self.role == "integration":
            return needed != "admin"
        return ROLES.index(self.role) >= ROLES.index(needed)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    person: Person


class AccessTokens:
    """HS256 JWTs: ``sub`` the user name, ``role``, ``sid`` the sign-in session, ``exp`` 15 minutes on."""

    def __init__(self, secret: str, lifetime: timedelta = ACCESS_LIFETIME) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def issue(self, person: Person, session_id: str, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "sub": person.username,
            "role": person.role,
            "sid": session_id,
            "iat": now,
            "exp": now + self.lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def read(self, token: str) -> Principal | None:
        """The principal a valid, unexpired token stands for; None for anything else (never raises)."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "sid", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        role = claims.get("role")
        if role not in ROLES:
            return None
        return Principal(str(claims["sub"]), role, "user", str(claims["sid"]))


class Throttle(Protocol):
    """Failed sign-ins per client address (``inventory_core.shared_limits.MongoFailureWindow`` across instances,
    ``LoginThrottle`` in one process)."""

    limit: int

    async def retry_after(self, client: str) -> float: ...

    async def failed(self, client: str) -> None: ...


class LoginThrottle:
    """Failed sign-ins per client address, in this process: after ``limit`` within ``window_s``, that address is
    refused until the oldest of them leaves the window."""

    def __init__(
        self, limit: int = 10, window_s: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    async def retry_after(self, client: str) -> float:
        now = self._clock()
        failures = self._failures.get(client)
        if not failures:
            return 0.0
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        if len(failures) < self.limit:
            return 0.0
        return self.window_s - (now - failures[0])

    async def failed(self, client: str) -> None:
        self._failures[client].append(self._clock())


class Accounts:
    def __init__(self, people: PeopleBook, tokens: AccessTokens, throttle: Throttle | None = None) -> None:
        self.people = people
        self.tokens = tokens
        self.throttle: Throttle = throttle or LoginThrottle()

    async def login(self, username: str, password: str, client: str, channel: str = "api") -> TokenPair:
        wait = await self.throttle.retry_after(client)
        if wait > 0:
            raise TooManyAttempts(
                "too many failed sign-ins from here; wait and try again", retry_after_s=int(wait) + 1
            )
        person = await self.people.check_password(username.strip().lower(), password)
        if person is None:
            await self.throttle.failed(client)
            log.warning("failed sign-in for %r from %s", username, client)
            raise InvalidCredentials("wrong user name or password")
        return await self._session_for(person, channel)

    async def _session_for(self, person: Person, channel: str) -> TokenPair:
        session, refresh = await self.people.open_session(person.username, channel, REFRESH_LIFETIME)
        access = self.tokens.issue(person, session.session_id)
        return TokenPair(access, refresh, int(self.tokens.lifetime.total_seconds()), person)

    async def refresh(self, refresh_token: str) -> TokenPair:
        rotated = await self.people.rotate(refresh_token, REFRESH_LIFETIME)
        if rotated is None:
            raise InvalidCredentials("the sign-in has ended; sign in again")
        session, new_refresh = rotated
        person = await self.people.get(session.username)
        if person.disabled:
            await self.people.revoke(session.session_id)
            raise InvalidCredentials("this account is disabled")
        access = self.tokens.issue(person, session.session_id)
        return TokenPair(access, new_refresh, int(self.tokens.lifetime.total_seconds()), person)

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is not None:
            await self.people.revoke(principal.session_id)

    async def principal(self, token: str) -> Principal | None:
        """A signed-in person's access token, checked against its session (revoked or expired: None)."""
        found = self.tokens.read(token)
        if found is None or found.session_id is None:
            return None
        session = await self.people.session(found.session_id)
        if session is None or session.revoked or session.expires_at <= datetime.now(UTC):
            return None
        return found


def signing_key(configured: str | None, var_dir: Path) -> str:
    """``IP_JWT_SECRET`` when set (every replica must share it); otherwise a key kept in ``var/jwt_secret``."""
    if configured:
        return configured
    path = var_dir / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    _keep(path, key)
    return key


def _keep(path: Path, secret: str) -> None:
    """A secret in a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")


async def ensure_admin(people: PeopleBook, var_dir: Path, password: str | None = None) -> str | None:
    """On first run (no account at all) an ``admin`` account. Its password is ``IP_ADMIN_PASSWORD`` (the operator
    knows it: never printed or kept), or made up, kept in ``var/admin_password`` and printed (as the dev token is).
    Returns the password made, if any."""
    await people.ensure_indexes()
    if await people.count() > 0:
        return None
    made = password or secrets.token_urlsafe(12)
    admin = Person(username="admin", display_name="Administrator", role="admin", created_at=datetime.now(UTC))
    await people.create(admin, made)
    # stderr: stdout may be a protocol stream (MCP over stdio).
    if password is not None:
        print("InventoryPulse admin sign-in: admin / IP_ADMIN_PASSWORD", file=sys.stderr, flush=True)
        return None
    path = var_dir / "admin_password"
    _keep(path, made)
    print(f"InventoryPulse admin sign-in: admin / {made} (kept in {path})", file=sys.stderr, flush=True)
    return made
