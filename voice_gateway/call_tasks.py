"""The tasks of one call, owned in one place: every task a session starts (writer, worker, speech, speculative
recognition, dialogue steps, deadline) is spawned here, logged if it fails, and ended by the session's close.
Dialogue steps are set apart: a hang-up waits for them (a confirmed write commits exactly once) rather than
cancelling them. Each task runs with ``CALL_ID`` set to the call's id, so every line it logs can carry it."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger("voice_gateway.session")
T = TypeVar("T")

CALL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("call_id", default=None)
"""The id of the call whose task is running (``app.logs`` puts it on log records)."""


class CallTasks:
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.running: set[asyncio.Task[Any]] = set()
        self._steps: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        context = None
        if CALL_ID.get() != self.session_id:
            context = contextvars.copy_context()
            context.run(CALL_ID.set, self.session_id)
        task = asyncio.create_task(coro, name=name, context=context)
        self.running.add(task)
        task.add_done_callback(self._done)
        return task

    def dialogue(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """A dialogue step: ``wind_down`` waits for it instead of cancelling it."""
        task = self.spawn(coro, "dialogue")
        self._steps.add(task)
        return task

    async def wind_down(self, grace_s: float) -> None:
        """Cancel every task but the dialogue steps, and wait up to ``grace_s`` for those to finish."""
        steps = set(self._steps)
        for task in list(self.running):
            if task not in steps:
                task.cancel()
        if steps:
            # The step in flight may be committing a confirmed write: let it finish.
            await asyncio.wait(steps, timeout=grace_s)

    async def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.running.discard(task)
        self._steps.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "session task %s failed",
                task.get_name(),
                exc_info=task.exception(),
                extra={"session_id": self.session_id},
            )
