"""The emulator itself: synchronous use from a thread, request validation, unknown routes."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.minimax_emulator import MiniMaxEmulator

pytestmark = pytest.mark.minimax


def test_in_thread_serves_synchronous_callers() -> None:
    with MiniMaxEmulator(api_key="sync-key").in_thread() as emu:
        auth = {"Authorization": "Bearer sync-key"}
        reply = httpx.post(f"{emu.base_url}/v1/get_voice", json={"voice_type": "system"}, headers=auth)
        assert reply.json()["base_resp"]["status_code"] == 0
        body = {"model": "speech-2.8-turbo", "text": "hi", "voice_setting": {"voice_id": "Wise_Woman"}}
        body["audio_setting"] = {"format": "pcm", "sample_rate": 16000}
        audio = httpx.post(f"{emu.base_url}/v1/t2a_v2", json=body, headers=auth).json()["data"]["audio"]
        assert bytes.fromhex(audio) == emu.render("hi", "pcm", 16000)
        assert httpx.post(f"{emu.base_url}/v1/nothing", headers=auth).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"model": "speech-9"},
        {"audio_setting": {"format": "pcm", "sample_rate": 12345}},
        {"audio_setting": {"format": "aiff"}},
        {"voice_setting": {}},
        {"text": ""},
    ],
)
async def test_invalid_t2a_parameters_get_2013_with_http_200(emu: MiniMaxEmulator, change: dict) -> None:
    body = {"model": "speech-2.8-turbo", "text": "hi", "voice_setting": {"voice_id": "Wise_Woman"}, **change}
    async with httpx.AsyncClient() as http:
        reply = await http.post(
            f"{emu.base_url}/v1/t2a_v2", json=body, headers={"Authorization": f"Bearer {emu.api_key}"}
        )
    assert reply.status_code == 200
    assert reply.json()["base_resp"]["status_code"] == 2013
