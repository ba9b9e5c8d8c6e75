"""HTTP edge of the NLX data requests and lifecycle hooks: authenticate, unwrap either body shape, validate,
call ``DataRequests``, wrap the answer in the shape it came in."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from inventory_core.errors import InventoryError
from inventory_core.text import lone_surrogate_at, surrogate_problem
from nlx_webhooks import analytic_schemas as an
from nlx_webhooks import schemas as s
from nlx_webhooks.data_requests import Caller
from nlx_webhooks.envelope import EnvelopeError, Incoming, legacy_answer, legacy_error, unwrap
from nlx_webhooks.runtime import NlxRuntime, request_runtime

log = logging.getLogger("inventorypulse.nlx")
router = APIRouter(prefix="/api/nlx", tags=["nlx"])

Req = TypeVar("Req", bound=BaseModel)
Handler = Callable[[NlxRuntime, Any, Caller], Awaitable[BaseModel]]

_LEGACY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["variables"],
    "properties": {
        "variables": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variableId"],
                "properties": {"variableId": {"type": "string"}, "payload": {"type": "object"}},
            },
        },
        "state": {"type": "object"},
        "context": {"type": "object"},
    },
}


def _doc(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"oneOf": [model.model_json_schema(), _LEGACY_SCHEMA]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def integration_of(request: Request) -> tuple[NlxRuntime, str]:
    runtime = request_runtime(request)
    integration = runtime.auth.webhook_caller(request.headers)
    if integration is None and runtime.auth.known(request.headers):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "code": "forbidden",
                "message": "this token may not call the NLX webhooks; use an NLX token",
            },
        )
    if integration is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={
                "code": "unauthenticated",
                "message": "send Authorization: Bearer <token> or x-api-key: <token> configured for NLX",
            },
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await runtime.ready(), integration


async def _body(request: Request) -> Any:
    """The JSON body; 400 when it is not JSON, 422 when a string in it holds a lone surrogate."""
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={"code": "invalid_json", "message": f"the body is not JSON: {exc}"},
        ) from exc
    where = lone_surrogate_at(body)
    if where is not None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "invalid_request",
                "message": f"the request is not valid: {surrogate_problem(where)}",
            },
        )
    return body


def _problem(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', '')}" if where else str(err.get("msg", "")))
    return "; ".join(parts)


def _error(incoming: Incoming | None, code: str, message: str, http: int) -> JSONResponse:
    if incoming is not None and incoming.legacy:
        return JSONResponse(legacy_error(message, http), status_code=http)
    return JSONResponse({"code": code, "message": message, "text": "Sorry, I can't do that right now."}, http)


async def _serve(request: Request, model: type[Req], handler: Handler) -> JSONResponse:
    runtime, integration = await integration_of(request)
    incoming: Incoming | None = None
    try:
        incoming = unwrap(await _body(request))
    except EnvelopeError as exc:
        return _error(None, exc.code, str(exc), 422)
    caller = Caller(integration, incoming.conversation_id(request.headers), incoming.user_id())
    resolved: list[tuple[str, Any]] = []
    unresolved: list[tuple[str, str]] = []
    for variable in incoming.variables:
        try:
            req = model.model_validate(variable.payload)
        except ValidationError as exc:
            if not incoming.legacy:
                return _error(incoming, "invalid_request", f"the request is not valid: {_problem(exc)}", 422)
            unresolved.append((variable.variable_id or "", _problem(exc)))
            continue
        try:
            answer = await handler(runtime, req, caller)
        except InventoryError as exc:
            log.warning("nlx data request failed: %s", exc.message)
            if not incoming.legacy:
                return _error(incoming, exc.code, exc.message, runtime.status_for(exc))
            unresolved.append((variable.variable_id or "", exc.message))
            continue
        value = answer.model_dump(mode="json")
        if not incoming.legacy:
            return JSONResponse(value)
        resolved.append((variable.variable_id or "", value))
    if not resolved:
        return _error(incoming, "invalid_request", "; ".join(f"{v}: {m}" for v, m in unresolved), 422)
    return JSONResponse(legacy_answer(resolved, unresolved))


def _route(
    path: str, model: type[BaseModel], response: type[BaseModel], handler: Handler, summary: str
) -> None:
    async def endpoint(request: Request) -> JSONResponse:
        return await _serve(request, model, handler)

    endpoint.__name__ = "nlx_" + path.strip("/").replace("/", "_").replace("-", "_")
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=response,
        openapi_extra=_doc(model),
        responses={
            401: {"description": "No or unknown token"},
            403: {"description": "A known token that is not an NLX webhook token"},
            422: {"description": "Missing or bad field"},
        },
    )


_route(
    "/inventory/check",
    s.CheckInventoryRequest,
    s.CheckInventoryResponse,
    lambda rt, req, caller: rt.data.check_inventory(req),
    "Stock of one item (by name or SKU)",
)
_route(
    "/inventory/low-stock",
    s.LowStockRequest,
    s.LowStockResponse,
    lambda rt, req, caller: rt.data.low_stock(req),
    "Items below their minimum",
)
_route(
    "/reorder/recommendation",
    s.ReorderRequest,
    s.ReorderResponse,
    lambda rt, req, caller: rt.data.reorder(req),
    "Reorder advice for one item, or for everything",
)
_route(
    "/orders/propose",
    s.ProposeOrderRequest,
    s.ProposeOrderResponse,
    lambda rt, req, caller: rt.data.propose_order(req, caller),
    "Step 1 of placing an order: a read-back and a confirmation id (nothing is written)",
)
_route(
    "/orders/confirm",
    s.ConfirmOrderRequest,
    s.ConfirmOrderResponse,
    lambda rt, req, caller: rt.data.confirm_order(req, caller),
    "Step 2: commit (once) or cancel a proposed order",
)
_route(
    "/orders/status",
    s.OrderStatusRequest,
    s.OrderStatusResponse,
    lambda rt, req, caller: rt.data.order_status(req),
    "Status of an order, or of an item's latest orders",
)
_route(
    "/forecast",
    s.ForecastRequest,
    s.ForecastResponse,
    lambda rt, req, caller: rt.data.forecast(req),
    "Expected demand for an item over a horizon",
)
_route(
    "/inventory/stockout-risk",
    an.StockoutRiskRequest,
    an.StockoutRiskResponse,
    lambda rt, req, caller: rt.analytics.stockout_risk(req),
    "Items that may run out within N days, fewest days of cover first (paged)",
)
_route(
    "/forecast/total",
    an.ForecastTotalRequest,
    an.ForecastTotalResponse,
    lambda rt, req, caller: rt.analytics.forecast_total(req),
    "Forecast demand over N days for every item or a category, largest first (paged)",
)
_route(
    "/sales/history",
    an.SalesHistoryRequest,
    an.SalesHistoryResponse,
    lambda rt, req, caller: rt.analytics.sales_history(req),
    "Units of one item sold by month, or over the last N days (paged)",
)
_route(
    "/inventory/value",
    an.InventoryValueRequest,
    an.InventoryValueResponse,
    lambda rt, req, caller: rt.analytics.inventory_value(req),
    "Value at cost of the stock on hand: by site, category or item (rows paged)",
)
_route(
    "/reorder/list",
    an.ReorderListRequest,
    an.ReorderListResponse,
    lambda rt, req, caller: rt.analytics.reorder_list(req),
    "Every item that needs ordering now, with quantities (paged)",
)


@router.post(
    "/lifecycle", response_model=s.LifecycleAck, summary="NLX lifecycle hooks (start, escalation, end)"
)
async def lifecycle(request: Request) -> s.LifecycleAck:
    runtime, integration = await integration_of(request)
    body = await _body(request)
    event = await runtime.lifecycle.record(
        body if isinstance(body, dict) else {"body": body}, request.headers, integration
    )
    return s.LifecycleAck(event_type=event.event_type, correlation_id=event.correlation_id)
