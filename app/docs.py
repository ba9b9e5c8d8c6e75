"""The API's own documentation: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, and the OpenAPI document they
read.

The pages' scripts and styles are served by the app from the installed ``fastapi-offline`` package, never from a
CDN: warehouses run this service on networks without internet, where FastAPI's default pages stay blank. (Its
Swagger UI is 5.x, which renders the OpenAPI 3.1 documents FastAPI writes; ``swagger-ui-bundle`` ships 4.x.)

The OpenAPI document declares the credentials ``app.auth.presented_token`` accepts, a bearer token or
``x-api-key``, and requires one on every ``/api`` operation but the public ones, so Swagger's "Authorize" button
sends it. This is done on the generated document rather than per route, so routes added later get it too."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(str(files("fastapi_offline").joinpath("static")))
SWAGGER_JS, SWAGGER_CSS, REDOC_JS, FAVICON = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "redoc.standalone.js",
    "favicon.png",
)

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "Paste the token alone (Swagger adds `Bearer `): an API token (`make run` prints the dev"
        " token) or, where people's accounts are on, the access token `POST /api/auth/login` returns.",
    },
    "apiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The same token in the `x-api-key` header (used when no bearer token is sent).",
    },
}
# Alternatives: either scheme satisfies the requirement.
TOKEN_REQUIRED: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
PUBLIC_PATHS = frozenset({"/api/health", "/api/ready"})
PUBLIC_PREFIXES = ("/api/auth/login", "/api/auth/refresh")
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def needs_token(path: str) -> bool:
    """Whether an operation at ``path`` is documented as requiring a token."""
    return path.startswith("/api/") and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES)


def declare_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the security schemes, and the requirement to every operation that needs a token. A scheme or an
    operation's requirement declared already (e.g. by a FastAPI security dependency) is left as it is."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, dict(scheme))
    for path, item in schema.get("paths", {}).items():
        if not needs_token(path):
            continue
        for method, operation in item.items():
            if method in _METHODS and isinstance(operation, dict):
                operation.setdefault("security", [dict(r) for r in TOKEN_REQUIRED])
    return schema


def _cached_openapi(app: FastAPI, generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        # Generated on first use (every route is included by then), then served from the cache.
        if app.openapi_schema is None:
            app.openapi_schema = declare_security(generate())
        return app.openapi_schema

    return openapi


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages and their assets, and declare security in the OpenAPI document. The app must be
    built with ``docs_url=None, redoc_url=None`` (FastAPI's own pages load from a CDN)."""
    app.openapi = _cached_openapi(app, app.openapi)  # type: ignore[method-assign]
    openapi_url = app.openapi_url
    if openapi_url is None:  # no document, nothing to show
        return
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    def root_of(request: Request) -> str:
        # Behind a proxy that strips a prefix, the page must ask for its assets under that prefix.
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = root_of(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{ASSETS_URL}/{SWAGGER_JS}",
            swagger_css_url=f"{root}{ASSETS_URL}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{root}{ASSETS_URL}/{FAVICON}",
            oauth2_redirect_url=None,  # no OAuth2 flow: tokens are pasted into "Authorize"
            # No online validator: it would send the document's URL out (and fail offline).
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        )

    if not (ASSETS_DIR / REDOC_JS).is_file():
        return

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = root_of(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/{REDOC_JS}",
            redoc_favicon_url=f"{root}{ASSETS_URL}/{FAVICON}",
            with_google_fonts=False,  # a CDN stylesheet; ReDoc falls back to local fonts
        )
