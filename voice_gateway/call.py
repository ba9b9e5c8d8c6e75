"""``python -m voice_gateway.call order.wav yes.wav [--out replies.wav]`` or ``--script call.txt``: a whole call
through the real ``/ws/voice`` WebSocket (``voice_gateway.scripted_call.run_call``), no microphone needed. Each turn is
played once the reply to the one before has been played; per turn it prints what was heard, the reply and the
latencies.

A script has one turn a line: a WAV path (relative to the script's folder) or ``type: some text`` for a typed
turn; blank lines and lines starting with ``#`` are skipped. WAVs are sent at 16 kHz, as the talk page sends
its microphone, at real-time pace in 20 ms frames, with silence between turns; speech quieter than a
microphone after the page's automatic gain control is raised to that level (``--no-level`` sends it as it
is). The token comes from ``--token``, ``IP_TOKEN`` or ``var/dev_token`` (written by ``make run``).

Exit status: 0 when every turn was answered without an error, 1 when the call ended with an error or a turn
unanswered, 2 when the service cannot be reached, 3 when a reply did not finish in time."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import wave
from pathlib import Path

import numpy as np
import websockets

from voice_gateway.audio import FRAME_MS, array_to_pcm16, pcm16_to_array, read_wav, write_wav
from voice_gateway.scripted_call import CallLog, CallResult, CallTurn, Spoken, Typed, run_call

SPEECH_LEVEL = 32768 * 10 ** (-16 / 20)  # the speech level quiet recordings are raised to (-16 dBFS)
MAX_GAIN = 10 ** (30 / 20)  # at most +30 dB
PEAK = 32768 * 10 ** (-1 / 20)  # no sample past -1 dBFS
TYPED = "type:"


def default_token() -> str | None:
    token = os.environ.get("IP_TOKEN")
    path = Path("var/dev_token")
    if not token and path.exists():
        token = path.read_text().strip()
    return token or None


def speech_level(pcm: bytes, rate: int) -> float:
    """The RMS of the loudest 20 ms frames (95th percentile); 0 for silence or less than a frame."""
    x = pcm16_to_array(pcm).astype(np.float64)
    size = rate * FRAME_MS // 1000
    usable = len(x) // size * size
    if not usable:
        return 0.0
    return float(np.percentile(np.sqrt(np.mean(x[:usable].reshape(-1, size) ** 2, axis=1)), 95))


def raise_quiet_speech(pcm: bytes, rate: int) -> bytes:
    """``pcm`` with quiet speech raised toward ``SPEECH_LEVEL``, as the page's automatic gain control raises a
    quiet microphone: the recognizer mishears speech far below it. Louder audio is left as it is."""
    level = speech_level(pcm, rate)
    if level <= 0:
        return pcm
    x = pcm16_to_array(pcm).astype(np.float64)
    gain = min(SPEECH_LEVEL / level, MAX_GAIN, PEAK / float(np.max(np.abs(x))))
    return pcm if gain <= 1.0 else array_to_pcm16(np.rint(x * gain).astype(np.int16))


def spoken(path: Path, *, level: bool = True) -> Spoken:
    wav = read_wav(path)
    pcm = raise_quiet_speech(wav.pcm, wav.sample_rate) if level else wav.pcm
    return Spoken(pcm, wav.sample_rate, label=str(path))


def read_script(path: Path, *, level: bool = True) -> list[CallTurn]:
    """The turns of a script file (see the module's doc)."""
    turns: list[CallTurn] = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith(TYPED):
            turns.append(Typed(line[len(TYPED) :].strip()))
        else:
            turns.append(spoken(path.parent / line, level=level))
    return turns


def print_turn(k: int, turn: CallTurn, result: CallResult) -> None:
    said = f"type: {turn.text}" if isinstance(turn, Typed) else turn.label
    print(f"turn {k + 1}: {said}")
    for err in result.errors:
        print(f"error: {err.code}: {err.message}", file=sys.stderr)
    if result.typed is None:
        print(f"transcript: {result.transcript or '(nothing recognised)'}")
    print(f"reply:      {result.reply}" + (f"   [awaiting {result.awaiting}]" if result.awaiting else ""))
    audio_s = len(result.reply_audio) / 2 / result.reply_rate
    print(f"reply audio: {audio_s:.2f} s at {result.reply_rate} Hz")
    for name, ms in result.latencies().items():
        print(f"  {name:38s} {ms:8.1f} ms")
    sys.stdout.flush()


def outcome(log: CallLog, asked: int) -> int:
    """The exit status of a call that ran to its end (see the module's doc)."""
    for err in log.errors:
        print(f"error: {err.code}: {err.message}", file=sys.stderr)
    answered = [t for t in log.turns if t.reply and t.finished]
    if len(answered) < asked:
        print(f"{len(answered)} of {asked} turns answered", file=sys.stderr)
    return 0 if len(answered) == asked and not log.all_errors else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m voice_gateway.call", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("wavs", type=Path, nargs="*", help="16-bit PCM WAVs, one turn each, in order")
    parser.add_argument("--script", type=Path, help="a file of turns: WAV paths and `type: text` lines")
    parser.add_argument("--out", type=Path, help="write every reply's audio, in order, to this WAV")
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/voice")
    parser.add_argument("--token", default=None, help="API token (default: $IP_TOKEN or var/dev_token)")
    parser.add_argument("--fast", action="store_true", help="send speech as fast as possible")
    parser.add_argument("--no-level", action="store_true", help="send the WAVs at their own level")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a turn may take (default 30)")
    args = parser.parse_args(argv)
    if bool(args.wavs) == bool(args.script):
        parser.error("give WAV files or --script, not both")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    level = not args.no_level
    try:
        turns: list[CallTurn] = []
        if args.script:
            turns = read_script(args.script, level=level)
        else:
            turns = [spoken(w, level=level) for w in args.wavs]
    except (OSError, ValueError, EOFError, wave.Error) as exc:
        print(f"cannot read the turns: {exc}", file=sys.stderr)
        return 2
    try:
        log = asyncio.run(
            run_call(
                args.url,
                turns,
                args.token or default_token(),
                realtime=not args.fast,
                timeout_s=args.timeout,
                on_turn=lambda k, result: print_turn(k, turns[k], result),
            )
        )
    except TimeoutError:  # before OSError, of which it is a subclass
        print("no reply within the time limit", file=sys.stderr)
        return 3
    except (OSError, websockets.InvalidHandshake) as exc:
        print(f"cannot reach {args.url}: {exc} (is the service running? try `make run`)", file=sys.stderr)
        return 2
    if args.out:
        rate = log.turns[-1].reply_rate if log.turns else 16000
        write_wav(args.out, b"".join(bytes(t.reply_audio) for t in log.turns), rate)
        print(f"replies written to {args.out}")
    return outcome(log, len(turns))


if __name__ == "__main__":
    sys.exit(main())
