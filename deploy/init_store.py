"""The store's first-run step, run once before the replicas start (compose.yaml's ``init`` service): its indexes,
the demo warehouse when the store is empty (``IP_LOAD_DEMO_DATA``) and the first admin account
(``IP_ADMIN_PASSWORD``).

Every process of the service does the same at its start, but several processes starting together on an empty
store would each load the demo data (duplicated sales history) and race to make the admin. Done here first, the
replicas find the store ready. Exits 0 when the store is ready, 2 without ``IP_MONGODB_URI``."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from app.logs import configure_logging
from app.services import open_accounts, open_inventory
from app.settings import Settings


async def init_store(settings: Settings) -> None:
    async with contextlib.AsyncExitStack() as stack:
        inventory = await open_inventory(settings, stack, load_demo_progress=False)
        await open_accounts(settings, inventory)


def main() -> int:
    settings = Settings()
    if settings.mongodb_uri is None:
        print(
            "init_store: IP_MONGODB_URI is not set (an embedded store serves one process only)",
            file=sys.stderr,
        )
        return 2
    configure_logging(json_lines=settings.log_json)
    asyncio.run(init_store(settings))
    print("store ready", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
