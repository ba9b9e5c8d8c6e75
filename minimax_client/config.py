"""Client configuration: host, key, model and voice defaults, timeouts and the retry budget."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

INTERNATIONAL_BASE_URL = "https://api.minimax.io"
MAINLAND_BASE_URL = "https://api.minimaxi.com"
_REGION_ALIASES = {
    "international": INTERNATIONAL_BASE_URL,
    "global": INTERNATIONAL_BASE_URL,
    "mainland": MAINLAND_BASE_URL,
    "cn": MAINLAND_BASE_URL,
}


class MiniMaxConfig(BaseModel):
    """How to reach MiniMax. ``base_url`` takes a URL or a region name (``international`` / ``mainland``);
    the key must belong to that region or every call fails with 1004."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr
    base_url: str = INTERNATIONAL_BASE_URL
    group_id: str | None = Field(default=None, description="Legacy GroupId query parameter; optional.")
    tts_model: str = "speech-2.8-turbo"
    voice_id: str = "English_expressive_narrator"
    asr_model: str = "asr-1.0"
    connect_timeout_s: float = Field(default=5.0, gt=0, description="TCP/TLS/WebSocket handshake.")
    read_timeout_s: float = Field(default=10.0, gt=0, description="Longest silence between two reads.")
    deadline_s: float = Field(
        default=15.0, gt=0, description="Budget for all attempts of one call until its first byte of audio."
    )
    max_attempts: int = Field(default=4, ge=1)
    backoff_base_s: float = Field(default=0.25, ge=0)
    backoff_max_s: float = Field(default=4.0, ge=0)
    ws_ping_interval_s: float | None = Field(
        default=20.0, description="The server never pings and closes idle sockets (2201), so the client does."
    )
    ws_cancel_timeout_s: float = Field(
        default=2.0, gt=0, description="Wait for task_canceled before reconnecting."
    )

    @field_validator("base_url")
    @classmethod
    def _normalise_base_url(cls, value: str) -> str:
        value = _REGION_ALIASES.get(value.strip().lower(), value.strip())
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL or a region name, got {value!r}")
        return value.rstrip("/")

    def http_url(self, path: str) -> str:
        return self.base_url + path + self._query()

    def ws_url(self, path: str) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return urlunsplit((scheme, parts.netloc, parts.path + path, self._query().lstrip("?"), ""))

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _query(self) -> str:
        return "?" + urlencode({"GroupId": self.group_id}) if self.group_id else ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> MiniMaxConfig:
        """Read ``MINIMAX_API_KEY``, ``MINIMAX_BASE_URL`` (or ``MINIMAX_API_HOST``), ``MINIMAX_GROUP_ID``,
        ``MINIMAX_TTS_MODEL``, ``MINIMAX_VOICE_ID``; keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for key, names in {
            "api_key": ("MINIMAX_API_KEY",),
            "base_url": ("MINIMAX_BASE_URL", "MINIMAX_API_HOST"),
            "group_id": ("MINIMAX_GROUP_ID",),
            "tts_model": ("MINIMAX_TTS_MODEL",),
            "voice_id": ("MINIMAX_VOICE_ID",),
        }.items():
            for name in names:
                if env.get(name):
                    values[key] = env[name]
                    break
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
