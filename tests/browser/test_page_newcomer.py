"""The page as a newcomer meets it, in headless Chromium over a scripted conversation (typed turns only, so no
speech engine): opened over plain http from another machine (no microphone there), with the microphone denied,
and through a whole write (a choice, a quantity, a read-back, the order card). Each test saves a screenshot to
``docs/screenshots/`` for the docs.

One browser and one server for the module; each test gets a fresh browser context (its own permissions)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from dialogue.contract import AgentReply, Expectation, HeardWords, RecognitionHints, TurnSource
from tests.fakes.clock import eventually
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import silence
from voice_gateway import routes
from voice_gateway.audio import write_wav

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian chromium", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.async_api")

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Chromium trusts only localhost and 127.0.0.1 over plain http; this name maps to loopback but is not trusted.
OTHER_HOST = "warehouse.test"
VIEWPORT: ViewportSize = {"width": 1100, "height": 620}

INSECURE_TEXT = "The microphone needs https or localhost; you can still type."
DENIED_TEXT = "Microphone access was denied"

ZIP_CARD = {"name": "zip knives", "sku": "TLS-1143", "on_hand": 42, "site": "main"}
CUTTER_CARD = {"name": "box cutters", "sku": "TLS-1150", "on_hand": 12, "site": "main"}
ORDER_CARD = {
    "kind": "order",
    "name": "box cutters",
    "sku": "TLS-1150",
    "quantity": 40,
    "order_id": "PO-1001",
    "status": "placed",
}
ITEMS = ("box cutters", "zip knives", "utility blades")
# Typed text → (reply, what it awaits, its options, its cards).
SCRIPT: dict[str, tuple[str, Expectation, tuple[str, ...], list[dict[str, Any]]]] = {
    "how many zip knives are left": ("We have 42 zip knives at the main warehouse.", "free", (), [ZIP_CARD]),
    "order more": ("Which item: box cutters, zip knives or utility blades?", "choice", ITEMS, []),
    "box cutters": ("How many box cutters should I order?", "quantity", (), []),
    "forty": ("Order forty box cutters, four zero. Shall I place it?", "yes_no", (), [CUTTER_CARD]),
    "yes": ("Done, the order for forty box cutters is placed.", "free", (), [ORDER_CARD]),
    "count box cutters": ("Bin A one two. Check digits?", "digits", (), []),
}


@dataclass
class ScriptedConversation:
    """Answers from ``SCRIPT``; records every turn with its source."""

    turns: list[tuple[str, TurnSource]] = field(default_factory=list)
    _n: int = 0

    def _reply(self, text: str, **kw: Any) -> AgentReply:
        self._n += 1
        return AgentReply(turn_id=f"n{self._n}", text=text, **kw)

    async def greet(self) -> AgentReply:
        return self._reply("")

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        self.turns.append((text, source))
        if text not in SCRIPT:
            return self._reply(f"Sorry, I heard {text}.")
        reply, expect, phrases, cards = SCRIPT[text]
        return self._reply(reply, awaiting=RecognitionHints(expect, phrases), cards=cards)

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
        self.by_session: dict[str, ScriptedConversation] = {}

    def open(
        self, session_id: str, channel: str, actor: str, site: str | None = None
    ) -> ScriptedConversation:
        conv = ScriptedConversation()
        self.by_session[session_id] = conv
        return conv


@dataclass(frozen=True)
class Site:
    port: int
    factory: Factory


@pytest_asyncio.fixture(scope="module")
async def site() -> AsyncIterator[Site]:
    app = FastAPI()
    app.include_router(routes.router)
    factory = Factory()
    app.state.gateway = fake_gateway(conversations=factory)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(srv.serve())
    await eventually(lambda: srv.started)
    yield Site(srv.servers[0].sockets[0].getsockname()[1], factory)
    srv.should_exit = True
    await task


@pytest_asyncio.fixture(scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    """One Chromium for the module. No --use-fake-ui-for-media-stream: a context without the microphone
    permission is refused it, as a user who clicks "Block" is. The fake microphone hears silence."""
    quiet = tmp_path_factory.mktemp("mic") / "silence.wav"
    write_wav(quiet, silence(2.0), 16000)
    pw = await playwright_api.async_playwright().start()
    chromium = await pw.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={quiet}",
            "--autoplay-policy=no-user-gesture-required",
            f"--host-resolver-rules=MAP {OTHER_HOST} 127.0.0.1",
        ],
    )
    try:
        yield chromium
    finally:
        await chromium.close()
        await pw.stop()


async def open_page(
    browser: Browser, origin: str, *, microphone: bool
) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh context (microphone permission granted or not) with the page open; the list collects script
    errors."""
    context = await browser.new_context(viewport=VIEWPORT)
    if microphone:
        await context.grant_permissions(["microphone"], origin=origin)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{origin}/?token={TOKEN}")
    return context, page, errors


async def start(page: Page) -> None:
    await page.click("#connect")
    await page.wait_for_selector("#text:not([disabled])", timeout=10_000)


async def ask(page: Page, text: str) -> str:
    """Type ``text`` and wait for the reply to it; returns the reply shown."""
    before = await page.locator("#log li.agent").count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    return await reply_after(page, before)


async def reply_after(page: Page, before: int) -> str:
    agent = page.locator("#log li.agent")
    await page.wait_for_function(
        f"document.querySelectorAll('#log li.agent').length > {before}", timeout=10_000
    )
    return await agent.nth(before).inner_text()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / name))


def conversation(site: Site, session_id: str) -> ScriptedConversation:
    return site.factory.by_session[session_id]


async def test_plain_http_from_another_host_types_and_plays_the_reply(site: Site, browser: Browser) -> None:
    context, page, errors = await open_page(browser, f"http://{OTHER_HOST}:{site.port}", microphone=False)
    try:
        # The page really is insecure here: no mediaDevices at all, which used to kill the script.
        assert await page.evaluate("window.isSecureContext") is False
        assert await page.evaluate("navigator.mediaDevices === undefined") is True
        assert INSECURE_TEXT in await page.inner_text("#notice")  # said before Start, too
        await start(page)
        assert INSECURE_TEXT in await page.inner_text("#notice")
        assert await page.inner_text("#status") == "ready: type a question"
        assert await page.is_disabled("#talk")
        reply = await ask(page, "how many zip knives are left")
        assert reply == "We have 42 zip knives at the main warehouse."
        assert await page.inner_text("#log li.user") == "how many zip knives are left"
        assert await page.inner_text("#cards .card.stock h3") == "zip knives"
        assert not await page.is_visible("#awaiting")  # a free answer: nothing awaited
        # The reply is spoken through an AudioContext made for playback only.
        await page.wait_for_function("window.voiceState.playedSamples > 0", timeout=10_000)
        await shot(page, "talk-page-insecure-origin.png")
        assert await page.locator("#log li.error").count() == 0
        assert errors == []
        sid = await page.evaluate("window.voiceState.sessionId")
        assert conversation(site, sid).turns == [("how many zip knives are left", "typed")]
    finally:
        await context.close()


async def test_denied_microphone_says_so_and_typing_still_works(site: Site, browser: Browser) -> None:
    context, page, errors = await open_page(browser, f"http://127.0.0.1:{site.port}", microphone=False)
    try:
        assert await page.evaluate("window.isSecureContext") is True  # so the refusal is the permission's
        assert await page.is_hidden("#notice")
        await start(page)
        notice = await page.inner_text("#notice")
        assert DENIED_TEXT in notice and "you can still type" in notice
        assert await page.inner_text("#status") == "ready: type a question"
        reply = await ask(page, "order more")
        assert reply == "Which item: box cutters, zip knives or utility blades?"
        # Without a microphone the prompt asks to type (or click), not to say.
        assert await page.inner_text("#awaiting-text") == "Type one of:"
        assert await page.locator("#choices button").all_inner_texts() == list(ITEMS)
        await shot(page, "talk-page-mic-denied.png")
        assert errors == []
    finally:
        await context.close()


async def test_prompts_choices_and_the_order_card_of_a_write(site: Site, browser: Browser) -> None:
    origin = f"http://127.0.0.1:{site.port}"
    context, page, errors = await open_page(browser, origin, microphone=True)
    try:
        await start(page)
        assert await page.inner_text("#status") == "listening"  # the microphone is on (it hears silence)
        assert await page.is_hidden("#notice")
        await ask(page, "how many zip knives are left")
        assert await page.inner_text("#cards .card.stock h3") == "zip knives"

        # A choice: its options as buttons; the stock card of the earlier answer is gone.
        await ask(page, "order more")
        assert await page.inner_text("#awaiting-text") == "Say one of:"
        assert await page.locator("#choices button").all_inner_texts() == list(ITEMS)
        assert await page.locator("#cards .card").count() == 0
        await shot(page, "talk-page-choice.png")

        # Clicking an option sends it as a typed turn.
        before = await page.locator("#log li.agent").count()
        await page.click("#choices button:text-is('box cutters')")
        assert await reply_after(page, before) == "How many box cutters should I order?"
        assert await page.locator("#log li.user").last.inner_text() == "box cutters"
        assert await page.inner_text("#awaiting-text") == "Say a quantity"
        assert await page.locator("#choices button").count() == 0
        await shot(page, "talk-page-quantity.png")

        # The read-back: yes and no buttons, the item's stock card.
        await ask(page, "forty")
        assert await page.inner_text("#awaiting-text") == "Say yes or no"
        assert await page.locator("#choices button").all_inner_texts() == ["Yes", "No"]
        assert await page.inner_text("#cards .card.stock h3") == "box cutters"
        await shot(page, "talk-page-confirm.png")

        # "Yes" writes: the order card replaces the stock card, whose level is no longer current.
        before = await page.locator("#log li.agent").count()
        await page.click("#choices button:text-is('Yes')")
        assert await reply_after(page, before) == "Done, the order for forty box cutters is placed."
        order = page.locator("#cards .card.write")
        assert await order.count() == 1
        assert await order.get_attribute("data-kind") == "order"
        assert await order.locator(".label").text_content() == "Order placed"  # shown in capitals
        text = await order.inner_text()
        assert "PO-1001" in text and "box cutters" in text
        assert await page.locator("#cards .card.stock").count() == 0
        assert not await page.is_visible("#awaiting")
        await shot(page, "talk-page-order-card.png")

        await ask(page, "count box cutters")
        assert await page.inner_text("#awaiting-text") == "Say the check digits"
        assert await page.locator("#cards .card").count() == 0  # the order card was this turn's news only

        sid = await page.evaluate("window.voiceState.sessionId")
        assert conversation(site, sid).turns == [
            ("how many zip knives are left", "typed"),
            ("order more", "typed"),
            ("box cutters", "typed"),
            ("forty", "typed"),
            ("yes", "typed"),
            ("count box cutters", "typed"),
        ]
        assert await page.locator("#log li.error").count() == 0
        assert errors == []
    finally:
        await context.close()
