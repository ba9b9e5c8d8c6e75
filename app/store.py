"""Where the operational store is: ``MONGODB_URI`` when set, else the embedded nx-27017 server on the data under
``var/mongo/``; either way with the client timeouts of ``IP_STORE_TIMEOUT_MS`` (options in the URI win).

One embedded server serves that data at a time. The process that starts it supervises it (restarted when it dies,
stopped when the process dies: ``inventory_core.embedded_mongo``) and records its address in
``var/mongo/endpoint.json``; a second process on the same settings (the REPL or MCP over stdio beside the
running service) finds the server alive there and connects to it, so every process sees the same orders. A
record left by a process that died is ignored and replaced, and a server such a process left behind is stopped
before a new one starts on the folder."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from app.settings import Settings
from inventory_core.embedded_mongo import EmbeddedMongo, pid_alive
from inventory_core.errors import StoreInUse
from inventory_core.store import fail_fast_options, uri_options

log = logging.getLogger("inventorypulse.store")


def _answers(uri: str) -> bool:
    try:
        with MongoClient[dict[str, object]](uri, serverSelectionTimeoutMS=500) as client:
            client.admin.command("ping")
        return True
    except PyMongoError:
        return False


def running_server(data_dir: Path) -> str | None:
    """The address of a live embedded server on ``data_dir`` started by another process, if there is one."""
    record = data_dir / "endpoint.json"
    try:
        found = json.loads(record.read_text())
        uri, pid = str(found["uri"]), int(found["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid() or not pid_alive(pid) or not _answers(uri):
        return None
    return uri


def with_timeouts(uri: str, timeout_ms: int) -> str:
    """``uri`` with the client options of ``timeout_ms`` (``fail_fast_options``) that it does not set itself."""
    present = uri_options(uri)
    missing = [f"{k}={v}" for k, v in fail_fast_options(timeout_ms).items() if k.lower() not in present]
    if not missing:
        return uri
    base, sep, query = uri.partition("?")
    if not sep and "/" not in base.split("://", 1)[-1]:
        base += "/"
    return f"{base}?{'&'.join(([query] if query else []) + missing)}"


def store_uri(settings: Settings, stack: contextlib.ExitStack | contextlib.AsyncExitStack) -> str:
    """The store's URI, with the settings' timeouts; an embedded server this call starts is supervised until
    ``stack`` closes, then stopped."""
    return with_timeouts(_address(settings, stack), settings.store_timeout_ms)


def _address(settings: Settings, stack: contextlib.ExitStack | contextlib.AsyncExitStack) -> str:
    if settings.mongodb_uri is not None:
        return settings.mongodb_uri
    data_dir = (settings.var_dir / "mongo").resolve()
    shared = running_server(data_dir)
    if shared is not None:
        log.info("using the embedded MongoDB server another process runs on %s", shared)
        return shared
    server = EmbeddedMongo(db_path=str(data_dir))
    try:
        uri = server.start()
    except StoreInUse:
        # Another process started a server on the folder a moment ago: use it once it has recorded its address.
        shared = _await_shared(data_dir)
        if shared is None:
            raise
        log.info("using the embedded MongoDB server another process has just started on %s", shared)
        return shared
    stack.callback(server.stop)
    record = data_dir / "endpoint.json"
    record.write_text(json.dumps({"uri": uri, "pid": os.getpid()}))
    stack.callback(_forget, record)
    log.info("embedded MongoDB wire-protocol server on %s (pid %s, supervised)", uri, server.pid)
    return uri


def _await_shared(data_dir: Path, wait_s: float = 5.0) -> str | None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        shared = running_server(data_dir)
        if shared is not None:
            return shared
        time.sleep(0.2)
    return None


def _forget(record: Path) -> None:
    """Remove the address record if it is still ours (a later process may have replaced it)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(record.read_text())["pid"]) == os.getpid():
            record.unlink()
