"""Run the emulator on its own: ``python -m tests.fakes.minimax_emulator [--port 0] [--latency-ms 0]``.

Prints ``MINIMAX_BASE_URL=http://127.0.0.1:PORT`` and ``MINIMAX_API_KEY=...`` once listening, then serves until
interrupted; point the service or ``python -m minimax_client`` at it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from tests.fakes.minimax_emulator import MiniMaxEmulator


async def serve(port: int, latency_s: float, api_key: str, asr_text: str) -> None:
    emu = MiniMaxEmulator(api_key=api_key, port=port)
    emu.faults.latency_s = latency_s
    emu.asr_text = asr_text
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with emu:
        print(f"MINIMAX_BASE_URL={emu.base_url}\nMINIMAX_API_KEY={emu.api_key}", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--asr-text", default="", help="what speech-to-text answers")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.latency_ms / 1000, args.api_key, args.asr_text))


if __name__ == "__main__":
    main()
