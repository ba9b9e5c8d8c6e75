"""Voice-to-voice latency with the local engine, with and without early turn ends.

    .venv/bin/python bench/turn_end.py                    # short answers and full requests, early end on and off
    .venv/bin/python bench/turn_end.py --requests 6 --modes early

End of speech (the last voiced frame of the question leaving the client) → first reply audio byte received, as
``bench/gateway.py --voice-to-voice`` measures it: one call at a time over a real ``/ws/voice`` socket on loopback,
the caller streaming at real time. The server (this file with ``--serve``, in its own process) runs the real
gateway with the local engines built as ``app/speech.py`` builds them (``LocalRecognizer`` on the fixture
catalogue, ``EspeakSynthesizer``) and a scripted dialogue whose first prompt awaits what the utterance answers
(yes/no, a quantity, free speech) and whose reply is one fixed sentence. Short answers ("yes", "twelve", ...) are
rendered with espeak-ng voices; full requests are the fixture manifest's free-speech utterances; long requests are
~5 s sentences of two requests about fixture items ("we need to order forty two …, then how many … are left").
``head``: the default (tentative end after 0.15 s of silence; a long utterance's recognition starts there too);
``early``: the tentative end for short answers only (``head_start`` off); ``off``: ``tentative_end_s=0`` (the
fixed hang). Besides voice-to-voice, each kind's "recognition after the end of speech" is printed: the turn's end
(``speech_stopped``) → its transcript, what recognition adds once the end silence is over."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.settings import Settings  # noqa: E402
from bench.gateway_server import FIXTURES, TOKEN, pct  # noqa: E402
from bench.serving import serve_announced, stoppable_server  # noqa: E402
from dialogue.contract import AgentReply, Expectation, HeardWords, RecognitionHints, TurnSource  # noqa: E402
from voice_gateway.audio import read_wav  # noqa: E402
from voice_gateway.scripted_call import place_call  # noqa: E402

ANSWER = "Okay, I have noted that."
SHORT: tuple[tuple[str, Expectation], ...] = (
    ("yes", "yes_no"),
    ("yeah", "yes_no"),
    ("no", "yes_no"),
    ("correct", "yes_no"),
    ("twelve", "quantity"),
    ("twenty five", "quantity"),
    ("thirty eight", "quantity"),
    ("cancel", "free"),
)
VOICES = (("en-us", 160), ("en-gb", 150))


# -- the server ------------------------------------------------------------------------------------------------
@dataclass
class Setup:
    expect: Expectation = "free"


class ExpectingConversation:
    """Greets silently with a prompt awaiting ``setup.expect``; answers any turn with one fixed sentence."""

    def __init__(self, setup: Setup) -> None:
        self.expect = setup.expect
        self.n = 0

    def _reply(self, text: str, expect: Expectation) -> AgentReply:
        self.n += 1
        return AgentReply(f"t{self.n}", text, RecognitionHints(expect))

    async def greet(self) -> AgentReply:
        return self._reply("", self.expect)

    async def user_text(
        self, text: str, source: TurnSource = "speech", heard: HeardWords | None = None
    ) -> AgentReply:
        return self._reply(ANSWER, "free")

    async def no_input(self) -> AgentReply:
        return self._reply("", self.expect)

    async def not_understood(self) -> AgentReply:
        return self._reply("Sorry, say that again.", self.expect)

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        return None

    async def close(self) -> None:
        return None


def serve() -> None:
    import uvicorn
    from fastapi import FastAPI

    from tests.fakes.gateway import TokenCheck
    from voice_gateway import routes
    from voice_gateway.gateway import Gateway, GatewayLimits
    from voice_gateway.options import Channel, SessionOptions
    from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer
    from voice_gateway.speech.ports import VocabularyItem

    manifest = [json.loads(x) for x in (FIXTURES / "manifest.jsonl").read_text().splitlines()]
    items = sorted({n for n in (e["slots"].get("item") for e in manifest) if n})
    recognizer = LocalRecognizer([VocabularyItem(f"SKU-{i}", name) for i, name in enumerate(items)])
    setup = Setup()

    class Conversations:
        def open(
            self, session_id: str, channel: str, actor: str, site: str | None = None
        ) -> ExpectingConversation:
            return ExpectingConversation(setup)

    gate = Settings().noise_gate_s  # IP_NOISE_GATE_S, as the service reads it (0: the noise gate off)

    def options(mode: str) -> dict[Channel, SessionOptions]:
        tentative = 0.0 if mode == "off" else None  # None: the default
        return {
            ch: SessionOptions.for_channel(
                ch,
                barge_in_min_s=0.12,
                phone_echo_guard_s=0.2,
                max_call_s=1800.0,
                tentative_end_s=tentative,
                head_start=mode == "head",
                noise_gate_s=gate,
            )
            for ch in ("voice", "phone")
        }

    session_options = options("head")
    gateway = Gateway(
        recognizer=recognizer,
        synthesizer=EspeakSynthesizer(),
        conversations=Conversations(),
        authenticate=TokenCheck({TOKEN: "bench"}),
        session_options=session_options,
        limits=GatewayLimits(max_sessions_per_token=100),
    )
    app = FastAPI()
    app.include_router(routes.router)
    app.state.gateway = gateway
    server = stoppable_server(
        app,
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="websockets"),
    )

    @app.post("/bench/setup")
    async def configure(body: dict[str, object]) -> dict[str, bool]:
        setup.expect = body["expect"]  # type: ignore[assignment]
        session_options.update(options(str(body["mode"])))
        return {"ok": True}

    async def main() -> None:
        await serve_announced(server, recognizer.warm_up)
        recognizer.close()

    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


# -- the callers -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Utterance:
    label: str
    text: str
    expect: Expectation
    pcm: bytes
    rate: int
    kind: str  # short | full | long


def espeak(text: str, voice: str, wpm: int) -> tuple[bytes, int]:
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", f.name, text], check=True)
        wav = read_wav(f.name)
    return wav.pcm, wav.sample_rate


def utterances(requests: int, long: int) -> list[Utterance]:
    out = []
    for voice, wpm in VOICES:
        for text, expect in SHORT:
            pcm, rate = espeak(text, voice, wpm)
            out.append(Utterance(f"{voice}: {text}", text, expect, pcm, rate, "short"))
    manifest = [json.loads(x) for x in (FIXTURES / "manifest.jsonl").read_text().splitlines()]
    for e in [e for e in manifest if e["expect"] == "free" and len(e["text"].split()) >= 4][:requests]:
        wav = read_wav(FIXTURES / "generated" / "clean" / e["file"])
        out.append(Utterance(e["file"], e["text"], "free", wav.pcm, wav.sample_rate, "full"))
    items = sorted({n for n in (e["slots"].get("item") for e in manifest) if n})
    for k in range(long):
        a, b = items[(2 * k) % len(items)], items[(2 * k + 1) % len(items)]
        text = f"we need to order forty two {a}, then how many {b} are left"
        pcm, rate = espeak(text, "en-us", 150)
        out.append(Utterance(f"long {k + 1} ({len(pcm) / 2 / rate:.1f} s)", text, "free", pcm, rate, "long"))
    return out


Figures = dict[tuple[str, str], list[float]]


async def measure(host: str, cases: list[Utterance], modes: list[str]) -> tuple[Figures, Figures]:
    """Each utterance in each mode in turn (so a busy machine weighs on every mode alike): voice-to-voice, and
    turn end → transcript."""
    ms: Figures = {}
    after: Figures = {}
    async with httpx.AsyncClient(base_url=f"http://{host}") as http:
        for u in cases:
            for mode in modes:
                await http.post("/bench/setup", json={"expect": u.expect, "mode": mode})
                result = await place_call(f"ws://{host}/ws/voice", u.pcm, u.rate, TOKEN)
                lat = result.latencies()
                total = lat.get("end_of_speech_to_first_audio_ms")
                if total is not None:
                    ms.setdefault((mode, u.kind), []).append(total)
                stopped, heard = (
                    lat.get("end_of_speech_to_speech_stopped_ms"),
                    lat.get("end_of_speech_to_transcript_ms"),
                )
                if stopped is not None and heard is not None:
                    after.setdefault((mode, u.kind), []).append(max(0.0, heard - stopped))
                steps = " ".join(
                    f"{k}={lat[f'end_of_speech_to_{key}_ms']:.0f}"
                    for k, key in (("stopped", "speech_stopped"), ("transcript", "transcript"))
                    if f"end_of_speech_to_{key}_ms" in lat
                )
                shown = "-" if total is None else f"{total:.0f} ms"
                print(
                    f"  {mode:<5} {u.label:<20} heard {result.transcript!r:<30} {shown:>8}  ({steps})",
                    flush=True,
                )
    return ms, after


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--requests", type=int, default=10, help="full requests from the fixture manifest")
    p.add_argument("--long", type=int, default=6, help="~5 s requests")
    p.add_argument(
        "--modes",
        default="off,early,head",
        help="off (fixed hang), early (short answers), head (the default)",
    )
    args = p.parse_args()
    if args.serve:
        serve()
        return
    cases = utterances(args.requests, args.long)
    proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"bench server did not start: {line!r}")
        host = f"127.0.0.1:{line.split()[1]}"
        ms, after = asyncio.run(measure(host, cases, args.modes.split(",")))
        httpx.post(f"http://{host}/bench/stop", timeout=5)
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
    print(f"voice-to-voice (end of speech -> first reply audio), local engine, one call at a time; {load()}")
    print(
        f"{'mode':<6} {'utterances':<11} {'n':>3} {'p50 ms':>7} {'p90 ms':>7} {'min':>5} {'max':>5}"
        f"  {'recognition after the turn end p50 / p90 ms':>44}"
    )
    order = {"short": 0, "full": 1, "long": 2}
    for (mode, kind), v in sorted(ms.items(), key=lambda kv: (order[kv[0][1]], kv[0][0])):
        a = after.get((mode, kind), [])
        rec = f"{pct(a, 50):.0f} / {pct(a, 90):.0f}" if a else "-"
        print(
            f"{mode:<6} {kind:<11} {len(v):>3} {pct(v, 50):>7.0f} {pct(v, 90):>7.0f} {min(v):>5.0f} {max(v):>5.0f}"
            f"  {rec:>44}"
        )


if __name__ == "__main__":
    main()
