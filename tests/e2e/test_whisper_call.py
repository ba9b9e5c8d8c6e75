"""A whole-product voice call on the default local engine (Whisper fitted to the catalogue), as
``test_voice_call`` does with pocketsphinx: a spoken order is read back, and a spoken "yes" writes it once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.call_client import Opener
from tests.e2e.conftest import product_settings, spoken_yes_writes_it_once, staple_gun_read_back
from tests.live_server import live_server

pytestmark = pytest.mark.gateway


@pytest.fixture(scope="module")
def base_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The local engine on its default: Whisper.
    settings = product_settings(mongo_uri, tmp_path_factory.mktemp("whisper-var"))
    assert settings.local_asr_engine == "whisper"
    with live_server(settings) as base:
        yield base


async def test_a_spoken_order_is_read_back_and_written_once_after_yes(
    open_call: Opener,
    said: dict[str, bytes],
    api: httpx.AsyncClient,
) -> None:
    sku, before, call = await staple_gun_read_back(open_call, said, api)
    await spoken_yes_writes_it_once(call, said, api, sku, before)
