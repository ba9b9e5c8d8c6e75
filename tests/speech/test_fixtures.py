"""The audio fixture set: the committed manifest matches the generator, covers the dialogue, and renders."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from fixtures.audio.generate import CONDITIONS, MANIFEST, OUT_OF_GRAMMAR, Entry, build_entries, manifest_text
from local_speech.fsg import compile_jsgf
from local_speech.grammar import build_grammars
from voice_gateway.audio import mulaw_decode, pcm16_to_array, read_wav
from voice_gateway.speech.local import vocabulary_entries

from .conftest import SITES, demo_vocabulary

pytestmark = pytest.mark.speech

INTENTS = {
    "check_stock", "where_is", "low_stock", "reorder_advice", "place_order", "receive", "pick", "count",
    "set_minimum", "forecast", "supplier_info", "order_status", "help", "repeat", "cancel", "yes", "no",
    "correction", "goodbye", "check_digits", "sku_digits", "item", "quantity",
}  # fmt: skip


def test_committed_manifest_is_what_the_generator_makes() -> None:
    assert MANIFEST.read_text() == manifest_text(build_entries()), "run fixtures/audio/generate.py"


def test_manifest_covers_every_intent_with_varied_phrasing(fixture_set: list[Entry]) -> None:
    in_grammar = [e for e in fixture_set if e.intent != OUT_OF_GRAMMAR]
    assert len(in_grammar) >= 150
    assert len([e for e in fixture_set if e.intent == OUT_OF_GRAMMAR]) >= 20
    by_intent = collections.defaultdict(set)
    for entry in in_grammar:
        by_intent[entry.intent].add(entry.text)
    assert set(by_intent) == INTENTS
    assert all(len(texts) >= 3 for texts in by_intent.values()), {k: len(v) for k, v in by_intent.items()}
    assert len({e.voice for e in fixture_set}) >= 5 and len({e.speed for e in fixture_set}) >= 3
    for entry in fixture_set:
        assert {"item", "quantity", "unit"} <= set(entry.slots)
        assert entry.slots["unit"] in (None, "each", "case", "pallet")
        assert entry.slots["quantity"] is None or isinstance(entry.slots["quantity"], int)


def test_slots_agree_with_the_words(fixture_set: list[Entry]) -> None:
    for entry in fixture_set:
        if entry.slots["unit"] in ("case", "pallet"):
            assert entry.slots["unit"] in entry.text, entry
        if entry.intent in ("check_stock", "where_is", "forecast", "supplier_info"):
            assert entry.slots["item"] is not None, entry


def test_every_in_grammar_utterance_is_in_its_prompt_grammar(fixture_set: list[Entry]) -> None:
    grammars = build_grammars(vocabulary_entries(demo_vocabulary()), SITES)
    graphs = {kind: compile_jsgf(text) for kind, text in grammars.grammars.items()}
    for entry in fixture_set:
        inside = graphs[entry.expect].accepts(entry.text.split())
        assert inside == (entry.intent != OUT_OF_GRAMMAR), entry


def test_rendered_audio(fixture_set: list[Entry]) -> None:
    for entry in fixture_set[::25]:
        clean = read_wav(entry.path("clean"))
        assert clean.sample_rate == 16000 and 0.6 < clean.duration_s < 10
        phone = entry.path("phone").read_bytes()  # raw 8 kHz μ-law
        assert abs(len(phone) / 8000 - clean.duration_s) < 0.02
        assert np.abs(pcm16_to_array(mulaw_decode(phone)).astype(np.int32)).max() > 2000
        speech = pcm16_to_array(clean.pcm).astype(np.float64)
        active = slice(int(0.2 * 16000), len(speech) - int(0.3 * 16000))
        for condition, snr in (("snr20", 20.0), ("snr10", 10.0)):
            noisy = pcm16_to_array(read_wav(entry.path(condition)).pcm).astype(np.float64)
            scale = float(np.dot(noisy, speech) / np.dot(speech, speech))  # loud mixes are scaled down
            noise = noisy - scale * speech
            measured = 10 * np.log10(np.mean((scale * speech[active]) ** 2) / np.mean(noise**2))
            assert abs(measured - snr) < 1.0, (entry.file, condition, measured)
    assert set(CONDITIONS) == {"clean", "snr20", "snr10", "phone"}
