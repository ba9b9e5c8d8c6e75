"""The page end to end in headless Chromium: a fixture question goes in through the fake microphone, is
recognised by the local engine, and the page shows the transcript, the reply, its stock card and the
awaiting-confirmation state, and plays the reply audio."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from dialogue.contract import AgentReply, HeardWords, RecognitionHints, TurnSource
from fixtures.audio.generate import ensure_generated
from tests.fakes.clock import eventually
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import silence
from voice_gateway import routes
from voice_gateway.audio import read_wav, resample, write_wav
from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer
from voice_gateway.speech.ports import VocabularyItem

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists() or shutil.which("espeak-ng") is None:
    pytest.skip("needs Debian chromium and espeak-ng", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.async_api")

REPLY = "We have 42 zip knives at the main warehouse. Shall I order more?"


class StockConversation:
    """Answers the stock question with a card and a yes/no follow-up, so the page shows all its states."""

    def __init__(self) -> None:
        self.heard: list[str] = []
        self._n = 0

    def _reply(self, text: str, **kw: Any) -> AgentReply:
        self._n += 1
        return AgentReply(turn_id=f"b{self._n}", text=text, **kw)

    async def greet(self) -> AgentReply:
        return self._reply("")

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        self.heard.append(text)
        if "zip knives" in text:
            card = {"name": "zip knives", "sku": "TLS-1143", "on_hand": 42, "site": "main"}
            return self._reply(REPLY, intent="check_stock", awaiting=RecognitionHints("yes_no"), cards=[card])
        return self._reply(f"Sorry, I heard {text}.")

    async def no_input(self) -> AgentReply:
        return self._reply("")

    async def not_understood(self) -> AgentReply:
        return self._reply("Sorry, I did not catch that.")

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        return None

    async def close(self) -> None:
        return None


class Factory:
    def __init__(self) -> None:
        self.opened: list[StockConversation] = []

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> StockConversation:
        conv = StockConversation()
        self.opened.append(conv)
        return conv


def question_wav(tmp: Path) -> tuple[Path, str]:
    """The first stock question of the fixture manifest, with silence around it (the fake microphone plays
    the file once)."""
    entry = next(e for e in ensure_generated() if e.text == "how many zip knives are left")
    wav = read_wav(entry.path("clean"))
    pcm = resample(wav.pcm, wav.sample_rate, 16000)
    path = tmp / "question.wav"
    write_wav(path, silence(1.0) + pcm + silence(4.0), 16000)
    return path, entry.text


@pytest_asyncio.fixture(scope="module")
async def site() -> AsyncIterator[tuple[str, Factory]]:
    app = FastAPI()
    app.include_router(routes.router)
    factory = Factory()
    recognizer = LocalRecognizer([VocabularyItem("TLS-1143", "zip knives")])
    app.state.gateway = fake_gateway(
        recognizer=recognizer, synthesizer=EspeakSynthesizer(), conversations=factory
    )
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(srv.serve())
    await eventually(lambda: srv.started)
    yield f"127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}", factory
    srv.should_exit = True
    await task


async def test_spoken_question_shows_reply_card_and_plays_audio(
    site: tuple[str, Factory], tmp_path: Path
) -> None:
    host, factory = site
    wav, _text = question_wav(tmp_path)
    async with playwright_api.async_playwright() as pw:
        # A new profile directory per run (launch_persistent_context passes it as --user-data-dir).
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={wav}%noloop",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            await context.grant_permissions(["microphone"], origin=f"http://{host}")
            pg = await context.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            await pg.goto(f"http://{host}/?token={TOKEN}")
            await pg.click("#connect")
            await pg.wait_for_selector("#log li.agent", timeout=30_000)
            assert await pg.inner_text("#log li.agent") == REPLY
            assert "zip knives" in await pg.inner_text("#log li.user")
            assert await pg.is_visible("#awaiting")
            assert await pg.inner_text("#cards .card h3") == "zip knives"
            assert "TLS-1143" in await pg.inner_text("#cards .card")
            await pg.wait_for_function("window.voiceState.playedSamples > 16000", timeout=20_000)
            played = await pg.evaluate("window.voiceState.playedSamples")
            received = await pg.evaluate("window.voiceState.receivedAudioBytes")
            assert played > 16000 and received >= played  # bytes: 2 per sample
            types = await pg.evaluate("window.voiceState.messages.map(m => m.type)")
            assert types[:4] == ["ready", "speech_started", "speech_stopped", "transcript"]
            assert "audio_start" in types
            assert errors == []
        finally:
            await context.close()
    assert any("zip knives" in h for h in factory.opened[-1].heard)
