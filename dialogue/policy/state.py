"""The dialogue's state, the events it reacts to and the actions it asks for. All frozen; the policy returns a
new state every step. Time arrives inside events (seconds on any monotonic clock), so the policy has no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogue.contract import ConfirmationOutcome, Expectation, HeardWords
from dialogue.policy.quantities import Usual
from dialogue.understanding.nlu import Slots

WriteKind = Literal["order", "receipt", "pick", "count", "set_min"]
Stage = Literal[
    "idle",
    "fetch",
    "confirm",
    "warn",
    "check",
    "ask_qty",
    "ask_item",
    "choose",
    "ask_change",
    "commit",
    "which_item",
    "which_kind",
    "which_qty",
    "what_for",
]
"""``which_*``: a targeted question about a slot of a write the recognizer was unsure of, asked before the
read-back (see ``confirm``); ``what_for``: what to do with the one item a half-heard request named (``salvage``)."""
READ_BACK_STAGES: frozenset[Stage] = frozenset({"confirm", "warn"})
"""Stages in which a read-back is waiting for a yes or no; the answer to one settles a ``Confirmation``."""


@dataclass(frozen=True)
class PolicyConfig:
    confirm_timeout_s: float = 60.0
    """A read-back not answered within this time is dropped; a late "yes" does nothing."""
    unusual_quantity_factor: float = 10.0
    """A write larger than this many times its typical amount gets a second, explicit warning (the typical
    amount comes from sales history, or from catalogue data for an item without: see ``quantities``)."""
    order_cover_days: float = 7.0
    """An order or receipt is compared with this many days of typical movement (a pick with one day)."""
    check_attempts: int = 2
    """Wrong check digits this many times in a row drop the write and raise a supervisor insight."""
    failures_before_help: int = 3
    """Not-understood or silent turns in a row before help is offered."""
    step_down_after: int = 2
    """Requests not understood in a row before the next is taken one part at a time ("Which item?")."""
    list_page: int = 3
    """Items read out per list reply; the rest wait for "more"."""
    llm_enabled: bool = False
    """Send utterances outside the intents to the language-model fallback."""
    unsure_word_confidence: float = 0.5
    """A word of a write's quantity, item or action word recognized below this confidence (0-1) is not trusted
    to a plain yes: the slot gets a targeted question before the read-back. Applies to engines that give
    per-word figures."""
    unsure_utterance_confidence: float = 0.35
    """An utterance recognized below this confidence leaves every slot it gave unsure (and a yes in it is no
    yes). The local grammar engine scores correct clean utterances about 0.4-0.85 and rejects below about 0.37
    (0.28 on phone audio), so for it this mostly acts on phone calls."""
    clarify_attempts: int = 2
    """Targeted questions about one unsure slot whose answers were unsure too before the write is dropped."""


@dataclass(frozen=True)
class Prompt:
    text: str
    awaiting: Expectation = "free"
    phrases: tuple[str, ...] = ()
    must_hear_chars: int | None = None


@dataclass(frozen=True)
class Draft:
    """A proposed write. ``quantity`` is in units (cases already converted)."""

    kind: WriteKind
    sku: str
    quantity: int
    spoken: str = ""  # how it was asked for, e.g. "three cases"
    site: str | None = None
    bin: str | None = None
    supplier_id: str | None = None
    supplier_name: str | None = None
    unit_price: float | None = None
    typical: float | None = None  # typical movement for this kind of write (units)
    usual: Usual | None = None  # the typical amount and the warning limit, from history or the catalogue
    current: int | None = None  # on hand now (count, pick)
    key: str = ""  # idempotency key, fixed when proposed
    proposed_at: float = 0.0
    heard: bool = True  # False when the read-back was cut off before its quantity
    warned: bool = False
    recheck: bool = False  # the warning asked for the figure to be said again (spoken turns), not a yes
    check_ok: bool = False
    check_failures: int = 0


@dataclass(frozen=True)
class Pending:
    stage: Stage = "idle"
    intent: str = ""
    draft: Draft | None = None
    slots: Slots | None = None
    candidates: tuple[str, ...] = ()
    since: float = 0.0
    note: str = ""  # said before the answer once the data is in ("Okay, I dropped the order.")
    offered: tuple[str, ...] = ()  # the answers a targeted question offers ("fifteen", "fifty"; "pick", ...)
    tries: int = 0  # targeted questions about the same slot answered unsurely so far
    heard: tuple[float, ...] = ()  # figures heard before a digit-by-digit question; its answer must agree
    unknown: str = ""  # the words "I don't know ..." named before "Did you mean ...?": heard again, no answer
    chosen: str = ""  # the offer an answer chose against the one nearest the request: chosen again, it stands


@dataclass(frozen=True)
class DialogueState:
    session_id: str
    actor: str = "anonymous"
    channel: str = "api"
    site: str | None = None
    turn: int = 0
    last_sku: str | None = None
    pending: Pending = field(default_factory=Pending)
    last_prompt: Prompt | None = None
    last_must_hear: int | None = None  # must-hear offset of the reply spoken last (re-prompts have none)
    failures: int = 0
    more: tuple[str, ...] = ()
    ended: bool = False
    intent: str | None = None  # last understood intent, for the text channel's response
    by_voice: bool = False  # the last turn was recognized speech (not typed or keyed)
    slots: Mapping[str, Any] = field(default_factory=dict)
    recorded: tuple[
        str, ...
    ] = ()  # what this conversation's writes did, said at goodbye ("picked twelve ...")


# --- events ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    at: float


@dataclass(frozen=True)
class UserSaid:
    """A turn of the caller's; ``heard`` is the recognizer's confidence for speech (None: typed, certain)."""

    text: str
    at: float
    heard: HeardWords | None = None


@dataclass(frozen=True)
class NoInput:
    at: float


@dataclass(frozen=True)
class NotHeard:
    at: float


@dataclass(frozen=True)
class PlaybackCut:
    """The last reply was cut off after ``heard_chars`` characters."""

    heard_chars: int


@dataclass(frozen=True)
class DataReady:
    """Results of a ``Fetch``, by query name; a failed query maps to an ``ErrorInfo``."""

    results: Mapping[str, Any]
    at: float = 0.0


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteDone:
    result: Any = None
    error: ErrorInfo | None = None
    retryable: bool = False
    at: float = 0.0


@dataclass(frozen=True)
class LlmDone:
    text: str | None


Event = Start | UserSaid | NoInput | NotHeard | PlaybackCut | DataReady | WriteDone | LlmDone

# --- actions ---------------------------------------------------------------------------------------------

QueryName = Literal[
    "stock", "low_stock", "movement", "suppliers", "recommend", "forecast", "orders", "insights",
    "stockout_risk", "forecast_total", "sales", "sales_months", "inventory_value",
]  # fmt: skip


@dataclass(frozen=True)
class Query:
    name: QueryName
    sku: str | None = None
    days: int | None = None
    site: str | None = None


@dataclass(frozen=True)
class Speak:
    text: str
    awaiting: Expectation = "free"
    phrases: tuple[str, ...] = ()
    must_hear_chars: int | None = None
    end_call: bool = False


@dataclass(frozen=True)
class Fetch:
    queries: tuple[Query, ...]


@dataclass(frozen=True)
class Commit:
    draft: Draft


@dataclass(frozen=True)
class Escalate:
    kind: str
    message: str
    dedupe_key: str
    sku: str | None = None
    site: str | None = None
    severity: str = "warning"


@dataclass(frozen=True)
class AskLlm:
    text: str


@dataclass(frozen=True)
class Confirmation:
    """What became of the read-back that was waiting when this turn came in (see ``Policy`` for the rules).
    Emitted at most once per turn, alongside what the turn says or commits; it asks the runner to do nothing."""

    outcome: ConfirmationOutcome


Action = Speak | Fetch | Commit | Escalate | AskLlm | Confirmation
Reply = tuple[DialogueState, list[Action]]
