"""The synthesizer: espeak-ng in a subprocess per sentence, resampled to the requested rate as PCM16.

Audio of the first sentence is yielded while espeak-ng is still writing it, so the caller hears the start of a
reply before the rest is synthesized. Closing the stream (``aclose()``, or ``contextlib.aclosing`` around the
``async for``) or cancelling the task awaiting it kills the subprocess at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import struct
import subprocess
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from local_speech.errors import EspeakError
from local_speech.pcm import StreamResampler

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")
_WAV_HEADER = 44  # espeak-ng writes a canonical header, sizes unknown when streaming


@dataclass(frozen=True)
class EspeakOptions:
    voice: str = "en-us"
    """espeak-ng voice, optionally with a variant ("en-us+f3")."""
    speed_wpm: int = 165
    """Words per minute."""
    pitch: int = 50
    """0-99."""
    executable: str = "espeak-ng"
    read_bytes: int = 4096
    """Bytes read from espeak-ng at a time (about 90 ms at its 22,050 Hz)."""


def split_sentences(text: str) -> list[str]:
    """Sentences in order; each becomes one espeak-ng run."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


class EspeakEngine:
    """espeak-ng as mono PCM16 chunks at any sample rate; failures raise ``EspeakError``."""

    def __init__(self, options: EspeakOptions | None = None) -> None:
        self.options = options or EspeakOptions()

    async def stream(self, text: str, sample_rate: int) -> AsyncGenerator[bytes, None]:
        """PCM16 at ``sample_rate``, sentence by sentence, as espeak-ng writes it."""
        exe = shutil.which(self.options.executable)
        if exe is None:
            raise EspeakError("espeak-ng is not installed (scripts/bootstrap.sh installs it)")
        resampler: StreamResampler | None = None
        for sentence in split_sentences(text):
            # aclosing: when our consumer stops, the sentence generator must kill espeak-ng now, not at GC
            async with contextlib.aclosing(self._sentence(exe, sentence)) as chunks:
                async for pcm, rate in chunks:
                    resampler = resampler or StreamResampler(rate, sample_rate)
                    out = resampler.push(pcm)
                    if out:
                        yield out
        if resampler is not None:
            tail = resampler.flush()
            if tail:
                yield tail

    async def _sentence(self, exe: str, sentence: str) -> AsyncGenerator[tuple[bytes, int], None]:
        o = self.options
        args = [exe, "--stdout", "-v", o.voice, "-s", str(o.speed_wpm), "-p", str(o.pitch), "--stdin"]
        try:
            # subprocess.Popen, not the event loop's subprocess support: CPython spawns with vfork, while uvloop's
            # libuv forks, which took 270 ms in a process holding the recognizer's decoders (measured).
            proc = subprocess.Popen(  # noqa: ASYNC220 - a vfork spawn returns in about a millisecond
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise EspeakError(f"cannot start espeak-ng: {exc}", retryable=True) from exc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        loop = asyncio.get_running_loop()
        stdout = asyncio.StreamReader()
        transport: asyncio.BaseTransport | None = None
        try:
            transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(stdout), proc.stdout
            )
            proc.stdin.write(sentence.encode() + b"\n")  # one line: far below the pipe's buffer
            proc.stdin.close()
            header = await stdout.readexactly(_WAV_HEADER)
            rate = _wav_rate(header)
            odd = b""
            while chunk := await stdout.read(o.read_bytes):
                chunk = odd + chunk
                cut = len(chunk) - len(chunk) % 2
                odd = chunk[cut:]
                yield chunk[:cut], rate
            if await asyncio.to_thread(proc.wait) != 0:
                err = proc.stderr.read().decode(errors="replace").strip()
                raise EspeakError(f"espeak-ng exited with {proc.returncode}: {err}")
        except asyncio.IncompleteReadError as exc:
            proc.wait()
            err = proc.stderr.read().decode(errors="replace").strip()
            raise EspeakError(f"espeak-ng produced no audio: {err}") from exc
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise EspeakError(f"espeak-ng stopped early: {exc}") from exc
        finally:
            if proc.poll() is None:  # closed or cancelled mid-sentence
                proc.kill()
                proc.wait()  # reaps at once after SIGKILL
            if transport is not None:
                transport.close()
            proc.stderr.close()


def _wav_rate(header: bytes) -> int:
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise EspeakError("espeak-ng did not write a WAV header")
    channels, rate = struct.unpack_from("<HI", header, 22)
    bits = struct.unpack_from("<H", header, 34)[0]
    if channels != 1 or bits != 16:
        raise EspeakError(f"unexpected espeak-ng audio: {channels} channels, {bits} bits")
    return int(rate)
