"""Rules for text that comes in from outside, in one place for every edge (REST, NLX, the core lookups).

- **Length.** Names, SKUs, sites and lookups are at most ``MAX_NAME_CHARS``: fuzzy matching costs grow with the
  length of the text, and no product name comes near it.
- **Valid Unicode.** JSON can carry lone UTF-16 surrogates (``"\\ud800"``); they are not text, cannot be stored
  (BSON is UTF-8) and are refused with 422 by ``NoSurrogates`` request models."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic_core import PydanticCustomError

MAX_NAME_CHARS = 200

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(value: Any, where: str = "") -> str | None:
    """The path (``aliases.0``, ``context.site``; ``""`` for the value itself) of the first string in ``value``
    (strings, mappings and lists, keys included) that holds a lone surrogate, or None."""
    if isinstance(value, str):
        return where if _SURROGATE.search(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                return path
            found = lone_surrogate_at(item, path)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = lone_surrogate_at(item, f"{where}.{i}" if where else str(i))
            if found is not None:
                return found
    return None


def surrogate_problem(where: str) -> str:
    return f"the text at {where or 'the top level'} holds a lone UTF-16 surrogate, which is not valid Unicode"


class NoSurrogates(BaseModel):
    """Base of request bodies: any string anywhere in the input (nested models, lists, dicts) with a lone
    surrogate fails validation (``lone_surrogate``), before any field is read."""

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        where = lone_surrogate_at(data)
        if where is not None:
            raise PydanticCustomError("lone_surrogate", surrogate_problem(where))
        return data
