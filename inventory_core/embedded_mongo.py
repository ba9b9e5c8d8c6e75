"""Start, supervise and stop the embedded MongoDB wire-protocol server (nx-27017) on a loopback port.

Used when no ``MONGODB_URI`` is configured, by the running service and by the tests alike, so the real driver talks
over a real socket in both.

- **Restarted when it dies.** A supervisor thread polls the server every ``poll_s`` (0.5 s); when it has exited it
  is reaped and started again on the same port and data, so the driver reconnects by itself.
- **Dies with its owner.** The server runs under ``inventory_core.nx_guard`` in a session of its own (a Ctrl-C in
  the terminal reaches the service, which stops the server in order); the guard stops it when the owner process
  dies, kill -9 included. ``stop()`` runs on close and at interpreter exit.
- **One server per data folder.** The guard holds ``<folder>/nx-27017.lock`` (``flock``) while it serves the
  folder; a second start on a folder a live server holds raises ``StoreInUse``. A server on the folder whose owner
  has died (an orphan, e.g. one frozen when its owner was killed) is killed before a new one starts."""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from inventory_core import nx_procs
from inventory_core.errors import StoreInUse, StoreUnavailable
from inventory_core.nx_guard import IN_USE

log = logging.getLogger("inventorypulse.store")

LOCK_FILE = "nx-27017.lock"
MAX_BACKOFF_S = 5.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (an embedded server's recorded owner)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(lock: Path) -> str:
    """Who holds the folder's lock, as the guard recorded it."""
    try:
        found = json.loads(lock.read_text())
        return f"nx-27017 pid {int(found['pid'])} of process {int(found['owner'])}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another nx-27017 server"


@dataclass
class EmbeddedMongo:
    """One nx-27017 server. ``db_path`` is a directory holding one SQLite file per logical database (so databases
    are isolated from each other), or ``memory`` for throwaway isolated in-memory databases."""

    db_path: str
    port: int = field(default_factory=free_port)
    start_timeout_s: float = 15.0
    supervise: bool = True
    """Restart the server when it exits (reaped, same port, same data)."""
    poll_s: float = 0.5
    """How often the supervisor looks at the server process."""
    restarts: int = field(default=0, init=False)
    """How many times the supervisor has restarted the server."""
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def folder(self) -> Path | None:
        return None if self.db_path == "memory" else Path(self.db_path).resolve()

    def start(self) -> str:
        """Start the server and its supervisor; returns the URI. Raises ``StoreInUse`` when a live server (one
        whose owner is alive, this process included) serves the folder, ``StoreUnavailable`` when the server does
        not come up."""
        folder = self.folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            nx_procs.stop_orphans(folder)
        self._stopping.clear()
        with self._lock:
            self._proc = self._launch()
        atexit.register(self.stop)
        if self.supervise:
            self._thread = threading.Thread(target=self._supervise, name="nx-27017-supervisor", daemon=True)
            self._thread.start()
        return self.uri

    def stop(self) -> None:
        """Stop supervising, then stop the server (SIGTERM, SIGKILL after 5 s). Safe to call twice."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.start_timeout_s + 5)
        with self._lock:
            proc, self._proc = self._proc, None
        _terminate(proc)
        atexit.unregister(self.stop)

    # --- the process ---------------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        folder = self.folder
        run_dir = folder if folder is not None else Path(tempfile.gettempdir())
        pid_file = run_dir / f"nx-27017-{self.port}.pid"
        # Ours, left by a server that died: nx-27017 refuses to start over a pid file that names a live process.
        pid_file.unlink(missing_ok=True)
        guard = [sys.executable, "-m", "inventory_core.nx_guard", "--owner", str(os.getpid())]
        if folder is not None:
            guard += ["--lock", str(folder / LOCK_FILE)]
        server = ["--data-dir", str(folder) if folder is not None else "memory", "--host", "127.0.0.1"]
        server += ["-p", str(self.port), "--log-file", str(run_dir / f"nx-27017-{self.port}.log")]
        return [*guard, "--", *server, "--pid-file", str(pid_file)]

    def _launch(self) -> subprocess.Popen[bytes]:
        """A running, answering server process; on failure it is stopped and the error raised."""
        proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_ready(proc)
        except BaseException:
            _terminate(proc)
            raise
        return proc

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline and not self._stopping.is_set():
            code = proc.poll()
            if code == IN_USE and self.folder is not None:
                raise StoreInUse(
                    f"{self.folder} is served by {_holder(self.folder / LOCK_FILE)}", folder=str(self.folder)
                )
            if code is not None:
                raise StoreUnavailable(f"nx-27017 exited with code {code} on start")
            try:
                with MongoClient[dict[str, object]](self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        if self._stopping.is_set():
            raise StoreUnavailable("nx-27017 was stopped while starting")
        raise StoreUnavailable(f"nx-27017 did not answer on port {self.port} within {self.start_timeout_s}s")

    # --- supervision ---------------------------------------------------------------------------------------

    def _supervise(self) -> None:
        backoff_s = self.poll_s
        while not self._stopping.wait(self.poll_s):
            with self._lock:
                proc = self._proc
                if self._stopping.is_set() or (proc is not None and proc.poll() is None):
                    backoff_s = self.poll_s
                    continue
                if proc is not None:  # poll() has reaped it
                    log.error(
                        "nx-27017 (pid %d) exited with code %s; restarting it on port %d",
                        proc.pid,
                        proc.returncode,
                        self.port,
                    )
                    self._proc = None
                try:
                    self._proc = self._launch()
                except StoreUnavailable as exc:
                    log.error("could not restart nx-27017: %s (next try in %.1f s)", exc.message, backoff_s)
                else:
                    self.restarts += 1
                    log.warning("nx-27017 restarted (pid %d, port %d)", self._proc.pid, self.port)
                    continue
            self._stopping.wait(backoff_s)
            backoff_s = min(backoff_s * 2, MAX_BACKOFF_S)


def _terminate(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGCONT)  # a frozen server handles its SIGTERM once it runs again
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("nx-27017 (pid %d) did not stop", proc.pid)
