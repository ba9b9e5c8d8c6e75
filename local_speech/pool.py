"""Speech worker processes for ``GrammarRecognizer``: pocketsphinx holds the GIL while it decodes, so decoding in
threads stalls the event loop (and every other call); decoding in child processes does not.

``WorkerPool`` keeps ``workers`` child processes (``python -m local_speech.worker``), each owned by one thread of
this process that feeds it utterances from a small shared queue and waits for its answer (blocked in ``select``,
without the GIL). A worker compiles its decoders once per grammar version: when the recognizer's grammar
version changes, each owning thread sends the new ``GrammarSet`` before the worker's next utterance. ``submit``
refuses at once with ``RecognizerBusy`` when the queue is full; a job that waited past its deadline is dropped
and a decode that runs past it is ended by killing its worker, which the owning thread then starts again."""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from local_speech.errors import DeadlineExceeded, DecodeError, LocalSpeechError, RecognizerBusy
from local_speech.grammar import GrammarSet
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
from local_speech.types import Expectation, Recognition


class PoolOptions(Protocol):
    """What the pool reads of ``options.LocalAsrOptions`` (sent whole to each worker)."""

    @property
    def workers(self) -> int: ...
    @property
    def queue_size(self) -> int: ...
    @property
    def worker_start_timeout_s(self) -> float: ...


log = logging.getLogger(__name__)
KILL_GRACE_S = 0.5
"""A worker still decoding this long after the utterance's deadline is killed (the caller already had its error
at the deadline; the worker gives up by itself between passes when the next one would overrun)."""

_ERRORS: dict[str, type[LocalSpeechError]] = {
    DecodeError.code: DecodeError,
    DeadlineExceeded.code: DeadlineExceeded,
    RecognizerBusy.code: RecognizerBusy,
}


@dataclass
class _Job:
    pcm: bytes
    sample_rate: int
    expect: Expectation
    deadline: float  # time.monotonic()
    future: concurrent.futures.Future[Recognition]


class WorkerPool:
    """``workers`` speech worker processes behind a queue of at most ``options.queue_size`` waiting utterances.

    ``grammars`` returns the recognizer's current grammar set (read before every utterance)."""

    def __init__(self, options: PoolOptions, grammars: Callable[[], GrammarSet]) -> None:
        self.options = options
        self._grammars = grammars
        self._cond = threading.Condition()
        self._queue: collections.deque[_Job] = collections.deque()
        self._idle = 0
        self._closed = False
        self._workers = [_Worker(self, i) for i in range(max(1, options.workers))]
        for worker in self._workers:
            worker.thread.start()

    def submit(
        self, pcm: bytes, sample_rate: int, expect: Expectation, deadline_s: float
    ) -> concurrent.futures.Future[Recognition]:
        """Queue one utterance; raises ``RecognizerBusy`` when every worker is busy and the queue is full."""
        future: concurrent.futures.Future[Recognition] = concurrent.futures.Future()
        job = _Job(pcm, sample_rate, expect, time.monotonic() + deadline_s, future)
        with self._cond:
            if self._closed:
                raise DecodeError("the local recognizer is closed")
            now = time.monotonic()
            # hung-up callers' and expired utterances give their places back
            live = [j for j in self._queue if not j.future.cancelled() and j.deadline > now]
            if len(live) != len(self._queue):
                self._queue = collections.deque(live)
            if len(self._queue) >= self.options.queue_size + self._idle:
                raise RecognizerBusy(
                    f"every local decoder is busy ({len(self._workers)} workers, {len(self._queue)} waiting)"
                )
            self._queue.append(job)
            self._cond.notify()
        return future

    def ready(self) -> bool:
        """Every worker is running with the current grammar version compiled."""
        version = self._grammars().version
        return all(w.version == version and w.alive() for w in self._workers)

    def any_ready(self) -> bool:
        """At least one worker is running with the current grammar version compiled."""
        version = self._grammars().version
        return any(w.version == version and w.alive() for w in self._workers)

    def pids(self) -> list[int]:
        """Process ids of the running workers (tests, diagnostics)."""
        return [w.proc.pid for w in self._workers if w.proc is not None and w.proc.poll() is None]

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop every worker process and its thread; utterances still queued fail with ``DecodeError``."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            queued, self._queue = list(self._queue), collections.deque()
            self._cond.notify_all()
        for job in queued:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(DecodeError("the local recognizer closed"))
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            if worker.thread is not threading.current_thread():
                worker.thread.join(timeout_s)
            if worker.thread.is_alive():
                worker._kill()

    # -- for the workers' threads ---------------------------------------------------------------------------
    def _next_job(self, worker: _Worker) -> _Job | None:
        """The next utterance for ``worker``; None when the pool closed or the grammar version changed."""
        with self._cond:
            self._idle += 1
            try:
                while True:
                    if self._closed or worker.version != self._grammars().version:
                        return None  # closed, or compile the new grammars before taking an utterance
                    if self._queue:
                        return self._queue.popleft()
                    self._cond.wait(0.25)
            finally:
                self._idle -= 1


class _Worker:
    """One speech worker process and the thread that owns it (spawns, feeds, times and restarts it)."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.version: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"local-asr-worker-{index}", daemon=True)
        self._stopping = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Kill the process; the owning thread sees its output end, cleans up and exits."""
        self._stopping = True
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def _run(self) -> None:
        pool = self.pool
        while not pool._closed:
            try:
                self._ensure_current()
            except Exception as exc:
                if pool._closed:
                    break
                log.error("local ASR worker %d could not start: %s", self.index, exc)
                self._kill()
                time.sleep(1.0)
                continue
            job = pool._next_job(self)
            if job is None:
                continue
            if not job.future.set_running_or_notify_cancel():
                continue  # the caller hung up while it waited
            if time.monotonic() >= job.deadline:
                job.future.set_exception(DeadlineExceeded("the utterance waited past its deadline"))
                continue
            self._decode(job)
        self._kill()

    def _ensure_current(self) -> None:
        """A running worker with the current grammars compiled (starting or restarting it as needed)."""
        grammars = self.pool._grammars()
        if self.alive() and self.version == grammars.version:
            return
        if not self.alive():
            self._spawn()
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        write_message(proc.stdin.fileno(), LoadGrammars(grammars))
        reply = self._read(proc, time.monotonic() + self.pool.options.worker_start_timeout_s)
        if not isinstance(reply, Loaded):
            raise DecodeError(f"worker did not load grammars: {reply!r}")
        self.version = reply.version
        log.info("local ASR worker %d (pid %d) compiled grammars %s in %.2f s",
                 self.index, proc.pid, reply.version, reply.seconds)  # fmt: skip

    def _spawn(self) -> None:
        self._kill()
        if self._stopping:
            raise DecodeError("the local recognizer is closed")
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        # Spawned by this (long-lived) thread: the worker asks to die with it (PR_SET_PDEATHSIG), and exits at
        # the end of its input when this process goes away by any other means.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "local_speech.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=env,
            bufsize=0,
        )
        self.version = None
        assert self.proc.stdin is not None
        write_message(self.proc.stdin.fileno(), Start(self.pool.options))

    def _decode(self, job: _Job) -> None:
        proc = self.proc
        assert proc is not None and proc.stdin is not None
        try:
            budget = job.deadline - time.monotonic()
            write_message(proc.stdin.fileno(), Decode(job.pcm, job.sample_rate, job.expect, budget))
            reply = self._read(proc, job.deadline + KILL_GRACE_S)
        except TimeoutError:
            log.warning("local ASR worker %d: utterance of %.1f s (%s) ran past its deadline; restarting it",
                        self.index, len(job.pcm) / (2 * job.sample_rate), job.expect.kind)  # fmt: skip
            self._kill()
            job.future.set_exception(DeadlineExceeded("recognition ran past its deadline"))
            return
        except (OSError, EOFError) as exc:
            self._kill()
            job.future.set_exception(DecodeError(f"speech worker died: {exc}", retryable=True))
            return
        if isinstance(reply, Heard):
            job.future.set_result(reply.recognition)
        elif isinstance(reply, Failed):
            job.future.set_exception(
                _ERRORS.get(reply.code, DecodeError)(reply.message, retryable=reply.retryable)
            )
        else:
            self._kill()
            job.future.set_exception(DecodeError(f"speech worker answered {reply!r}", retryable=True))

    @staticmethod
    def _read(proc: subprocess.Popen[bytes], deadline: float) -> object:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if readable:
                break
        reply = read_message(fd)
        if reply is None:
            raise EOFError(f"speech worker exited ({proc.poll()})")
        return reply

    def _kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait for anyone
            log.error("local ASR worker %d (pid %d) did not exit", self.index, proc.pid)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
        self.version = None
