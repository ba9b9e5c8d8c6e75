"""Start and stop the embedded MongoDB wire-protocol server (nx-27017) on a free loopback port.

Used when no ``MONGODB_URI`` is configured, by the running service and by the tests alike, so the real
driver talks over a real socket in both."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from inventory_core.errors import StoreUnavailable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command() -> list[str]:
    exe = Path(sys.executable).with_name("nx-27017")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("nx-27017")
    if found:
        return [found]
    return [sys.executable, "-m", "nx_27017"]


@dataclass
class EmbeddedMongo:
    """One nx-27017 process. ``db_path`` is a directory holding one SQLite file per logical database (so
    databases are isolated from each other), or ``memory`` for throwaway isolated in-memory databases."""

    db_path: str
    port: int = field(default_factory=free_port)
    start_timeout_s: float = 15.0
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> str:
        if self.db_path != "memory":
            Path(self.db_path).mkdir(parents=True, exist_ok=True)
        run_dir = Path(self.db_path) if self.db_path != "memory" else Path(tempfile.gettempdir())
        cmd = [
            *_server_command(),
            "--data-dir",
            self.db_path,
            "--host",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--log-file",
            str(run_dir / f"nx-27017-{self.port}.log"),
            "--pid-file",
            str(run_dir / f"nx-27017-{self.port}.pid"),
        ]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()
        return self.uri

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise StoreUnavailable(f"nx-27017 exited with code {self._proc.returncode} on start")
            try:
                with MongoClient[dict[str, object]](self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise StoreUnavailable(f"nx-27017 did not answer on port {self.port} within {self.start_timeout_s}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
