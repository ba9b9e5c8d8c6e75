"""The server side of ``bench/gateway.py``: the real gateway routes (``/ws/voice``) over a
``Gateway`` of the test fakes (``tests/fakes``) with fixed latencies, or the local engines with ``--local``. Prints
``PORT <n>`` once it listens; ``POST /bench/stats`` and ``/bench/stop`` serve the benchmark. Barge-in as the
service's ``IP_BARGE_IN_MODE`` says (``words`` by default, or ``sound``).
    .venv/bin/python bench/gateway_server.py [--local] [--asr-ms N] [--tts-ms N] [--ws websockets] [--loop uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.settings import Settings  # noqa: E402
from bench.serving import serve_announced, stoppable_server  # noqa: E402
from tests.fakes.conversation import FakeConversationFactory  # noqa: E402
from tests.fakes.gateway import TokenCheck  # noqa: E402
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer  # noqa: E402

FIXTURES = ROOT / "fixtures" / "audio"
TOKEN = "bench-token"
REPLY = "Here is a longer answer so that there is time to cut in. " * 3
QUESTION = "how many widgets"


def serve(args: argparse.Namespace) -> None:
    import warnings

    import uvicorn

    warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
    from fastapi import FastAPI

    from voice_gateway import routes
    from voice_gateway.gateway import Gateway, GatewayLimits
    from voice_gateway.options import Channel, SessionOptions
    from voice_gateway.session import CallSession
    from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer

    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer
    if args.local:
        from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer
        from voice_gateway.speech.ports import VocabularyItem

        items = {
            json.loads(x)["slots"].get("item") for x in (FIXTURES / "manifest.jsonl").read_text().splitlines()
        }
        vocab = [VocabularyItem(f"SKU-{i}", name) for i, name in enumerate(sorted(n for n in items if n))]
        recognizer = LocalRecognizer(vocab)
        synthesizer = EspeakSynthesizer()
        answer = "We have forty two of those at the main warehouse."
    else:
        # Fixed latencies; first audio after --tts-ms, then 100 ms chunks of silence at twice real time.
        recognizer = FakeRecognizer(
            default=QUESTION, latency_s=args.asr_ms / 1000, name="bench-asr", record=False
        )
        synthesizer = FakeSynthesizer(
            name="bench-tts", chunk_s=0.1, pace_s=0.05, first_chunk_s=args.tts_ms / 1000
        )
        answer = REPLY
    channels: tuple[Channel, ...] = ("voice", "phone")
    mode = os.environ.get("IP_BARGE_IN_MODE", "words")  # as the service reads it: words (default) or sound
    assert mode in ("words", "sound"), mode
    gate = Settings().noise_gate_s  # IP_NOISE_GATE_S, as the service reads it (0: the noise gate off)
    options = {  # the service's defaults
        channel: SessionOptions.for_channel(
            channel,
            barge_in_min_s=0.12,
            phone_echo_guard_s=0.2,
            max_call_s=1800.0,
            barge_in_mode=mode,
            noise_gate_s=gate,
        )
        for channel in channels
    }
    gateway = Gateway(
        recognizer=recognizer,
        synthesizer=synthesizer,
        conversations=FakeConversationFactory(answer=answer, greeting="", reprompt=""),
        authenticate=TokenCheck({TOKEN: "bench"}),
        session_options=options,
        limits=GatewayLimits(max_sessions_per_token=10_000),
    )

    lags: list[float] = []
    costs: list[float] = []
    original = CallSession.push_frame

    def timed(self: CallSession, frame: bytes) -> None:
        t0 = time.perf_counter()
        original(self, frame)
        costs.append(time.perf_counter() - t0)

    CallSession.push_frame = timed  # type: ignore[method-assign]

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - t - 0.01)

    app = FastAPI()
    app.include_router(routes.router)
    app.state.gateway = gateway
    mark = {"cpu": os.times(), "wall": time.monotonic()}

    @app.post("/bench/reset")
    async def reset() -> dict[str, bool]:
        lags.clear()
        costs.clear()
        mark.update(cpu=os.times(), wall=time.monotonic())
        return {"ok": True}

    @app.get("/bench/stats")
    async def stats() -> dict[str, float]:
        cpu, wall = os.times(), time.monotonic() - mark["wall"]  # type: ignore[operator]
        used = cpu.user + cpu.system - mark["cpu"].user - mark["cpu"].system  # type: ignore[union-attr]
        return {
            "cpu_pct": 100 * used / wall,
            "lag_p50_ms": 1000 * pct(lags, 50),
            "lag_p99_ms": 1000 * pct(lags, 99),
            "push_p99_us": 1e6 * pct(costs, 99),
            "frames": len(costs),
        }

    # Audio does not compress: permessage-deflate would only cost CPU.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        lifespan="off",
        ws=args.ws,
        ws_per_message_deflate=False,
    )
    server = stoppable_server(app, config)

    async def main() -> None:
        probe_task = asyncio.create_task(probe())
        await serve_announced(server, getattr(recognizer, "warm_up", None))
        probe_task.cancel()

    # uvloop when installed, as ``uvicorn.run`` (``make run``) would use it.
    loop_factory = None
    if args.loop == "uvloop":
        import uvloop

        loop_factory = uvloop.new_event_loop
    profile = os.environ.get("BENCH_PROFILE")  # a path: write cProfile stats of the server there on exit
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        if profile:
            import cProfile

            with cProfile.Profile() as prof:
                runner.run(main())
            prof.dump_stats(profile)
        else:
            runner.run(main())


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--local", action="store_true", help="pocketsphinx and espeak-ng instead of the fakes")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--asr-ms", type=float, default=0.0, help="fixed recognizer latency")
    p.add_argument("--tts-ms", type=float, default=0.0, help="fixed synthesizer time to first audio")
    p.add_argument("--ws", default="websockets", help="uvicorn WebSocket implementation")
    p.add_argument("--loop", default="uvloop", choices=["uvloop", "asyncio"], help="server event loop")
    serve(p.parse_args())


if __name__ == "__main__":
    main()
