"""``python -m voice_gateway.call question.wav [--out reply.wav]``: one spoken turn through the whole loop over
the real ``/ws/voice`` WebSocket (``voice_gateway.client``), no microphone needed. Prints the transcript, the
reply and the latencies.

The WAV is sent at real-time pace in 20 ms frames, followed by silence until the reply has been played; a
greeting, if the service sends one, is waited out first. The token comes from ``--token``, ``IP_TOKEN`` or
``var/dev_token`` (written by ``make run``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import websockets

from voice_gateway.audio import read_wav, write_wav
from voice_gateway.client import place_call


def default_token() -> str | None:
    token = os.environ.get("IP_TOKEN")
    path = Path("var/dev_token")
    if not token and path.exists():
        token = path.read_text().strip()
    return token or None


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
        print(f"error: {err.code}: {err.message}", file=sys.stderr)
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
