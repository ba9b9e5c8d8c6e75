"""T2A over HTTP (whole and SSE) against the emulator: what is sent, what comes back, and every HTTP fault."""

from __future__ import annotations

import asyncio
import socket

import pytest

from minimax_client import (
    AudioSetting,
    AuthError,
    ConnectionLostError,
    ContentRejectedError,
    InsufficientBalanceError,
    InvalidRequestError,
    MalformedResponseError,
    MiniMaxClient,
    RateLimitError,
    ServerError,
)
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.minimax.conftest import make_config

pytestmark = pytest.mark.minimax

TEXT = "Twelve boxes of widget A are on hand in aisle four."
PCM16K = AudioSetting(format="pcm", sample_rate=16000)


async def collect(
    client: MiniMaxClient, text: str = TEXT, audio: AudioSetting = PCM16K
) -> tuple[bytes, list]:
    chunks = [c async for c in client.stream_speech(text, audio=audio)]
    return b"".join(c.audio for c in chunks), chunks


def t2a_requests(emu: MiniMaxEmulator) -> list:
    return [r for r in emu.requests if r.path == "/v1/t2a_v2"]


async def test_whole_synthesis_returns_decoded_audio_and_extra_info(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    result = await client.synthesize(TEXT, audio=PCM16K)
    assert result.audio == emu.render(TEXT, "pcm", 16000)
    assert result.extra is not None
    assert result.extra.usage_characters == len(TEXT)
    assert result.extra.audio_length_ms == round(len(result.audio) / 32)  # 16 kHz 16-bit: 32 bytes per ms
    sent = t2a_requests(emu)[0]
    assert sent.headers["authorization"] == f"Bearer {emu.api_key}"
    assert sent.json is not None and sent.json["stream"] is False
    assert sent.json["voice_setting"]["voice_id"] == client.config.voice_id
    assert sent.json["audio_setting"] == {"format": "pcm", "sample_rate": 16000, "channel": 1}


async def test_sse_stream_yields_every_chunk_once_and_ends_with_final_extra_info(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    audio, chunks = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(chunks) > 2
    assert [c.final for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1].extra is not None and chunks[-1].extra.usage_characters == len(TEXT)
    body = t2a_requests(emu)[0].json
    assert body is not None and body["stream"] is True
    assert body["stream_options"] == {"exclude_aggregated_audio": True}


async def test_aggregated_final_chunk_is_not_played_twice(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.ignore_exclude_aggregated = True  # a server that repeats the whole audio in status 2
    audio, chunks = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert chunks[-1].final and chunks[-1].audio == b""


@pytest.mark.parametrize(
    ("setting", "fmt", "rate"),
    [
        (AudioSetting(format="pcmu_raw", sample_rate=8000), "pcmu_raw", 8000),
        (AudioSetting(format="mp3", sample_rate=32000), "mp3", 32000),
        (AudioSetting(format="pcm", sample_rate=24000), "pcm", 24000),
    ],
)
async def test_stream_formats(
    emu: MiniMaxEmulator, client: MiniMaxClient, setting: AudioSetting, fmt: str, rate: int
) -> None:
    audio, _ = await collect(client, audio=setting)
    assert audio == emu.render(TEXT, fmt, rate)
    sent = t2a_requests(emu)[0].json
    assert sent is not None and sent["audio_setting"]["format"] == fmt


async def test_group_id_is_sent_as_query_and_a_mismatch_is_an_auth_error() -> None:
    async with MiniMaxEmulator(group_id="g-1") as emu:
        async with MiniMaxClient(make_config(emu, group_id="g-1")) as good:
            assert (await good.synthesize("ok")).audio
        async with MiniMaxClient(make_config(emu, group_id="other")) as bad:
            with pytest.raises(AuthError) as caught:
                await bad.synthesize("ok")
    assert caught.value.code == 1004 and not caught.value.retryable


@pytest.mark.parametrize("code", [1002, 1039, 2045, 1000, 1001, 1024, 1033])
async def test_transient_codes_are_retried_transparently(
    emu: MiniMaxEmulator, client: MiniMaxClient, code: int
) -> None:
    emu.faults.fail_next(code, on="t2a")
    audio, _ = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(t2a_requests(emu)) == 2


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1004, AuthError),
        (2049, AuthError),
        (1008, InsufficientBalanceError),
        (2013, InvalidRequestError),
        (1026, ContentRejectedError),
        (1027, ContentRejectedError),
    ],
)
async def test_final_codes_are_raised_at_once_with_the_trace_id(
    emu: MiniMaxEmulator, client: MiniMaxClient, code: int, error: type[Exception]
) -> None:
    emu.faults.fail_next(code, times=3, on="t2a")
    with pytest.raises(error) as caught:
        await client.synthesize(TEXT)
    assert getattr(caught.value, "code", None) == code
    assert getattr(caught.value, "retryable", None) is False
    assert getattr(caught.value, "trace_id", None)
    assert len(t2a_requests(emu)) == 1


async def test_wrong_key_is_an_auth_error_even_with_http_200(emu: MiniMaxEmulator) -> None:
    async with MiniMaxClient(make_config(emu, api_key="wrong")) as client:
        with pytest.raises(AuthError):
            await collect(client)
    assert len(t2a_requests(emu)) == 1


async def test_rate_limit_that_persists_gives_up_after_max_attempts(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.fail_next(1002, times=10, on="t2a")
    with pytest.raises(RateLimitError) as caught:
        await client.synthesize(TEXT)
    assert caught.value.retryable
    assert len(t2a_requests(emu)) == client.config.max_attempts


async def test_http_500_is_retried(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.http_500(times=2, on="t2a")
    audio, _ = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(t2a_requests(emu)) == 3


async def test_persistent_http_500_surfaces_as_retryable_server_error(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.http_500(times=10, on="t2a")
    with pytest.raises(ServerError) as caught:
        await client.synthesize(TEXT)
    assert caught.value.http_status == 500 and caught.value.retryable


async def test_malformed_sse_before_audio_is_retried(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.malformed_sse(after_chunks=0)
    audio, _ = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(t2a_requests(emu)) == 2


async def test_malformed_sse_after_audio_raises_without_repeating_audio(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.malformed_sse(after_chunks=2)
    received = bytearray()
    with pytest.raises(MalformedResponseError) as caught:
        async for chunk in client.stream_speech(TEXT, audio=PCM16K):
            received += chunk.audio
    full = emu.render(TEXT, "pcm", 16000)
    assert 0 < len(received) < len(full) and full.startswith(received)
    assert caught.value.retryable
    assert len(t2a_requests(emu)) == 1


async def test_connection_cut_mid_stream_raises_retryable_connection_lost(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.drop_sse(after_chunks=1)
    received = bytearray()
    with pytest.raises(ConnectionLostError) as caught:
        async for chunk in client.stream_speech(TEXT, audio=PCM16K):
            received += chunk.audio
    assert caught.value.retryable
    assert emu.render(TEXT, "pcm", 16000).startswith(received) and received


async def test_slow_first_chunk_past_the_read_timeout_is_abandoned_and_retried(emu: MiniMaxEmulator) -> None:
    emu.faults.slow_first_chunk(1.5, on="t2a")
    async with MiniMaxClient(make_config(emu, read_timeout_s=0.3)) as client:
        audio, _ = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(t2a_requests(emu)) == 2


async def test_slow_first_chunk_within_the_read_timeout_is_waited_for(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.slow_first_chunk(0.2, on="t2a")
    emu.faults.latency_s = 0.05
    audio, _ = await collect(client)
    assert audio == emu.render(TEXT, "pcm", 16000)
    assert len(t2a_requests(emu)) == 1


async def test_unreachable_host_is_a_retryable_connection_error(emu: MiniMaxEmulator) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        async with MiniMaxClient(make_config(emu, base_url=f"http://127.0.0.1:{port}")) as client:
            with pytest.raises(ConnectionLostError) as caught:
                await client.synthesize(TEXT)
    assert caught.value.retryable


async def test_cancelling_the_consumer_stops_the_stream(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.chunk_interval_s = 0.2  # real-time pacing: the stream would run for seconds
    got_first = asyncio.Event()
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in client.stream_speech(TEXT * 3, audio=PCM16K):
            received.append(chunk.audio)
            got_first.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(10):
        await got_first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(received) < len(emu.render(TEXT * 3, "pcm", 16000)) // 3200


async def test_empty_text_is_refused_before_any_request(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    with pytest.raises(InvalidRequestError):
        await client.synthesize("   ")
    assert t2a_requests(emu) == []


async def test_latency_below_the_read_timeout_is_just_waited_for(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.latency_s = 0.3
    assert (await client.synthesize(TEXT)).audio
    assert len(t2a_requests(emu)) == 1


async def test_latency_beyond_the_read_timeout_is_a_retryable_timeout(emu: MiniMaxEmulator) -> None:
    emu.faults.latency_s = 0.6
    async with MiniMaxClient(make_config(emu, read_timeout_s=0.2, max_attempts=2)) as client:
        with pytest.raises(ServerError) as caught:
            await client.synthesize(TEXT)
    assert caught.value.code == 1001 and caught.value.retryable
    assert len(t2a_requests(emu)) == 2
