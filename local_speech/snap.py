"""Fits an open transcript to the prompt's grammar: the grammar sentence closest to what Whisper wrote.

The distance is a word alignment (substitute, drop a grammar word, skip a transcript word) over the grammar's
word graph, where substituting one word for another costs how different they sound (the edit distance of their
phones, 0-1). "hard hacks white" is one cheap substitution from "hard hats white"; "unicorn saddles" is two dear
ones from "utility blades", and a fit that needs a dear substitution is refused rather than made: an item that is
not in the catalogue must stay unknown, not become its neighbour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein

from local_speech.fsg import WordGraph

LIGHT_WORDS = frozenset({
    "the", "a", "an", "of", "please", "and", "uh", "um", "so", "okay", "now", "just", "to", "for", "on", "in",
    "we", "i", "you", "it", "is", "are", "do", "have", "there", "any", "some", "our", "me",
})  # fmt: skip
DROP_COST = 0.6
"""Cost of a grammar word the transcript lacks, or of a transcript word the grammar has no place for."""
LIGHT_COST = 0.25
"""The same for a light word ("the", "of", "please"...): Whisper adds and drops these freely."""
_OP_SUB, _OP_DROP, _OP_SKIP = 1, 2, 3


@dataclass(frozen=True)
class Fit:
    """A transcript fitted to the grammar."""

    words: tuple[str, ...]
    """The grammar sentence."""
    costs: tuple[float, ...]
    """Per grammar word: what fitting it cost (0: the transcript had that very word; a dropped word costs
    ``DROP_COST``)."""
    skipped: float
    """What the transcript words without a place in the sentence cost."""
    worst_skip: float = 0.0
    """The dearest transcript word skipped."""
    prefix: int = 0
    suffix: int = 0
    """With ``open_ends``: the transcript words before and after the fitted span (they cost nothing)."""

    @property
    def cost(self) -> float:
        return sum(self.costs) + self.skipped

    @property
    def worst(self) -> float:
        return max(self.costs, default=0.0)


_VOICED = {"B": "P", "D": "T", "G": "K", "Z": "S", "V": "F", "DH": "TH", "ZH": "SH", "JH": "CH"}


def phone_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """0 (same phones) to 1 (nothing in common): the edit distance of two pronunciations over the longer, where
    a consonant that differs only in voicing ("bigs" / "picks") counts half."""
    if not a or not b:
        return 1.0
    exact = Levenshtein.distance(list(a), list(b))
    unvoiced = Levenshtein.distance([_VOICED.get(p, p) for p in a], [_VOICED.get(p, p) for p in b])
    return (exact + unvoiced) / (2 * max(len(a), len(b)))


class WordDistance:
    """How different two words sound: the closest pair of their pronunciations (cached)."""

    def __init__(self, pronounce: Callable[[Sequence[str]], dict[str, tuple[str, ...]]]) -> None:
        self._pronounce = pronounce
        self._cache: dict[tuple[str, str], float] = {}

    def prepare(self, words: Sequence[str]) -> None:
        self._pronounce(words)

    def __call__(self, a: str, b: str) -> float:
        if a == b:
            return 0.0
        key = (a, b) if a < b else (b, a)
        known = self._cache.get(key)
        if known is None:
            prons = self._pronounce([a, b])
            known = min(
                (phone_distance(x.split(), y.split()) for x in prons[a] for y in prons[b]), default=1.0
            )
            # A word that is a different word spelled the same way up to its ending ("hat"/"hats") is close.
            self._cache[key] = known = max(0.05, known)
        return known


def drop_cost(word: str) -> float:
    return LIGHT_COST if word in LIGHT_WORDS else DROP_COST


class Snapper:
    """Fits transcripts to one word graph (its states' order and incoming arcs are worked out once)."""

    def __init__(self, graph: WordGraph) -> None:
        self.graph = graph
        self.words = sorted(graph.words)
        word_index = {w: k for k, w in enumerate(self.words)}
        incoming: list[list[tuple[int, int]]] = [[] for _ in range(graph.num_states)]
        for src, dst, _p, word in graph.transitions:
            incoming[dst].append((src, -1 if word is None else word_index[word]))
        # Minimised graphs number a state after all the states it leads to; the final state is numbered last.
        order = sorted(range(graph.num_states), key=lambda s: -s)
        order.remove(graph.final)
        self._order = [*order, graph.final]
        self._sources = [np.array([src for src, _ in arcs], dtype=np.int64) for arcs in incoming]
        self._arc_words = [np.array([w for _, w in arcs], dtype=np.int64) for arcs in incoming]
        self._drop = np.array([drop_cost(w) for w in self.words] + [0.0])  # index -1: the step into the final

    def fit(
        self, hyp: Sequence[str], distance: WordDistance, bound: float, open_ends: bool = False
    ) -> Fit | None:
        """The cheapest sentence of the graph for ``hyp``, or None when every sentence costs more than
        ``bound``. ``open_ends``: fit a span of ``hyp`` instead, the words around it free."""
        if not open_ends and self.graph.accepts(hyp):
            return Fit(tuple(hyp), (0.0,) * len(hyp), 0.0)
        m = len(hyp)
        n = self.graph.num_states
        # sub[w, j]: what fitting grammar word w to transcript word j costs; the last row is the final step.
        sub = np.array([[distance(w, h) for h in hyp] for w in self.words] + [[np.inf] * m]).reshape(-1, m)
        skip = [drop_cost(w) for w in hyp]
        cost = np.full((n, m + 1), np.inf)
        # How each (state, transcript words consumed) was reached: the state before and the words consumed
        # there, the step, and the grammar word (-1: none).
        back_state = np.full((n, m + 1), -1, dtype=np.int64)
        back_j = np.full((n, m + 1), -1, dtype=np.int64)
        back_op = np.zeros((n, m + 1), dtype=np.int8)
        back_word = np.full((n, m + 1), -1, dtype=np.int64)
        columns = np.arange(m + 1)
        cost[self.graph.start, 0] = 0.0
        start, final = self.graph.start, self.graph.final
        for s in self._order:
            sources, words = self._sources[s], self._arc_words[s]
            if len(sources):
                before = cost[sources]  # (arcs, m + 1)
                dropped = before + self._drop[words][:, None]
                fitted = np.full_like(before, np.inf)
                fitted[:, 1:] = before[:, :-1] + sub[words]
                both = np.concatenate([dropped, fitted])  # (2 * arcs, m + 1)
                best = both.argmin(axis=0)
                cost[s] = both[best, columns]
                arc = best % len(sources)
                is_sub = best >= len(sources)
                back_state[s] = sources[arc]
                back_j[s] = np.where(is_sub, columns - 1, columns)
                back_op[s] = np.where(is_sub, _OP_SUB, _OP_DROP)
                back_word[s] = words[arc]
            row = cost[s]
            free = open_ends and s in (start, final)
            for j in range(1, m + 1):  # skip transcript words while staying in this state
                c = row[j - 1] + (0.0 if free else skip[j - 1])
                if c < row[j]:
                    row[j] = c
                    back_state[s, j], back_j[s, j], back_op[s, j], back_word[s, j] = s, j - 1, _OP_SKIP, -1
        if not np.isfinite(cost[final, m]) or cost[final, m] > bound:
            return None
        words_out: list[str] = []
        costs: list[float] = []
        skipped = worst_skip = 0.0
        prefix = suffix = 0
        state, j = final, m
        while back_state[state, j] >= 0:
            op, w = int(back_op[state, j]), int(back_word[state, j])
            prev_state, prev_j = int(back_state[state, j]), int(back_j[state, j])
            if op == _OP_SKIP and open_ends and state in (start, final):
                prefix += state == start
                suffix += state == final
            elif op == _OP_SKIP:
                skipped += skip[prev_j]
                worst_skip = max(worst_skip, skip[prev_j])
            elif w >= 0:
                words_out.append(self.words[w])
                costs.append(float(sub[w, prev_j]) if op == _OP_SUB else drop_cost(self.words[w]))
            state, j = prev_state, prev_j
        words_out.reverse()
        costs.reverse()
        return Fit(tuple(words_out), tuple(costs), skipped, worst_skip, prefix, suffix)
