"""The barge-in benchmark's held-out splits share nothing with the judge's training split: no voice, no request
item, no tone band, no noise seed, and the backgrounds made for one split are not in another."""

from __future__ import annotations

import numpy as np
import pytest

from bench import bargein_corpus as corpus
from bench.bargein_noises import engine
from bench.understanding.render import espeak

pytestmark = pytest.mark.unit
HELD_OUT = ("report", "holdout", "fresh", "blind")


def test_held_out_splits_share_no_voice_item_or_tone_band_with_training() -> None:
    trained_voices = {name.split("+")[-1] if "+" in name else name for name, _ in corpus.VOICES["train"]}
    for split in HELD_OUT:
        variants = {name.split("+")[-1] for name, _ in corpus.VOICES[split] if "+" in name}
        assert not variants & trained_voices, split
        assert not set(corpus.ITEMS[split]) & set(corpus.ITEMS["train"]), split
        assert not set(corpus.HIBARI_SPEEDS[split]) & set(corpus.HIBARI_SPEEDS["train"]), split
        for lo, hi in corpus.TONES[split]:
            assert all(hi <= t_lo or lo >= t_hi for t_lo, t_hi in corpus.TONES["train"]), split
        backgrounds = {name for name, _ in corpus.BACKGROUNDS[split] if name}
        assert not backgrounds & {name for name, _ in corpus.BACKGROUNDS["train"] if name}, split


def test_each_split_draws_its_noise_from_its_own_seed_range() -> None:
    bases = sorted(corpus.SEED_BASE[s] for s in ("train", *HELD_OUT))
    assert len(set(bases)) == 1 + len(HELD_OUT) and min(np.diff(bases)) >= 10_000


def test_the_fresh_splits_own_background_is_steady_level_noise() -> None:
    bed = engine(16000 * 2, seed=30001)
    assert bed.shape == (32000,) and np.isfinite(bed).all()
    assert bed.std() == pytest.approx(1.0, rel=1e-6)
    halves = bed.reshape(2, -1).std(axis=1)
    assert halves.min() > 0.7 * halves.max()  # an idling engine, not a burst


def test_every_voice_variant_is_really_spoken() -> None:
    # espeak-ng speaks "en-gb+NAME" as plain en-gb, silently; each split's variants must change the audio.
    plain: dict[str, np.ndarray] = {}
    for split in ("train", *HELD_OUT):
        for name, _ in corpus.VOICES[split]:
            if "+" not in name:
                continue
            base = name.split("+")[0]
            if base not in plain:
                plain[base] = espeak("stop", base, 150)
            spoken = espeak("stop", name, 150)
            same = spoken.shape == plain[base].shape and np.array_equal(spoken, plain[base])
            assert not same, f"{split}: {name} is spoken as plain {base}"
