"""Non-speech sounds for the barge-in corpus (``bench/bargein_corpus.py``), made with numpy: what a caller's
microphone picks up that is not words (coughs, clatter, beeps) and the backgrounds made here (a fan, a beeping
device, a radio, an idling forklift). The other backgrounds (babble, reversing beeps, hum) are render.py's."""

from __future__ import annotations

import numpy as np

from bench.understanding.render import RATE, noise

ALARM_BAND = (1400.0, 2400.0)
"""The beeping device's tone (training only); the training split's beeps use the same band."""


# -- non-speech sounds ------------------------------------------------------------------------------------------------
def _shaped(rng: np.random.Generator, n: int, centre: float, width: float, tilt: float) -> np.ndarray:
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / RATE) + 1.0
    gain = np.exp(-0.5 * ((np.log(f) - np.log(centre)) / width) ** 2) * (f / 1000.0) ** tilt
    return np.fft.irfft(spec * gain, n)


def cough(rng: np.random.Generator) -> np.ndarray:
    """One or two bursts: a sharp attack, an exponential decay, broadband noise around 0.4-2 kHz, sometimes
    voiced (a glottal buzz under it)."""
    parts = []
    for burst in range(1 if rng.random() < 0.55 else 2):
        dur = rng.uniform(0.12, 0.35)
        n = int(dur * RATE)
        t = np.arange(n) / RATE
        attack = rng.uniform(0.004, 0.02)
        env = np.minimum(t / attack, 1.0) * np.exp(-np.maximum(t - attack, 0) / rng.uniform(0.04, 0.14))
        x = _shaped(rng, n, rng.uniform(400, 2000), rng.uniform(0.6, 1.4), rng.uniform(-0.5, 0.3))
        x /= np.std(x) + 1e-9
        if rng.random() < 0.5:
            f0 = rng.uniform(100, 260)
            buzz = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 10))
            x += rng.uniform(0.2, 0.8) * buzz / (np.std(buzz) + 1e-9)
        parts.append(x * env * (1.0 if burst == 0 else rng.uniform(0.5, 0.9)))
        parts.append(np.zeros(int(rng.uniform(0.08, 0.25) * RATE)))
    return np.concatenate(parts[:-1])


def clatter(rng: np.random.Generator) -> np.ndarray:
    """One to four impacts (a dropped tool, a tote): damped high resonances and a click."""
    out = np.zeros(int(rng.uniform(0.15, 0.6) * RATE))
    for _ in range(int(rng.integers(1, 5))):
        start = int(rng.uniform(0, 0.7) * (len(out) - 1600))
        n = min(len(out) - start, int(rng.uniform(0.05, 0.25) * RATE))
        t = np.arange(n) / RATE
        hit = np.zeros(n)
        for _ in range(int(rng.integers(3, 7))):
            hit += np.sin(2 * np.pi * rng.uniform(700, 6500) * t + rng.uniform(0, 6.3)) * np.exp(
                -t / rng.uniform(0.01, 0.07)
            )
        hit[:32] += rng.normal(size=min(32, n)) * 2.0
        out[start : start + n] += hit * rng.uniform(0.4, 1.0)
    return out


def tone_beeps(rng: np.random.Generator, band: tuple[float, float]) -> np.ndarray:
    """An alarm or scanner: one to three beeps in ``band`` with a weak second harmonic."""
    f = rng.uniform(*band)
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        t = np.arange(int(rng.uniform(0.12, 0.5) * RATE)) / RATE
        ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.004)
        parts += [(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)) * ramp]
        parts += [np.zeros(int(rng.uniform(0.1, 0.35) * RATE))]
    return np.concatenate(parts[:-1])


def fan(n: int, seed: int) -> np.ndarray:
    """A fan, an air handler or a heater (training only): steady noise of a random spectral tilt and hump, unit
    RMS."""
    rng = np.random.default_rng(seed)
    x = _shaped(rng, n, rng.uniform(150, 1500), rng.uniform(0.8, 2.0), rng.uniform(-1.2, 0.0))
    return x / (np.std(x) + 1e-9)


def alarm(n: int, seed: int) -> np.ndarray:
    """A beeping device nearby (training only): a tone in the training band (1.4-2.4 kHz, a weak second
    harmonic) switching on and off at its own cadence, over a low rumble; unit RMS while it sounds."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(*ALARM_BAND)
    on_s, off_s = rng.uniform(0.15, 0.6), rng.uniform(0.15, 0.6)
    t = np.arange(n) / RATE
    phase = (t + rng.uniform(0, on_s + off_s)) % (on_s + off_s)
    gate = np.clip(np.minimum(phase, on_s - phase) / 0.005, 0.0, 1.0)
    tone = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)) * gate
    rumble = _shaped(rng, n, rng.uniform(60, 200), 1.0, -1.0)
    x = tone / (np.sqrt(np.mean(tone[gate > 0.5] ** 2)) + 1e-9) + 0.1 * rumble / (np.std(rumble) + 1e-9)
    return np.asarray(x)


def music(n: int, seed: int) -> np.ndarray:
    """A radio playing (``holdout`` only): three-note chords with harmonics, a new chord every half second or so,
    and a noise-burst drum on the beat; unit RMS."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    x = np.zeros(n)
    beat = rng.uniform(0.4, 0.6)
    for start in np.arange(0.0, n / RATE, beat):
        a, b = int(start * RATE), min(n, int((start + beat) * RATE))
        root = 110.0 * 2 ** (int(rng.integers(0, 24)) / 12)
        for step in (0, 4, 7):  # a major triad
            f = root * 2 ** (step / 12)
            for h in (1, 2, 3):
                x[a:b] += np.sin(2 * np.pi * f * h * t[a:b]) / h
        hit = min(b - a, int(0.06 * RATE))
        x[a : a + hit] += 3.0 * rng.normal(size=hit) * np.exp(-np.arange(hit) / (0.015 * RATE))
    return x / (np.std(x) + 1e-9)


def engine(n: int, seed: int) -> np.ndarray:
    """A diesel forklift idling nearby (``fresh`` only): firing pulses at 18-30 a second through a low
    resonance, over rumble, the speed wandering; unit RMS."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(18.0, 30.0) * (
        1.0 + 0.05 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * np.arange(n) / RATE)
    )
    phase = np.cumsum(rate) / RATE
    pulses = np.maximum(0.0, np.cos(2 * np.pi * phase)) ** 8
    resonance = rng.uniform(90.0, 160.0)
    ring = np.sin(2 * np.pi * resonance * np.arange(int(0.03 * RATE)) / RATE) * np.exp(
        -np.arange(int(0.03 * RATE)) / (0.006 * RATE)
    )
    x = np.convolve(pulses, ring)[:n] + 0.3 * _shaped(rng, n, rng.uniform(80, 300), 1.2, -1.0)
    return x / (np.std(x) + 1e-9)


BEDS = {"fan": fan, "alarm": alarm, "music": music, "engine": engine}
"""Backgrounds made here; the others (babble, beeps, hum) are render.py's."""


def reversing(rng: np.random.Generator, seed: int) -> np.ndarray:
    """render.py's forklift reversing beeper over engine rumble, 0.6-1.5 s of it."""
    return noise("beeps", int(rng.uniform(0.6, 1.5) * RATE), seed)
