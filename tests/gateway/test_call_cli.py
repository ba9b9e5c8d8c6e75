"""``python -m voice_gateway.call``: WAVs through the whole loop over the real WebSocket, as a user runs it: over
fakes, and a spoken order with its read-back and "yes" against the whole service (the session's live server)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from tests.conftest import API_TOKEN
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import FakeRecognizer, silence, speech_like
from voice_gateway import call
from voice_gateway.audio import read_wav, write_wav

pytestmark = pytest.mark.gateway


async def test_call_cli_prints_transcript_reply_and_latencies(
    host: str, gateway_app: FastAPI, tmp_path: Path
) -> None:
    gateway_app.state.gateway = fake_gateway(
        recognizer=FakeRecognizer(by_f0={180: "how many widgets"}), greet=True
    )
    question = tmp_path / "question.wav"
    write_wav(question, silence(0.2) + speech_like(0.6, 180) + silence(0.3), 16000)
    out = tmp_path / "reply.wav"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "voice_gateway.call",
        str(question),
        "--url",
        f"ws://{host}/ws/voice",
        "--token",
        TOKEN,
        "--out",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    text = stdout.decode()
    assert proc.returncode == 0, stderr.decode()
    assert "transcript: how many widgets" in text
    assert (
        "reply:      You said how many widgets." in text
    )  # the greeting was waited out, not taken as the reply
    assert "end_of_speech_to_first_audio_ms" in text and "recognition_ms" in text
    reply = read_wav(out)
    assert reply.sample_rate == 16000
    assert reply.duration_s == pytest.approx(len("You said how many widgets.") * 0.02, abs=0.11)


async def test_call_cli_reports_a_refused_token(host: str, gateway_app: FastAPI, tmp_path: Path) -> None:
    gateway_app.state.gateway = fake_gateway()
    question = tmp_path / "q.wav"
    write_wav(question, silence(0.1), 16000)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "voice_gateway.call",
        str(question),
        "--url",
        f"ws://{host}/ws/voice",
        "--token",
        "wrong",
        "--fast",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "error: unauthorized" in stderr.decode()


def espeak(path: Path, text: str) -> Path:
    """``text`` spoken by espeak-ng into ``path`` (22,050 Hz, as a newcomer would render it)."""
    subprocess.run(["espeak-ng", "-w", str(path), "-s", "150", text], check=True, capture_output=True)
    return path


def test_a_spoken_order_with_its_read_back_and_yes_runs_from_the_cli(
    live_base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if Settings().use_minimax:
        pytest.skip("the shared live server would speak through MiniMax (a key is in the environment)")
    api = httpx.Client(base_url=live_base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=30)
    sku = api.get("/api/inventory/coffee%20pods").json()["sku"]
    known = {o["order_id"] for o in api.get("/api/orders", params={"sku": sku, "limit": 500}).json()}
    order, yes = (
        espeak(tmp_path / "order.wav", "order forty coffee pods"),
        espeak(tmp_path / "yes.wav", "yes"),
    )
    url = f"ws://{live_base_url.removeprefix('http://')}/ws/voice"

    status = call.main([str(order), str(yes), "--url", url, "--token", API_TOKEN, "--fast"])

    out = capsys.readouterr()
    assert status == 0, out.err
    heard = [
        line.removeprefix("transcript: ") for line in out.out.splitlines() if line.startswith("transcript:")
    ]
    replies = [
        line.removeprefix("reply:      ") for line in out.out.splitlines() if line.startswith("reply:")
    ]
    assert heard == ["order forty coffee pods", "yes"], out.out
    assert replies[0].startswith("ORDER: buying forty") and "Say yes to confirm." in replies[0], replies
    assert replies[1].startswith("Done. Ordered forty coffee pods"), replies
    new = [
        o
        for o in api.get("/api/orders", params={"sku": sku, "limit": 500}).json()
        if o["order_id"] not in known
    ]
    assert [(o["quantity"], o["channel"]) for o in new] == [(40, "voice")]
