"""Who is calling, for every door: REST, the voice WebSockets, MCP, the NLX webhooks and voice middleware.

Two kinds of credentials exist: API tokens (people's clients, the page, MCP clients) and NLX webhook tokens (one
per NLX integration). A token arrives as ``Authorization: Bearer <token>`` or ``x-api-key: <token>`` (or, on a
WebSocket, in the start message). Every presented token is compared in constant time against every known
token, with no early exit. Missing and unknown credentials are both answered 401 by the HTTP doors."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from app.accounts import AccessTokens

CredentialKind = Literal["api", "nlx"]


@dataclass(frozen=True)
class Identity:
    """The caller a token stands for: ``name`` (an API client or NLX integration) and which kind of token."""

    name: str
    kind: CredentialKind


def presented_token(headers: Mapping[str, str]) -> str | None:
    """The token in ``Authorization: Bearer`` or, failing that, ``x-api-key``; None when neither is sent."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


class Authenticator:
    """The known tokens. ``api`` and ``nlx`` map each token to the name it stands for."""

    def __init__(
        self, api: Mapping[str, str], nlx: Mapping[str, str] | None = None, tokens: AccessTokens | None = None
    ) -> None:
        self.tokens = tokens
        """People's access tokens (``app.accounts``), accepted wherever an API token is."""
        self._known: list[tuple[bytes, Identity]] = [
            (token.encode(), Identity(name, "api")) for token, name in api.items() if token
        ]
        self._known += [
            (token.encode(), Identity(name, "nlx")) for token, name in (nlx or {}).items() if token
        ]
        self.nlx_configured = any(i.kind == "nlx" for _, i in self._known)

    def is_token_name(self, name: str) -> bool:
        """Whether ``name`` is a static token's (an integration), not a person's user name."""
        return any(identity.name == name for _, identity in self._known)

    def identify(self, token: str | None) -> Identity | None:
        if not token:
            return None
        given = token.encode()
        found: Identity | None = None
        for known, identity in self._known:  # no early exit: the time taken does not say which token matched
            if secrets.compare_digest(known, given):
                found = identity
        return found

    # --- the doors -------------------------------------------------------------------------------------------

    def api_actor(self, token: str | None) -> str | None:
        """The voice WebSockets and MCP: an API token's name, or a signed-in person's user name (their access
        token's signature and expiry are checked here; revocation is checked by the REST doors)."""
        identity = self.identify(token)
        if identity is not None:
            return identity.name if identity.kind == "api" else None
        person = self.tokens.read(token) if token and self.tokens is not None else None
        return person.name if person is not None else None

    def webhook_caller(self, headers: Mapping[str, str]) -> str | None:
        """NLX data requests and lifecycle hooks: the integration whose webhook token was sent. With no NLX
        token configured, an API token is accepted instead (as ``api-<name>``)."""
        identity = self.identify(presented_token(headers))
        if identity is None:
            return None
        if identity.kind == "nlx":
            return identity.name
        return None if self.nlx_configured else f"api-{identity.name}"

    def known(self, headers: Mapping[str, str]) -> bool:
        """Any known token: an API or NLX token, or a signed-in person's (signature and expiry checked)."""
        token = presented_token(headers)
        return self.identify(token) is not None or self.api_actor(token) is not None

    def speech_caller(self, headers: Mapping[str, str]) -> str | None:
        """The NLX voice middleware: an API token or an NLX webhook token."""
        identity = self.identify(presented_token(headers))
        return identity.name if identity is not None else None


def dev_token(var_dir: Path) -> str:
    """The development token kept in ``var/dev_token`` (made on first use, readable by its owner only)."""
    path = var_dir / "dev_token"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


def authenticator_from(
    api_tokens: Sequence[SecretStr], nlx_tokens: Sequence[SecretStr], var_dir: Path
) -> Authenticator:
    """The configured tokens; with no API token configured, the development token (printed so a person can
    use it) stands for the actor ``dev``."""
    nlx = {t.get_secret_value(): f"nlx-{i + 1}" for i, t in enumerate(nlx_tokens)}
    if api_tokens:
        return Authenticator({t.get_secret_value(): f"token-{i + 1}" for i, t in enumerate(api_tokens)}, nlx)
    token = dev_token(var_dir)
    # stderr: stdout may be a protocol stream (MCP over stdio).
    print(f"InventoryPulse dev token (from {var_dir / 'dev_token'}): {token}", file=sys.stderr, flush=True)
    return Authenticator({token: "dev"}, nlx)
