"""Caller speech for the spoken conditions: espeak-ng voices and speeds, the hibari neural voice (weights in its
PyPI wheel), noise made here with numpy (babble from espeak-ng talkers, reversing beepers, conveyor hum) mixed at
a given SNR, and 8 kHz μ-law phone audio (band-limited to 300-3400 Hz).

Each function returns mono PCM16 bytes and its sample rate; everything is seeded by the text and the condition."""

from __future__ import annotations

import functools
import hashlib
import random
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from voice_gateway.audio import mulaw_decode, mulaw_encode, resample

RATE = 16000
PAD_S = (0.25, 0.1)
NoiseKind = Literal["babble", "beeps", "hum"]
NOISE_KINDS: tuple[NoiseKind, ...] = ("babble", "beeps", "hum")


@dataclass(frozen=True)
class Voice:
    engine: Literal["espeak", "hibari"]
    name: str  # espeak-ng voice, or the hibari voice
    speed: float  # words per minute (espeak) or a speed factor (hibari)


@dataclass(frozen=True)
class Condition:
    name: str
    voice: Voice | None  # None: typed
    snr_db: float | None = None
    phone: bool = False


def _seed(*parts: object) -> int:
    return int(hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def espeak(text: str, voice: str, wpm: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(int(wpm)), "-w", str(raw), text],
                       check=True, capture_output=True)  # fmt: skip
        data = raw.read_bytes()
    rate = int.from_bytes(data[24:28], "little")
    pcm = data[44:]
    return np.frombuffer(resample(pcm, rate, RATE), dtype=np.int16).astype(np.float64)


@functools.cache
def _hibari() -> Any:
    from hibari import Hibari  # optional: only the neural condition needs it

    return Hibari()


def hibari_available() -> str | None:
    """None when the neural voice runs here, else why not."""
    try:
        _hibari()
    except Exception as exc:  # an import or model error: report it, do not crash the run
        return f"{type(exc).__name__}: {exc}"
    return None


def neural(text: str, speed: float) -> np.ndarray:
    audio = np.asarray(_hibari()(text, speed=speed, seed=0), dtype=np.float32)
    pcm = (np.clip(audio, -1, 1) * 32000).astype(np.int16).tobytes()
    return np.frombuffer(resample(pcm, 24000, RATE), dtype=np.int16).astype(np.float64)


def speak(text: str, voice: Voice) -> np.ndarray:
    """The words at 16 kHz as float samples, with the silence an endpointer leaves around them."""
    body = espeak(text, voice.name, voice.speed) if voice.engine == "espeak" else neural(text, voice.speed)
    pad = [np.zeros(int(s * RATE)) for s in PAD_S]
    return np.concatenate([pad[0], body, pad[1]])


# -- noise -------------------------------------------------------------------------------------------------------
BABBLE_TEXT = (
    "the pallet for bay four is late again", "can you check the manifest for tuesday", "we are out of shrink "
    "film on line two", "tell the driver to back in slowly", "lunch is at half past twelve today", "who signed "
    "for the morning delivery", "move those totes to the mezzanine", "the scanner on dock three keeps freezing",
)  # fmt: skip


@functools.cache
def _babble_bed() -> np.ndarray:
    """Eight overlapping espeak-ng talkers, ten seconds, unit RMS."""
    rng = random.Random(7)
    bed = np.zeros(RATE * 10)
    for k, text in enumerate(BABBLE_TEXT):
        voice = rng.choice(("en-us", "en-gb", "en-gb-scotland", "en-029", "en-us+f2", "en-gb-x-rp"))
        talk = espeak(text, voice, rng.randint(140, 190))
        start = rng.randint(0, max(1, len(bed) - len(talk)))
        seg = talk[: len(bed) - start]
        bed[start : start + len(seg)] += seg * (0.6 + 0.1 * (k % 4))
        if start > len(talk):  # fill the head too
            bed[: len(seg)] += seg * 0.5
    return _unit(bed)


def _unit(x: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(x**2)))
    return x / rms if rms > 0 else x


def noise(kind: NoiseKind, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    if kind == "babble":
        bed = _babble_bed()
        start = int(rng.integers(0, len(bed)))
        return _unit(np.resize(np.roll(bed, -start), n) + 0.05 * rng.normal(size=n))
    if kind == "beeps":  # forklift reversing beeper over engine rumble
        f = rng.uniform(950, 1250)
        beep = np.sin(2 * np.pi * f * t) * (np.sin(2 * np.pi * rng.uniform(0.9, 1.3) * t) > 0)
        rumble = np.convolve(rng.normal(size=n), np.ones(40) / 40, mode="same")
        return _unit(_unit(beep) + 0.6 * _unit(rumble))
    f0 = rng.uniform(48, 62)  # conveyor hum: mains harmonics, motor whine and roller rattle
    hum = np.zeros(n)
    for k in range(1, 8):
        hum += np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k
    whine = np.sin(2 * np.pi * rng.uniform(300, 600) * t)
    rattle = rng.normal(size=n) * (0.5 + 0.5 * np.sign(np.sin(2 * np.pi * rng.uniform(8, 15) * t)))
    return _unit(_unit(hum) + 0.3 * _unit(whine) + 0.4 * _unit(rattle))


def mix(speech: np.ndarray, kind: NoiseKind, snr_db: float, seed: int) -> np.ndarray:
    active = slice(int(PAD_S[0] * RATE), len(speech) - int(PAD_S[1] * RATE))
    p_speech = float(np.mean(speech[active] ** 2)) or 1.0
    bed = noise(kind, len(speech), seed)
    mixed = speech + bed * np.sqrt(p_speech / 10 ** (snr_db / 10))
    peak = float(np.max(np.abs(mixed))) or 1.0
    return mixed * (32000 / peak) if peak > 32000 else mixed


def phone(speech: np.ndarray) -> bytes:
    """8 kHz PCM16 after 300-3400 Hz band-limiting and a μ-law round trip, as a phone line carries it."""
    spec = np.fft.rfft(speech)
    freqs = np.fft.rfftfreq(len(speech), 1 / RATE)
    spec[(freqs < 300) | (freqs > 3400)] = 0
    band = np.fft.irfft(spec, len(speech))
    pcm = np.clip(np.rint(band), -32768, 32767).astype(np.int16).tobytes()
    return mulaw_decode(mulaw_encode(resample(pcm, RATE, 8000)))


def render(text: str, cond: Condition, salt: str = "") -> tuple[bytes, int]:
    """``text`` as the caller says it in ``cond``: PCM16 bytes and their rate."""
    assert cond.voice is not None
    speech = speak(text, cond.voice)
    if cond.snr_db is not None:
        seed = _seed(text, cond.name, salt)
        speech = mix(speech, NOISE_KINDS[seed % len(NOISE_KINDS)], cond.snr_db, seed)
    if cond.phone:
        return phone(speech), 8000
    return np.clip(np.rint(speech), -32768, 32767).astype(np.int16).tobytes(), RATE
