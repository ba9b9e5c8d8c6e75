"""The MCP tools over streamable HTTP, mounted at ``/mcp`` with the API's bearer tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.fastmcp import FastMCP
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from starlette.applications import Starlette

from dialogue.mcp_server import build_mcp_server
from dialogue.tools import InventoryTools
from workflows.definitions import SupplierSyncReport
from workflows.runtime import Workflows


class TokenCheck:
    """The MCP SDK's token verifier over the service's one token check (``actor_for``: token → caller name,
    constant time); the caller's identity is the name the token stands for."""

    def __init__(self, actor_for: Callable[[str | None], str | None]) -> None:
        self._actor_for = actor_for

    async def verify_token(self, token: str) -> AccessToken | None:
        actor = self._actor_for(token)
        if actor is None:
            return None
        return AccessToken(token=token, client_id=actor, scopes=[])


class McpHttp:
    """The streamable-HTTP face: ``app`` (mount it, e.g. at ``/mcp``) and ``lifespan()``, which the host app
    must enter — Starlette does not run a mounted app's lifespan, and the session manager needs it."""

    def __init__(self, server: FastMCP, app: Starlette) -> None:
        self.server = server
        self.app = app

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with self.server.session_manager.run():
            yield


def build_mcp_http(
    tools: InventoryTools, actor_for: Callable[[str | None], str | None], *, path: str = "/",
    allowed_hosts: list[str] | None = None, public_url: str = "http://127.0.0.1:8000/mcp",
) -> McpHttp:  # fmt: skip
    """``actor_for`` names the caller a bearer token stands for (None: refused). ``allowed_hosts`` turns on
    DNS-rebinding protection."""
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=allowed_hosts is not None, allowed_hosts=allowed_hosts or []
    )
    server = build_mcp_server(
        tools,
        actor="mcp-http",
        token_verifier=TokenCheck(actor_for),
        auth=AuthSettings(issuer_url=public_url, resource_server_url=None),  # type: ignore[arg-type]
        streamable_http_path=path,
        stateless_http=True,
        json_response=True,
        transport_security=security,
    )
    return McpHttp(server, server.streamable_http_app())


def add_workflow_tools(server: FastMCP, workflows: Workflows) -> None:
    """Tools that start workflows (they live in ``app``: the dialogue's tool layer knows nothing of Temporal)."""

    async def sync_suppliers() -> SupplierSyncReport:
        """Read every supplier's stock and prices now (the supplier sync that otherwise runs every few hours) and
        wait for it: which suppliers were read, which failed and why, and the insights it raised."""
        return await workflows.sync_suppliers()

    annotations = ToolAnnotations(
        readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=True
    )
    server.add_tool(sync_suppliers, annotations=annotations, structured_output=True)
