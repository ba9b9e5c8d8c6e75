"""``local_speech`` is an engine that stands alone: it imports no other package of this project."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import local_speech

pytestmark = pytest.mark.speech

OURS = ("voice_gateway", "dialogue", "inventory_core", "app", "nlx_webhooks", "forecasting", "minimax_client")


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_local_speech_imports_nothing_of_ours() -> None:
    package = Path(local_speech.__file__).parent
    found = {
        f"{path.name}: {name}"
        for path in package.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in OURS
    }
    assert not found
