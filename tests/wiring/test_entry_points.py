"""Every entry point answers ``--help`` with its usage and exit 0, quickly, without starting anything: each
``python -m`` module of ours and each console script, in processes of their own (run side by side)."""

from __future__ import annotations

import asyncio
import re
import sys
import tomllib
from pathlib import Path

import pytest

from app.__main__ import main as app_main

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "voice_gateway", "nlx_webhooks", "dialogue", "forecasting", "workflows", "inventory_core",
            "minimax_client", "local_speech")  # fmt: skip
MODULES = ("app", "minimax_client", "voice_gateway.call", "local_speech.worker", "inventory_core.nx_guard")
"""Our ``python -m`` entry points; a module that gains a ``__main__`` block belongs here."""
MAIN_BLOCK = re.compile(r"^if __name__ == .__main__.:", re.M)
HELP_WITHIN_S = 20.0  # each takes well under a second alone; they run side by side on a busy machine


def runnable_modules() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "__main__.py" or MAIN_BLOCK.search(path.read_text()):
                parts = path.relative_to(ROOT).with_suffix("").parts
                found.add(".".join(parts[:-1] if path.name == "__main__.py" else parts))
    return found


def console_scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(project.get("scripts", {}))


async def help_of(*args: str) -> tuple[int | None, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, "--help", cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), HELP_WITHIN_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None, f"still running after {HELP_WITHIN_S} s"
    return proc.returncode, out.decode(errors="replace")


def test_every_runnable_module_is_listed() -> None:
    assert runnable_modules() == set(MODULES)


async def test_every_entry_point_prints_its_usage_and_exits_0() -> None:
    commands = {f"python -m {m}": ("-m", m) for m in MODULES}
    for name, target in console_scripts().items():
        module, _, function = target.partition(":")
        commands[name] = ("-c", f"import sys; from {module} import {function}; sys.exit({function}())")
    results = await asyncio.gather(*(help_of(*args) for args in commands.values()))
    for name, (code, out) in zip(commands, results, strict=True):
        assert code == 0 and "usage:" in out, f"{name} --help: exit {code}\n{out}"


@pytest.mark.parametrize("command", ["serve", "repl", "mcp", "monitor", "worker"])
def test_each_app_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        app_main([command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m app {command}")
