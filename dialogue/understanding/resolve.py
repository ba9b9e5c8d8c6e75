"""Which product a speaker means: the live catalogue indexed by normalised name, alias, SKU and a phonetic key.

Exact names and aliases win outright; otherwise rapidfuzz scores the words and a metaphone key catches
recognizer slips ("pallet rap" → "pallet wrap"). Close scores are reported as ambiguous so the dialogue can ask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import jellyfish
from rapidfuzz import fuzz, process

from dialogue.understanding.numbers import DIGIT_WORDS, MEASURES, NUMBER_WORDS, tokenize
from inventory_core.models import Product

_LEADING_FILLERS = frozenset(
    {
        "the",
        "some",
        "any",
        "our",
        "those",
        "these",
        "more",
        "of",
        "all",
        "my",
        "we",
        "us",
        "please",
        "much",
        "many",
    }
)
_TRAILING_FILLERS = frozenset(
    {"please", "now", "today", "then", "left", "in", "stock", "again", "too", "each"}
)
_PRONOUNS = frozenset({"it", "that", "that one", "this", "this one", "them", "those", "the same", "same", "same one",
                       "the same one", "the same thing", "same again", "these", "they", "the same item"})  # fmt: skip
_SPELL = {"hi": "high", "vis": "visibility"}


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """A plural to its singular, closely enough that a name and what is said agree ("boxes" and "box",
    "batteries" and "battery", "ties" and "tie")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[:-2].endswith(("x", "ch", "sh", "ss", "z")):
        return word[:-2]
    return _singular(word)


def words(text: str) -> list[str]:
    """The words of ``text``: lower case, singular, punctuation and hyphens as spaces."""
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, plural 's' dropped, leading/trailing filler words dropped."""
    words = [_singular(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
    while words and words[0] in _LEADING_FILLERS:
        words = words[1:]
    while words and words[-1] in _TRAILING_FILLERS:
        words = words[:-1]
    return " ".join(words)


def phonetic(text: str) -> str:
    return " ".join(jellyfish.metaphone(w) for w in text.split())


def is_pronoun(text: str) -> bool:
    return " ".join(re.findall(r"[a-z]+", text.lower())) in _PRONOUNS


def spoken_code(text: str) -> str:
    """ "f a s one zero zero one" → "fas1001"; digits spoken as words become digits."""
    out = []
    for tok in tokenize(text):
        if tok in ("sku", "number", "item", "code", "dash", "hyphen"):
            continue
        if tok in DIGIT_WORDS:
            out.append(str(DIGIT_WORDS[tok]))
        elif tok.isdigit() or len(tok) <= 3:
            out.append(tok)
        else:
            return ""  # a real word: not a code
    return "".join(out)


@dataclass(frozen=True)
class Resolution:
    kind: Literal["match", "ambiguous", "none"]
    sku: str | None = None
    candidates: tuple[str, ...] = ()  # SKUs, best first (ambiguous)
    suggestions: tuple[str, ...] = ()  # SKUs of the nearest names (none)
    score: float = 0.0


@dataclass(frozen=True)
class MatchOptions:
    accept: float = 85.0
    """Best score at or above which a single clear winner is taken."""
    margin: float = 6.0
    """A runner-up within this many points makes the match ambiguous."""
    consider: float = 68.0
    """Below this the phrase is not found; the nearest names become suggestions."""
    phonetic_weight: float = 0.92
    """Phonetic similarity counts a little less than spelling similarity."""
    margin_near: float = 25.0
    """Names within this many points of the best are offered when the recognizer was unsure of the item."""


@dataclass
class CatalogueIndex:
    """Immutable after construction; built once per catalogue version and shared by every session."""

    products: dict[str, Product]
    version: int = 0
    options: MatchOptions = field(default_factory=MatchOptions)
    site_names: Mapping[str, str] = field(default_factory=dict)
    """Site id → spoken name ("east" → "east annex"); a site without one is spoken by its id."""

    def __post_init__(self) -> None:
        self._keys: list[str] = []
        self._key_sku: list[str] = []
        self._exact: dict[str, set[str]] = {}
        for sku, product in self.products.items():
            for label in (product.name, *product.aliases):
                key = normalise(label)
                if not key:
                    continue
                self._exact.setdefault(key, set()).add(sku)
                self._keys.append(key)
                self._key_sku.append(sku)
        self._phon = [phonetic(k) for k in self._keys]
        # Bounds on what is matched: a phrase far longer than every name cannot be one of them, and scoring it
        # whole against every key costs time that grows with its length (2000 typed characters: 90 ms).
        self._longest_words = max((len(k.split()) for k in self._keys), default=1)
        self._phrase_chars = max(60, 2 * max((len(k) for k in self._keys), default=0))
        # the words of each name and alias, for attribute answers ("the large ones") and family words ("boxes")
        self._labels: dict[str, tuple[frozenset[str], ...]] = {}
        self._called: dict[str, set[str]] = {}  # a word exactly as written in a name or alias → SKUs
        for sku, product in self.products.items():
            labels = tuple(frozenset(words(label)) for label in (product.name, *product.aliases))
            self._labels[sku] = tuple(ws for ws in labels if ws)
            for label in (product.name, *product.aliases):
                for w in re.findall(r"[a-z0-9]+", label.lower()):
                    self._called.setdefault(w, set()).add(sku)
        self._codes = {re.sub(r"[^a-z0-9]", "", s.lower()): s for s in self.products}
        self._code_digits: dict[str, list[str]] = {}
        for s in self.products:
            self._code_digits.setdefault(re.sub(r"\D", "", s), []).append(s)
        self.sites: frozenset[str] = frozenset(
            loc.site for p in self.products.values() for loc in p.locations
        ) | frozenset(self.site_names)
        # what a caller may say for a site: its id or its spoken name (tokens, without a leading "the")
        said: dict[tuple[str, ...], str] = {}
        for site in self.sites:
            for label in (site, self.site_names.get(site, "")):
                toks = tuple(tokenize(label))
                if toks and toks[0] == "the":
                    toks = toks[1:]
                if toks:
                    said.setdefault(toks, site)
        self.site_phrases: tuple[tuple[tuple[str, ...], str], ...] = tuple(
            sorted(said.items(), key=lambda kv: -len(kv[0]))
        )
        """(tokens, site id), longest first."""
        # Names that contain number words ("nine volt batteries"): their numbers are not quantities.
        self._numeric_phrases: dict[str, list[tuple[str, ...]]] = {}
        for label in {lbl for p in self.products.values() for lbl in (p.name, *p.aliases)}:
            toks = tuple(tokenize(label))
            if any(t in NUMBER_WORDS or t.isdigit() for t in toks):
                self._numeric_phrases.setdefault(toks[0], []).append(toks)
        for phrases in self._numeric_phrases.values():
            phrases.sort(key=len, reverse=True)

    @classmethod
    def build(
        cls, products: Iterable[Product], version: int = 0, options: MatchOptions | None = None,
        site_names: Mapping[str, str] | None = None,
    ) -> CatalogueIndex:  # fmt: skip
        return cls({p.sku: p for p in products}, version, options or MatchOptions(), dict(site_names or {}))

    def site_name(self, site: str) -> str | None:
        """The spoken name recorded for ``site``, None when it has none."""
        return self.site_names.get(site)

    def get(self, sku: str) -> Product | None:
        return self.products.get(sku)

    def name(self, sku: str) -> str:
        product = self.products.get(sku)
        return product.name if product else sku

    def label_words(self, sku: str) -> tuple[frozenset[str], ...]:
        """The word sets (singular, lower case) of the product's name and each alias."""
        return self._labels.get(sku, ())

    def called(self, word: str) -> frozenset[str]:
        """SKUs with ``word``, in that very form, in their name or an alias: "boxes" gives the shipping boxes,
        "pallets" the wooden pallets but not pallet wrap (a plural said is the thing, a singular in a name is
        usually a modifier)."""
        return frozenset(self._called.get(word.lower().strip(), ()))

    def vocabulary(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(sku, name, aliases) for the recognizer's grammar."""
        return [(p.sku, p.name, tuple(p.aliases)) for p in self.products.values()]

    def protected(self, tokens: Sequence[str]) -> frozenset[int]:
        """Token positions that belong to a product name containing number words."""
        blocked: set[int] = set()
        for i, tok in enumerate(tokens):
            for phrase in self._numeric_phrases.get(tok, []):
                n = len(phrase)
                window = [_singular(t) for t in tokens[i : i + n]]
                if window == [_singular(t) for t in phrase]:
                    blocked.update(range(i, i + n))
                    break
        return frozenset(blocked)

    # --- resolution --------------------------------------------------------------------------------------

    def resolve(self, phrase: str, among: Sequence[str] | None = None) -> Resolution:
        """The product ``phrase`` names. ``among`` restricts the answer to these SKUs (a choice question)."""
        code = spoken_code(phrase)
        if code:
            by_code = self._by_code(code)
            if by_code is not None and (among is None or by_code in among):
                return Resolution("match", sku=by_code, score=100.0)
        query = self._bounded(normalise(phrase))
        if not query:
            return Resolution("none")
        exact = self._exact.get(query)
        if exact:
            hits = sorted(exact if among is None else exact & set(among))
            if len(hits) == 1:
                return Resolution("match", sku=hits[0], score=100.0)
            if hits:
                return Resolution("ambiguous", candidates=tuple(hits), score=100.0)
        if all(_figure_or_measure(w) for w in query.split()):
            # Figures alone, or with measures, name no item, though a name may hold them ("many two" is not
            # "wiper blades twenty two inch", "ten mils" heard for "chain mail" not "ten mil syringes"): only a
            # name that is exactly those words matches.
            return Resolution("none")
        scores = self._scores(query, among)
        if not scores:
            return Resolution("none")
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best_sku, best = ranked[0]
        opts = self.options
        if best < opts.consider:
            return Resolution("none", suggestions=tuple(s for s, sc in ranked[:3] if sc >= 50.0), score=best)
        close = [s for s, sc in ranked if sc >= best - opts.margin]
        if best >= opts.accept and len(close) == 1:
            return Resolution("match", sku=best_sku, score=best)
        return Resolution("ambiguous", candidates=tuple(close), score=best)

    def partly_named(self, phrase: str, sku: str) -> bool:
        """Whether ``phrase`` says fewer than half the words of each name of ``sku``, every one of them its
        ("valve" for "tire valve stems"): shorthand when typed, and also what is left when a recognizer drops
        the word that made it another item (held-out seed 137: "tuba valves" heard "to the valve")."""
        said = frozenset(words(normalise(phrase)))
        labels = self._labels.get(sku, ())
        return bool(said and labels) and all(said < ws and 2 * len(said) < len(ws) for ws in labels)

    def named_in(self, text: str) -> str | None:
        """The one item whose whole name or alias ``text`` contains word for word (the longest such name), None
        when there is none or the longest fits several items: what a half-heard request clearly named."""
        found = self.named_span(text)
        return found[0] if found is not None else None

    def named_span(self, text: str) -> tuple[str, int, int] | None:
        """``named_in`` with where the name stands: (sku, first word, word after the last) among the words of
        ``text`` (lower case, punctuation dropped, as said: ``re.findall(r"[a-z0-9]+", text.lower())``)."""
        tokens = [_singular(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
        for size in range(min(len(tokens), self._longest_words), 0, -1):
            found = {
                (sku, start)
                for start in range(len(tokens) - size + 1)
                for sku in self._exact.get(" ".join(tokens[start : start + size]), ())
            }
            if found:
                if len({sku for sku, _ in found}) != 1:
                    return None
                sku, start = min(found, key=lambda hit: hit[1])
                return sku, start, start + size
        return None

    def neighbours(self, phrase: str, sku: str, limit: int = 3, at_least: int = 1) -> tuple[str, ...]:
        """``sku`` first, then the items whose names come closest to ``phrase`` (what was heard): the choice to
        offer when the recognizer was unsure which item was said. Only names within ``margin_near`` points of
        the best and above ``consider`` count, unless fewer than ``at_least`` items would be offered: then the
        nearest others are added however far (a choice of two is easier to answer, and to hear, than a name)."""
        query = self._bounded(normalise(phrase))
        scores = self._scores(query, None) if query else {}
        best = max(scores.values(), default=0.0)
        floor = max(self.options.consider, best - self.options.margin_near)
        ranked = sorted((s for s in scores if s != sku), key=lambda s: (-scores[s], s))
        near = [s for s in ranked if scores[s] >= floor][: limit - 1]
        if len(near) + 1 < at_least:
            near += [s for s in ranked if s not in near][: at_least - 1 - len(near)]
        return (sku, *near)

    def nearest(self, phrase: str, limit: int = 3) -> tuple[str, ...]:
        """The items whose names come closest to ``phrase`` by spelling or sound, however far: what to offer when
        a name asked for was not found again (a choice is easier to answer, and to hear, than a name)."""
        query = self._bounded(normalise(phrase))
        scores = self._scores(query, None) if query else {}
        return tuple(sorted(scores, key=lambda s: (-scores[s], s))[:limit])

    def _bounded(self, query: str) -> str:
        """``query`` cut, at a word, to twice the longest name (the words after that cannot make it a name)."""
        if len(query) <= self._phrase_chars:
            return query
        return query[: self._phrase_chars + 1].rsplit(" ", 1)[0]

    def _by_code(self, code: str) -> str | None:
        if code in self._codes:
            return self._codes[code]
        if code.isdigit():
            hits = self._code_digits.get(code, [])
            if len(hits) == 1:
                return hits[0]
        return None

    def _scores(self, query: str, among: Sequence[str] | None) -> dict[str, float]:
        if among is not None:
            allowed = set(among)
            idx = [i for i, s in enumerate(self._key_sku) if s in allowed]
        else:
            idx = list(range(len(self._keys)))
        keys = [self._keys[i] for i in idx]
        out: dict[str, float] = {}
        limit = 24
        for _, score, pos in process.extract(query, keys, scorer=_text_score, limit=limit):
            sku = self._key_sku[idx[pos]]
            out[sku] = max(out.get(sku, 0.0), float(score))
        phon_keys = [self._phon[i] for i in idx]
        said = _words(query)
        for _, score, pos in process.extract(phonetic(query), phon_keys, scorer=_text_score, limit=limit):
            key = self._keys[idx[pos]]
            score = float(score) * self.options.phonetic_weight
            if not _named_words(said & _words(key)) and len(_words(key)) > len(said):
                # Sounding like part of a longer name, sharing none of its words but figures ("blocks" and
                # "black crew socks", "ballet two" and "wiper blades twenty two inch"): a name to offer, never
                # one to take unasked.
                score = min(score, self.options.accept - 1.0)
            sku = self._key_sku[idx[pos]]
            out[sku] = max(out.get(sku, 0.0), score)
        return out


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """The words of a query or key (cached: one query is scored against every key)."""
    return frozenset(text.split())


def _figure_or_measure(word: str) -> bool:
    return word in NUMBER_WORDS or word.isdigit() or word in MEASURES or f"{word}s" in MEASURES


def _named_words(shared: frozenset[str]) -> frozenset[str]:
    """The words that are not figures: a figure shared with a name says nothing about which item it is."""
    return frozenset(w for w in shared if w not in NUMBER_WORDS and not w.isdigit())


def _text_score(query: str, key: str, **_: object) -> float:
    """Whole-phrase similarity, with word-order freedom; a query that is a clean subset of a name ("hex bolts"
    in "half inch hex bolts") scores high, and so does every name containing it — which is what makes it
    ambiguous. The subset bonus is one-way: words said beyond a name are evidence of another item ("killed
    bins" is not "beanies", "unicorn saddles" not "saddles"), so a name inside a longer query scores lower."""
    within = _words(query) <= _words(key)
    subset = (0.94 if within else 0.8) * fuzz.token_set_ratio(query, key)
    return max(fuzz.token_sort_ratio(query, key), subset, fuzz.ratio(query, key))
