"""T2A over the one-shot WebSocket ``/ws/v1/t2a_v2``: event order, sentence-at-a-time sending, resuming after
a drop between sentences, and the faults a caller must see."""

from __future__ import annotations

import asyncio

import pytest

from minimax_client import AudioSetting, AuthError, ConnectionLostError, MiniMaxClient, ServerError
from minimax_client.tts_ws import split_sentences
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.minimax.conftest import make_config

pytestmark = pytest.mark.minimax

TEXT = "Twelve boxes of widget A. Three pallets in aisle four! Shall I order more?"
PCM = AudioSetting(format="pcm", sample_rate=16000)


def expected(emu: MiniMaxEmulator, text: str = TEXT) -> bytes:
    return b"".join(emu.render(s, "pcm", 16000) for s in split_sentences(text))


async def stream(client: MiniMaxClient, text: str = TEXT) -> tuple[bytes, list]:
    chunks = [c async for c in client.stream_speech(text, audio=PCM, transport="ws")]
    return b"".join(c.audio for c in chunks), chunks


def test_split_sentences_keeps_text_and_caps_length() -> None:
    assert split_sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
    long = "word " * 5000
    pieces = split_sentences(long, max_chars=1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert " ".join(pieces).split() == long.split()


async def test_event_sequence_and_audio(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    audio, chunks = await stream(client)
    assert audio == expected(emu)
    assert chunks[-1].final and chunks[-1].extra is not None
    assert sum(c.final for c in chunks) == 1
    (session,) = emu.ws_sessions
    assert session.path == "/ws/v1/t2a_v2"
    assert session.headers["authorization"] == f"Bearer {emu.api_key}"
    assert session.names() == ["task_start", "task_continue", "task_continue", "task_continue", "task_finish"]
    start = session.events[0]
    assert start["voice_setting"]["voice_id"] == client.config.voice_id
    assert start["audio_setting"]["format"] == "pcm"


async def test_drop_before_any_audio_reconnects_transparently(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.drop_ws(after_chunks=0)
    audio, _ = await stream(client)
    assert audio == expected(emu)
    assert emu.ws_sessions[0].closed_by == "drop"
    assert len(emu.ws_sessions) == 2


async def test_drop_between_sentences_resumes_at_the_next_sentence(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    first = split_sentences(TEXT)[0]
    first_chunks = -(-len(emu.render(first, "pcm", 16000)) // 3200)  # 100 ms chunks
    emu.faults.drop_ws(after_chunks=first_chunks)
    audio, _ = await stream(client)
    assert audio == expected(emu)  # nothing repeated, nothing missing
    assert len(emu.ws_sessions) == 2
    assert emu.ws_sessions[1].names()[1:-1] == ["task_continue", "task_continue"]


async def test_drop_mid_sentence_raises_after_partial_audio(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.drop_ws(after_chunks=2)
    received = bytearray()
    with pytest.raises(ConnectionLostError) as caught:
        async for chunk in client.stream_speech(TEXT, audio=PCM, transport="ws"):
            received += chunk.audio
    assert caught.value.retryable
    assert len(received) == 2 * 3200 and expected(emu).startswith(received)
    assert len(emu.ws_sessions) == 1


async def test_task_failed_mid_stream_is_raised_with_its_code(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.task_failed(1000, after_chunks=1)
    with pytest.raises(ServerError) as caught:
        await stream(client)
    assert caught.value.code == 1000 and caught.value.retryable


async def test_task_failed_before_audio_is_retried(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.task_failed(1002, after_chunks=0)
    audio, _ = await stream(client)
    assert audio == expected(emu)
    assert len(emu.ws_sessions) == 2


async def test_auth_failure_is_not_retried(emu: MiniMaxEmulator) -> None:
    async with MiniMaxClient(make_config(emu, api_key="nope")) as client:
        with pytest.raises(AuthError):
            await stream(client)
    assert len(emu.ws_sessions) == 1


async def test_error_at_task_start_is_typed(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.fail_next(1004, on="ws")
    with pytest.raises(AuthError):
        await stream(client)


async def test_slow_first_chunk_past_the_read_timeout_is_retried(emu: MiniMaxEmulator) -> None:
    emu.faults.slow_first_chunk(1.5, on="ws")
    async with MiniMaxClient(make_config(emu, read_timeout_s=0.3)) as client:
        audio, _ = await stream(client, "One short sentence.")
    assert audio == expected(emu, "One short sentence.")
    assert len(emu.ws_sessions) == 2


async def test_cancelling_closes_the_socket(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.chunk_interval_s = 0.2
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.stream_speech(TEXT, audio=PCM, transport="ws"):
            first.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(10):
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        while emu.ws_sessions[0].conn is None or not emu.ws_sessions[0].conn.closed:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert "task_finish" not in emu.ws_sessions[0].names()
