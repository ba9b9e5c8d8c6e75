"""Whole-product voice calls: the app as it runs (``app.services.open_services``: MongoDB with the demo warehouse, the
built-in dialogue, pocketsphinx with the catalogue grammar, espeak-ng) driven over ``/ws/voice`` with rendered
fixture utterances, and the store checked through the REST API.

One live server for the module. Caller audio goes out as 20 ms PCM frames at four times real time: the gateway
counts turn-taking in audio, not wall time. Replies are paced at real time by the server, so each wait for a
reply's ``audio_end`` costs that reply's spoken length."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialogue.understanding.numbers import quantity_words
from tests.e2e.call_client import RATE, Opener, heard_as, rms
from tests.e2e.conftest import (
    CANCEL,
    NO,
    OTHER_ORDER,
    OTHER_QUESTION,
    STOCK_QUESTION,
    YES,
    orders_of,
    product,
    product_settings,
    spoken_yes_writes_it_once,
    staple_gun_read_back,
)
from tests.live_server import live_server

pytestmark = pytest.mark.gateway


# --- the product and its inputs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = product_settings(
        mongo_uri,
        tmp_path_factory.mktemp("e2e-var"),
        speech_warm_up=False,
        # pocketsphinx: these calls play espeak-ng fixtures of the demo catalogue, which it hears reliably; the
        # Whisper engine (the default) has its own call test in tests/e2e/test_whisper_call.py.
        local_asr_engine="grammar",
    )
    with live_server(settings) as base:
        yield base


# --- the calls ----------------------------------------------------------------------------------------------


async def test_greeting_is_spoken_before_the_caller_says_anything(open_call: Opener) -> None:
    call = await open_call()
    greeting = await call.expect("reply")
    assert greeting["text"].strip() and greeting["text"].endswith("What do you need?")
    audio = await call.turn_audio(greeting["turn_id"])
    starts = [m for m in call.received if isinstance(m, dict) and m["type"] == "audio_start"]
    assert starts == [
        {"type": "audio_start", "turn_id": greeting["turn_id"], "sample_rate": RATE, "encoding": "pcm_s16le"}
    ]
    assert len(audio) % 2 == 0 and len(audio) >= 2 * RATE  # over a second of speech
    assert rms(audio) > 300  # espeak-ng speech, not silence
    assert not {"speech_started", "transcript"} & set(call.client.types())


async def test_spoken_stock_question_is_answered_with_the_stored_quantity(
    open_call: Opener, said: dict[str, bytes], api: httpx.AsyncClient
) -> None:
    item = await product(api, "zip knives")
    call = await open_call()
    await call.after_greeting()
    await call.say(said[STOCK_QUESTION])
    await call.expect("speech_started")
    await call.expect("speech_stopped")
    heard_as(await call.expect("transcript"), STOCK_QUESTION)
    reply = await call.expect("reply")
    assert reply["intent"] == "check_stock"
    assert f"We have {quantity_words(item['current_quantity'])} zip knives" in reply["text"]
    assert [(c["sku"], c["on_hand"]) for c in reply["cards"]] == [(item["sku"], item["current_quantity"])]
    await call.expect("audio_start", lambda m: m["turn_id"] == reply["turn_id"])
    audio = b""
    while len(audio) < RATE:  # half a second of the answer is enough to know it is spoken
        audio += await call.expect_audio()
    assert rms(audio) > 300


async def test_spoken_order_is_read_back_and_written_once_after_a_spoken_yes(
    open_call: Opener, said: dict[str, bytes], api: httpx.AsyncClient
) -> None:
    sku, before, call = await staple_gun_read_back(open_call, said, api)
    await spoken_yes_writes_it_once(call, said, api, sku, before)


async def test_spoken_no_then_cancel_leaves_the_store_unchanged(
    open_call: Opener, said: dict[str, bytes], api: httpx.AsyncClient
) -> None:
    sku, before, call = await staple_gun_read_back(open_call, said, api)

    await call.say(said[NO])
    heard_as(await call.expect("transcript"), NO)
    change = await call.expect("reply")
    assert change["intent"] == "no" and change["awaiting"]["expect"] == "quantity"
    # "cancel" is a command word: it may cut the question short, and must be understood either way.
    await call.expect("audio_start", lambda m: m["turn_id"] == change["turn_id"])
    await call.say(said[CANCEL])
    heard_as(await call.expect("transcript"), CANCEL)
    cancelled = await call.expect("reply")
    assert cancelled["intent"] == "cancel" and "Nothing was recorded" in cancelled["text"]
    assert await orders_of(api, sku) == before


async def test_speech_over_the_greeting_cuts_it_and_is_answered(
    open_call: Opener, said: dict[str, bytes]
) -> None:
    call = await open_call()
    greeting = await call.expect("reply")
    await call.expect("audio_start", lambda m: m["turn_id"] == greeting["turn_id"])
    await call.expect_audio()  # the greeting is playing
    await call.say(said[OTHER_QUESTION])
    clear = await call.expect("clear")
    cleared_at = call.cursor
    assert clear["turn_id"] == greeting["turn_id"]
    heard_as(await call.expect("transcript"), OTHER_QUESTION)
    reply = await call.expect("reply")
    assert "tape dispensers" in reply["text"] and reply["turn_id"] != greeting["turn_id"]
    await call.expect("audio_start", lambda m: m["turn_id"] == reply["turn_id"])
    between = call.received[cleared_at : call.cursor - 1]
    assert not [i for i in between if isinstance(i, bytes)], "greeting audio after its clear"
    assert {"type": "audio_end", "turn_id": greeting["turn_id"]} not in call.received
    assert len(await call.expect_audio()) > 0  # the answer is spoken


async def test_yes_over_an_interrupted_read_back_does_not_write(
    open_call: Opener, said: dict[str, bytes], api: httpx.AsyncClient
) -> None:
    sku = (await product(api, "antifreeze"))["sku"]
    before = await orders_of(api, sku)
    call = await open_call()
    greeting = await call.expect("reply")
    await call.expect("audio_start", lambda m: m["turn_id"] == greeting["turn_id"])
    await call.say(said[OTHER_ORDER])  # over the greeting, as impatient callers do (saves its 3.5 s)
    read_back = await call.expect("reply")
    assert read_back["awaiting"]["expect"] == "yes_no" and "antifreeze" in read_back["text"]
    await call.expect("audio_start", lambda m: m["turn_id"] == read_back["turn_id"])
    await call.expect_audio()  # the read-back has begun, its quantity not yet said

    await call.say(said[YES])
    assert (await call.expect("clear"))["turn_id"] == read_back["turn_id"]
    heard_as(await call.expect("transcript"), YES)
    again = await call.expect("reply")
    assert again["text"] == read_back["text"] and again["awaiting"]["expect"] == "yes_no"
    assert await orders_of(api, sku) == before  # a yes to a read-back nobody heard is no yes
    await call.turn_audio(again["turn_id"])  # now heard in full

    await call.say(said[YES])
    done = await call.expect("reply")
    assert done["text"].startswith("Done. Ordered thirty seven antifreeze"), done["text"]
    known = {o["order_id"] for o in before}
    new = [o for o in await orders_of(api, sku) if o["order_id"] not in known]
    assert [o["quantity"] for o in new] == [37]


async def test_malformed_input_gets_errors_and_the_call_goes_on(
    open_call: Opener, said: dict[str, bytes]
) -> None:
    call = await open_call()
    await call.client.send("{not json")
    await call.client.send(b"\x00\x01\x02")  # not whole 16-bit samples
    await call.client.send({"type": "dance"})
    await call.client.send({"type": "start", "sample_rate": RATE})
    codes = [(await call.expect("error"))["code"] for _ in range(4)]
    assert codes == ["bad_json", "bad_frame", "bad_message", "already_started"]
    call.cursor = 0  # the greeting may have started between the errors
    await call.after_greeting()
    await call.say(said[OTHER_QUESTION])
    heard_as(await call.expect("transcript"), OTHER_QUESTION)
    reply = await call.expect("reply")
    assert reply["intent"] == "check_stock" and "tape dispensers" in reply["text"]
    assert len(await call.expect_audio()) > 0
