"""A whole-product voice call on the default local engine (Whisper fitted to the catalogue), as
``test_voice_call`` does with pocketsphinx: a spoken order is read back, and a spoken "yes" writes it once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.call_client import Opener, heard_as
from tests.e2e.conftest import ORDER, YES, orders_of, product, product_settings
from tests.live_server import live_server

pytestmark = pytest.mark.gateway


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = product_settings(
        mongo_uri, tmp_path_factory.mktemp("whisper-var")
    )  # the local engine's default
    assert settings.local_asr_engine == "whisper"
    with live_server(settings) as base:
        yield base


async def test_a_spoken_order_is_read_back_and_written_once_after_yes(
    open_call: Opener,
    said: dict[str, bytes],
    api: httpx.AsyncClient,
) -> None:
    sku = (await product(api, "staple guns"))["sku"]
    before = await orders_of(api, sku)
    call = await open_call()
    await call.after_greeting()
    await call.say(said[ORDER])
    heard_as(await call.expect("transcript"), ORDER)
    read_back = await call.expect("reply")
    assert read_back["awaiting"]["expect"] == "yes_no", read_back["text"]
    assert "thirty eight" in read_back["text"] and "staple guns" in read_back["text"]
    assert await orders_of(api, sku) == before
    await call.turn_audio(read_back["turn_id"])

    await call.say(said[YES])
    heard_as(await call.expect("transcript"), YES)
    done = await call.expect("reply")
    assert done["text"].startswith("Done."), done["text"]
    known = {o["order_id"] for o in before}
    new = [o for o in await orders_of(api, sku) if o["order_id"] not in known]
    assert [(o["quantity"], o["channel"]) for o in new] == [(38, "voice")]
