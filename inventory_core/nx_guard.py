"""Runs the nx-27017 server for one owner process: ``python -m inventory_core.nx_guard --owner PID [--lock PATH]
-- <nx-27017 arguments>``.

The guard holds an exclusive ``flock`` on ``--lock`` (the data folder's lock file) for the server's whole life, so
that two servers can never serve one folder; it exits with ``IN_USE`` when another process holds it. A watcher
thread checks every ``WATCH_S`` that the owner is still its parent; when the owner dies (however it dies, kill -9
included) the server is stopped, so a dead service never leaves a listening store behind."""

from __future__ import annotations

import argparse
import fcntl
import importlib
import json
import os
import signal
import sys
import threading
import time

IN_USE = 75  # EX_TEMPFAIL: the folder is served by another live server
WATCH_S = 0.2
GRACE_S = 3.0

_held: list[int] = []  # the lock's file descriptor, open (so held) until the process ends


def _take_lock(path: str, owner: int) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"pid": os.getpid(), "owner": owner}).encode())
    _held.append(fd)
    return True


def _watch(owner: int) -> None:
    """Stops this process once the owner is no longer its parent (it died and we were re-parented)."""
    while os.getppid() == owner:
        time.sleep(WATCH_S)
    os.kill(os.getpid(), signal.SIGTERM)  # nx-27017 exits cleanly on SIGTERM
    time.sleep(GRACE_S)
    os._exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nx_guard")
    parser.add_argument("--owner", type=int, required=True)
    parser.add_argument("--lock", default=None)
    parser.add_argument("server_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    server_args = [a for a in args.server_args if a != "--"]
    if args.lock is not None and not _take_lock(args.lock, args.owner):
        print(f"nx_guard: {args.lock} is held by another nx-27017 server", file=sys.stderr)
        return IN_USE
    threading.Thread(target=_watch, args=(args.owner,), name="owner-watch", daemon=True).start()
    sys.argv = ["nx-27017", *server_args]
    importlib.import_module("nx_27017.nx_27017").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
