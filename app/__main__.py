"""``python -m app [serve|repl|mcp|monitor|worker]``: every command runs on the one settings object (``IP_*``
environment variables or ``.env``), so they all open the same store.

- ``serve`` (the default): the web service, voice gateway, NLX webhooks and MCP over HTTP.
- ``repl [--site S] [--actor A] [-q]``: type to the dialogue.
- ``mcp``: the MCP tools over stdio.
- ``monitor``: one forecasting and monitor cycle, with a progress bar.
- ``worker``: a Temporal worker for the workflows, in a process of its own."""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the web service (default)")
    repl = commands.add_parser("repl", help="type to the dialogue")
    repl.add_argument("--site", default=None, help="the site you are standing in (a site id, e.g. main)")
    repl.add_argument("--actor", default="repl", help="who you are, for the audit trail")
    repl.add_argument("-q", "--quiet", action="store_true", help="replies only, no intent/slots line")
    commands.add_parser("mcp", help="the MCP tools over stdio")
    commands.add_parser("monitor", help="run one monitor cycle")
    commands.add_parser("worker", help="a Temporal worker for the workflows (scale-out)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "repl":
        from app.cli.repl import run

        return run(settings, args.site, args.actor, not args.quiet)
    if args.command == "mcp":
        from app.cli.mcp_stdio import run as run_mcp

        return run_mcp(settings)
    if args.command == "monitor":
        from app.cli.monitor import run as run_monitor

        return run_monitor(settings)
    if args.command == "worker":
        from app.cli.worker import run as run_worker

        return run_worker(settings)
    from app.cli.serve import serve

    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
