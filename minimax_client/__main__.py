"""Command line: synthesize a sentence to a file, transcribe a WAV file, list voices.

    python -m minimax_client synth "Twelve boxes of widget A." -o reply.wav [--rate 16000] [--transport bidi]
    python -m minimax_client transcribe utterance.wav [--language en]
    python -m minimax_client voices [--type system]

The key and host come from ``--api-key`` / ``--base-url`` or ``MINIMAX_API_KEY`` / ``MINIMAX_BASE_URL``
(a URL, or ``international`` / ``mainland``)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
import wave
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from pydantic import ValidationError

from minimax_client.client import MiniMaxClient
from minimax_client.config import MiniMaxConfig
from minimax_client.errors import MiniMaxError
from minimax_client.models import AudioChunk, AudioSetting, ExtraInfo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m minimax_client", description=__doc__.split("\n")[0])
    parser.add_argument("--api-key", help="default: $MINIMAX_API_KEY")
    parser.add_argument("--base-url", help="URL or international/mainland; default: $MINIMAX_BASE_URL")
    parser.add_argument("--group-id", help="legacy GroupId; default: $MINIMAX_GROUP_ID")
    parser.add_argument("--timeout", type=float, default=10.0, help="read timeout, seconds")
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="text to speech")
    synth.add_argument("text")
    synth.add_argument("-o", "--output", type=Path, required=True, help="pcm: a WAV file; other formats: raw")
    synth.add_argument("--format", choices=["pcm", "mp3", "pcmu_raw"], default="pcm")
    synth.add_argument("--rate", type=int, default=16000, help="sample rate (pcm, mp3)")
    synth.add_argument("--voice", help="voice id; default: $MINIMAX_VOICE_ID or the client default")
    synth.add_argument("--model", help="T2A model; default: $MINIMAX_TTS_MODEL or speech-2.8-turbo")
    synth.add_argument("--transport", choices=["http", "sse", "ws", "bidi"], default="sse")

    asr = sub.add_parser("transcribe", help="speech to text (a WAV file)")
    asr.add_argument("file", type=Path)
    asr.add_argument("--language", help="BCP-47 hint, e.g. en; default: auto-detect")

    voices = sub.add_parser("voices", help="list voices")
    voices.add_argument(
        "--type", default="all", choices=["system", "voice_cloning", "voice_generation", "all"]
    )
    return parser


async def _synth(client: MiniMaxClient, args: argparse.Namespace) -> dict[str, object]:
    audio = AudioSetting.model_validate({"format": args.format, "sample_rate": args.rate})
    voice = client.voice(args.voice) if args.voice else None
    started = time.perf_counter()
    first: float | None = None
    data = bytearray()
    extra: ExtraInfo | None = None
    chunks: AsyncIterator[AudioChunk]
    if args.transport == "http":
        result = await client.synthesize(args.text, audio=audio, voice=voice, model=args.model)
        data, extra, first = bytearray(result.audio), result.extra, time.perf_counter() - started
    else:
        session = None
        if args.transport == "bidi":
            session = client.open_session(audio=audio, voice=voice, model=args.model)
            chunks = session.stream(args.text)
        else:
            chunks = client.stream_speech(
                args.text, audio=audio, voice=voice, model=args.model, transport=args.transport
            )
        try:
            async for chunk in chunks:
                if chunk.audio and first is None:
                    first = time.perf_counter() - started
                data += chunk.audio
                extra = chunk.extra or extra
        finally:
            if session is not None:
                await session.aclose()
    rate = 8000 if args.format == "pcmu_raw" else args.rate
    args.output.write_bytes(_wav(bytes(data), rate) if args.format == "pcm" else bytes(data))
    return {
        "output": str(args.output),
        "bytes": len(data),
        "audio_ms": extra.audio_length_ms if extra else None,
        "usage_characters": extra.usage_characters if extra else None,
        "first_audio_ms": round(first * 1000, 1) if first is not None else None,
        "total_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _wav(pcm: bytes, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


async def _run(args: argparse.Namespace) -> dict[str, object] | list[dict[str, object]]:
    overrides = {"api_key": args.api_key, "base_url": args.base_url, "group_id": args.group_id}
    config = MiniMaxConfig.from_env(**overrides, read_timeout_s=args.timeout)
    async with MiniMaxClient(config) as client:
        if args.command == "synth":
            return await _synth(client, args)
        if args.command == "transcribe":
            result = await client.transcribe(
                args.file.read_bytes(), filename=args.file.name, language=args.language
            )
            return {"text": result.text, "duration_s": result.duration_s, "trace_id": result.trace_id}
        return [
            {"voice_id": v.voice_id, "kind": v.kind, "name": v.name}
            for v in await client.list_voices(args.type)
        ]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = asyncio.run(_run(args))
    except ValidationError as exc:
        print(
            f"configuration error (set --api-key / MINIMAX_API_KEY): {exc.errors()[0]['msg']}",
            file=sys.stderr,
        )
        return 2
    except MiniMaxError as exc:
        print(f"error: {exc} [retryable={exc.retryable}]", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
