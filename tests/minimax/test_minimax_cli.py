"""``python -m minimax_client`` against the emulator: synthesize to WAV, transcribe it back, report errors."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import wave
from pathlib import Path

import pytest

from tests.fakes.minimax_emulator import MiniMaxEmulator

pytestmark = pytest.mark.minimax

TEXT = "Three pallets of widget B are in aisle four."


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "minimax_client",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("MINIMAX_")} | (env or {}),
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("transport", ["sse", "bidi"])
async def test_synthesize_to_wav_then_transcribe_it(
    emu: MiniMaxEmulator, tmp_path: Path, transport: str
) -> None:
    out = tmp_path / "reply.wav"
    code, stdout, stderr = await run_cli(
        "--api-key",
        emu.api_key,
        "--base-url",
        emu.base_url,
        "synth",
        TEXT,
        "-o",
        str(out),
        "--transport",
        transport,
    )
    assert code == 0, stderr
    assert json.loads(stdout)["usage_characters"] == len(TEXT)
    with wave.open(str(out)) as produced:
        assert produced.getframerate() == 16000
        frames = produced.readframes(produced.getnframes())
    assert frames == emu.render(TEXT, "pcm", 16000)

    emu.expect_transcript(out.read_bytes(), TEXT.lower())
    env = {"MINIMAX_API_KEY": emu.api_key, "MINIMAX_BASE_URL": emu.base_url}  # the environment works too
    code, stdout, stderr = await run_cli("transcribe", str(out), "--language", "en", env=env)
    assert code == 0, stderr
    assert json.loads(stdout)["text"] == TEXT.lower()


async def test_errors_exit_non_zero_with_the_code(emu: MiniMaxEmulator, tmp_path: Path) -> None:
    code, _, stderr = await run_cli(
        "--api-key", "wrong", "--base-url", emu.base_url, "synth", "hello", "-o", str(tmp_path / "x.wav")
    )
    assert code == 1 and "1004" in stderr and "retryable=False" in stderr
    assert not (tmp_path / "x.wav").exists()


async def test_missing_key_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = await run_cli("synth", "hello", "-o", str(tmp_path / "x.wav"))
    assert code == 2 and "MINIMAX_API_KEY" in stderr
