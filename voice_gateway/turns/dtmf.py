"""Keypad entry: digits collected until ``#`` (or a pause), ``*`` erases. Pure; the session keeps the time."""

from __future__ import annotations

from dataclasses import dataclass

from dialogue.contract import Expectation

DTMF_KEYS = frozenset("0123456789*#ABCD")
# A single key is a whole answer to these prompts ("press 1 for yes").
SINGLE_KEY_EXPECTATIONS: frozenset[Expectation] = frozenset({"yes_no", "choice"})


@dataclass(frozen=True)
class DtmfOptions:
    terminator: str = "#"
    erase: str = "*"
    max_digits: int = 12
    """Entry is submitted when this many digits were typed."""
    timeout_s: float = 4.0
    """A pause this long after the last key submits what was typed."""


class DtmfCollector:
    def __init__(self, options: DtmfOptions | None = None) -> None:
        self.options = options or DtmfOptions()
        self.pending = ""
        self.last_key_s: float | None = None

    def press(self, key: str, at_s: float, expect: Expectation = "free") -> str | None:
        """Returns the finished entry, if this key finished one."""
        if key not in DTMF_KEYS:
            return None
        self.last_key_s = at_s
        if key == self.options.terminator:
            return self._take()
        if key == self.options.erase:
            self.pending = ""
            return None
        self.pending += key
        if expect in SINGLE_KEY_EXPECTATIONS or len(self.pending) >= self.options.max_digits:
            return self._take()
        return None

    def tick(self, at_s: float) -> str | None:
        """Called as audio arrives: submits a pending entry after the pause."""
        if self.pending and self.last_key_s is not None and at_s - self.last_key_s >= self.options.timeout_s:
            return self._take()
        return None

    def _take(self) -> str | None:
        entry, self.pending, self.last_key_s = self.pending, "", None
        return entry or None
