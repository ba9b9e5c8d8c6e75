"""``python -m app worker``: a Temporal worker in a process of its own (scale-out, or to keep the forecast off
the web service's CPU), on the service's settings: the same store, warehouse and Temporal.

Beside a service on embedded defaults it uses that service's servers (MongoDB, the warehouse, the Temporal dev
server: each records where it listens under the var dir); alone, it starts them as the service would. Runs until
SIGTERM or Ctrl-C; an activity cut short by a kill is handed to another worker after its heartbeat timeout."""

from __future__ import annotations

import asyncio
import logging
import signal

from app.logs import configure_logging
from app.services import Parts, open_services
from app.settings import Settings

log = logging.getLogger("inventorypulse.worker")


async def work(settings: Settings) -> int:
    settings = settings.model_copy(
        update={
            "workflows": True,
            "workflow_worker": True,
            "forecast_warm_up": False,
            "monitor_interval_s": 0.0,
        }
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    parts = Parts(speech=False, mcp_http=False)
    async with open_services(settings, parts=parts, load_demo_progress=False) as services:
        if services.workflows is None:
            log.error("no worker: the warehouse or Temporal is unavailable (see above)")
            return 1
        log.info("worker ready on task queue %s", settings.temporal_task_queue)
        print("worker ready", flush=True)
        await stop.wait()
        log.info("worker stopping")
    return 0


def run(settings: Settings) -> int:
    configure_logging(json_lines=settings.log_json)
    return asyncio.run(work(settings))
