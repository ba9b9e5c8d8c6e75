"""Open decoding fitted to the prompt: Whisper's n best transcripts, each fitted to the prompt's grammar
(``snap``), the best fit kept, with a confidence for every word from how much of the n best agree on it.

- Whisper is biased to the catalogue with its text prompt (the item names, numbers written as words).
- A transcript that fits the grammar closely comes out as the grammar's sentence ("hard hacks white" ->
  "hard hats white"); one that does not fit is kept as Whisper wrote it, so that an item the catalogue lacks is
  heard as itself and answered as unknown, never as its nearest neighbour.
- Whisper writes text even for noise or silence: a transcript it does not believe in itself (no-speech
  probability, low likelihood, its well-known phantom phrases) is dropped."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from local_speech.decoder import Lexicon
from local_speech.figures import Checked, FigureOptions, check_figure, weigh_lone_digit
from local_speech.grammar import (
    NUMBER_WORDS,
    GrammarSet,
    commands_grammar,
    leads_grammar,
    names_grammar,
    normalize_phrase,
    search_name,
)
from local_speech.heard import SILENCE, Heard, utterance_confidence
from local_speech.names import NameOptions, race, weigh_names
from local_speech.options import FitOptions
from local_speech.snap import LIGHT_COST, Fit, PhoneIndex, Snapper, WordDistance, drop_cost
from local_speech.transcripts import echoes_prompt, prompt_for, spoken_digits, without_repeats
from local_speech.types import Expectation
from local_speech.whisper import Decoding, Encoded, WhisperDecoder, WhisperOptions, looks_invented


class WhisperGrammarRecognizer:
    """One Whisper model and the fitting state for one decoding thread (or speech worker process)."""

    def __init__(
        self,
        lexicon: Lexicon,
        options: WhisperOptions | None = None,
        fit: FitOptions | None = None,
        decoder: WhisperDecoder | None = None,
    ) -> None:
        self._options = options
        self._decoder = decoder
        self.fit_options = fit or FitOptions()
        self._lexicon = lexicon
        self._distance = WordDistance(lexicon.lookup)
        self._snappers: OrderedDict[str, Snapper] = OrderedDict()
        self._version = ""
        self._names: tuple[str, ...] = ()
        self._prompt_names: tuple[str, ...] = ()
        self._index: PhoneIndex | None = None
        self._leads: Snapper | None = None
        self._encoded: Encoded | None = None
        self._written = ""
        self.figure_options = FigureOptions()
        self.name_options = NameOptions()

    @property
    def decoder(self) -> WhisperDecoder:
        """The model, loaded on first use."""
        if self._decoder is None:
            self._decoder = WhisperDecoder(self._options)
        return self._decoder

    def sync(self, grammars: GrammarSet) -> None:
        """Use this catalogue's grammars and names (fitting graphs are built when first used)."""
        if grammars.version != self._version:
            self._snappers.clear()
            self._version = grammars.version
            self._distance.prepare(sorted(grammars.words))
        if grammars.names != self._names:
            self._names = grammars.names
            self._index = None
            # The whole catalogue when the prompt has room for it; else none (the second pass names the few
            # that sound nearest): a prompt costs decoding time, and a random part of a catalogue helps no one.
            fits = sum(len(name) + 2 for name in self._names) <= self.fit_options.prompt_chars
            self._prompt_names = self._names if fits else ()

    def warm(self, grammars: GrammarSet) -> None:
        """Build the fitting graph of every fixed prompt kind now rather than on first use."""
        self.decoder  # noqa: B018 - load the model now
        for kind in ("yes_no", "quantity", "digits"):
            self._snapper(grammars, Expectation(kind))
        self._commands()
        self._phone_index()

    def _commands(self) -> Snapper:
        return self._cached("commands", commands_grammar())

    def _snapper(self, grammars: GrammarSet, expect: Expectation) -> Snapper:
        if expect.kind == "choice" and expect.phrases:
            return self._cached(*grammars.choice(expect.phrases))
        key = search_name(expect)
        return self._cached(key, grammars.grammars[key])

    def _cached(self, key: str, jsgf: str) -> Snapper:
        """The fitting graph of ``jsgf`` (the 32 used last are kept; a catalogue change drops them all)."""
        snapper = self._snappers.get(key)
        if snapper is None:
            snapper = self._snappers[key] = Snapper(self._lexicon.graph(jsgf))
            while len(self._snappers) > 32:
                self._snappers.popitem(last=False)
        self._snappers.move_to_end(key)
        return snapper

    def recognize(self, samples: np.ndarray, grammars: GrammarSet, expect: Expectation) -> Heard:
        """``samples``: float32 at 16 kHz, -1..1."""
        encoded = self._encoded = self.decoder.encode(samples)
        decoding = self.decoder.generate(encoded, prompt_for(expect, self._prompt_names))
        self._written = normalize_phrase(decoding.hypotheses[0].text) if decoding.hypotheses else ""
        heard = self.choose(decoding, grammars, expect)
        if (
            expect.kind not in ("free", "item")
            or not heard.text
            or len(self._prompt_names) == len(self._names)
            or _names_in(heard.text, self._names)
        ):
            return heard
        # The catalogue is larger than the prompt and no name was heard: decode once more (the encoder's pass is
        # reused) prompted with the names that sound nearest to what was heard.
        near = self._phone_index().nearest(heard.text.split(), self.fit_options.second_pass_names)
        again = self.choose(self.decoder.generate(encoded, prompt_for(expect, near)), grammars, expect)
        found = _names_in(again.text, near)
        if not found:
            return heard
        # Heard only once prompted: as sure as the second pass, and no surer than ``second_pass_confidence``.
        cap = self.fit_options.second_pass_confidence
        in_name = {w for name in found for w in name.split()}
        words = tuple((w, min(c, cap) if w in in_name else c) for w, c in again.words)
        return Heard(again.text, min(again.confidence, cap), words, again.fitted)

    def check_figures(
        self,
        heard: Heard,
        offered: Sequence[str] = (),
        opinions: Sequence[str] = (),
        open_request: bool = False,
    ) -> Checked:
        """``heard`` (the last utterance recognized) with its figure weighed against its rivals on the same audio
        (``figures.check_figure``). An open request weighs fewer rivals: its sentences are longer to score."""
        if self._encoded is None or not heard.text:
            return Checked(heard)
        encoded = self._encoded
        options = self.figure_options
        if open_request:
            options = replace(options, rivals=min(options.rivals, options.rivals_open))
        return check_figure(
            heard, lambda texts: self.decoder.score(encoded, texts), self._distance, options,
            offered=offered, opinions=opinions, written=self._written_once(),
        )  # fmt: skip

    def weigh_names(self, heard: Heard, expect: Expectation) -> Heard:
        """An answer to a choice or an item prompt that is none of the names it may be, with those names (the
        offered ones, or the catalogue's nearest by sound) weighed on the same audio (``names.weigh_names``)."""
        if self._encoded is None or expect.kind not in ("choice", "item"):
            return heard
        if expect.kind == "item" and _names_in(heard.text, self._names):
            return heard  # a name heard (perhaps in a whole request): nothing to weigh
        encoded, o = self._encoded, self.name_options
        names = self._names_weighed(heard, expect)
        return weigh_names(heard, self._written_once(), names, lambda t: self.decoder.score(encoded, t), o)

    def leading_name(self, heard: Heard, expect: Expectation) -> str | None:
        """The name the audio prefers among those an answer to ``expect`` may be (the offered ones and, for a
        choice of items, the catalogue's nearest by sound), however narrowly; None when nothing was heard."""
        if self._encoded is None or not self._written_once():
            return None
        encoded = self._encoded
        names = list(dict.fromkeys(n for n, _ in self._names_weighed(heard, expect) if n))
        if not names:
            return None
        ranked, _ = race(self._written_once(), names, lambda t: self.decoder.score(encoded, t))
        return ranked[0][1]

    def _names_weighed(self, heard: Heard, expect: Expectation) -> list[tuple[str, float]]:
        """The names an answer to ``expect`` may be, each with the confidence it is taken at."""
        o = self.name_options
        names = [(n, o.choice_confidence) for n in expect.phrases]
        if all(n in self._names for n, _ in names):  # "Which item?", or a choice of items
            near = self._phone_index().nearest((heard.text or self._written_once()).split(), o.nearest)
            names += [(n, o.item_confidence) for n in near]
        return names

    def weigh_digits(self, heard: Heard) -> Heard:
        """Check digits heard as one digit, with the pairs holding it weighed on the same audio
        (``figures.weigh_lone_digit``)."""
        if self._encoded is None:
            return heard
        encoded = self._encoded
        return weigh_lone_digit(heard, lambda texts: self.decoder.score(encoded, texts))

    def _written_once(self) -> str:
        """What Whisper wrote for the last utterance, said once (its repeats dropped)."""
        return " ".join(without_repeats(self._written.split()))

    def _phone_index(self) -> PhoneIndex:
        if self._index is None:
            self._index = PhoneIndex(self._names, self._lexicon.lookup)
        return self._index

    def _names_snapper(self, words: Sequence[str]) -> Snapper:
        """A graph of the catalogue names that sound nearest to ``words`` (a whole catalogue's graph is too large
        to fit against in good time)."""
        near = sorted(self._phone_index().nearest(words, self.fit_options.candidate_names))
        # The n best mostly share their nearest names: one graph serves them all.
        return self._cached("names:" + "|".join(near), names_grammar(near))

    def choose(self, decoding: Decoding, grammars: GrammarSet, expect: Expectation) -> Heard:
        """The transcript to keep from ``decoding``'s n best (see the module's docstring). A short answer is
        fitted to the prompt's grammar; an open request (``free``, ``item``) to the commands, else kept as
        Whisper wrote it with the catalogue name in it fitted."""
        open_request = expect.kind in ("free", "item")
        sentence = self._commands() if open_request else self._snapper(grammars, expect)
        o = self.fit_options
        hyps = [h for h in decoding.hypotheses if h.tokens > 0]
        if not hyps:
            return SILENCE
        top = hyps[0]
        mean = top.logprob / top.tokens
        if decoding.no_speech > o.no_speech_max and mean < o.no_speech_logprob:
            return SILENCE
        if mean < o.min_mean_logprob or (looks_invented(top.text) and mean < o.invented_logprob):
            return SILENCE
        posterior = _softmax([h.logprob for h in hyps])
        spell = spoken_digits if expect.kind == "digits" else normalize_phrase
        texts = [without_repeats(spell(h.text).split(), digits=expect.kind == "digits") for h in hyps]
        texts = [[] if echoes_prompt(t, expect) else t for t in texts]
        if decoding.seconds > 0:  # more words than the audio can hold: Whisper ran on (repeating itself)
            most = o.max_words_per_s * decoding.seconds + 2
            texts = [t if len(t) <= most else [] for t in texts]
        likely = [k for k, p in enumerate(posterior) if p >= o.min_posterior and texts[k]]
        fits = {k: self._fit(sentence, texts[k], strict=open_request) for k in likely}
        ranked = [(hyps[k].logprob - o.fit_weight * f.cost, k) for k, f in fits.items() if f is not None]
        if ranked:
            best = fits[max(ranked)[1]]
            assert best is not None
            others = [list(f.words) if f else [] for f in (fits.get(k) for k in range(len(hyps)))]
            heard = self._heard(list(best.words), best, 0, others, posterior, fitted=True)
            # Whisper's own best, before the digits were picked out of it ("seven eyes" → "seven").
            said = normalize_phrase(top.text).split() if expect.kind == "digits" else []
            # A word lost, or no figure written at all: the fit made every digit ("i do it" fitted "two" for
            # "nine eight", held-out seed 137).
            invented = bool(said) and not any(w in NUMBER_WORDS for w in said)
            lost = invented or any(w not in NUMBER_WORDS and drop_cost(w) > LIGHT_COST for w in said)
            return replace(heard, skipped=lost or best.worst_skip > LIGHT_COST)
        # An open request (or an answer outside the prompt's grammar): Whisper's words, with the item name in
        # them fitted to the catalogue when one is close enough.
        spans = {k: self._fit(self._names_snapper(texts[k]), texts[k], open_ends=True) for k in likely}
        ranked = [
            (hyps[k].logprob - o.fit_weight * (f.cost if f is not None else o.no_item_cost), k)
            for k, f in spans.items()
        ]
        if not ranked:
            return SILENCE
        k = max(ranked)[1]
        span = spans[k]
        # Each hypothesis as fitted: "stable guns" and "staple guns" agree when the catalogue has only the latter.
        fitted = [self._mend_lead(_with_span(texts[i], spans.get(i)), spans.get(i)) for i in range(len(hyps))]
        words = fitted[k]
        if span is not None:  # the lead's mending may have changed the words before the name
            span = replace(span, prefix=len(words) - span.suffix - len(span.words))
        # Words outside the catalogue are as sure as Whisper was of them (an unknown item then reads as unknown).
        cap = min(1.0, math.exp(hyps[k].logprob / hyps[k].tokens) * o.likelihood_confidence)
        return self._heard(words, span, span.prefix if span else 0, fitted, posterior, fitted=span is not None,
                           cap=cap)  # fmt: skip

    def _mend_lead(self, words: list[str], span: Fit | None) -> list[str]:
        """``words`` with their first words fitted to a request's carrier words when they nearly are ("big
        thirty" -> "pick thirty"); never across a number or the catalogue name."""
        o = self.fit_options
        if not words:
            return words
        if self._leads is None:
            self._leads = Snapper(self._lexicon.graph(leads_grammar()))
        fit = self._leads.fit(words, self._distance, o.max_lead_cost, open_end=True)
        if fit is None or not fit.words or fit.worst > o.max_lead_word_cost or fit.dropped:
            return words  # mend words that were misheard; never add words the caller did not say
        consumed = len(words) - fit.suffix
        before_name = span.prefix if span is not None else len(words)
        if consumed > before_name or any(w in NUMBER_WORDS for w in words[:consumed]):
            return words
        return [*fit.words, *words[consumed:]]

    def _fit(
        self, snapper: Snapper, words: Sequence[str], open_ends: bool = False, strict: bool = False
    ) -> Fit | None:
        o = self.fit_options
        if not words:
            return None
        per_word = o.max_cost_per_word_open if strict else o.max_cost_per_word
        bound = per_word * (len(words) if not open_ends else 3) + o.max_cost_slack
        fit = snapper.fit(words, self._distance, bound, open_ends=open_ends)
        if fit is None or (open_ends and not fit.words):
            return None
        if fit.worst > (o.max_word_cost_open if strict else o.max_word_cost):
            return None
        if strict and fit.worst_skip > LIGHT_COST:
            return None
        if open_ends and fit.cost > o.max_name_cost_per_word * len(fit.words):
            return None
        if not open_ends and not _keeps_numbers(words, fit.words):
            return None  # Whisper hears numbers better than any fit: a fit that changes one is refused
        return fit

    def _heard(
        self, words: list[str], fit: Fit | None, at: int, others: Sequence[Sequence[str]],
        posterior: Sequence[float], *, fitted: bool, cap: float = 1.0,
    ) -> Heard:  # fmt: skip
        """Per word: the posterior mass of the n best that hold it, less what fitting it cost."""
        agree = _agreement(words, others, posterior)
        if fit is not None:
            # Fitted words (from ``at``) may be absent from the n best: they are scored by their fit.
            for i, c in enumerate(fit.costs):
                fit_conf = 1.0 - 0.5 * c / max(drop_cost(fit.words[i]), 1e-9)
                if c > 0:  # a word the transcript did not have: as sure as the fit (and the n best) allow
                    agree[at + i] = fit_conf * max(agree[at + i], 0.8)
        scored = tuple((w, min(cap, max(0.0, a))) for w, a in zip(words, agree, strict=True))
        return Heard(" ".join(words), utterance_confidence(scored), scored, fitted)


def _with_span(words: list[str], span: Fit | None) -> list[str]:
    """``words`` with the span that ``span`` fitted replaced by the catalogue name."""
    if span is None:
        return words
    return [*words[: span.prefix], *span.words, *words[len(words) - span.suffix :]]


def _names_in(text: str, names: Sequence[str]) -> list[str]:
    padded = f" {text} "
    return [n for n in names if f" {n} " in padded]


def _keeps_numbers(heard: Sequence[str], fitted: Sequence[str]) -> bool:
    """Every number word of ``heard`` is in ``fitted``, in the same order."""
    rest = iter(w for w in fitted if w in NUMBER_WORDS)
    return all(any(w == f for f in rest) for w in heard if w in NUMBER_WORDS)


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def _agreement(
    words: Sequence[str], others: Sequence[Sequence[str]], posterior: Sequence[float]
) -> list[float]:
    """Per word of ``words``: the posterior mass of the n best that also hold it (as many times)."""
    out: list[float] = []
    seen: dict[str, int] = {}
    for w in words:
        seen[w] = seen.get(w, 0) + 1
        out.append(sum(p for o, p in zip(others, posterior, strict=True) if o.count(w) >= seen[w]))
    return out
