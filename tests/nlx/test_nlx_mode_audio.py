"""NLX mode with audio, end to end over loopback: rendered fixture speech goes into ``/ws/voice``; the gateway
endpoints it, recognises it (pocketsphinx over the demo catalogue) and sends the transcript to the NLX
Conversation API (the fake NLX), which calls our real data-request webhooks over the shared demo store; NLX's
messages come back and are spoken by espeak-ng. The spoken figure and the written order are checked against
the store.

One gateway, one fake NLX and one webhook app for the module. Replies are paced at real time by the server, so
each wait for a reply's ``audio_end`` costs that reply's spoken length."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from fastapi import FastAPI

from dialogue.understanding.numbers import parse_at, tokenize
from fixtures.audio.generate import ensure_generated
from inventory_core.models import PurchaseOrder
from inventory_core.service import InventoryService
from nlx_webhooks.client import NlxClient
from nlx_webhooks.conversation import NlxConversationFactory
from tests.conftest import API_TOKEN
from tests.e2e.call_client import RATE, WITHIN_S, Call, heard_as, rms
from tests.fakes.gateway import fake_gateway
from tests.fakes.nlx_server import FakeNlx, serve
from tests.nlx.conftest import nlx_loop
from tests.speech.conftest import SITES, demo_vocabulary
from voice_gateway.audio import read_wav, resample
from voice_gateway.speech.local import EspeakSynthesizer, LocalAsrOptions, LocalRecognizer
from voice_gateway.transports import ws_voice

pytestmark = pytest.mark.nlx

# Each is recognised word for word on its clean rendering (checked with the recognizer on its own).
STOCK_QUESTION = "how many zip knives are left"
ORDER = "place an order for thirty eight staple guns"
YES = "yes"


@dataclass(frozen=True)
class Rig:
    fake: FakeNlx
    base_url: str


@pytest_asyncio.fixture(scope="module")
async def rig(inventory: InventoryService) -> AsyncIterator[Rig]:
    """The gateway's ``/ws/voice`` on loopback, in NLX mode against the fake NLX and our webhook app."""
    # pocketsphinx: this drives the NLX loop with espeak-ng fixtures of the demo catalogue, which it hears
    # reliably (tests/speech/test_whisper_asr.py and bench/understanding.py cover the Whisper engine).
    recognizer = LocalRecognizer(demo_vocabulary(), LocalAsrOptions(engine="grammar"), sites=SITES)
    try:
        async with nlx_loop(inventory) as (fake, config):
            factory = NlxConversationFactory(NlxClient(config))
            app = FastAPI()
            app.include_router(ws_voice.router)
            app.state.gateway = fake_gateway(
                recognizer=recognizer,
                synthesizer=EspeakSynthesizer(),
                conversations=factory,
                tokens={API_TOKEN: "picker-7"},
            )
            try:
                async with serve(app) as base:
                    yield Rig(fake, base)
            finally:
                await factory.aclose()
    finally:
        recognizer.close()


@pytest.fixture(scope="module")
def said() -> dict[str, bytes]:
    """16 kHz PCM of each fixture utterance used here (clean condition), by its text."""
    entries = {e.text: e for e in ensure_generated()}
    out: dict[str, bytes] = {}
    for text in (STOCK_QUESTION, ORDER, YES):
        wav = read_wav(entries[text].path("clean"))
        out[text] = resample(wav.pcm, wav.sample_rate, RATE) if wav.sample_rate != RATE else wav.pcm
    return out


@pytest.fixture
async def call(rig: Rig) -> AsyncIterator[Call]:
    opened = await Call.open(rig.base_url)
    yield opened
    await opened.close()


def spoken_figure(text: str, after: str) -> int | None:
    """The whole number said right after the words ``after`` ("There are forty two ..." → 42)."""
    tokens, lead = tokenize(text), tokenize(after)
    if tokens[: len(lead)] != lead:
        return None
    found = parse_at(tokens, len(lead))
    return found.as_int if found is not None else None


async def orders_of(inventory: InventoryService, sku: str) -> list[PurchaseOrder]:
    return await inventory.list_orders(sku=sku, limit=500)


async def test_a_spoken_stock_question_is_answered_aloud_from_the_store(
    rig: Rig, call: Call, said: dict[str, bytes], inventory: InventoryService
) -> None:
    view = await inventory.lookup("zip knives")
    await call.say(said[STOCK_QUESTION])
    await call.expect("speech_started")
    heard_as(await call.expect("transcript"), STOCK_QUESTION)
    reply = await call.expect("reply")
    # NLX asked our webhook about the item the caller named, and its answer is what is spoken.
    assert rig.fake.data_requests[-1] == ("/api/nlx/inventory/check", {"item": "zip knives"})
    assert "zip knives" in reply["text"] and reply["awaiting"]["expect"] == "free"
    assert spoken_figure(reply["text"], "There are") == view.on_hand, reply["text"]
    audio = await call.turn_audio(reply["turn_id"])
    assert len(audio) >= 2 * RATE and rms(audio) > 300  # over a second of espeak-ng speech, not silence


async def test_a_spoken_order_is_read_back_and_written_once_after_a_spoken_yes(
    rig: Rig, call: Call, said: dict[str, bytes], inventory: InventoryService
) -> None:
    sku = (await inventory.lookup("staple guns")).sku
    before = {o.order_id for o in await orders_of(inventory, sku)}
    await call.say(said[ORDER])
    heard_as(await call.expect("transcript"), ORDER)
    read_back = await call.expect("reply")
    assert rig.fake.data_requests[-1] == (
        "/api/nlx/orders/propose",
        {"item": "staple guns", "quantity": 38},
    )
    assert read_back["text"].startswith("Order thirty eight, three eight, staple guns"), read_back["text"]
    assert read_back["text"].endswith("Shall I place it?")
    assert read_back["awaiting"] == {"expect": "yes_no", "phrases": ["yes", "no"]}
    conversation = rig.fake.conversations[rig.fake.requests[-1]["conversationId"]]
    cid = conversation.confirmation_id
    assert cid is not None
    assert {o.order_id for o in await orders_of(inventory, sku)} == before  # proposed, not written
    assert not [p for p, _ in rig.fake.data_requests if p == "/api/nlx/orders/confirm"]

    await call.turn_audio(read_back["turn_id"])  # heard in full: a "yes" now confirms the quantity
    await call.say(said[YES])
    heard_as(await call.expect("transcript"), YES)
    done = await call.expect("reply")
    assert done["text"].startswith("Done. Order") and "thirty eight, three eight, staple guns" in done["text"]
    assert rig.fake.data_requests[-1] == (
        "/api/nlx/orders/confirm",
        {"confirmation_id": cid, "confirmed": True},
    )
    sent = [
        r["request"] for r in rig.fake.requests if r.get("conversationId") == conversation.conversation_id
    ]
    assert {"structured": {"choiceId": "yes"}} in sent  # the spoken "yes" went to NLX as its Yes choice
    new = [o for o in await orders_of(inventory, sku) if o.order_id not in before]
    assert [(o.quantity, o.idempotency_key) for o in new] == [(38, f"nlx-order-{cid}")]
    await call.expect("audio_start", lambda m: m["turn_id"] == done["turn_id"], within_s=WITHIN_S)
    assert len(await call.expect_audio()) > 0  # the confirmation is spoken
