"""Does local speech recognition leave the server responsive? 20 calls speak ordinary fixture sentences while 2
callers stream loud noise (white and babble) without a pause, through the real gateway with the real local
recognizer (Whisper tiny.en by default; pocketsphinx with ``IP_LOCAL_ASR_ENGINE=grammar``) and synthesizer
(espeak-ng) and a fake conversation; once with the recognizer decoding in threads of the server process (before)
and once in speech worker processes (after).

    .venv/bin/python bench/speech_isolation.py                  # both modes, 40 s each
    .venv/bin/python bench/speech_isolation.py --modes process --seconds 60 --calls 20 --noise 2

Figures (the noise callers excluded):
- frame lag: when the server's session handled a 20 ms frame (``CallSession.push_frame`` entered) minus when the
  client handed that frame to its socket, both ``time.monotonic()`` on this host (CLOCK_MONOTONIC is shared by
  processes), matched frame by frame per call; it is what a frozen event loop does to every caller's audio;
- ``/api/health`` latency: a GET every 100 ms from the client (5 s timeout; a timeout counts as 5 s);
- turns: utterances spoken, transcripts received, recognition errors (busy, deadline) sent to the callers.
The server runs in its own process (``--serve``); server, workers and client share the machine's cores."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import serve_announced, stoppable_server  # noqa: E402
from local_speech.asr import LocalAsrOptions  # noqa: E402

FIXTURES = ROOT / "fixtures" / "audio"
TOKEN = "bench-token"
FRAME_S = 0.02
FRAME = 640  # bytes of a 20 ms frame at 16 kHz
WARM_S = 3.0  # frames sent in the first seconds of a call are not counted (calls still connecting)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- the server ------------------------------------------------------------------------------------------------
def serve(mode: str, workers: int, nice: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    from tests.fakes.conversation import FakeConversationFactory
    from tests.fakes.gateway import TokenCheck
    from voice_gateway import routes
    from voice_gateway.gateway import Gateway, GatewayLimits
    from voice_gateway.options import Channel, SessionOptions
    from voice_gateway.session import CallSession
    from voice_gateway.speech.local import EspeakSynthesizer, LocalAsrOptions, LocalRecognizer
    from voice_gateway.speech.ports import VocabularyItem

    lines = (FIXTURES / "manifest.jsonl").read_text().splitlines()
    names = sorted({n for x in lines if (n := json.loads(x)["slots"].get("item"))})
    vocab = [VocabularyItem(f"SKU-{i}", name) for i, name in enumerate(names)]
    recognizer = LocalRecognizer(vocab, LocalAsrOptions(isolation=mode, workers=workers, worker_nice=nice))  # type: ignore[arg-type]
    channels: tuple[Channel, ...] = ("voice", "phone")
    options = {
        c: SessionOptions.for_channel(c, barge_in_min_s=0.12, phone_echo_guard_s=0.2, max_call_s=1800.0)
        for c in channels
    }
    gateway = Gateway(
        recognizer=recognizer,
        synthesizer=EspeakSynthesizer(),
        conversations=FakeConversationFactory(answer="We have forty two of those.", greeting="", reprompt=""),
        authenticate=TokenCheck({TOKEN: "bench"}),
        session_options=options,
        limits=GatewayLimits(max_sessions_per_token=10_000),
    )
    handled: dict[str, list[float]] = {}
    original = CallSession.push_frame

    def timed(self: CallSession, frame: bytes) -> None:
        handled.setdefault(self.session_id, []).append(time.monotonic())
        original(self, frame)

    CallSession.push_frame = timed  # type: ignore[method-assign]
    app = FastAPI()
    app.include_router(routes.router)
    app.state.gateway = gateway

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}  # the event loop's answer time is what is measured

    @app.get("/bench/frames")
    async def frames() -> dict[str, list[float]]:
        return handled

    server = stoppable_server(
        app,
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws_per_message_deflate=False
        ),
    )

    async def main() -> None:
        await serve_announced(server, recognizer.warm_up)
        recognizer.close()

    asyncio.run(main())


# -- the callers -----------------------------------------------------------------------------------------------
def speech_clips() -> list[bytes]:
    from voice_gateway.audio import read_wav

    clips = []
    for line in (FIXTURES / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["intent"] != "out_of_grammar":
            clips.append(read_wav(FIXTURES / "generated" / "clean" / entry["file"]).pcm)
    return clips


def noise_track(kind: str, seconds: float, clips: list[bytes], seed: int) -> bytes:
    """Loud noise: white, or babble (eight fixture voices at once), at about -6 dBFS RMS."""
    rng = np.random.default_rng(seed)
    n = int(16000 * seconds)
    if kind == "white":
        x = rng.normal(size=n)
    else:
        x = np.zeros(n)
        for _ in range(8):
            pos = 0
            while pos < n:
                c = np.frombuffer(clips[rng.integers(len(clips))], dtype=np.int16).astype(np.float64)
                c = c[: n - pos]
                x[pos : pos + len(c)] += c / (np.sqrt(np.mean(c**2)) + 1e-9)
                pos += len(c)
    x = x / np.sqrt(np.mean(x**2)) * 16000
    return np.clip(x, -32768, 32767).astype(np.int16).tobytes()


class Caller:
    def __init__(
        self, url: str, session_id: str, audio: list[bytes], until: float, noise: bytes | None
    ) -> None:
        self.url, self.session_id, self.audio, self.until, self.noise = url, session_id, audio, until, noise
        self.sent: list[float] = []
        self.turns = self.transcripts = self.errors = 0
        self.error_codes: dict[str, int] = {}

    async def run(self, delay: float) -> None:
        from voice_gateway import protocol
        from voice_gateway.client import VoiceClient

        await asyncio.sleep(delay)
        async with await VoiceClient.connect(self.url, record=False) as client:
            await client.start(16000, token=TOKEN, session_id=self.session_id)
            while not isinstance(await client.read(10.0), protocol.ReadyMessage):
                pass
            reader = asyncio.create_task(self.read(client))
            try:
                await self.mic(client)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    def frames(self) -> list[bytes]:
        """What the microphone sends next: noise without a pause, or a sentence followed by 3 s of silence."""
        if self.noise is not None:
            return [self.noise[i : i + FRAME] for i in range(0, len(self.noise) - FRAME + 1, FRAME)]
        pcm = self.audio[(7 * self.turns + int(self.session_id.split("-")[1]) * 13) % len(self.audio)]
        self.turns += 1
        return [pcm[i : i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)] + [bytes(FRAME)] * 150

    async def mic(self, client: object) -> None:
        queue: list[bytes] = []
        t0, k = time.monotonic(), 0
        while time.monotonic() < self.until:
            if not queue:
                queue = self.frames()
            frame = queue.pop(0)
            self.sent.append(time.monotonic())
            await client.send_audio(frame)  # type: ignore[attr-defined]
            k += 1
            await asyncio.sleep(max(0.0, t0 + k * FRAME_S - time.monotonic()))

    async def read(self, client: object) -> None:
        from voice_gateway import protocol

        while True:
            item = await client.read()  # type: ignore[attr-defined]
            if isinstance(item, protocol.TranscriptMessage):
                self.transcripts += 1
            elif isinstance(item, protocol.ErrorMessage):
                self.errors += 1
                self.error_codes[item.code] = self.error_codes.get(item.code, 0) + 1


async def drive(port: int, calls: int, noise: int, seconds: float) -> dict[str, object]:
    import httpx

    clips = speech_clips()
    url = f"ws://127.0.0.1:{port}/ws/voice"
    until = time.monotonic() + seconds
    speakers = [Caller(url, f"speech-{i}", clips, until, None) for i in range(calls)]
    floods = [
        Caller(url, f"noise-{i}", clips, until, noise_track(("white", "babble")[i % 2], 20.0, clips, i))
        for i in range(noise)
    ]
    health: list[float] = []

    async def probe(http: httpx.AsyncClient) -> None:
        while time.monotonic() < until:
            t = time.monotonic()
            try:
                await http.get("/api/health", timeout=5.0)
                health.append(time.monotonic() - t)
            except httpx.TimeoutException:
                health.append(5.0)
            await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - t)))

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        await asyncio.gather(
            probe(http),
            *(c.run(0.5 * i / max(1, calls)) for i, c in enumerate(speakers)),
            *(c.run(1.0) for c in floods),
        )
        # a frozen server answers when its decoders let it
        handled = (await http.get("/bench/frames", timeout=600.0)).json()
        await http.post("/bench/stop")
    lags: list[float] = []
    for c in speakers:
        server = handled.get(c.session_id, [])
        start = c.sent[0] + WARM_S if c.sent else 0.0
        lags.extend(h - s for s, h in zip(c.sent, server, strict=False) if s >= start)
    codes: dict[str, int] = {}
    for c in speakers:
        for code, n in c.error_codes.items():
            codes[code] = codes.get(code, 0) + n
    return {
        "frames": len(lags),
        "lag_p50_ms": 1000 * pct(lags, 50),
        "lag_p99_ms": 1000 * pct(lags, 99),
        "lag_max_ms": 1000 * max(lags, default=float("nan")),
        "health_p50_ms": 1000 * pct(health, 50),
        "health_p99_ms": 1000 * pct(health, 99),
        "health_n": len(health),
        "turns": sum(c.turns for c in speakers),
        "transcripts": sum(c.transcripts for c in speakers),
        "errors": codes,
    }


def run_mode(mode: str, args: argparse.Namespace) -> dict[str, object]:
    cmd = [
        sys.executable,
        __file__,
        "--serve",
        mode,
        "--workers",
        str(args.workers),
        "--nice",
        str(args.nice),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"server did not start: {line!r}")
        result = asyncio.run(drive(int(line.split()[1]), args.calls, args.noise, args.seconds))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        return result
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--modes", default="thread,process", help="thread (before), process (after)")
    p.add_argument("--calls", type=int, default=20, help="callers speaking fixture sentences")
    p.add_argument("--noise", type=int, default=2, help="callers streaming loud noise without a pause")
    p.add_argument("--seconds", type=float, default=40.0)
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument(
        "--nice", type=int, default=LocalAsrOptions().worker_nice, help="worker processes' niceness"
    )
    p.add_argument("--serve", choices=["thread", "process"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.workers, args.nice)
        return
    from fixtures.audio.generate import ensure_generated

    ensure_generated()
    print(
        f"{args.calls} speaking calls + {args.noise} noise floods, {args.seconds:g} s, {os.cpu_count()} cores"
    )
    print(
        "| decoding | frame lag p50 / p99 / max | /api/health p50 / p99 | turns | transcripts | errors sent |"
    )
    print("|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        r = run_mode(mode, args)
        label = "threads (before)" if mode == "thread" else f"{args.workers} worker processes (after)"
        print(
            f"| {label} | {r['lag_p50_ms']:.1f} / {r['lag_p99_ms']:.1f} / {r['lag_max_ms']:.0f} ms "
            f"| {r['health_p50_ms']:.1f} / {r['health_p99_ms']:.1f} ms | {r['turns']} | {r['transcripts']} "
            f"| {json.dumps(r['errors'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
