"""Fits an open transcript to the prompt's grammar: the grammar sentence closest to what Whisper wrote.

The distance is a word alignment (substitute, drop a grammar word, skip a transcript word) over the grammar's
word graph, where substituting one word for another costs how different they sound (the edit distance of their
phones, 0-1). "hard hacks white" is one cheap substitution from "hard hats white"; "unicorn saddles" is two dear
ones from "utility blades", and a fit that needs a dear substitution is refused rather than made: an item that is
not in the catalogue must stay unknown, not become its neighbour."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
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
JOIN_COST = 0.05
"""Extra cost of hearing one grammar word as two ("anti freeze")."""
_OP_SUB, _OP_DROP, _OP_SKIP, _OP_JOIN = 1, 2, 3, 4


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
    dropped: int = 0
    """Grammar words the transcript does not have at all (added by the fit)."""
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
    """How different words sound (``phone_distance`` of their first pronunciations), one pair at a time or a
    whole grammar's words against a transcript at once (``matrix``)."""

    def __init__(self, pronounce: Callable[[Sequence[str]], dict[str, tuple[str, ...]]]) -> None:
        self._pronounce = pronounce
        self._symbols: dict[str, str] = {}
        self._spelled: dict[str, tuple[str, str]] = {}

    def prepare(self, words: Sequence[str]) -> None:
        self._spell(words)

    def _spell(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """Each word's phones as a string of one character per phone, exact and with voicing ignored."""
        new = [w for w in dict.fromkeys(words) if w not in self._spelled]
        if new:
            known = self._pronounce(new)
            for word in new:
                phones = (known.get(word) or ("",))[0].split()
                exact = "".join(self._symbol(p) for p in phones)
                unvoiced = "".join(self._symbol(_VOICED.get(p, p)) for p in phones)
                self._spelled[word] = (exact, unvoiced)
        return [self._spelled[w] for w in words]

    def _symbol(self, phone: str) -> str:
        return self._symbols.setdefault(phone, chr(0x100 + len(self._symbols)))

    def __call__(self, a: str, b: str) -> float:
        return float(self.matrix([a], [b])[0, 0])

    def joined(self, words: Sequence[str], heard: Sequence[str]) -> np.ndarray:
        """``[len(words), len(heard) - 1]``: how far each word is from each pair of adjacent heard words said as
        one ("anti freeze" for "antifreeze")."""
        if len(heard) < 2:
            return np.full((len(words), 0), np.inf)
        mine, theirs = self._spell(words), self._spell(heard)
        pairs = [(a[0] + b[0], a[1] + b[1]) for a, b in itertools.pairwise(theirs)]
        exact = process.cdist(
            [e for e, _ in mine], [e for e, _ in pairs], scorer=Levenshtein.normalized_distance
        )
        unvoiced = process.cdist(
            [u for _, u in mine], [u for _, u in pairs], scorer=Levenshtein.normalized_distance
        )
        out = np.maximum(0.05, (exact + unvoiced) / 2)
        silent = np.array([not e for e, _ in mine])[:, None] | np.array([not e for e, _ in pairs])[None, :]
        out[silent] = 1.0
        return out

    def matrix(self, words: Sequence[str], heard: Sequence[str]) -> np.ndarray:
        """``[len(words), len(heard)]``: how far each word is from each heard word (0 only for the same word;
        a word without known phones is 1 from every other)."""
        mine, theirs = self._spell(words), self._spell(heard)
        exact = process.cdist(
            [e for e, _ in mine], [e for e, _ in theirs], scorer=Levenshtein.normalized_distance
        )
        unvoiced = process.cdist(
            [u for _, u in mine], [u for _, u in theirs], scorer=Levenshtein.normalized_distance
        )
        out = np.maximum(0.05, (exact + unvoiced) / 2)  # different words are never quite free
        silent = np.array([not e for e, _ in mine])[:, None] | np.array([not e for e, _ in theirs])[None, :]
        out[silent] = 1.0
        out[np.array(words, dtype=object)[:, None] == np.array(heard, dtype=object)[None, :]] = 0.0
        return out


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
        self,
        hyp: Sequence[str],
        distance: WordDistance,
        bound: float,
        open_ends: bool = False,
        open_end: bool = False,
    ) -> Fit | None:
        """The cheapest sentence of the graph for ``hyp``, or None when every sentence costs more than
        ``bound``. ``open_ends``: fit a span of ``hyp`` instead, the words around it free; ``open_end``: fit the start of
        ``hyp``, the words after it free."""
        if not (open_ends or open_end) and self.graph.accepts(hyp):
            return Fit(tuple(hyp), (0.0,) * len(hyp), 0.0)
        m = len(hyp)
        n = self.graph.num_states
        # sub[w, j]: what fitting grammar word w to transcript word j costs; the last row is the final step.
        sub = np.vstack([distance.matrix(self.words, hyp), np.full((1, m), np.inf)])
        # join[w, j]: grammar word w for transcript words j and j + 1 said as one (a small extra cost).
        join = np.vstack([distance.joined(self.words, hyp) + JOIN_COST, np.full((1, max(0, m - 1)), np.inf)])
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
        alive = np.zeros(n, dtype=bool)  # states reached within ``bound``: the others lead nowhere useful
        alive[start] = True
        for s in self._order:
            sources, words = self._sources[s], self._arc_words[s]
            if len(sources):
                keep = alive[sources]
                if not keep.any():
                    continue
                if not keep.all():
                    sources, words = sources[keep], words[keep]
                before = cost[sources]  # (arcs, m + 1)
                dropped = before + self._drop[words][:, None]
                fitted = np.full_like(before, np.inf)
                fitted[:, 1:] = before[:, :-1] + sub[words]
                joined = np.full_like(before, np.inf)
                if m > 1:
                    joined[:, 2:] = before[:, :-2] + join[words]
                every = np.concatenate([dropped, fitted, joined])  # (3 * arcs, m + 1)
                best = every.argmin(axis=0)
                cost[s] = every[best, columns]
                arc, step = best % len(sources), best // len(sources)  # step 0: drop, 1: fit, 2: join
                back_state[s] = sources[arc]
                back_j[s] = columns - step
                back_op[s] = np.choose(step, [_OP_DROP, _OP_SUB, _OP_JOIN])
                back_word[s] = words[arc]
            row = cost[s]
            free = (open_ends and s in (start, final)) or (open_end and s == final)
            for j in range(1, m + 1):  # skip transcript words while staying in this state
                c = row[j - 1] + (0.0 if free else skip[j - 1])
                if c < row[j]:
                    row[j] = c
                    back_state[s, j], back_j[s, j], back_op[s, j], back_word[s, j] = s, j - 1, _OP_SKIP, -1
            alive[s] = row.min() <= bound
        if not np.isfinite(cost[final, m]) or cost[final, m] > bound:
            return None
        words_out: list[str] = []
        costs: list[float] = []
        skipped = worst_skip = 0.0
        prefix = suffix = dropped = 0
        state, j = final, m
        while back_state[state, j] >= 0:
            op, w = int(back_op[state, j]), int(back_word[state, j])
            prev_state, prev_j = int(back_state[state, j]), int(back_j[state, j])
            if op == _OP_SKIP and ((open_ends and state in (start, final)) or (open_end and state == final)):
                prefix += state == start
                suffix += state == final
            elif op == _OP_SKIP:
                skipped += skip[prev_j]
                worst_skip = max(worst_skip, skip[prev_j])
            elif w >= 0:
                words_out.append(self.words[w])
                if op == _OP_SUB:
                    costs.append(float(sub[w, prev_j]))
                elif op == _OP_JOIN:
                    costs.append(float(join[w, prev_j]))
                else:
                    costs.append(drop_cost(self.words[w]))
                    dropped += 1
            state, j = prev_state, prev_j
        words_out.reverse()
        costs.reverse()
        return Fit(tuple(words_out), tuple(costs), skipped, worst_skip, dropped, prefix, suffix)


class PhoneIndex:
    """Catalogue names by sound, to find the few a transcript may have meant (the best substring match of
    their phones in the transcript's phones)."""

    def __init__(
        self, names: Sequence[str], pronounce: Callable[[Sequence[str]], dict[str, tuple[str, ...]]]
    ):
        self._pronounce = pronounce
        self._symbols: dict[str, str] = {}
        words = sorted({w for name in names for w in name.split()})
        known = pronounce(words) if words else {}
        self.names = list(names)
        self._keys = [self._spell(name.split(), known) for name in self.names]

    def _spell(self, words: Sequence[str], known: dict[str, tuple[str, ...]]) -> str:
        """The phones of ``words`` as a string of one character per phone."""
        out = []
        for word in words:
            for phone in (known.get(word) or ("",))[0].split():
                out.append(self._symbols.setdefault(phone, chr(0x100 + len(self._symbols))))
        return "".join(out)

    def nearest(self, words: Sequence[str], limit: int) -> list[str]:
        if not words or not self.names:
            return []
        key = self._spell(words, self._pronounce(list(words)))
        found = process.extract(key, self._keys, scorer=fuzz.partial_ratio, limit=limit)
        return [self.names[index] for _key, _score, index in found]
