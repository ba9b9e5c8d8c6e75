"""Compiles the JSGF subset our grammars are written in into a minimal deterministic word graph.

pocketsphinx's own JSGF compiler keeps every optional part and rule reference as a null transition, and its
search builds a lexicon tree for every state that null transitions reach: with catalogue-sized alternatives
behind optional words, decoding slows from a tenth of a second to many seconds. A deterministic, minimal,
epsilon-free graph shares every common prefix and suffix, so each word is tried once per place it can occur.

Supported: ``public <rule> = ...;`` and ``<rule> = ...;`` definitions, words, ``( )`` groups, ``[ ]`` optional
parts, ``|`` alternatives, ``<rule>`` references (no recursion), ``<NULL>`` and ``<VOID>``."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

Expr = tuple[str, object]  # ("word", str) | ("seq", list) | ("alt", list) | ("opt", Expr) | ("ref", str)

_TOKEN = re.compile(r"<[^>]+>|[()\[\]|]|[^\s()\[\]|<>]+")


class GrammarSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class WordGraph:
    """An acyclic word automaton: transitions ``(from, to, probability, word)``; ``word`` None is the step
    into the single final state."""

    start: int
    final: int
    num_states: int
    transitions: tuple[tuple[int, int, float, str | None], ...]

    def accepts(self, words: Sequence[str]) -> bool:
        arcs = self._arcs
        state = self.start
        for word in words:
            nxt = arcs.get((state, word))
            if nxt is None:
                return False
            state = nxt
        return state == self.final or arcs.get((state, None)) == self.final

    @functools.cached_property
    def _arcs(self) -> dict[tuple[int, str | None], int]:
        return {(s, w): d for s, d, _, w in self.transitions}

    @property
    def words(self) -> set[str]:
        return {w for _, _, _, w in self.transitions if w is not None}


def parse_jsgf(text: str) -> tuple[dict[str, Expr], str]:
    """The rules of a grammar and the name of its (first) public rule."""
    body = re.sub(r"#JSGF[^;]*;|grammar\s+[\w.]+\s*;", " ", text)
    rules: dict[str, Expr] = {}
    public: str | None = None
    for chunk in body.split(";"):
        if not chunk.strip():
            continue
        head, sep, rhs = chunk.partition("=")
        match = re.fullmatch(r"\s*(public\s+)?<([\w.]+)>\s*", head)
        if not sep or match is None:
            raise GrammarSyntaxError(f"not a rule definition: {chunk.strip()[:60]!r}")
        rules[match.group(2)] = _Parser(_TOKEN.findall(rhs)).parse()
        if match.group(1) and public is None:
            public = match.group(2)
    if public is None:
        raise GrammarSyntaxError("no public rule")
    return rules, public


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> Expr:
        expr = self._alt()
        if self.pos != len(self.tokens):
            raise GrammarSyntaxError(f"unexpected {self.tokens[self.pos]!r}")
        return expr

    def _alt(self) -> Expr:
        options = [self._seq()]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._seq())
        return options[0] if len(options) == 1 else ("alt", options)

    def _seq(self) -> Expr:
        items: list[Expr] = []
        while (tok := self._peek()) is not None and tok not in "|)]":
            self.pos += 1
            if tok in "([":
                inner = self._alt()
                closing = ")" if tok == "(" else "]"
                if self._peek() != closing:
                    raise GrammarSyntaxError(f"missing {closing!r}")
                self.pos += 1
                items.append(inner if tok == "(" else ("opt", inner))
            elif tok.startswith("<"):
                items.append(("ref", tok[1:-1]))
            else:
                items.append(("word", tok))
        return items[0] if len(items) == 1 else ("seq", items)

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None


class _Nfa:
    """Acyclic word NFA; alternatives share their start and end states, so only optional and empty parts
    need null transitions."""

    def __init__(self, rules: dict[str, Expr]) -> None:
        self.rules = rules
        self.arcs: list[list[tuple[str, int]]] = []
        self.eps: list[list[int]] = []

    def new(self) -> int:
        self.arcs.append([])
        self.eps.append([])
        return len(self.arcs) - 1

    def emit(self, expr: Expr, src: int, dst: int, depth: int = 0) -> None:
        if depth > 50:
            raise GrammarSyntaxError("rules nest too deeply (recursion is not supported)")
        kind, value = expr
        if kind == "word":
            self.arcs[src].append((str(value), dst))
        elif kind == "seq":
            items: list[Expr] = value  # type: ignore[assignment]
            if not items:
                self.eps[src].append(dst)
            state = src
            for i, item in enumerate(items):
                nxt = dst if i == len(items) - 1 else self.new()
                self.emit(item, state, nxt, depth + 1)
                state = nxt
        elif kind == "alt":
            for option in value:  # type: ignore[attr-defined]
                self.emit(option, src, dst, depth + 1)
        elif kind == "opt":
            self.eps[src].append(dst)
            self.emit(value, src, dst, depth + 1)  # type: ignore[arg-type]
        elif value == "NULL":
            self.eps[src].append(dst)
        elif value != "VOID":
            if value not in self.rules:
                raise GrammarSyntaxError(f"undefined rule <{value}>")
            self.emit(self.rules[str(value)], src, dst, depth + 1)


def compile_jsgf(text: str) -> WordGraph:
    """The minimal deterministic word graph of a grammar's public rule."""
    rules, public = parse_jsgf(text)
    nfa = _Nfa(rules)
    start, accept = nfa.new(), nfa.new()
    nfa.emit(rules[public], start, accept)
    return _minimize(*_determinize(nfa, start, accept))


def _determinize(nfa: _Nfa, start: int, accept: int) -> tuple[list[dict[str, int]], list[bool]]:
    closures: dict[int, frozenset[int]] = {}

    def closure(state: int) -> frozenset[int]:
        if state not in closures:
            seen = {state}
            stack = [state]
            while stack:
                for nxt in nfa.eps[stack.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            closures[state] = frozenset(seen)
        return closures[state]

    first = closure(start)
    index: dict[frozenset[int], int] = {first: 0}
    order = [first]
    arcs: list[dict[str, int]] = []
    finals: list[bool] = []
    i = 0
    while i < len(order):
        states = order[i]
        moves: dict[str, set[int]] = {}
        for s in states:
            for word, nxt in nfa.arcs[s]:
                moves.setdefault(word, set()).update(closure(nxt))
        out: dict[str, int] = {}
        for word, targets in moves.items():
            key = frozenset(targets)
            if key not in index:
                index[key] = len(order)
                order.append(key)
            out[word] = index[key]
        arcs.append(out)
        finals.append(accept in states)
        i += 1
    return arcs, finals


def _minimize(arcs: list[dict[str, int]], finals: list[bool]) -> WordGraph:
    """Merges states with the same future (acyclic DFA: one pass in reverse topological order)."""
    order: list[int] = []
    seen: set[int] = set()
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:  # iterative post-order DFS
        state, done = stack.pop()
        if done:
            order.append(state)
            continue
        if state in seen:
            continue
        seen.add(state)
        stack.append((state, True))
        stack.extend((nxt, False) for nxt in arcs[state].values() if nxt not in seen)
    cls: dict[int, int] = {}
    signatures: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
    for state in order:  # successors come first
        sig = (finals[state], tuple(sorted((w, cls[n]) for w, n in arcs[state].items())))
        cls[state] = signatures.setdefault(sig, len(signatures))
    final = len(signatures)
    transitions: list[tuple[int, int, float, str | None]] = []
    for (is_final, out), src in signatures.items():
        choices = len(out) + (1 if is_final else 0)
        transitions.extend((src, dst, 1.0 / choices, word) for word, dst in out)
        if is_final:
            transitions.append((src, final, 1.0 / choices, None))
    return WordGraph(start=cls[0], final=final, num_states=final + 1, transitions=tuple(transitions))
