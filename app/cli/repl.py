"""``python -m app repl [--site main] [--actor me]``: talk to the dialogue by typing. The reply, the intent and
what the next answer is expected to be are printed. Ctrl-D or "goodbye" ends it. It opens the same store as the
service on the same settings (the running service's embedded server when there is one), so orders placed here
are the service's orders."""

from __future__ import annotations

import asyncio

from app.services import Parts, open_services
from app.settings import Settings


async def repl(settings: Settings, site: str | None, actor: str, verbose: bool) -> None:
    async with open_services(
        settings, parts=Parts(forecasting=False, speech=False, mcp_http=False)
    ) as services:
        dialogue = services.dialogue
        assert dialogue is not None
        first = await dialogue.greet(None, actor, "repl")
        print(f"agent> {first.reply}")
        session = first.session_id
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            if not line.strip():
                continue
            result = await dialogue.handle_text(
                session, line, actor, "repl", {"site": site} if site else None
            )
            print(f"agent> {result.reply}")
            if verbose:
                print(f"       [{result.intent}] slots={result.slots} awaiting={result.awaiting}")
            if result.end_session:
                break


def run(settings: Settings, site: str | None, actor: str, verbose: bool) -> int:
    try:
        asyncio.run(repl(settings, site, actor, verbose))
    except KeyboardInterrupt:
        return 130
    return 0
