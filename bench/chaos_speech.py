"""The speech drills of the chaos bench (issue 13): vendor speech faults and noise floods against live calls.

    .venv/bin/python -m bench.chaos_speech [--quick]     # alone; bench/chaos.py calls speech_drills(quick)

Drills 1-4 run ``python -m app serve`` as a process of its own (``LiveService``) with ``IP_SPEECH_ENGINE=minimax``
pointed at the MiniMax emulator, which runs in this bench's event loop and injects the faults. Callers speak real
fixture audio ("how many plastic wall anchors are left", a read: nothing is written) over ``/ws/voice`` with a live
microphone (``bench/chaos_speech_client.py``); the emulator transcribes it as that question. A healthy call comes
first and is the yardstick (reply text and intent, audio length, reply-ready → first-audio time).

1. MiniMax TTS stream dies mid-reply (the bidi WebSocket cut after the reply's second 100 ms chunk; an SSE stream,
   should the adapter move to it, cut likewise): the caller hears the whole reply (audio at least 60 % of the
   shorter of MiniMax's and espeak-ng's rendering of it, ended by ``audio_end``), no ``synthesis_failed``, a next
   turn is answered, and ``speech_fallbacks_total{kind="tts"}`` at /metrics grows.
2. Slow first chunk (MiniMax holds the reply's first chunk 4 s): reply audio starts within 1.2 s of the ``reply``
   event, the whole reply is spoken, the fallback is counted.
3. MiniMax speech-to-text failing (rate limit 1002 on every attempt of one turn, HTTP 500 on every attempt of the
   next): the local recognizer transcribes both turns, the replies are the healthy call's answer and are
   spoken, ``speech_fallbacks_total{kind="asr"}`` grows by the turns.
4. MiniMax unreachable (the emulator stopped while the service runs): new calls are greeted and every question
   gets a transcript and a spoken reply from the local engines.
5. Noise floods don't freeze other calls: ``bench/speech_isolation.py`` (local recognizer in worker processes,
   espeak-ng; 20 speaking calls + 2 callers streaming loud noise, 30 s; quick: 10 calls, 15 s): the speaking
   calls' frame lag p99 ≤ 20 ms and ``/api/health`` p99 ≤ 100 ms.

"calls dropped": calls that ended (socket closed, or a caller gave up on an error) before the drill hung up."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from argparse import Namespace
from collections.abc import Awaitable
from typing import ClassVar

import httpx

from bench import speech_isolation as iso
from bench.chaos_live import LiveService, Row, print_table
from bench.chaos_speech_client import RATE, SpeechCall, Turn
from fixtures.audio.generate import ensure_generated
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.fakes.minimax_emulator import audio as tone
from voice_gateway.audio import read_wav, resample
from voice_gateway.speech.local import EspeakSynthesizer
from voice_gateway.speech.ports import SynthesisFormat
from voice_gateway.turns.timeline import split_sentences

# Reads with replies of a sentence or two that the local recognizer hears word for word from the fixtures
# (Whisper hears the espeak-ng rendering of "zip knives" as "deep eyes").
QUESTION = "how many plastic wall anchors are left"
OTHER_QUESTION = "how many double a batteries do we have left"
DROP_AFTER = 2  # reply chunks MiniMax delivers before its stream is cut
SLOW_FIRST_S = 4.0
FIRST_AUDIO_GOAL_S = 1.2
HEARD_FRACTION = 0.6
ASR_SHOTS = 50  # more than every attempt of one turn (client retries × gateway retries × speculation)


def fixture_pcm(text: str) -> bytes:
    entry = {e.text: e for e in ensure_generated()}[text]
    wav = read_wav(entry.path("clean"))
    return wav.pcm if wav.sample_rate == RATE else resample(wav.pcm, wav.sample_rate, RATE)


def emulator_chunks(text: str) -> int:
    """Audio chunks the emulator sends for ``text`` spoken sentence by sentence (as playout asks for it)."""
    return sum(
        len(tone.chunks(tone.render(text[a:b], "pcm", RATE), "pcm", RATE)) for a, b in split_sentences(text)
    )


def emulator_seconds(text: str) -> float:
    return sum(tone.duration_s(text[a:b]) for a, b in split_sentences(text))


async def espeak_seconds(text: str) -> float:
    pcm = b"".join([c async for c in EspeakSynthesizer().stream(text, SynthesisFormat("pcm", RATE))])
    return len(pcm) / (2 * RATE)


async def fallbacks(svc: LiveService) -> dict[str, float]:
    """``speech_fallbacks_total`` by kind (asr, tts) from the service's /metrics."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        text = (await http.get(f"{svc.base_url}/metrics", headers=svc.headers())).text
    out: dict[str, float] = {"asr": 0.0, "tts": 0.0}
    for line in text.splitlines():
        if line.startswith("speech_fallbacks_total{"):
            labels, value = line.rsplit(" ", 1)
            kind = labels.split('kind="', 1)[1].split('"', 1)[0]
            out[kind] = out.get(kind, 0.0) + float(value)
    return out


class Drill:
    """The calls of one drill, hung up at its end; counts the ones that ended early."""

    def __init__(self, svc: LiveService) -> None:
        self.svc = svc
        self.calls: list[SpeechCall] = []

    async def call(self) -> tuple[SpeechCall, Turn]:
        call = SpeechCall(self.svc.ws_url, self.svc.token)
        self.calls.append(call)
        return call, await call.open()

    async def end(self) -> int:
        dropped = sum(c.dropped for c in self.calls)
        await asyncio.gather(*(c.hang_up() for c in self.calls))
        return dropped


# -- drills 1-4: MiniMax faults ----------------------------------------------------------------------------------
async def minimax_drills(quick: bool) -> list[Row]:
    question = fixture_pcm(QUESTION)
    async with MiniMaxEmulator() as emu:
        emu.asr_text = QUESTION
        env = {
            "IP_SPEECH_ENGINE": "minimax",
            "IP_MINIMAX_API_KEY": emu.api_key,
            "IP_MINIMAX_BASE_URL": emu.base_url,
            # Each drill's fault on its own: no rest carried over from the drill before (the rest after a
            # failure is covered by tests/minimax/test_minimax_failover.py).
            "IP_MINIMAX_REST_S": "0",
        }
        async with LiveService(env=env) as svc:
            d = Drill(svc)
            _, greeting = await d.call()
            base = await d.calls[0].ask(question)
            await d.end()
            rows = [
                await guarded(DRILL_DROP, mid_reply_drop(svc, emu, greeting, base, question)),
                await guarded(DRILL_SLOW, slow_first_chunk(svc, emu, base, question)),
                await guarded(DRILL_ASR, asr_failing(svc, emu, base, question)),
            ]
            await emu.stop()
            rows.append(await guarded(DRILL_DOWN, unreachable(svc, quick)))
    yardstick = (
        f"healthy call: reply {base.reply!r} (intent {base.intent}), {base.summary()}, "
        f"question end → reply {fmt_s(base.answer_wait_s)}, reply ready → first audio {fmt_s(base.reply_to_audio_s)}"
    )
    rows[0].notes.insert(0, yardstick)
    return rows


async def guarded(name: tuple[str, str], drill: Awaitable[Row]) -> Row:
    """Run a drill coroutine; a drill that raises is a row that says so."""
    try:
        return await drill
    except Exception as exc:
        return Row(name[0], name[1], f"drill failed: {exc!r}", notes=[f"{type(exc).__name__}: {exc}"])


def words(text: str) -> list[str]:
    return "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()


def fmt_s(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f} s"


DRILL_DROP = (
    "MiniMax TTS drops mid-reply",
    "whole reply heard (local engine speaks the rest), no synthesis_failed, next turn answered, fallback counted",
)


async def mid_reply_drop(svc: LiveService, emu: MiniMaxEmulator, greeting: Turn, base: Turn, q: bytes) -> Row:
    emu.faults.reset()
    before = await fallbacks(svc)
    # The drop is armed on the call's WebSocket when it opens; chunks count over the connection, greeting first.
    emu.faults.drop_ws(after_chunks=emulator_chunks(greeting.reply) + DROP_AFTER)
    emu.faults.drop_sse(after_chunks=DROP_AFTER)
    d = Drill(svc)
    call, hello = await d.call()
    turn = await call.ask(q)
    drops = sum(w.closed_by == "drop" for w in emu.ws_sessions)
    emu.faults.reset()
    nxt = await call.ask(q)
    after = await fallbacks(svc)
    dropped = await d.end()
    mm_s, es_s = emulator_seconds(turn.reply or base.reply), await espeak_seconds(turn.reply or base.reply)
    delta = after["tts"] - before["tts"]
    whole = turn.audio_s >= HEARD_FRACTION * min(mm_s, es_s)
    ok = (
        drops > 0
        and turn.spoken
        and whole
        and "synthesis_failed" not in turn.errors
        and nxt.spoken
        and delta >= 1
        and hello.ended_by == "audio_end"
        and not dropped
    )
    observed = (
        f"stream cut {'after' if drops else 'NOT cut; expected after'} {DROP_AFTER} chunks; reply {turn.summary()} "
        f"(whole reply: MiniMax {mm_s:.2f} s, espeak {es_s:.2f} s); next turn {nxt.summary()}; "
        f"tts fallbacks +{delta:g}"
    )
    notes = [f"greeting on the faulted call: {hello.summary()}"]
    return Row(*DRILL_DROP, observed, calls_dropped=dropped, ok=ok, notes=notes)


DRILL_SLOW = (
    "MiniMax TTS first chunk 4 s late",
    f"reply audio within {FIRST_AUDIO_GOAL_S:g} s of the reply being ready (local engine), whole reply, "
    "fallback counted",
)


async def slow_first_chunk(svc: LiveService, emu: MiniMaxEmulator, base: Turn, q: bytes) -> Row:
    emu.faults.reset()
    d = Drill(svc)
    call, _ = await d.call()
    before = await fallbacks(svc)
    emu.faults.slow_first_chunk(SLOW_FIRST_S)  # armed after the greeting: the reply's first sentence is slow
    turn = await call.ask(q)
    emu.faults.reset()
    nxt = await call.ask(q)
    after = await fallbacks(svc)
    dropped = await d.end()
    wait = turn.reply_to_audio_s
    delta = after["tts"] - before["tts"]
    ok = (
        wait is not None
        and wait <= FIRST_AUDIO_GOAL_S
        and turn.spoken
        and not turn.errors
        and nxt.spoken
        and delta >= 1
        and not dropped
    )
    observed = (
        f"reply ready → first audio {fmt_s(wait)} (healthy {fmt_s(base.reply_to_audio_s)}); reply "
        f"{turn.summary()}; next turn {nxt.summary()}; tts fallbacks +{delta:g}"
    )
    return Row(*DRILL_SLOW, observed, calls_dropped=dropped, ok=ok)


DRILL_ASR = (
    "MiniMax speech-to-text failing",
    "local recognizer transcribes the turn, a proper spoken reply (not silence), fallback counted",
)


async def asr_failing(svc: LiveService, emu: MiniMaxEmulator, base: Turn, q: bytes) -> Row:
    emu.faults.reset()
    d = Drill(svc)
    call, _ = await d.call()
    before = await fallbacks(svc)
    parts, good = [], True
    for label, arm in (
        ("rate limit 1002", lambda: emu.faults.fail_next(1002, times=ASR_SHOTS, on="asr")),
        ("HTTP 500", lambda: emu.faults.http_500(times=ASR_SHOTS, on="asr")),
    ):
        asked = sum(r.path.endswith("speech_to_text") for r in emu.requests)
        arm()
        turn = await call.ask(q)
        emu.faults.reset()
        tries = sum(r.path.endswith("speech_to_text") for r in emu.requests) - asked
        proper = turn.reply == base.reply and turn.spoken  # the same read as the healthy call's
        good = good and proper and "recognition_failed" not in turn.errors
        parts.append(
            f"{label} ×{tries} MiniMax tries: transcript {turn.transcript!r}, intent {turn.intent}, "
            f"question end → reply {fmt_s(turn.answer_wait_s)} (healthy {fmt_s(base.answer_wait_s)}), "
            f"{turn.summary()}"
        )
    after = await fallbacks(svc)
    dropped = await d.end()
    delta = after["asr"] - before["asr"]
    ok = good and delta >= 2 and not dropped
    observed = "; ".join(parts) + f"; asr fallbacks +{delta:g}"
    return Row(*DRILL_ASR, observed, calls_dropped=dropped, ok=ok)


DRILL_DOWN = (
    "MiniMax unreachable",
    "calls go on on the local engines: a greeting and a transcript and spoken reply for every question",
)


async def unreachable(svc: LiveService, quick: bool) -> Row:
    texts = [QUESTION, OTHER_QUESTION]
    questions = [fixture_pcm(t) for t in texts]
    before = await fallbacks(svc)
    d = Drill(svc)

    async def one() -> list[Turn]:
        call, greeting = await d.call()
        return [greeting] + [await call.ask(q, within_s=40.0) for q in questions]

    t0 = time.monotonic()
    results = await asyncio.gather(*(one() for _ in range(1 if quick else 2)))
    wall = time.monotonic() - t0
    after = await fallbacks(svc)
    dropped = await d.end()
    greetings = [r[0] for r in results]
    asked = [t for r in results for t in r[1:]]
    spoken = sum(t.spoken for t in asked)
    heard = sum(bool(t.transcript) for t in asked)
    right = sum(words(t.transcript) == words(texts[i % len(texts)]) for i, t in enumerate(asked))
    errors = sorted({e for r in results for t in r for e in t.errors})
    ok = spoken == len(asked) and heard == len(asked) and all(g.spoken for g in greetings) and not dropped
    observed = (
        f"{len(results)} calls: greetings spoken {sum(g.spoken for g in greetings)}/{len(greetings)}, "
        f"questions transcribed {heard}/{len(asked)} ({right} word for word), replies spoken {spoken}/{len(asked)}; "
        f"errors {','.join(errors) or 'none'}; fallbacks asr +{after['asr'] - before['asr']:g}, "
        f"tts +{after['tts'] - before['tts']:g}"
    )
    notes = [
        f"turn {t.transcript!r} → {t.reply!r}: question end → reply {fmt_s(t.answer_wait_s)}, {t.summary()}"
        for t in asked
    ]
    notes.append(f"calls took {wall:.1f} s")
    return Row(*DRILL_DOWN, observed, calls_dropped=dropped, ok=ok, notes=notes)


# -- drill 5: noise floods, local engines ------------------------------------------------------------------------
LAG_GOAL_MS, HEALTH_GOAL_MS = 20.0, 100.0
DRILL_NOISE = (
    "noise floods on local speech",
    f"other calls' frame lag p99 ≤ {LAG_GOAL_MS:g} ms, /api/health p99 ≤ {HEALTH_GOAL_MS:g} ms",
)


class _CountingCaller(iso.Caller):
    """``speech_isolation.Caller`` that notes a call ending early instead of aborting the whole run."""

    ended: ClassVar[list[str]] = []

    async def run(self, delay: float) -> None:
        try:
            await super().run(delay)
        except Exception as exc:
            _CountingCaller.ended.append(f"{self.session_id}: {exc!r}")


def _isolation(args: Namespace) -> dict[str, object]:
    """``speech_isolation.run_mode`` with callers that count early ends (its ``drive`` looks ``Caller`` up)."""
    original = iso.Caller
    iso.Caller = _CountingCaller  # type: ignore[misc]
    try:
        return iso.run_mode("process", args)
    finally:
        iso.Caller = original  # type: ignore[misc]


async def noise_floods(quick: bool) -> Row:
    calls, seconds = (10, 15.0) if quick else (20, 30.0)
    args = Namespace(calls=calls, noise=2, seconds=seconds, workers=2, nice=iso.LocalAsrOptions().worker_nice)
    _CountingCaller.ended.clear()
    load_before = os.getloadavg()[0]
    r = await asyncio.to_thread(_isolation, args)
    load = f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores"
    ended = list(_CountingCaller.ended)
    lag, health = float(r["lag_p99_ms"]), float(r["health_p99_ms"])  # type: ignore[arg-type]
    ok = lag <= LAG_GOAL_MS and health <= HEALTH_GOAL_MS and not ended
    observed = (
        f"{calls} calls + 2 floods, {seconds:g} s: frame lag p50/p99/max {r['lag_p50_ms']:.1f}/{lag:.1f}/"
        f"{r['lag_max_ms']:.0f} ms; /api/health p50/p99 {r['health_p50_ms']:.1f}/{health:.1f} ms; "
        f"turns {r['turns']}, transcripts {r['transcripts']}, errors sent {r['errors'] or 'none'}"
    )
    notes = [
        "server: bench/speech_isolation.py's (real gateway, local recognizer in 2 worker processes, espeak-ng, "
        "a fake conversation), not python -m app; " + load,
        f"{r['transcripts']} of {r['turns']} sentences spoken were transcribed (the last of each call is cut off "
        "by the end of the run); errors sent are what a speaking caller got instead of a reply",
        *ended,
    ]
    return Row(*DRILL_NOISE, observed, calls_dropped=len(ended), ok=ok, notes=notes)


# -- the runner's entry ------------------------------------------------------------------------------------------
async def speech_drills(quick: bool) -> list[Row]:
    ensure_generated()
    try:
        rows = await minimax_drills(quick)
    except Exception as exc:  # the service or the healthy call failed: every MiniMax drill says so
        drills = (DRILL_DROP, DRILL_SLOW, DRILL_ASR, DRILL_DOWN)
        rows = [Row(*d, f"not run: {exc!r}", notes=[f"{type(exc).__name__}: {exc}"]) for d in drills]
    rows.append(await guarded(DRILL_NOISE, noise_floods(quick)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, shorter noise flood")
    args = parser.parse_args()
    t0 = time.monotonic()
    rows = asyncio.run(speech_drills(args.quick))
    print_table(rows)
    print(f"\nspeech drills: {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
