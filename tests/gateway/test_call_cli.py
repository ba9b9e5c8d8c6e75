"""``python -m voice_gateway.call``: a WAV through the whole loop over the real WebSocket, as a user runs it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import FakeRecognizer, silence, speech_like
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
