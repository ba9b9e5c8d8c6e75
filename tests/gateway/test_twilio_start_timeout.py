"""``/ws/twilio`` closes a stream that never sends ``start`` (a held socket costs a place and a task)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import pytest
import websockets
from fastapi import FastAPI

from tests.fakes.gateway import TOKEN, fake_gateway
from voice_gateway.gateway import GatewayLimits

pytestmark = pytest.mark.gateway


async def test_a_stream_without_start_is_closed_with_a_reason(host: str, gateway_app: FastAPI) -> None:
    gw = dataclasses.replace(fake_gateway(), limits=GatewayLimits(start_timeout_s=0.3))
    gateway_app.state.gateway = gw
    began = time.monotonic()
    async with websockets.connect(f"ws://{host}/ws/twilio") as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1008 and ws.close_reason == "start_timeout"
    assert time.monotonic() - began < 2.0
    assert gw.metrics.errors.labels("start_timeout")._value.get() == 1


async def test_a_started_stream_is_not_timed_out(host: str, gateway_app: FastAPI) -> None:
    gateway_app.state.gateway = dataclasses.replace(fake_gateway(), limits=GatewayLimits(start_timeout_s=0.3))
    async with websockets.connect(f"ws://{host}/ws/twilio") as ws:
        start = {
            "streamSid": "MZ1",
            "callSid": "CA1",
            "customParameters": {"token": TOKEN},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await ws.send(json.dumps({"event": "start", "start": start, "streamSid": "MZ1"}))
        await asyncio.sleep(0.6)  # past the start timeout: the call goes on
        await ws.send(json.dumps({"event": "stop"}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 1000 and ws.close_reason == "call_ended"
