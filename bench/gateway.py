"""Voice gateway benchmark: simulated concurrent calls over real WebSockets on loopback.

    .venv/bin/python bench/gateway.py                      # 1, 50, 100, 200 calls, zero-latency fakes
    .venv/bin/python bench/gateway.py --asr-ms 150 --tts-ms 200 --calls 1,100
    .venv/bin/python bench/gateway.py --voice-to-voice     # one call, local engine (pocketsphinx + espeak-ng)

The server runs in its own process (``bench/gateway_server.py``) with the real gateway routers and fake
recognizer, synthesizer and dialogue. Each simulated caller streams fixture speech at real-time pace in 20 ms
frames, waits for the reply, and cuts into it 0.6 s after it starts (a barge-in), over and over. Figures:

- overhead: end of speech detected (``speech_stopped`` received) → first reply audio byte received, minus the
  fakes' fixed latencies (measured at the client, so network and both event loops are included);
- barge-in: speech onset (the start of the first interrupting frame, sent 20 ms later as a live microphone
  would) → ``clear`` received; includes the configured 0.12 s minimum of speech;
- frame lag p99: the server's event-loop lateness, sampled every 10 ms (how late a frame that has arrived
  waits to be processed); push_frame p99: processing time of one 20 ms frame;
- CPU: server and client processes, in % of one core (the machine's cores are shared by both)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gateway_server import FIXTURES, TOKEN, pct  # noqa: E402
from voice_gateway import protocol  # noqa: E402
from voice_gateway.audio import frame_bytes, read_wav, resample  # noqa: E402
from voice_gateway.client import VoiceClient  # noqa: E402
from voice_gateway.scripted_call import place_call  # noqa: E402
from voice_gateway.turns.vad import WebRtcVoiceDetector  # noqa: E402

FRAME = frame_bytes(16000)
SERVER = Path(__file__).with_name("gateway_server.py")


# -- the callers ---------------------------------------------------------------------------------------------
def fixture_speech() -> list[bytes]:
    """Voiced part of a fixture question, as 16 kHz frames (so the first frame sent is the speech onset)."""
    wav = read_wav(FIXTURES / "generated" / "clean" / "u000.wav")
    pcm = resample(wav.pcm, wav.sample_rate, 16000)
    frames = [pcm[i : i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)]
    vad = WebRtcVoiceDetector()
    voiced = [i for i, f in enumerate(frames) if vad.is_speech(f)]
    return frames[voiced[0] : voiced[-1] + 1]


class Caller:
    """One simulated caller: a microphone stream at real time, reacting to what the gateway sends."""

    def __init__(
        self, url: str, speech: list[bytes], fake_latency_s: float, until: float, frames_per_message: int = 1
    ) -> None:
        self.url, self.speech, self.fake_latency_s, self.until = url, speech, fake_latency_s, until
        self.per_message = max(1, frames_per_message)
        self.overheads: list[float] = []
        self.barge_ins: list[float] = []
        self.queue: list[bytes] = []
        self.t_stopped: float | None = None
        self.t_barge: float | None = None
        self.errors = 0

    def say(self) -> None:
        self.queue = list(self.speech)
        self.t_barge = None

    async def run(self) -> None:
        async with await VoiceClient.connect(self.url, record=False) as client:
            await client.start(16000, token=TOKEN)
            reader = asyncio.create_task(self.read(client))
            try:
                self.say()
                await self.mic(client)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def mic(self, client: VoiceClient) -> None:
        quiet = bytes(FRAME)
        t0, k = time.monotonic(), 0
        while time.monotonic() < self.until:
            batch = []
            for _ in range(self.per_message):
                frame = self.queue.pop(0) if self.queue else quiet
                if frame is not quiet and self.t_barge is None:
                    # A live microphone sends audio once captured: the onset was that long ago.
                    self.t_barge = time.monotonic() - 0.02 * self.per_message
                batch.append(frame)
            await client.send_audio(b"".join(batch))
            k += self.per_message
            await asyncio.sleep(max(0.0, t0 + k * 0.02 - time.monotonic()))

    async def read(self, client: VoiceClient) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await client.read()
            now = client.last_arrival
            if isinstance(item, bytes):
                if self.t_stopped is not None:
                    self.overheads.append(now - self.t_stopped - self.fake_latency_s)
                    self.t_stopped = None
            elif isinstance(item, protocol.SpeechStoppedMessage):
                self.t_stopped = now
            elif isinstance(item, protocol.AudioStartMessage):
                loop.call_later(0.6, self.say)  # cut in 0.6 s into the reply
            elif isinstance(item, protocol.ClearMessage) and self.t_barge is not None:
                self.barge_ins.append(now - self.t_barge)
            elif isinstance(item, protocol.ErrorMessage):
                self.errors += 1


async def run_level(
    host: str, calls: int, seconds: float, fake_latency_s: float, frames_per_message: int = 1
) -> dict[str, float]:
    speech = fixture_speech()
    async with httpx.AsyncClient(base_url=f"http://{host}") as http:
        await http.post("/bench/reset")
        cpu0, wall0 = os.times(), time.monotonic()
        until = time.monotonic() + seconds
        url = f"ws://{host}/ws/voice"
        callers = [Caller(url, speech, fake_latency_s, until, frames_per_message) for _ in range(calls)]

        async def staggered(i: int, c: Caller) -> None:
            await asyncio.sleep(i * min(1.0, seconds / 4) / calls)
            await c.run()

        await asyncio.gather(*(staggered(i, c) for i, c in enumerate(callers)))
        cpu1, wall = os.times(), time.monotonic() - wall0
        server = (await http.get("/bench/stats")).json()
    overheads = [x for c in callers for x in c.overheads]
    barges = [x for c in callers for x in c.barge_ins]
    return {
        "calls": calls,
        "turns": len(overheads),
        "overhead_p50_ms": 1000 * pct(overheads, 50),
        "overhead_p95_ms": 1000 * pct(overheads, 95),
        "barge_in_p50_ms": 1000 * pct(barges, 50),
        "barge_in_p95_ms": 1000 * pct(barges, 95),
        "lag_p99_ms": server["lag_p99_ms"],
        "push_p99_us": server["push_p99_us"],
        "server_cpu_pct": server["cpu_pct"],
        "client_cpu_pct": 100 * (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / wall,
        "errors": sum(c.errors for c in callers),
    }


@contextlib.contextmanager
def server_process(extra: list[str]) -> Any:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", *extra], stdout=subprocess.PIPE, text=True
    )
    line = ""
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"bench server did not start: {line!r}")
        yield f"127.0.0.1:{line.split()[1]}"
    finally:
        if line.startswith("PORT "):
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"http://127.0.0.1:{line.split()[1]}/bench/stop", timeout=5)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(10)


async def voice_to_voice(host: str, count: int) -> list[float]:
    entries = [json.loads(x) for x in (FIXTURES / "manifest.jsonl").read_text().splitlines()][:count]
    out = []
    for e in entries:
        wav = read_wav(FIXTURES / "generated" / "clean" / e["file"])
        result = await place_call(f"ws://{host}/ws/voice", wav.pcm, wav.sample_rate, TOKEN)
        ms = result.latencies().get("end_of_speech_to_first_audio_ms")
        if ms is not None:
            out.append(ms)
        print(f"  {e['file']}: heard {result.transcript!r}: {ms if ms is None else round(ms)} ms", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", default="1,50,100,200")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    p.add_argument("--asr-ms", type=float, default=0.0, help="fixed recognizer latency")
    p.add_argument("--tts-ms", type=float, default=0.0, help="fixed synthesizer time to first audio")
    p.add_argument(
        "--ws",
        default="websockets",
        help="uvicorn WebSocket implementation (websockets as `make run` uses it, websockets-sansio, wsproto, auto)",
    )
    p.add_argument("--loop", default="uvloop", choices=["uvloop", "asyncio"], help="server event loop")
    p.add_argument("--chunk-ms", type=int, default=20, help="caller audio per WebSocket message")
    p.add_argument("--voice-to-voice", type=int, nargs="?", const=12, default=0, metavar="N")
    args = p.parse_args()
    print(f"cores: {os.cpu_count()} (shared by the server and the callers)")
    if args.voice_to_voice:
        with server_process(["--local", "--ws", args.ws, "--loop", args.loop]) as host:
            samples = asyncio.run(voice_to_voice(host, args.voice_to_voice))
        print(
            f"voice-to-voice, local engine, single call: p50 {statistics.median(samples):.0f} ms "
            f"(n={len(samples)}, min {min(samples):.0f}, max {max(samples):.0f})"
        )
        return
    fake = (args.asr_ms + args.tts_ms) / 1000
    print(
        f"fakes: recognizer {args.asr_ms:.0f} ms, synthesizer first audio {args.tts_ms:.0f} ms; {args.seconds:.0f} s per run"
    )
    header = (
        "calls",
        "turns",
        "overhead_p50_ms",
        "overhead_p95_ms",
        "barge_in_p50_ms",
        "barge_in_p95_ms",
        "lag_p99_ms",
        "push_p99_us",
        "server_cpu_pct",
        "client_cpu_pct",
        "errors",
    )
    print(" ".join(f"{h:>15s}" for h in header))
    print(f"server: uvicorn ws={args.ws}, {args.loop} loop; callers send {args.chunk_ms} ms per message")
    with server_process(
        ["--asr-ms", str(args.asr_ms), "--tts-ms", str(args.tts_ms), "--ws", args.ws, "--loop", args.loop]
    ) as host:
        for n in (int(x) for x in args.calls.split(",")):
            row = asyncio.run(run_level(host, n, args.seconds, fake, args.chunk_ms // 20))
            print(
                " ".join(
                    f"{row[h]:>15.1f}" if isinstance(row[h], float) else f"{row[h]:>15d}" for h in header
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
