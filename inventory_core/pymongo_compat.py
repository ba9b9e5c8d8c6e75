"""Keeps cancellation of store calls reliable on Python 3.11 with the store's socket timeouts.

With a socket timeout set, pymongo's async client wraps every socket send in ``asyncio.wait_for``, and with a
wait-queue timeout every wait for a pooled connection. On Python 3.11, ``wait_for`` swallows a cancellation that
arrives as the awaited call completes (CPython gh-86296, fixed in 3.12): the task goes on as if it had not been
cancelled, so an ``asyncio.timeout`` around a store call (the spoken forecast's deadline, a health ping, a call's
teardown) may not fire at all. ``install()`` replaces those two waits in ``pymongo.asynchronous.pool`` with
``asyncio.timeout``, which has the same timeout and does not swallow cancellation. Nothing is replaced on 3.12
and later, nor when pymongo's internals no longer look as expected (then a warning is logged, and
``tests/store/test_store_options.py`` fails)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from typing import Any

log = logging.getLogger("inventorypulse.store")

_installed: list[bool] = []


async def _sendall(conn: Any, buf: bytes) -> None:
    """``pymongo.network_layer.async_sendall`` with ``asyncio.timeout`` in place of ``asyncio.wait_for``."""
    try:
        async with asyncio.timeout(conn.gettimeout):
            await conn.write(buf)
    except TimeoutError as exc:
        raise TimeoutError("timed out") from exc


async def _cond_wait(condition: Any, timeout: float | None) -> bool:  # noqa: ASYNC109 (pymongo's signature)
    """``pymongo.lock._async_cond_wait`` with ``asyncio.timeout`` in place of ``asyncio.wait_for``."""
    try:
        async with asyncio.timeout(timeout):
            return bool(await condition.wait())
    except TimeoutError:
        return False


def needed() -> bool:
    return sys.version_info < (3, 12)


def install() -> bool:
    """Replace the two waits (once per process); True when they are in place."""
    if _installed or not needed():
        return bool(_installed) or not needed()
    pool = importlib.import_module("pymongo.asynchronous.pool")
    if not (hasattr(pool, "async_sendall") and hasattr(pool, "_async_cond_wait")):
        log.warning("pymongo's pool has changed: cancellation of store calls may be swallowed on Python 3.11")
        return False
    setattr(pool, "async_sendall", _sendall)  # noqa: B010 (a module's global, replaced on purpose)
    setattr(pool, "_async_cond_wait", _cond_wait)  # noqa: B010
    _installed.append(True)
    return True
