"""The bidirectional T2A session: one connection for many utterances, barge-in with task_cancel, idle close
2201, 2205 back-pressure, drops, task_failed, pings."""

from __future__ import annotations

import asyncio

import pytest

from minimax_client import (
    AudioChunk,
    AudioSetting,
    AuthError,
    BidiTtsSession,
    ConnectionLostError,
    MiniMaxClient,
    ServerError,
)
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.minimax.conftest import make_config

pytestmark = pytest.mark.minimax

PCM = AudioSetting(format="pcm", sample_rate=16000)
ONE = "Twelve boxes of widget A."
TWO = "Shall I order fifty more?"
LONG = "Reading back the order. " * 8


async def say(session: BidiTtsSession, text: str) -> tuple[bytes, list[AudioChunk]]:
    chunks = [c async for c in session.stream(text)]
    return b"".join(c.audio for c in chunks), chunks


async def wait_for(condition: object, timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110 (polling the emulator's records)
            await asyncio.sleep(0.01)


async def test_many_utterances_share_one_connection(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    async with client.open_session(audio=PCM) as session:
        first, chunks = await say(session, ONE)
        second, _ = await say(session, TWO)
    assert first == emu.render(ONE, "pcm", 16000)
    assert second == emu.render(TWO, "pcm", 16000)
    assert chunks[-1].final and chunks[-1].extra is not None
    assert chunks[-1].extra.usage_characters == len(ONE)
    assert session.connects == 1
    (rec,) = emu.ws_sessions
    assert rec.path == "/ws/v1/t2a_v2_bidi"
    assert rec.names() == ["task_start", "task_continue", "task_flush", "task_continue", "task_flush"]


async def test_several_sentences_in_one_utterance(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    text = f"{ONE} {TWO} and a tail without a stop"
    async with client.open_session(audio=PCM) as session:
        audio, _ = await say(session, text)
    server_sentences = [ONE, TWO, "and a tail without a stop"]
    assert audio == b"".join(emu.render(s, "pcm", 16000) for s in server_sentences)


async def test_cancel_mid_utterance_keeps_the_session_and_drops_stale_audio(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.chunk_interval_s = 0.05
    async with client.open_session(audio=PCM) as session:
        got_audio = asyncio.Event()

        async def speak() -> None:
            async for chunk in session.stream(LONG):
                if chunk.audio:
                    got_audio.set()

        task = asyncio.create_task(speak())
        await got_audio.wait()
        task.cancel()  # barge-in: the consumer's task is cancelled
        with pytest.raises(asyncio.CancelledError):
            await task
        emu.faults.chunk_interval_s = 0.0
        after, _ = await say(session, TWO)
    assert after == emu.render(TWO, "pcm", 16000)  # nothing of the cancelled reply leaks in
    assert session.connects == 1
    names = emu.ws_sessions[0].names()
    assert names.count("task_cancel") == 1
    assert names.index("task_cancel") < len(names) - 2  # sent before the next utterance


async def test_explicit_cancel_ends_the_running_stream_quietly(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.chunk_interval_s = 0.05
    async with client.open_session(audio=PCM) as session:
        received: list[AudioChunk] = []

        async def speak() -> None:
            async for chunk in session.stream(LONG):
                received.append(chunk)

        task = asyncio.create_task(speak())
        await wait_for(lambda: len(received) >= 2)
        await session.cancel()
        async with asyncio.timeout(10):
            await task  # ends without an error
        assert not any(c.final for c in received)
        emu.faults.chunk_interval_s = 0.0
        after, _ = await say(session, ONE)
    assert after == emu.render(ONE, "pcm", 16000)
    assert session.connects == 1


async def test_a_new_utterance_supersedes_the_running_one(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.chunk_interval_s = 0.05
    async with client.open_session(audio=PCM) as session:
        old = session.stream(LONG)
        first = await anext(old)
        assert first.audio
        emu.faults.chunk_interval_s = 0.0
        new_audio, _ = await say(session, TWO)
        rest = [c async for c in old]  # the superseded stream just ends
    assert new_audio == emu.render(TWO, "pcm", 16000)
    assert rest == []


async def test_idle_close_2201_is_followed_by_a_transparent_reconnect(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.idle_timeout_s = 0.3
    async with (
        MiniMaxClient(make_config(emu, ws_ping_interval_s=None)) as quiet,
        quiet.open_session(audio=PCM) as session,
    ):
        await say(session, ONE)
        await wait_for(lambda: emu.ws_sessions[0].closed_by == "idle")
        await wait_for(lambda: not session.is_open)
        audio, _ = await say(session, TWO)
    assert audio == emu.render(TWO, "pcm", 16000)
    assert session.connects == 2


async def test_queue_full_2205_backs_off_and_resends_on_the_same_connection(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    async with client.open_session(audio=PCM) as session:
        emu.faults.queue_full()
        audio, _ = await say(session, ONE)
    assert audio == emu.render(ONE, "pcm", 16000)
    assert session.connects == 1
    texts = [e.get("text") for e in emu.ws_sessions[0].events if e.get("event") == "task_continue"]
    assert texts == [ONE, ONE]


async def test_drop_before_audio_reconnects_and_completes(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.drop_ws(after_chunks=0)
    async with client.open_session(audio=PCM) as session:
        audio, _ = await say(session, ONE)
    assert audio == emu.render(ONE, "pcm", 16000)
    assert session.connects == 2


async def test_drop_mid_sentence_raises_and_the_next_utterance_reconnects(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.drop_ws(after_chunks=2)
    async with client.open_session(audio=PCM) as session:
        received = bytearray()
        with pytest.raises(ConnectionLostError) as caught:
            async for chunk in session.stream(LONG):
                received += chunk.audio
        assert caught.value.retryable
        assert received and emu.render(LONG.split(". ")[0] + ".", "pcm", 16000).startswith(received)
        audio, _ = await say(session, TWO)
    assert audio == emu.render(TWO, "pcm", 16000)
    assert session.connects == 2


async def test_task_failed_mid_stream_is_raised_and_the_session_recovers(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.task_failed(1000, after_chunks=1)
    async with client.open_session(audio=PCM) as session:
        with pytest.raises(ServerError) as caught:
            await say(session, LONG)
        assert caught.value.code == 1000
        audio, _ = await say(session, ONE)
    assert audio == emu.render(ONE, "pcm", 16000)


async def test_auth_failure_on_connect_is_final(emu: MiniMaxEmulator) -> None:
    async with MiniMaxClient(make_config(emu, api_key="nope")) as bad:
        session = bad.open_session(audio=PCM)
        with pytest.raises(AuthError):
            await say(session, ONE)
        await session.aclose()
    assert len(emu.ws_sessions) == 1


async def test_client_sends_pings(emu: MiniMaxEmulator) -> None:
    async with (
        MiniMaxClient(make_config(emu, ws_ping_interval_s=0.05)) as pinging,
        pinging.open_session(audio=PCM) as session,
    ):
        await wait_for(lambda: emu.ws_sessions[0].pings >= 2)
        assert session.is_open


async def test_second_task_start_on_a_connection_is_refused_by_the_server(emu: MiniMaxEmulator) -> None:
    # The emulator enforces "one synthesis session per connection" (2206); the client never sends two.
    import json

    import websockets

    url = emu.base_url.replace("http", "ws") + "/ws/v1/t2a_v2_bidi"
    start = {"event": "task_start", "model": "speech-2.8-turbo", "voice_setting": {"voice_id": "Wise_Woman"}}
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {emu.api_key}"}) as ws:
        assert json.loads(await ws.recv())["event"] == "connected_success"
        await ws.send(json.dumps(start))
        assert json.loads(await ws.recv())["event"] == "task_started"
        await ws.send(json.dumps(start))
        failed = json.loads(await ws.recv())
    assert failed["event"] == "task_failed" and failed["base_resp"]["status_code"] == 2206


def test_long_text_is_packed_into_few_pieces_under_the_cap() -> None:
    from minimax_client.tts_bidi import pack_pieces

    assert pack_pieces("  ") == []
    assert pack_pieces(ONE) == [ONE]  # short text goes whole: the server splits sentences itself
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    pieces = pack_pieces(text, max_chars=1000)
    assert all(len(p) <= 1000 for p in pieces) and len(pieces) == -(-len(text) // 1000)
    assert " ".join(pieces) == text
