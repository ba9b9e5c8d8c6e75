"""A REPL for the dialogue: ``python -m dialogue [--site main] [--actor me]``. Type what you would say; the
reply, the intent and what the next answer is expected to be are printed. Ctrl-D or "goodbye" ends it."""

from __future__ import annotations

import argparse
import asyncio
import sys

from dialogue.bootstrap import open_inventory
from dialogue.service import DialogueService


async def repl(site: str | None, actor: str, verbose: bool) -> None:
    async with open_inventory() as inventory:
        service = DialogueService(inventory)
        first = await service.greet(None, actor, "repl")
        print(f"agent> {first.reply}")
        session = first.session_id
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            if not line.strip():
                continue
            result = await service.handle_text(session, line, actor, "repl", {"site": site} if site else None)
            print(f"agent> {result.reply}")
            if verbose:
                print(f"       [{result.intent}] slots={result.slots} awaiting={result.awaiting}")
            if result.end_session:
                break


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dialogue", description=__doc__)
    parser.add_argument("--site", default=None, help="the site you are standing in (main, east)")
    parser.add_argument("--actor", default="repl", help="who you are, for the audit trail")
    parser.add_argument("-q", "--quiet", action="store_true", help="replies only, no intent/slots line")
    args = parser.parse_args(argv)
    try:
        asyncio.run(repl(args.site, args.actor, not args.quiet))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
