"""A speech worker process: ``python -m local_speech.worker``, started by ``local_speech.pool.WorkerPool``.

It decodes with the very code of ``GrammarRecognizer.recognize_sync`` (a single-threaded ``GrammarRecognizer``),
keeps its decoders compiled for the last grammar version it was sent, and speaks ``local_speech.protocol`` on
stdin/stdout. It exits at the end of its input and, on Linux, when the thread that started it ends."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import logging
import os
import signal
import sys
import time

from local_speech.asr import GrammarRecognizer
from local_speech.errors import LocalSpeechError
from local_speech.protocol import (
    Decode,
    Failed,
    Heard,
    Loaded,
    LoadGrammars,
    Start,
    read_message,
    write_message,
)

log = logging.getLogger("local_speech.worker")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent went before the request took effect
        sys.exit(0)


def serve(in_fd: int, out_fd: int) -> None:
    start = read_message(in_fd)
    if not isinstance(start, Start):
        return
    options = dataclasses.replace(start.options, isolation="thread", workers=1)
    with contextlib.suppress(OSError):
        os.nice(start.options.worker_nice)
    recognizer = GrammarRecognizer(options=options)
    while (message := read_message(in_fd)) is not None:
        if isinstance(message, LoadGrammars):
            t0 = time.perf_counter()
            recognizer.compile(message.grammars)
            write_message(out_fd, Loaded(message.grammars.version, time.perf_counter() - t0))
        elif isinstance(message, Decode):
            t0 = time.perf_counter()
            deadline = None if message.budget_s is None else time.monotonic() + message.budget_s
            try:
                heard = recognizer.recognize_until(message.pcm, message.sample_rate, message.expect, deadline)
            except LocalSpeechError as exc:
                write_message(out_fd, Failed(exc.code, exc.message, exc.retryable))
            except (RuntimeError, ValueError) as exc:  # how pocketsphinx reports decoding failures
                write_message(out_fd, Failed("decode_failed", str(exc), False))
            else:
                write_message(out_fd, Heard(heard, time.perf_counter() - t0))
        else:
            write_message(
                out_fd, Failed("decode_failed", f"unexpected message {type(message).__name__}", False)
            )


def main() -> None:
    argparse.ArgumentParser(
        prog="python -m local_speech.worker", description=__doc__.split("\n\n")[0]
    ).parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; the worker ends with its input
    _die_with_parent()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # The protocol owns stdout; anything printed goes to stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    serve(0, out_fd)


if __name__ == "__main__":
    main()
