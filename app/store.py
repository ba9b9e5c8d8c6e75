"""Where the operational store is: ``MONGODB_URI`` when set, else the embedded nx-27017 server on the data under
``var/mongo/``.

One embedded server serves that data at a time. The process that starts it records its address in
``var/mongo/endpoint.json``; a second process on the same settings (the REPL or MCP over stdio beside the
running service) finds the server alive there and connects to it, so every process sees the same orders. A
record left by a process that died is ignored and replaced."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from app.settings import Settings
from inventory_core.embedded_mongo import EmbeddedMongo

log = logging.getLogger("inventorypulse.store")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    if pid == os.getpid() or not _alive(pid) or not _answers(uri):
        return None
    return uri


def store_uri(settings: Settings, stack: contextlib.ExitStack | contextlib.AsyncExitStack) -> str:
    """The store's URI; an embedded server this call starts is stopped when ``stack`` closes."""
    if settings.mongodb_uri is not None:
        return settings.mongodb_uri
    data_dir = (settings.var_dir / "mongo").resolve()
    shared = running_server(data_dir)
    if shared is not None:
        log.info("using the embedded MongoDB server another process runs on %s", shared)
        return shared
    server = EmbeddedMongo(db_path=str(data_dir))
    uri = server.start()
    stack.callback(server.stop)
    record = data_dir / "endpoint.json"
    record.write_text(json.dumps({"uri": uri, "pid": os.getpid()}))
    stack.callback(_forget, record)
    log.info("embedded MongoDB wire-protocol server on %s", uri)
    return uri


def _forget(record: Path) -> None:
    """Remove the address record if it is still ours (a later process may have replaced it)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(record.read_text())["pid"]) == os.getpid():
            record.unlink()
