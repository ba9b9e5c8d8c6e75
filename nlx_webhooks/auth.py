"""Who may call the webhooks: a token per NLX integration, sent as ``Authorization: Bearer <token>`` or as
``x-api-key: <token>``, compared in constant time against every configured token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence


def presented_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


class WebhookAuth:
    """``tokens`` maps each accepted token to the integration name it stands for."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = [(t.encode(), name) for t, name in tokens.items() if t]

    @classmethod
    def numbered(cls, tokens: Sequence[str]) -> WebhookAuth:
        return cls({t: f"nlx-{i + 1}" for i, t in enumerate(tokens)})

    @property
    def configured(self) -> bool:
        return bool(self._tokens)

    def integration(self, headers: Mapping[str, str]) -> str | None:
        token = presented_token(headers)
        if token is None:
            return None
        given = token.encode()
        found: str | None = None
        for known, name in self._tokens:  # no early exit: every token is compared
            if secrets.compare_digest(known, given):
                found = name
        return found
