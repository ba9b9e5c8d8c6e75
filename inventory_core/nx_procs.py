"""Finds nx-27017 servers left serving a data folder by an owner that died, and stops them (Linux ``/proc``).

A server started through ``inventory_core.nx_guard`` names its owner on its command line (``--owner PID``); it is
an orphan when that owner is no longer its parent. A server started without the guard (by an older version) is an
orphan when it has been re-parented to init. Only servers whose ``--data-dir`` is the folder are considered, found
through the pid files nx-27017 writes there (``nx-27017-<port>.pid``)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("inventorypulse.store")

_PROC = Path("/proc")


@dataclass(frozen=True)
class ServerProcess:
    pid: int
    ppid: int
    owner: int | None  # None: started without the guard
    data_dir: Path

    @property
    def orphaned(self) -> bool:
        return self.ppid != self.owner if self.owner is not None else self.ppid == 1


def _arg(argv: list[str], name: str) -> str | None:
    try:
        return argv[argv.index(name) + 1]
    except (ValueError, IndexError):
        return None


def _stat(pid: int) -> tuple[str, int] | None:
    """The process state letter and parent pid, or None when it is gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def server_process(pid: int) -> ServerProcess | None:
    """The nx-27017 server running as ``pid``, or None when ``pid`` is no such server (or is gone)."""
    try:
        argv = (_PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
        cwd = os.readlink(_PROC / str(pid) / "cwd")
    except OSError:
        return None
    stat = _stat(pid)
    data_dir = _arg(argv, "--data-dir")
    is_server = any("nx_guard" in a or "nx-27017" in a or "nx_27017" in a for a in argv[:3])
    if stat is None or stat[0] == "Z" or data_dir is None or not is_server:
        return None
    owner = _arg(argv, "--owner")
    return ServerProcess(
        pid=pid,
        ppid=stat[1],
        owner=int(owner) if owner and owner.isdigit() else None,
        data_dir=Path(os.path.realpath(os.path.join(cwd, data_dir))),
    )


def _pid_files(folder: Path) -> list[tuple[Path, ServerProcess | None]]:
    """Each nx-27017 pid file in ``folder`` with the live server on ``folder`` it names, if any."""
    real = Path(os.path.realpath(folder))
    out: list[tuple[Path, ServerProcess | None]] = []
    for pid_file in folder.glob("nx-27017-*.pid"):
        try:
            server = server_process(int(pid_file.read_text().strip()))
        except (OSError, ValueError):
            server = None
        out.append((pid_file, server if server is not None and server.data_dir == real else None))
    return out


def servers_on(folder: Path) -> list[ServerProcess]:
    """The live nx-27017 servers whose data folder is ``folder``, found through their pid files there."""
    return [server for _, server in _pid_files(folder) if server is not None]


def _gone(pid: int) -> bool:
    stat = _stat(pid)
    return stat is None or stat[0] == "Z"


def stop_orphans(folder: Path, wait_s: float = 5.0) -> list[int]:
    """Kill every orphaned server on ``folder`` and wait until each is gone; returns their pids. Pid files that
    name no live server are removed."""
    stopped: list[int] = []
    for pid_file, server in _pid_files(folder):
        if server is None:
            pid_file.unlink(missing_ok=True)
            continue
        if not server.orphaned:
            continue
        log.warning(
            "stopping an orphaned nx-27017 server (pid %d, owner %s gone) on %s",
            server.pid,
            server.owner if server.owner is not None else "unknown",
            folder,
        )
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGKILL)
        stopped.append(server.pid)
        pid_file.unlink(missing_ok=True)
    deadline = time.monotonic() + wait_s
    while stopped and not all(_gone(pid) for pid in stopped) and time.monotonic() < deadline:
        time.sleep(0.05)
    return stopped
