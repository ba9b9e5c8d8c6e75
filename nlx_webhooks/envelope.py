"""The two body shapes NLX data requests arrive in.

Current (v3, INFERRED from the official CLI): the request model's JSON is the whole body, and our JSON is the
whole answer. Legacy (Dialog Studio): ``{"variables":[{"variableId","payload"}],"state","context"}`` in,
``{"resolvedVariables":[{"variableId","value"}],"unresolvedVariables":[...]}`` out. How v3 adds conversation
context when ``sendContext`` is on is UNCONFIRMED, so a body of ``{"payload":{...},"context":{...}}`` is read
as payload plus context too, and the conversation id is looked for in the context and the headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CONVERSATION_KEYS = ("conversationId", "nlx_conversationId", "conversation_id", "cid")
_USER_KEYS = ("nlx_userId", "userId", "user_id")
CONVERSATION_HEADERS = ("nlx-conversation-id", "nlx-correlation-id")


class EnvelopeError(ValueError):
    code = "invalid_envelope"
    retryable = False


@dataclass(frozen=True)
class Variable:
    variable_id: str | None  # None in the current shape
    payload: dict[str, Any]


@dataclass(frozen=True)
class Incoming:
    legacy: bool
    variables: list[Variable]
    context: dict[str, Any] = field(default_factory=dict)

    def conversation_id(self, headers: Mapping[str, str]) -> str | None:
        return _first(self.context, _CONVERSATION_KEYS) or next(
            (headers[h] for h in CONVERSATION_HEADERS[:1] if headers.get(h)), None
        )

    def user_id(self) -> str | None:
        return _first(self.context, _USER_KEYS)


def _first(context: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = context.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)
    return None


def _slot_values(state: Any) -> dict[str, Any]:
    """Legacy ``state`` maps slot names to ``{"value": ...}``; a bare value is taken as is."""
    if not isinstance(state, Mapping):
        return {}
    out: dict[str, Any] = {}
    for name, slot in state.items():
        value = slot.get("value") if isinstance(slot, Mapping) else slot
        if value is not None:
            out[str(name)] = value
    return out


def unwrap(body: Any) -> Incoming:
    if not isinstance(body, Mapping):
        raise EnvelopeError("the body must be a JSON object")
    raw_context = body.get("context")
    context: dict[str, Any] = dict(raw_context) if isinstance(raw_context, Mapping) else {}
    if isinstance(body.get("variables"), list):
        slots = _slot_values(body.get("state"))
        variables: list[Variable] = []
        for entry in body["variables"]:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("variableId"), str):
                raise EnvelopeError("each variable needs a variableId")
            payload = entry.get("payload")
            payload = dict(payload) if isinstance(payload, Mapping) else {}
            # Slots the flow collected fill fields the payload leaves out; the payload wins.
            variables.append(Variable(entry["variableId"], {**slots, **payload}))
        if not variables:
            raise EnvelopeError("variables is empty")
        return Incoming(True, variables, context)
    payload = body.get("payload")
    if isinstance(payload, Mapping) and set(body) <= {"payload", "context", "state"}:
        return Incoming(False, [Variable(None, dict(payload))], context)
    return Incoming(False, [Variable(None, {k: v for k, v in body.items() if k != "context"})], context)


def legacy_answer(resolved: list[tuple[str, Any]], unresolved: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "resolvedVariables": [{"variableId": vid, "value": value} for vid, value in resolved],
        "unresolvedVariables": [{"variableId": vid, "errorMessage": msg} for vid, msg in unresolved],
    }


def legacy_error(message: str, status: int) -> dict[str, Any]:
    return {"errorMessage": message, "responseCode": status}
