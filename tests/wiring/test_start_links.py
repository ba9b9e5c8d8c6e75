"""What ``make run`` prints for a newcomer: the talk page and the console, each already signed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from app.auth import dev_token
from app.cli.serve import start_links
from app.settings import Settings


def test_the_links_carry_the_dev_token_in_the_fragment(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, port=8123)  # type: ignore[call-arg]
    printed = start_links(settings)
    token = dev_token(tmp_path)
    assert f"Talk page: http://127.0.0.1:8123/#token={token}" in printed
    assert f"Console:   http://127.0.0.1:8123/console#token={token}" in printed
    assert "?token=" not in printed  # a query would be written to the access log


def test_with_configured_tokens_the_links_carry_none(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, api_tokens=[SecretStr("x" * 20)])  # type: ignore[call-arg]
    printed = start_links(settings)
    assert "token=" not in printed and "http://127.0.0.1:8000/console" in printed
    assert not (tmp_path / "dev_token").exists()
