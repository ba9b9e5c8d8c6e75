"""The rendered audio fixtures and one pocketsphinx recognizer (``engine="grammar"``) over the demo catalogue,
shared by the speech tests (the Whisper engine has its own tests, on a catalogue of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures.audio.generate import Entry, ensure_generated
from inventory_core.demo import demo_products
from voice_gateway.audio import mulaw_decode, read_wav
from voice_gateway.speech.local import LocalAsrOptions, LocalRecognizer
from voice_gateway.speech.ports import Utterance, VocabularyItem

SITES = ("main warehouse", "east annex")


def demo_vocabulary() -> list[VocabularyItem]:
    return [VocabularyItem(sku=p.sku, name=p.name, aliases=tuple(p.aliases)) for p in demo_products()]


def load_utterance(entry: Entry, condition: str) -> Utterance:
    path = entry.path(condition)
    if condition == "phone":
        return Utterance(pcm=mulaw_decode(path.read_bytes()), sample_rate=8000)
    audio = read_wav(path)
    return Utterance(pcm=audio.pcm, sample_rate=audio.sample_rate)


@pytest.fixture(scope="session")
def fixture_set() -> list[Entry]:
    """Every manifest entry, with its audio rendered (espeak-ng + sox, about ten seconds the first time)."""
    return ensure_generated()


@pytest.fixture(scope="session")
def recognizer() -> Iterator[LocalRecognizer]:
    asr = LocalRecognizer(demo_vocabulary(), LocalAsrOptions(engine="grammar"), sites=SITES)
    yield asr
    asr.close()
