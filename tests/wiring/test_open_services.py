"""``app.services.open_services`` builds the product as it runs: the local speech engines with a grammar that follows
the catalogue, the forecasting engine behind the dialogue, and MCP over HTTP at ``/mcp``."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from pydantic import SecretStr

from app.services import open_services
from app.settings import Settings
from dialogue.forecasts import EngineForecasts
from inventory_core.models import Location, Product, StockLevel
from tests.conftest import API_TOKEN, write_ctx
from tests.fakes.clock import eventually
from tests.live_server import live_server
from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer

pytestmark = pytest.mark.mongo


def settings_for(mongo_uri: str, var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "mongodb_uri": mongo_uri,
        "mongodb_db": f"ip_wiring_{uuid.uuid4().hex[:8]}",
        "api_tokens": [SecretStr(API_TOKEN)],
        "var_dir": var_dir,
        "log_json": False,
        "forecast_warm_up": False,
        "speech_warm_up": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_local_defaults_and_a_grammar_that_follows_the_catalogue(
    mongo_uri: str, tmp_path: Path
) -> None:
    settings = settings_for(mongo_uri, tmp_path, vocabulary_refresh_s=0.05)
    async with open_services(settings, load_demo_progress=False) as services:
        assert isinstance(services.recognizer, LocalRecognizer)
        assert isinstance(services.synthesizer, EspeakSynthesizer)
        assert services.fallback_recognizer is None and services.fallback_synthesizer is None
        assert services.forecaster is not None and services.monitor is not None
        assert isinstance(services.dialogue.tools.forecasts, EngineForecasts)
        asr = services.recognizer
        before = asr.grammars.version
        assert "gizmo" not in asr.grammars.words
        product = Product(
            sku="TST-7001",
            name="blue gizmo brackets",
            category="test",
            locations=[Location(site="main", bin="Z-01-1", check_digits="17")],
        )
        await services.inventory.create_product(
            product, [StockLevel(sku="TST-7001", site="main", on_hand=5)], write_ctx()
        )
        await eventually(lambda: asr.grammars.version != before, within_s=10.0)
        assert {"blue", "gizmo", "brackets"} <= asr.grammars.words
        tasks = list(services.background)
        assert tasks and all(not t.done() for t in tasks)
    assert all(t.done() for t in tasks)  # the refresher was cancelled with the services


async def test_forecast_answers_come_from_the_engine(mongo_uri: str, tmp_path: Path) -> None:
    settings = settings_for(mongo_uri, tmp_path, forecast_answer_timeout_s=120.0)
    async with open_services(settings, load_demo_progress=False) as services:
        sku = (await services.inventory.catalogue()).products[0].sku
        summary = await services.dialogue.tools.forecasts.forecast(sku, 28)
    assert summary.method != "movement_rate" and summary.predicted >= 0
    assert summary.low <= summary.predicted <= summary.high


async def test_a_cold_engine_past_its_deadline_answers_from_the_movement_rate(
    mongo_uri: str, tmp_path: Path
) -> None:
    settings = settings_for(mongo_uri, tmp_path, forecast_answer_timeout_s=0.001)
    async with open_services(settings, load_demo_progress=False) as services:
        sku = (await services.inventory.catalogue()).products[0].sku
        summary = await services.dialogue.tools.forecasts.forecast(sku, 28)
    assert summary.method == "movement_rate"


def test_mcp_over_http_on_the_running_service(mongo_uri: str, tmp_path: Path) -> None:
    settings = settings_for(mongo_uri, tmp_path, forecasting=False)

    async def session(base: str) -> set[str]:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with (
            streamablehttp_client(f"{base}/mcp/", headers=headers) as (read, write, _),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            return {t.name for t in (await client.list_tools()).tools}

    with live_server(settings) as base:
        assert (
            httpx.post(f"{base}/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).status_code
            == 401
        )
        names = asyncio.run(session(base))
    assert {"get_inventory", "place_order"} <= names


async def test_minimax_primary_with_local_fallbacks(mongo_uri: str, tmp_path: Path) -> None:
    from dialogue.contract import RecognitionHints
    from tests.fakes.minimax_emulator import MiniMaxEmulator
    from voice_gateway.speech.minimax_adapter import MiniMaxRecognizer, MiniMaxSynthesizer
    from voice_gateway.speech.ports import SynthesisFormat, Utterance

    async with MiniMaxEmulator() as emu:
        settings = settings_for(
            mongo_uri, tmp_path, forecasting=False, minimax_api_key=emu.api_key, minimax_base_url=emu.base_url
        )
        async with open_services(settings, load_demo_progress=False) as services:
            assert isinstance(services.recognizer, MiniMaxRecognizer)
            assert isinstance(services.synthesizer, MiniMaxSynthesizer)
            assert isinstance(services.fallback_recognizer, LocalRecognizer)
            assert isinstance(services.fallback_synthesizer, EspeakSynthesizer)
            call = services.synthesizer.for_call()
            try:
                audio = b"".join(
                    [c async for c in call.stream("Twelve boxes.", SynthesisFormat("pcm", 16000))]
                )
            finally:
                await call.aclose()
            emu.state.asr_text = "how many zip knives are left"
            heard = await services.recognizer.transcribe(Utterance(audio, 16000), RecognitionHints())
    assert len(audio) > 3200 and emu.state.ws_sessions  # bidirectional TTS over the emulator's WebSocket
    assert heard.text == "how many zip knives are left" and heard.engine == "minimax"


async def test_an_unavailable_warehouse_turns_forecasting_off_not_the_service(
    mongo_uri: str, tmp_path: Path
) -> None:
    # Another process holds the embedded warehouse's file lock (a second server on the same var dir).
    db_file = tmp_path / "warehouse" / "INVENTORYPULSE.db"
    db_file.parent.mkdir(parents=True)
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"import duckdb, sys, time; c = duckdb.connect({str(db_file)!r}); print('locked', flush=True); time.sleep(120)",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"locked"
        async with open_services(settings_for(mongo_uri, tmp_path), load_demo_progress=False) as services:
            assert services.forecaster is None and services.dialogue is not None
            sku = (await services.inventory.catalogue()).products[0].sku
            summary = await services.dialogue.tools.forecasts.forecast(sku, 28)
            assert summary.method == "movement_rate"
    finally:
        holder.kill()
        await holder.wait()
