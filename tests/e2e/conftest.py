"""What the whole-product call tests share: the fixture utterances, a REST client and call openers on the module's
live server (each module defines ``base_url``), and store reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.settings import Settings
from fixtures.audio.generate import ensure_generated
from tests.conftest import API_TOKEN
from tests.e2e.call_client import RATE, WITHIN_S, Call, Opener, heard_as
from voice_gateway.audio import read_wav, resample

STOCK_QUESTION = "how many zip knives are left"
OTHER_QUESTION = "how many tape dispensers do we have"
ORDER = "place an order for thirty eight staple guns"
OTHER_ORDER = "buy thirty seven of antifreeze"
YES, NO, CANCEL = "yes", "negative", "cancel"
SPOKEN = (STOCK_QUESTION, OTHER_QUESTION, ORDER, OTHER_ORDER, YES, NO, CANCEL)


def product_settings(mongo_uri: str, var_dir: Path, **changes: object) -> Settings:
    """The product's settings for a live server of these tests: its own database and var dir, no warm-ups, and
    pinned so that a MiniMax, NLX or LLM key in the environment cannot send a test to the internet."""
    values: dict[str, object] = {
        "mongodb_uri": mongo_uri,
        "mongodb_db": f"ip_e2e_{uuid.uuid4().hex[:8]}",
        "api_tokens": [SecretStr(API_TOKEN)],
        "var_dir": var_dir,
        "log_json": False,
        "forecast_warm_up": False,
        "speech_engine": "local",
        "dialogue_engine": "builtin",
        "llm_api_key": None,
    }
    return Settings(_env_file=None, **(values | changes))  # type: ignore[call-arg, arg-type]


@pytest.fixture(scope="module")
def said() -> dict[str, bytes]:
    """16 kHz PCM of each fixture utterance used here (clean condition), by its text."""
    entries = {e.text: e for e in ensure_generated()}
    out: dict[str, bytes] = {}
    for text in SPOKEN:
        wav = read_wav(entries[text].path("clean"))
        out[text] = resample(wav.pcm, wav.sample_rate, RATE) if wav.sample_rate != RATE else wav.pcm
    return out


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=WITHIN_S) as client:
        yield client


async def product(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await api.get(f"/api/inventory/{name}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["name"] == name
    return body


async def orders_of(api: httpx.AsyncClient, sku: str) -> list[dict[str, Any]]:
    response = await api.get("/api/orders", params={"sku": sku, "limit": 500})
    assert response.status_code == 200, response.text
    orders: list[dict[str, Any]] = response.json()
    return orders


# --- a caller -----------------------------------------------------------------------------------------------


@pytest.fixture
async def open_call(base_url: str) -> AsyncIterator[Opener]:
    calls: list[Call] = []

    async def opener() -> Call:
        call = await Call.open(base_url)
        calls.append(call)
        return call

    yield opener
    for call in calls:
        await call.close()


async def staple_gun_read_back(
    open_call: Opener, said: dict[str, bytes], api: httpx.AsyncClient
) -> tuple[str, list[dict[str, Any]], Call]:
    """A call that spoke the staple-gun order and heard its read-back in full: (sku, orders before, call)."""
    sku = (await product(api, "staple guns"))["sku"]
    before = await orders_of(api, sku)
    call = await open_call()
    await call.after_greeting()
    await call.say(said[ORDER])
    heard_as(await call.expect("transcript"), ORDER)
    read_back = await call.expect("reply")
    assert read_back["awaiting"]["expect"] == "yes_no"
    assert read_back["text"].startswith("ORDER: buying thirty eight") and "staple guns" in read_back["text"]
    assert await orders_of(api, sku) == before  # read back, not written
    await call.turn_audio(read_back["turn_id"])  # heard in full
    return sku, before, call


async def spoken_yes_writes_it_once(
    call: Call, said: dict[str, bytes], api: httpx.AsyncClient, sku: str, before: list[dict[str, Any]]
) -> None:
    """After ``staple_gun_read_back``: a spoken "yes" writes the order of thirty eight, once."""
    await call.say(said[YES])
    heard_as(await call.expect("transcript"), YES)
    done = await call.expect("reply")
    assert done["text"].startswith("Done. Ordered thirty eight staple guns"), done["text"]
    known = {o["order_id"] for o in before}
    new = [o for o in await orders_of(api, sku) if o["order_id"] not in known]
    assert len(new) == 1, new
    assert (new[0]["quantity"], new[0]["channel"]) == (38, "voice")
