"""The typed protocol between ``GrammarRecognizer``'s worker pool (``pool``) and a speech worker process
(``python -m local_speech.worker``): length-prefixed pickles of the dataclasses below over the worker's stdin and
stdout. Both ends are this package; the pipe is private to the parent and its child.

parent -> worker: ``Start`` once, then ``LoadGrammars`` (a new grammar version) or ``Decode`` (one utterance);
worker -> parent: ``Loaded`` after ``LoadGrammars``, ``Heard`` or ``Failed`` after ``Decode``. The worker exits
at end of input (the parent closed the pipe or died)."""

from __future__ import annotations

import os
import pickle
import struct
from dataclasses import dataclass
from typing import Any

from local_speech.grammar import GrammarSet
from local_speech.types import Expectation, Recognition

_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Start:
    options: Any
    """The recognizer's ``LocalAsrOptions`` (typed loosely: ``asr`` imports this module's users)."""


@dataclass(frozen=True)
class LoadGrammars:
    """Compile these grammars (every decoder of the worker) and use them from now on."""

    grammars: GrammarSet


@dataclass(frozen=True)
class Decode:
    pcm: bytes
    sample_rate: int
    expect: Expectation
    budget_s: float | None
    """Give up between decoding passes once this much time has gone (the parent kills a worker that overruns)."""


@dataclass(frozen=True)
class Loaded:
    version: str
    seconds: float


@dataclass(frozen=True)
class Heard:
    recognition: Recognition
    seconds: float


@dataclass(frozen=True)
class Failed:
    code: str
    message: str
    retryable: bool


Request = Start | LoadGrammars | Decode
Reply = Loaded | Heard | Failed


def write_message(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_message(fd: int) -> Any | None:
    """The next message, or None at end of input."""
    header = _read_exact(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    body = _read_exact(fd, size)
    if body is None:
        raise EOFError("the pipe closed in the middle of a message")
    return pickle.loads(body)


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks: list[bytes] = []
    got = 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            if got == 0:
                return None
            raise EOFError("the pipe closed in the middle of a message")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
