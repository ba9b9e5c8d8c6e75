"""``/ws/twilio`` against a test client speaking Twilio Media Streams' exact messages, which also plays the
reply audio it receives at real time and echoes marks when played (or at once on ``clear``), as Twilio does."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
from typing import Any

import pytest
import websockets
from fastapi import FastAPI

from tests.fakes.clock import eventually
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer, silence, speech_like
from voice_gateway.audio import mulaw_encode, resample

pytestmark = pytest.mark.gateway

WIDGETS, ORDER, YES = 180, 150, 220
WORDS = {WIDGETS: "how many widgets", ORDER: "order 15 widgets", YES: "yes"}
STREAM = "MZ00000000000000000000000000000001"


def mulaw_frames(pcm16k: bytes) -> list[str]:
    """Caller audio as Twilio sends it: 20 ms of 8 kHz μ-law per message, base64."""
    ulaw = mulaw_encode(resample(pcm16k, 16000, 8000))
    return [base64.b64encode(ulaw[i : i + 160]).decode() for i in range(0, len(ulaw), 160)]


class FakeTwilio:
    """The Twilio side of a bidirectional stream."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.seq = 0
        self.chunk = 0
        self.out: list[dict[str, Any]] = []  # everything the gateway sent
        self.played_s = 0.0
        self.buffered: list[tuple[str, float]] = []  # ("media"|mark name, duration)
        self.marks_echoed: list[str] = []
        self._reader = asyncio.create_task(self._read())
        self._player = asyncio.create_task(self._play())

    async def _send(self, event: str, **body: Any) -> None:
        self.seq += 1
        await self.ws.send(json.dumps({"event": event, "sequenceNumber": str(self.seq), **body}))

    async def connected(self) -> None:
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))

    async def start(self, params: dict[str, str] | None = None, encoding: str = "audio/x-mulaw") -> None:
        start = {
            "accountSid": "AC0001",
            "streamSid": STREAM,
            "callSid": "CA0001",
            "tracks": ["inbound"],
            "customParameters": params if params is not None else {"token": TOKEN},
            "mediaFormat": {"encoding": encoding, "sampleRate": 8000, "channels": 1},
        }
        await self._send("start", start=start, streamSid=STREAM)

    async def speak(self, pcm16k: bytes, realtime: bool = False) -> None:
        for payload in mulaw_frames(pcm16k):
            self.chunk += 1
            media = {
                "track": "inbound",
                "chunk": str(self.chunk),
                "timestamp": str(self.chunk * 20),
                "payload": payload,
            }
            await self._send("media", media=media, streamSid=STREAM)
            if realtime:
                await asyncio.sleep(0.02)

    async def dtmf(self, digit: str) -> None:
        await self._send("dtmf", streamSid=STREAM, dtmf={"track": "inbound_track", "digit": digit})

    async def stop(self) -> None:
        await self._send("stop", streamSid=STREAM, stop={"accountSid": "AC0001", "callSid": "CA0001"})

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            self.out.append(msg)
            if msg["event"] == "media":
                self.buffered.append(("media", len(base64.b64decode(msg["media"]["payload"])) / 8000))
            elif msg["event"] == "mark":
                self.buffered.append((msg["mark"]["name"], 0.0))
            elif msg["event"] == "clear":
                # "empties all buffered audio and causes any mark messages to be sent back"
                pending, self.buffered = self.buffered, []
                for name, _ in pending:
                    if name != "media":
                        await self._echo(name)

    async def _echo(self, name: str) -> None:
        self.marks_echoed.append(name)
        await self._send("mark", streamSid=STREAM, mark={"name": name})

    async def _play(self) -> None:
        while True:
            if not self.buffered:
                await asyncio.sleep(0.005)
                continue
            name, duration = self.buffered.pop(0)
            if name == "media":
                await asyncio.sleep(duration)
                self.played_s += duration
            else:
                await self._echo(name)

    def events(self) -> list[str]:
        return [m["event"] for m in self.out]

    async def wait_for(self, event: str, count: int = 1, within_s: float = 10.0) -> None:
        await eventually(lambda: self.events().count(event) >= count, within_s)

    async def close(self) -> None:
        self._player.cancel()
        await self.ws.close()
        await asyncio.gather(self._reader, self._player, return_exceptions=True)


async def twilio(host: str) -> FakeTwilio:
    return FakeTwilio(await websockets.connect(f"ws://{host}/ws/twilio", max_queue=None))


@pytest.fixture
def services(gateway_app: FastAPI) -> Any:
    s = fake_gateway(
        recognizer=FakeRecognizer(by_f0=dict(WORDS)),
        synthesizer=FakeSynthesizer(seconds_per_char=0.06, pace_s=0.05),
    )
    gateway_app.state.gateway = s
    return s


async def test_a_phone_turn_with_marks(host: str, services: Any) -> None:
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.speak(silence(0.2) + speech_like(0.6, WIDGETS) + silence(0.6))
    await t.wait_for("media")
    await t.wait_for("mark", 3)
    opened = services.conversations.opened[0]
    assert opened[:3] == ("CA0001", "phone", "tester")
    conv = opened[4]
    assert conv.calls[0] == ("user_text", "how many widgets", "speech")
    media = [m for m in t.out if m["event"] == "media"]
    assert all(m["streamSid"] == STREAM and set(m) == {"event", "streamSid", "media"} for m in media)
    # Whole 20 ms frames of 8 kHz μ-law (frames leaving together are sent as one message).
    assert all(len(base64.b64decode(m["media"]["payload"])) % 160 == 0 for m in media)
    marks = [m for m in t.out if m["event"] == "mark"]
    assert marks[0]["streamSid"] == STREAM and set(marks[0]) == {"event", "streamSid", "mark"}
    ends = [float(m["mark"]["name"].split("|")[1]) for m in marks]
    assert all(b > a for a, b in itertools.pairwise(ends))
    assert 0.1 <= ends[0] <= 0.3  # about every 100 ms of audio
    await t.stop()
    await t.close()


async def test_barge_in_on_the_phone_sends_clear_and_ignores_marks_it_dropped(
    host: str, services: Any
) -> None:
    # The caller's "yes" is a marker tone, no words to the interruption judge: any speech cuts ("sound" mode).
    phone = services.session_options["phone"]
    sound = phone.with_(barge_in=dataclasses.replace(phone.barge_in, mode="sound"))
    services.session_options = {**services.session_options, "phone": sound}
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.speak(speech_like(0.5, ORDER) + silence(0.6))
    await t.wait_for("media")
    await asyncio.sleep(0.8)  # the caller hears "Order 15 wid..." and cuts in
    await t.speak(speech_like(0.4, YES) + silence(0.6), realtime=True)
    await t.wait_for("clear")
    conv = services.conversations.opened[0][4]
    await eventually(lambda: any(c[0] == "playback_interrupted" for c in conv.calls))
    heard = next(c[2] for c in conv.calls if c[0] == "playback_interrupted")
    # Only what Twilio confirmed counts: less than 0.8 s + 0.2 s of a 1.6 s sentence of 27 characters.
    assert 0 < heard <= int(27 * 1.0 / 1.6)
    assert t.out[t.events().index("clear")] == {"event": "clear", "streamSid": STREAM}
    assert conv.writes == []
    await t.close()


async def test_dtmf_quantity_on_the_keypad(host: str, services: Any) -> None:
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.speak(silence(0.2))
    for key in "150#":
        await t.dtmf(key)
    await t.wait_for("media")
    conv = services.conversations.opened[0][4]
    assert conv.calls[0] == ("user_text", "150", "dtmf")
    await t.close()


async def test_protocol_errors_are_survived_or_end_the_call(host: str, services: Any) -> None:
    t = await twilio(host)
    await t.ws.send("not json at all")
    await t.speak(silence(0.1))  # media before start: ignored
    await t.ws.send(json.dumps({"event": "media", "media": {}}))  # missing payload
    await t.connected()
    await t.start()
    await t.ws.send(json.dumps({"event": "media", "media": {"payload": "***"}}))  # not base64
    await t.speak(speech_like(0.5, WIDGETS) + silence(0.6))
    await t.wait_for("media")
    assert services.conversations.opened[0][4].calls[0][1] == "how many widgets"
    await t.close()

    for params, encoding, code, reason in (
        ({}, "audio/x-mulaw", 1008, "unauthorized"),
        ({"token": "nope"}, "audio/x-mulaw", 1008, "unauthorized"),
        ({"token": TOKEN}, "audio/l16", 1003, "unsupported_audio"),
    ):
        t = await twilio(host)
        await t.connected()
        await t.start(params, encoding)
        await asyncio.gather(t._reader, return_exceptions=True)
        assert t.ws.close_code == code and t.ws.close_reason == reason
        await t.close()


async def test_stop_ends_the_session(host: str, services: Any) -> None:
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.speak(silence(0.1))
    await t.stop()
    await asyncio.gather(t._reader, return_exceptions=True)
    conv = services.conversations.opened[0][4]
    assert conv.calls[-1] == ("close",)
    await t.close()


async def test_an_oversized_message_closes_the_stream(host: str, services: Any) -> None:
    t = await twilio(host)
    await t.connected()
    await t.start()
    await t.ws.send(json.dumps({"event": "media", "media": {"payload": "A" * 70_000}}))
    await asyncio.gather(t._reader, return_exceptions=True)
    assert (t.ws.close_code, t.ws.close_reason) == (1009, "message_too_large")
    await eventually(lambda: services.conversations.opened[0][4].calls[-1:] == [("close",)])
    await t.close()


async def test_without_a_gateway_the_stream_is_closed(host: str, gateway_app: FastAPI) -> None:
    gateway_app.state.gateway = None
    try:
        t = await twilio(host)
        await asyncio.gather(t._reader, return_exceptions=True)
        assert (t.ws.close_code, t.ws.close_reason) == (1011, "internal")
        await t.close()
    finally:
        gateway_app.state.gateway = fake_gateway()
