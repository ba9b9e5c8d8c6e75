"""The speech-port adapters over the emulator: formats, connection reuse, barge-in, SSE fallback, errors."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator

import pytest

from dialogue.contract import RecognitionHints
from minimax_client import MiniMaxClient
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.minimax.conftest import make_config
from voice_gateway.audio import wav_bytes
from voice_gateway.speech.minimax_adapter import MiniMaxRecognizer, MiniMaxSynthesizer
from voice_gateway.speech.ports import (
    SpeechError,
    SpeechRecognizer,
    SpeechSynthesizer,
    SynthesisFormat,
    Utterance,
)

pytestmark = pytest.mark.minimax

REPLY = "Twelve boxes of widget A. Shall I order fifty more?"
SENTENCES = ["Twelve boxes of widget A.", "Shall I order fifty more?"]
LONG = "Reading back the order. " * 8


@pytest.fixture
async def synth(client: MiniMaxClient) -> AsyncIterator[MiniMaxSynthesizer]:
    synthesizer = MiniMaxSynthesizer(client)
    yield synthesizer
    await synthesizer.aclose()


async def speak(synth: SpeechSynthesizer, text: str = REPLY, fmt: SynthesisFormat | None = None) -> bytes:
    return b"".join([c async for c in synth.stream(text, fmt or SynthesisFormat("pcm", 16000))])


def expected(emu: MiniMaxEmulator, fmt: str = "pcm", rate: int = 16000) -> bytes:
    return b"".join(emu.render(s, fmt, rate) for s in SENTENCES)


def bidi_sessions(emu: MiniMaxEmulator) -> list:
    return [s for s in emu.ws_sessions if s.path.endswith("_bidi")]


async def test_recognizer_uploads_the_utterance_as_wav(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    pcm = (b"\x10\x00\xf0\xff" * 4000)[:16000]
    emu.expect_transcript(pcm, "order fifty")
    recognizer: SpeechRecognizer = MiniMaxRecognizer(client)
    transcript = await recognizer.transcribe(Utterance(pcm, 16000), RecognitionHints(expect="quantity"))
    assert (transcript.text, transcript.engine) == ("order fifty", "minimax")
    assert transcript.duration_s == pytest.approx(0.5)
    (sent,) = [r for r in emu.requests if r.path == "/v1/speech_to_text"]
    assert sent.file is not None
    with wave.open(io.BytesIO(sent.file)) as uploaded:
        assert (uploaded.getframerate(), uploaded.getsampwidth(), uploaded.getnchannels()) == (16000, 2, 1)
        assert uploaded.readframes(uploaded.getnframes()) == pcm
    assert sent.headers["language"] == "en"


async def test_recognizer_skips_empty_audio(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    transcript = await MiniMaxRecognizer(client).transcribe(Utterance(b"", 16000), RecognitionHints())
    assert transcript.text == "" and emu.requests == []


@pytest.mark.parametrize(("code", "retryable"), [(1004, False), (1008, False), (1002, True)])
async def test_recognizer_errors_become_speech_errors(
    emu: MiniMaxEmulator, client: MiniMaxClient, code: int, retryable: bool
) -> None:
    emu.faults.fail_next(code, times=10, on="asr")
    with pytest.raises(SpeechError) as caught:
        await MiniMaxRecognizer(client).transcribe(Utterance(b"\0\0" * 800, 16000), RecognitionHints())
    assert caught.value.retryable is retryable and caught.value.engine == "minimax"


async def test_pcm_over_bidi_with_one_connection_for_many_replies(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    assert await speak(synth) == expected(emu)
    assert await speak(synth) == expected(emu)
    (session,) = bidi_sessions(emu)
    assert session.names().count("task_start") == 1
    assert not [r for r in emu.requests if r.path == "/v1/t2a_v2"]
    assert synth.last_usage is not None and synth.last_usage.characters == sum(map(len, SENTENCES))


async def test_phone_audio_is_mulaw_straight_from_minimax(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    audio = await speak(synth, fmt=SynthesisFormat("pcmu_raw", 8000))
    assert audio == expected(emu, "pcmu_raw", 8000)
    assert bidi_sessions(emu)[0].events[0]["audio_setting"] == {
        "format": "pcmu_raw",
        "sample_rate": 8000,
        "channel": 1,
    }


async def test_mulaw_at_another_rate_is_refused(synth: MiniMaxSynthesizer) -> None:
    with pytest.raises(SpeechError):
        await speak(synth, fmt=SynthesisFormat("pcmu_raw", 16000))


async def test_unsupported_rate_is_synthesized_higher_and_resampled(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    audio = await speak(synth, fmt=SynthesisFormat("pcm", 48000))
    assert bidi_sessions(emu)[0].events[0]["audio_setting"]["sample_rate"] == 44100
    source = expected(emu, "pcm", 44100)
    assert abs(len(audio) // 2 - round(len(source) // 2 * 48000 / 44100)) <= 4


async def test_mp3_and_wav(emu: MiniMaxEmulator, synth: MiniMaxSynthesizer) -> None:
    assert await speak(synth, fmt=SynthesisFormat("mp3", 22050)) == expected(emu, "mp3", 22050)
    chunks = [c async for c in synth.stream(REPLY, SynthesisFormat("wav", 16000))]
    assert len(chunks) == 1
    assert chunks[0] == wav_bytes(expected(emu), 16000)


async def test_barge_in_cancels_on_the_open_connection(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    emu.faults.chunk_interval_s = 0.05
    first = asyncio.Event()

    async def play() -> None:
        async for _ in synth.stream(LONG, SynthesisFormat("pcm", 16000)):
            first.set()

    task = asyncio.create_task(play())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    emu.faults.chunk_interval_s = 0.0
    assert await speak(synth) == expected(emu)
    (session,) = bidi_sessions(emu)
    assert "task_cancel" in session.names()


async def test_cancel_method_stops_the_running_reply(emu: MiniMaxEmulator, synth: MiniMaxSynthesizer) -> None:
    emu.faults.chunk_interval_s = 0.05
    received: list[bytes] = []

    async def play() -> None:
        async for chunk in synth.stream(LONG, SynthesisFormat("pcm", 16000)):
            received.append(chunk)

    task = asyncio.create_task(play())
    async with asyncio.timeout(10):
        while len(received) < 2:  # noqa: ASYNC110 (waiting on the consumer's progress)
            await asyncio.sleep(0.01)
        await synth.cancel()
        await task
    assert sum(map(len, received)) < len(emu.render(LONG, "pcm", 16000))
    assert "task_cancel" in bidi_sessions(emu)[0].names()


async def test_concurrent_replies_on_a_shared_synthesizer_do_not_cancel_each_other(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    a, b = await asyncio.gather(speak(synth, SENTENCES[0]), speak(synth, SENTENCES[1]))
    assert a == emu.render(SENTENCES[0], "pcm", 16000) and b == emu.render(SENTENCES[1], "pcm", 16000)
    assert len(bidi_sessions(emu)) == 2
    await speak(synth)
    assert len(bidi_sessions(emu)) == 2  # idle connections are reused


async def test_for_call_gives_each_call_its_own_connection(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    call_a, call_b = synth.for_call(), synth.for_call()
    try:
        await speak(call_a)
        await speak(call_b)
        await speak(call_a)
    finally:
        await call_a.aclose()
        await call_b.aclose()
    assert len(bidi_sessions(emu)) == 2


async def test_falls_back_to_sse_when_the_websocket_is_unavailable(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    emu.faults.ws_unavailable = True
    assert await speak(synth) == emu.render(REPLY, "pcm", 16000)
    assert await speak(synth) == emu.render(REPLY, "pcm", 16000)
    assert synth.fallbacks == 1  # the second reply went straight to SSE
    sse = [r for r in emu.requests if r.path == "/v1/t2a_v2"]
    assert len(sse) == 2 and all(r.json is not None and r.json["stream"] for r in sse)


async def test_auth_failure_is_final_and_does_not_fall_back(emu: MiniMaxEmulator) -> None:
    async with MiniMaxClient(make_config(emu, api_key="bad")) as client:
        synth = MiniMaxSynthesizer(client)
        with pytest.raises(SpeechError) as caught:
            await speak(synth)
        await synth.aclose()
    assert not caught.value.retryable
    assert not [r for r in emu.requests if r.path == "/v1/t2a_v2"]


async def test_drop_mid_reply_is_a_retryable_speech_error(
    emu: MiniMaxEmulator, synth: MiniMaxSynthesizer
) -> None:
    emu.faults.drop_ws(after_chunks=2)
    received = bytearray()
    with pytest.raises(SpeechError) as caught:
        async for chunk in synth.stream(LONG, SynthesisFormat("pcm", 16000)):
            received += chunk
    assert caught.value.retryable and caught.value.engine == "minimax"
    assert len(received) == 2 * 3200
    assert await speak(synth) == expected(emu)  # the next reply reconnects


async def test_sse_transport(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    synth = MiniMaxSynthesizer(client, transport="sse")
    assert await speak(synth) == emu.render(REPLY, "pcm", 16000)  # HTTP synthesizes the text whole
    assert not emu.ws_sessions
