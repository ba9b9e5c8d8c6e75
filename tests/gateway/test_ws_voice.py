"""``/ws/voice`` over a real socket: the protocol as specified, barge-in, and every bad-input case."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from fastapi import FastAPI
from prometheus_client import generate_latest

from tests.fakes.clock import eventually
from tests.fakes.conversation import FakeConversation, FakeConversationFactory
from tests.fakes.gateway import TOKEN, fake_gateway
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer, silence, speech_like
from tests.gateway.conftest import connect
from voice_gateway.audio import resample
from voice_gateway.gateway import gateway_of
from voice_gateway.transports import ws_voice

pytestmark = pytest.mark.gateway

WIDGETS, ORDER, YES = 180, 150, 220
WORDS = {WIDGETS: "how many widgets", ORDER: "order 15 widgets", YES: "yes"}
START = {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "channels": 1}


@pytest.fixture
def services(gateway_app: FastAPI) -> object:
    services = fake_gateway(recognizer=FakeRecognizer(by_f0=dict(WORDS)))
    gateway_app.state.gateway = services
    return services


def chunks(pcm: bytes, size: int) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def test_a_spoken_turn_follows_the_protocol(host: str, services: object) -> None:
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send({**START, "sample_rate": 48000, "session_id": "call-1", "site": "north"})
    ready = await c.until("ready")
    assert ready == {"type": "ready", "session_id": "call-1"}
    # 48 kHz audio in odd-sized (but whole-sample) chunks: resampled and reframed by the gateway.
    audio = resample(silence(0.3) + speech_like(0.8, WIDGETS) + silence(0.8), 16000, 48000)
    for part in chunks(audio, 2 * 1234):
        await c.send(part)
    end = await c.until("audio_end")
    await c.send({"type": "stop"})
    assert await c.closed() == (1000, "client_stop")
    json_types = [t for t in c.types() if t != "<audio>"]
    assert json_types == [
        "ready",
        "speech_started",
        "speech_stopped",
        "transcript",
        "reply",
        "audio_start",
        "audio_end",
    ]
    msgs = [m for m in c.received if isinstance(m, dict)]
    assert msgs[3] == {"type": "transcript", "text": "how many widgets", "final": True}
    reply = msgs[4]
    assert reply["text"] == "You said how many widgets." and reply["awaiting"] == {
        "expect": "free",
        "phrases": [],
    }
    assert msgs[5] == {
        "type": "audio_start",
        "turn_id": reply["turn_id"],
        "sample_rate": 16000,
        "encoding": "pcm_s16le",
    }
    assert end == {"type": "audio_end", "turn_id": reply["turn_id"]}
    audio_frames = [m for m in c.received if isinstance(m, bytes)]
    i_start, i_end = c.types().index("audio_start"), c.types().index("audio_end")
    assert all(isinstance(m, bytes) for m in c.received[i_start + 1 : i_end])
    assert sum(len(b) for b in audio_frames) / 32000 == pytest.approx(len(reply["text"]) * 0.02, abs=0.11)
    opened = services.conversations.opened[0]  # type: ignore[attr-defined]
    assert opened[:4] == ("call-1", "voice", "tester", "north")
    assert opened[4].calls[-1] == ("close",)


async def test_token_in_the_start_message_and_typed_turns(host: str, services: object) -> None:
    c = await connect(host)
    await c.send({**START, "token": TOKEN})
    await c.until("ready")
    await c.send({"type": "text", "text": "order 15 widgets"})
    reply = await c.until("reply")
    assert reply["awaiting"]["expect"] == "yes_no"
    await c.until("audio_end")
    await c.ws.close()


async def test_barge_in_clears_and_no_audio_of_the_cut_turn_follows(host: str, gateway_app: FastAPI) -> None:
    slow = FakeSynthesizer(seconds_per_char=0.06, pace_s=0.05)  # a 2.7 s read-back, streamed
    services = fake_gateway(recognizer=FakeRecognizer(by_f0=dict(WORDS)), synthesizer=slow)
    gateway_app.state.gateway = services
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send({"type": "text", "text": "order 15 widgets"})
    reply = await c.until("reply")
    await c.until("audio_start")
    await asyncio.sleep(0.5)
    await c.send(speech_like(0.5, YES) + silence(0.6))
    clear = await c.until("clear")
    assert clear == {"type": "clear", "turn_id": reply["turn_id"]}
    after = await c.until("reply")  # the "yes" came before the quantity was heard: asked again
    assert after["text"] == reply["text"]
    await c.until("audio_start")
    types = c.types()
    between = types[types.index("clear") + 1 : types.index("audio_start", types.index("clear"))]
    assert "<audio>" not in between
    await c.ws.close()
    conv = services.conversations.opened[0][4]
    assert ("playback_interrupted", reply["turn_id"], conv.calls[1][2]) in conv.calls
    assert conv.writes == []
    assert slow.cancelled


async def test_audio_before_start_junk_json_and_unknown_messages_get_errors(
    host: str, services: object
) -> None:
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(silence(0.02))
    assert await c.recv() == {
        "type": "error",
        "code": "not_started",
        "message": "send a start message before audio",
    }
    await c.send("{not json")
    assert (await c.message())["code"] == "bad_json"
    await c.send({"type": "dance"})
    assert (await c.message())["code"] == "bad_message"
    await c.send({"type": "text", "text": "hello"})
    assert (await c.message())["code"] == "not_started"
    await c.send(START)  # the call still starts
    await c.until("ready")
    await c.send(b"\x00\x01\x02")  # half a sample
    assert (await c.until("error"))["code"] == "bad_frame"
    await c.send(START)
    assert (await c.until("error"))["code"] == "already_started"
    await c.send("[1, 2]")
    assert (await c.until("error"))["code"] == "bad_message"
    await c.send({"type": "text", "text": "still here"})  # and goes on
    assert (await c.until("reply"))["text"] == "You said still here."
    await c.ws.close()


async def test_too_many_errors_before_start_close_the_socket(host: str, services: object) -> None:
    c = await connect(host)
    for _ in range(ws_voice.MAX_ERRORS_BEFORE_START):
        await c.send("junk")
    code, reason = await c.closed()
    assert (code, reason) == (1008, "bad_json")


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ({**START, "sample_rate": 11025}, "unsupported_audio"),
        ({**START, "encoding": "opus"}, "unsupported_audio"),
        ({**START, "channels": 2}, "unsupported_audio"),
    ],
)
async def test_unsupported_audio_is_refused(
    host: str, services: object, start: dict[str, object], code: str
) -> None:
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(start)
    error = await c.recv()
    assert isinstance(error, dict) and error["type"] == "error" and error["code"] == code
    assert "16000" in error["message"]
    assert await c.closed() == (1003, code)


async def test_oversized_messages_close_the_call(host: str, services: object) -> None:
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send(bytes(70_000))
    error = await c.until("error")
    assert error["code"] == "message_too_large"
    assert await c.closed() == (1009, "message_too_large")
    conv = services.conversations.opened[0][4]  # type: ignore[attr-defined]
    assert conv.calls[-1] == ("close",)


async def test_bad_or_missing_token(host: str, services: object) -> None:
    for query in ("", "?token=wrong"):
        c = await connect(host, query=query)
        await c.send(START)
        assert (await c.message())["code"] == "unauthorized"
        assert await c.closed() == (1008, "unauthorized")


async def test_sessions_per_token_are_capped(host: str, gateway_app: FastAPI) -> None:
    gateway_app.state.gateway = fake_gateway(max_sessions=1)
    first = await connect(host, query=f"?token={TOKEN}")
    await first.send(START)
    await first.until("ready")
    second = await connect(host, query=f"?token={TOKEN}")
    await second.send(START)
    assert (await second.message())["code"] == "too_many_sessions"
    assert await second.closed() == (1013, "too_many_sessions")
    await first.send({"type": "stop"})
    await first.closed()
    third = await connect(host, query=f"?token={TOKEN}")
    await third.send(START)
    assert (await third.until("ready"))["type"] == "ready"
    await third.ws.close()


async def test_start_timeout(host: str, gateway_app: FastAPI) -> None:
    gateway_app.state.gateway = fake_gateway()
    gateway_app.state.gateway.limits = replace(gateway_app.state.gateway.limits, start_timeout_s=0.2)
    c = await connect(host)
    assert (await c.message())["code"] == "start_timeout"
    assert await c.closed() == (1008, "start_timeout")


async def test_client_gone_mid_reply_cleans_up(host: str, gateway_app: FastAPI) -> None:
    slow = FakeSynthesizer(seconds_per_char=0.06, pace_s=0.05)
    factory = FakeConversationFactory()
    gateway_app.state.gateway = fake_gateway(synthesizer=slow, conversations=factory)
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send({"type": "text", "text": "order 15 widgets"})
    await c.until("audio_start")
    await c.ws.close()
    conv = factory.opened[0][4]
    gw = gateway_of(gateway_app.state)
    await eventually(lambda: gw.registry.active("tester") == 0)  # the server notices on its own schedule
    assert conv.calls[-1] == ("close",)
    assert ("playback_interrupted", "t1", conv.calls[-2][2]) == conv.calls[-2]
    assert slow.cancelled
    assert gw.metrics.registry.get_sample_value("voice_active_sessions", {"channel": "voice"}) == 0.0


async def test_a_call_is_in_the_gateway_metrics(host: str, gateway_app: FastAPI, services: object) -> None:
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send({"type": "text", "text": "hi"})
    await c.until("audio_end")
    await c.send({"type": "stop"})
    await c.closed()
    # The host app serves this registry at /metrics (tests/api/test_ops_metrics.py).
    body = generate_latest(gateway_of(gateway_app.state).metrics.registry).decode()
    for name in (
        "voice_reply_latency_seconds",
        "voice_recognition_seconds",
        "voice_synthesis_first_audio_seconds",
        "voice_barge_in_seconds",
        "voice_turns_total",
        "voice_reprompts_total",
        "voice_confirmations_total",
        "voice_active_sessions",
    ):
        assert f"# TYPE {name}" in body
    assert 'voice_turns_total{intent="echo",source="typed"}' in body


async def test_the_dialogue_ends_the_call_after_its_goodbye_is_played(
    host: str, gateway_app: FastAPI
) -> None:
    gateway_app.state.gateway = fake_gateway()
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send({"type": "text", "text": "goodbye"})
    assert (await c.until("reply"))["text"] == "Goodbye."
    assert await c.closed() == (1000, "dialogue_end")
    assert c.types()[-1] == "audio_end"
    gw = gateway_of(gateway_app.state)
    await eventually(lambda: gw.registry.active("tester") == 0)


async def test_a_failing_dialogue_factory_is_an_internal_error(host: str, gateway_app: FastAPI) -> None:
    class Broken(FakeConversationFactory):
        def open(
            self, session_id: str, channel: str, actor: str, site: str | None = None
        ) -> FakeConversation:
            raise RuntimeError("no dialogue today")

    gateway_app.state.gateway = fake_gateway(conversations=Broken())
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    assert (await c.message())["code"] == "internal"
    assert await c.closed() == (1011, "internal")
    assert gateway_of(gateway_app.state).registry.active("tester") == 0


async def test_a_per_call_synthesizer_is_made_and_closed_with_the_call(
    host: str, gateway_app: FastAPI
) -> None:
    made: list[PerCall] = []

    class PerCall(FakeSynthesizer):
        closed = False

        def for_call(self) -> PerCall:
            made.append(PerCall(seconds_per_char=0.02))
            return made[-1]

        async def aclose(self) -> None:
            self.closed = True

    shared = PerCall()
    gateway_app.state.gateway = fake_gateway(synthesizer=shared)
    c = await connect(host, query=f"?token={TOKEN}")
    await c.send(START)
    await c.until("ready")
    await c.send({"type": "text", "text": "hello"})
    await c.until("audio_end")
    await c.send({"type": "stop"})
    await c.closed()
    await eventually(lambda: bool(made) and made[0].closed)
    assert made[0].texts == ["You said hello."] and shared.texts == [] and not shared.closed


async def test_without_a_gateway_calls_are_internal_errors(host: str, gateway_app: FastAPI) -> None:
    gateway_app.state.gateway = None
    try:
        c = await connect(host, query=f"?token={TOKEN}")
        assert (await c.message())["code"] == "internal"
        assert await c.closed() == (1011, "internal")
    finally:
        gateway_app.state.gateway = fake_gateway()
