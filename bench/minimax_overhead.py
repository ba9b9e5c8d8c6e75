"""Client overhead against the MiniMax emulator: time to first audio chunk minus the emulator's injected
latency, over N runs, for HTTP SSE and the bidirectional WebSocket (warm session; and cold: connect included).

    .venv/bin/python bench/minimax_overhead.py [--runs 40] [--latency-ms 50]

The emulator runs in a subprocess (``python -m tests.fakes.minimax_emulator``) so it does not share this
process's event loop or GIL; the figures still hold its loopback socket and scheduling costs, so they are an
upper bound on what the client adds."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from minimax_client import AudioChunk, AudioSetting, MiniMaxClient, MiniMaxConfig

ROOT = Path(__file__).resolve().parents[1]  # the emulator subprocess imports tests.fakes from here

TEXT = "Twelve boxes of widget A are on hand in aisle four. Shall I order fifty more?"
PCM = AudioSetting(format="pcm", sample_rate=16000)


async def first_audio_s(make: Callable[[], AsyncIterator[AudioChunk]]) -> float:
    started = time.perf_counter()
    first = 0.0
    async for chunk in make():
        if chunk.audio and not first:
            first = time.perf_counter() - started
    return first


def report(name: str, samples_s: list[float], latency_s: float, hops: int = 1) -> None:
    overhead = sorted((s - hops * latency_s) * 1000 for s in samples_s)
    p95 = overhead[min(len(overhead) - 1, round(0.95 * (len(overhead) - 1)))]
    print(
        f"minimax.{name}.ttfa_overhead_ms p50={statistics.median(overhead):.2f} p95={p95:.2f} n={len(overhead)}"
    )


async def main(runs: int, latency_s: float) -> None:
    emulator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.minimax_emulator",
        "--latency-ms",
        str(latency_s * 1000),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert emulator.stdout is not None
        settings: dict[str, str] = {}
        for _ in range(2):  # MINIMAX_BASE_URL=..., MINIMAX_API_KEY=...
            name, _, value = (await emulator.stdout.readline()).decode().strip().partition("=")
            settings[name] = value
        config = MiniMaxConfig(api_key=settings["MINIMAX_API_KEY"], base_url=settings["MINIMAX_BASE_URL"])
        await measure(config, runs, latency_s)
    finally:
        emulator.terminate()
        await emulator.wait()


async def measure(config: MiniMaxConfig, runs: int, latency_s: float) -> None:
    async with MiniMaxClient(config) as client:
        await first_audio_s(lambda: client.stream_speech(TEXT, audio=PCM))  # warm the connection pool
        sse = [await first_audio_s(lambda: client.stream_speech(TEXT, audio=PCM)) for _ in range(runs)]
        report("sse", sse, latency_s)

        async with client.open_session(audio=PCM) as session:
            await first_audio_s(lambda: session.stream(TEXT))
            warm = [await first_audio_s(lambda: session.stream(TEXT)) for _ in range(runs)]
        report("bidi", warm, latency_s)

        cold: list[float] = []
        for _ in range(max(5, runs // 4)):
            fresh = client.open_session(audio=PCM)
            cold.append(await first_audio_s(lambda s=fresh: s.stream(TEXT)))  # type: ignore[misc]
            await fresh.aclose()
        report("bidi_cold", cold, latency_s, hops=2)  # latency before task_started and before audio


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.latency_ms / 1000))
