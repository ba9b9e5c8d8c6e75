"""``python -m voice_gateway.call question.wav [--out reply.wav]``: one spoken turn through the whole loop over
the real ``/ws/voice`` WebSocket, no microphone needed. Prints the transcript, the reply and the latencies.

The WAV is sent at real-time pace in 20 ms frames, followed by silence until the reply has been played; a
greeting, if the service sends one, is waited out first. The token comes from ``--token``, ``IP_TOKEN`` or
``var/dev_token`` (written by ``make run``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

from voice_gateway.audio import frame_bytes, read_wav, resample, write_wav
from voice_gateway.protocol import SUPPORTED_INPUT_RATES
from voice_gateway.turns.vad import WebRtcVoiceDetector

FRAME_S = 0.02


@dataclass
class CallResult:
    transcript: str = ""
    reply: str = ""
    awaiting: str = ""
    reply_audio: bytearray = field(default_factory=bytearray)
    reply_rate: int = 16000
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Client clock times (time.monotonic) of what happened, for latencies.
    speech_end_sent: float | None = None  # the last voiced frame of the question left the client
    times: dict[str, float] = field(default_factory=dict)  # first arrival of each message type

    def latencies(self) -> dict[str, float]:
        t, out = self.times, {}
        if self.speech_end_sent is not None:
            for key in ("speech_stopped", "transcript", "reply", "first_audio"):
                if key in t:
                    out[f"end_of_speech_to_{key}_ms"] = 1000 * (t[key] - self.speech_end_sent)
        if "speech_stopped" in t and "first_audio" in t:
            out["endpoint_to_first_audio_ms"] = 1000 * (t["first_audio"] - t["speech_stopped"])
        if "transcript" in t and "speech_stopped" in t:
            out["recognition_ms"] = 1000 * (t["transcript"] - t["speech_stopped"])
        if "reply" in t and "transcript" in t:
            out["dialogue_ms"] = 1000 * (t["reply"] - t["transcript"])
        return out


def last_voiced_s(pcm16k: bytes) -> float:
    """Where speech ends in the file (webrtcvad), so trailing silence in the WAV is not counted as waiting."""
    vad, size, last = WebRtcVoiceDetector(), frame_bytes(16000), 0.0
    for i in range(0, len(pcm16k) - size + 1, size):
        if vad.is_speech(pcm16k[i : i + size]):
            last = (i + size) / 2 / 16000
    return last


def default_token() -> str | None:
    token = os.environ.get("IP_TOKEN")
    path = Path("var/dev_token")
    if not token and path.exists():
        token = path.read_text().strip()
    return token or None


async def place_call(
    url: str,
    pcm: bytes,
    rate: int,
    token: str | None,
    *,
    realtime: bool = True,
    timeout_s: float = 30.0,
) -> CallResult:
    """Speak ``pcm`` (mono PCM16 at ``rate``) into ``url`` and collect the reply."""
    if rate not in SUPPORTED_INPUT_RATES:
        pcm, rate = resample(pcm, rate, 16000), 16000
    speech_end = last_voiced_s(resample(pcm, rate, 16000))
    size = frame_bytes(rate)
    frames = [pcm[i : i + size] for i in range(0, len(pcm), size)]
    quiet = bytes(size)
    result = CallResult()
    done = asyncio.Event()
    # "asked": the question has been sent, so what follows is the answer; "greeting": a greeting is playing.
    state = {"asked": False, "greeting": False}

    async with websockets.connect(url, max_size=None, compression=None) as ws:
        start: dict[str, Any] = {"type": "start", "sample_rate": rate, "encoding": "pcm_s16le", "channels": 1}
        if token:
            start["token"] = token
        await ws.send(json.dumps(start))

        async def receive() -> None:
            async for raw in ws:
                now = time.monotonic()
                if isinstance(raw, bytes):
                    if state["asked"] and result.times.get("reply"):
                        result.times.setdefault("first_audio", now)
                        result.reply_audio.extend(raw)
                    continue
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "error":
                    result.errors.append(msg)
                elif not state["asked"]:
                    playing = state["greeting"] or kind == "audio_start"
                    state["greeting"] = playing and kind not in ("audio_end", "clear")
                else:
                    result.times.setdefault(kind, now)
                    if kind == "transcript" and not result.transcript:
                        result.transcript = msg["text"]
                    elif kind == "reply" and not result.reply:
                        result.reply, result.awaiting = msg["text"], msg["awaiting"]["expect"]
                    elif kind == "audio_start":
                        result.reply_rate = msg["sample_rate"]
                    elif kind in ("audio_end", "clear") and result.reply:
                        done.set()
            done.set()

        async def pace(chunks: list[bytes], live: bool = True) -> None:
            t0 = time.monotonic()
            for k, chunk in enumerate(chunks):
                await ws.send(chunk)
                # Real time, or as fast as possible but still letting the reader run.
                await asyncio.sleep(max(0.0, t0 + (k + 1) * FRAME_S - time.monotonic()) if live else 0)

        async def converse() -> None:
            async with asyncio.timeout(timeout_s):
                # Wait out a greeting (one starting within 1.5 s), sending silence as a live microphone would.
                await pace([quiet] * 75)
                while state["greeting"] and not done.is_set():
                    await pace([quiet] * 10)
                state["asked"] = True
                t_start = time.monotonic()
                await pace(frames, live=realtime)  # only the question may go faster than real time
                result.speech_end_sent = t_start + speech_end if realtime else time.monotonic()
                while not done.is_set():
                    await pace([quiet] * 10)

        reader = asyncio.create_task(receive())
        try:
            await converse()
        except websockets.ConnectionClosed:
            # The server ended the call: let the reader take in what arrived before the close.
            await asyncio.wait({reader}, timeout=2.0)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice_gateway.call", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("wav", type=Path, help="a 16-bit PCM WAV with the question")
    parser.add_argument("--out", type=Path, help="write the reply audio to this WAV")
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/voice")
    parser.add_argument("--token", default=None, help="API token (default: $IP_TOKEN or var/dev_token)")
    parser.add_argument("--fast", action="store_true", help="send the question as fast as possible")
    args = parser.parse_args(argv)

    wav = read_wav(args.wav)
    try:
        result = asyncio.run(
            place_call(
                args.url, wav.pcm, wav.sample_rate, args.token or default_token(), realtime=not args.fast
            )
        )
    except TimeoutError:  # before OSError, of which it is a subclass
        print("no reply within the time limit", file=sys.stderr)
        return 3
    except (OSError, websockets.InvalidHandshake) as exc:
        print(f"cannot reach {args.url}: {exc} (is the service running? try `make run`)", file=sys.stderr)
        return 2
    for err in result.errors:
        print(f"error: {err.get('code')}: {err.get('message')}", file=sys.stderr)
    print(f"transcript: {result.transcript or '(nothing recognised)'}")
    print(f"reply:      {result.reply}" + (f"   [awaiting {result.awaiting}]" if result.awaiting else ""))
    audio_s = len(result.reply_audio) / 2 / result.reply_rate
    print(f"reply audio: {audio_s:.2f} s at {result.reply_rate} Hz")
    for name, ms in result.latencies().items():
        print(f"  {name:38s} {ms:8.1f} ms")
    if args.out:
        write_wav(args.out, bytes(result.reply_audio), result.reply_rate)
        print(f"reply written to {args.out}")
    return 0 if result.reply else 1


if __name__ == "__main__":
    sys.exit(main())
