"""HTTP metrics and ``/metrics``. ``HttpMetricsMiddleware`` counts every HTTP request (WebSockets are calls, counted
by the gateway) by method, route template and status, and times it, on the services' registry
(``Services.metrics.registry``, which the gateway, the loop watch, the workflows and the business counters share).
Routes are labelled by their template (``/api/inventory/{sku}``), never the raw path; a request no route matched
is ``unmatched``.

``metrics_router(token)`` serves that registry at ``/metrics``: with a token (``IP_METRICS_TOKEN``), only to
``Authorization: Bearer <token>`` (401 otherwise); without one, only to loopback clients (403 to others)."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator, Sequence
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Request
from fastapi import routing as fastapi_routing
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import SecretStr
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services import Services

UNMATCHED = "unmatched"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ON: WeakKeyDictionary[CollectorRegistry, HttpMetrics] = WeakKeyDictionary()


class HttpMetrics:
    """One per registry: use ``HttpMetrics.on(registry)``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request to the end of its response (a streamed response: until it ends), by method and route "
            "template.",
            ["method", "route"],
            registry=registry,
            buckets=_BUCKETS,
        )

    @classmethod
    def on(cls, registry: CollectorRegistry) -> HttpMetrics:
        found = _ON.get(registry)
        if found is None:
            found = _ON[registry] = cls(registry)
        return found

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


def _contexts(routes: Sequence[BaseRoute]) -> Iterator[tuple[BaseRoute, str]]:
    """Each route object with its full path template. FastAPI's ``iter_route_contexts`` resolves included routers'
    prefixes (their routes keep their own, unprefixed, paths); without it, routes carry full paths already."""
    iterate = getattr(fastapi_routing, "iter_route_contexts", None)
    if iterate is None:
        for route in routes:
            yield route, str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))
        return
    for context in iterate(routes):
        yield context.original_route, str(context.path_format or context.path or UNMATCHED)


class RouteTemplates:
    """The template of the route that handled a request, from ``scope["route"]`` (or the mount the path is under)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._by_route: dict[int, str] = {}
        self._mounts: list[tuple[str, str]] = []
        for route, template in _contexts(routes):
            self._by_route.setdefault(id(route), template)
            if isinstance(route, Mount):
                self._mounts.append((template.removesuffix("/{path}"), template))

    def of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None:
            return self._by_route.get(id(route)) or str(getattr(route, "path_format", UNMATCHED))
        path = scope.get("path", "")
        for prefix, template in self._mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return template
        return UNMATCHED


def _registry(scope: Scope) -> CollectorRegistry | None:
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    return services.metrics.registry if isinstance(services, Services) else None


class HttpMetricsMiddleware:
    """Pure ASGI: counts and times HTTP requests once the services are open (before that, nothing is counted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        registry = _registry(scope) if scope["type"] == "http" else None
        if registry is None:
            await self.app(scope, receive, send)
            return
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, watched)
        except Exception:  # answered 500 by the server's last resort, unless a response had started
            self._observe(registry, scope, status, started)
            raise
        self._observe(registry, scope, status, started)  # a cancelled request is not counted

    def _observe(self, registry: CollectorRegistry, scope: Scope, status: int, started: float) -> None:
        if self._templates is None:  # the routes are all in place once requests arrive
            self._templates = RouteTemplates(scope["app"].routes)
        seconds = time.perf_counter() - started
        HttpMetrics.on(registry).observe(scope["method"], self._templates.of(scope), status, seconds)


# --- /metrics ---------------------------------------------------------------------------------------------------


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _refusal(request: Request, token: SecretStr | None) -> JSONResponse | None:
    """None when the scraper may read the metrics, else the answer."""
    if token is None:
        if _is_loopback(request):
            return None
        message = "/metrics answers loopback clients only; set IP_METRICS_TOKEN to scrape from elsewhere"
        return JSONResponse({"code": "forbidden", "message": message}, 403)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip().encode() if scheme.lower() == "bearer" else b""
    if given and hmac.compare_digest(given, token.get_secret_value().encode()):
        return None
    return JSONResponse(
        {"code": "unauthenticated", "message": "send Authorization: Bearer <IP_METRICS_TOKEN>"},
        401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def metrics_router(token: SecretStr | None) -> APIRouter:
    """``GET /metrics``: the services' registry in the Prometheus text format, to the scrapers ``token`` lets in."""
    router = APIRouter(tags=["system"])

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        refused = _refusal(request, token)
        if refused is not None:
            return refused
        services = request.app.state.services
        if not isinstance(services, Services):
            body = {"code": "not_ready", "message": "the services are not open yet", "retryable": True}
            return JSONResponse(body, 503)
        return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
