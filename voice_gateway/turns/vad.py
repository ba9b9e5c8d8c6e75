"""Per-frame voice decision: webrtcvad (the ``webrtcvad-wheels`` package) with an energy floor, and two gates.

- The background gate: a frame barely louder than the quietest of the last five seconds is the background, however
  speech-like webrtcvad finds it (a conveyor hum is voiced and never stops: without the gate it holds a turn open
  until its length limit).
- The noise gate: a sound that webrtcvad calls voiced but in which Silero VAD (``local_speech/silero_vad.py``,
  trained on real voices and real noise) has heard no speech for ``noise_after_s`` is a noise. A reversing
  beeper, an engine or music dips too often for the background gate, and without this gate it held a turn open
  for 15 s. Onsets over silence stay webrtcvad's (fast): the gate only acts on a sound that has gone on that
  long. Words over a noise it holds back pass as soon as one frame is well above the noise, or Silero hears them
  (``bench/vad_backgrounds.py`` measures both gates)."""

from __future__ import annotations

import logging
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import webrtcvad

from local_speech.errors import LocalSpeechError
from local_speech.silero_vad import SileroStream

with warnings.catch_warnings():  # stdlib audioop warns on 3.11-3.12; audioop-lts provides it on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

log = logging.getLogger(__name__)

FRAME_S = 0.02
BATCH_FRAMES = 4
"""The noise gate hands Silero VAD this many frames at a time (80 ms: 2.5 of its chunks) while it does not hold."""


@dataclass(frozen=True)
class VadOptions:
    mode: int = 2
    """webrtcvad aggressiveness, 0 (lenient) to 3 (strict)."""
    floor_dbfs: float = -55.0
    """Frames quieter than this are unvoiced whatever webrtcvad says (its noise model adapts slowly)."""
    background_window_s: float = 5.0
    """The background is the quietest frame of this much audio (0: no background gate). Speech has quiet
    frames every second or so; a sound that starts mid-call and never dips (a conveyor switched on) holds a
    turn open this long at most."""
    background_margin_db: float = 3.0
    """A frame must be this much louder than the background to be speech (speech over a steady hum as loud as
    the hum is 3 dB louder than the hum alone)."""
    background_after_s: float = 0.5
    """No gate before this much audio of the call has been heard (a quietest frame of less says little)."""
    noise_after_s: float = 0.8
    """The noise gate (16 kHz only; 0: off): a voiced sound in which Silero VAD has heard no speech for this long
    is noise from then on, until Silero hears speech again."""
    noise_after_speech_s: float = 0.3
    """The same once Silero has heard speech in the sound: the noise that goes on after words is let go sooner
    (words' own pauses are ended by the segmenter's end silence, counted from here)."""
    noise_speech_p: float = 0.5
    """Silero VAD's probability from which a 32 ms chunk holds speech."""
    sound_gap_s: float = 0.6
    """Unvoiced audio this long ends a sound (a reversing beeper's pauses are shorter, so its beeps are one
    sound)."""
    noise_margin_db: float = 6.0
    """While the noise gate holds, a voiced frame this much louder than the loudest of the sounds' last
    ``noise_window_s`` passes at once: a command over the noise starts its turn without waiting for Silero."""
    noise_window_s: float = 1.5
    """How much of the sounds' audio the noise's level is the loudest frame of."""
    noise_lag_s: float = 0.1
    """The noise's level leaves out the sounds' last frames of this long (an onset rises over several frames)."""
    noise_hold_off_s: float = 0.3
    """After a frame that passed for its level, voiced frames pass for this long (the rest of the syllable, until
    Silero can judge it) and are left out of the noise's level (they are the same words)."""


class VoiceDetector(Protocol):
    def is_speech(self, frame: bytes) -> bool: ...


class QuietestFrame:
    """The quietest frame level of a sliding window of frames (a monotonic queue: O(1) per frame)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.count = 0
        self._queue: deque[tuple[int, float]] = deque()  # (frame index, level), levels increasing

    def add(self, level: float) -> float:
        """One more frame's level; the quietest of the window, this frame included."""
        q = self._queue
        while q and q[-1][1] >= level:
            q.pop()
        q.append((self.count, level))
        self.count += 1
        while q[0][0] <= self.count - 1 - self.window:
            q.popleft()
        return q[0][1]


class WebRtcVoiceDetector:
    """One per call: webrtcvad keeps an adaptive noise model per instance."""

    def __init__(self, sample_rate: int = 16000, options: VadOptions | None = None) -> None:
        o = self.options = options or VadOptions()
        self._vad = webrtcvad.Vad(o.mode)
        self._rate = sample_rate
        self._floor_rms = 32768.0 * 10 ** (o.floor_dbfs / 20)
        self._quietest = QuietestFrame(max(1, round(o.background_window_s / FRAME_S)))
        self._after = round(o.background_after_s / FRAME_S)
        self._margin = 10 ** (o.background_margin_db / 20)
        self._noise_after = round(o.noise_after_s / FRAME_S) if sample_rate == 16000 else 0
        self._gap = max(1, round(o.sound_gap_s / FRAME_S))
        self._silero: SileroStream | None = None  # made at the first sound (the noise gate only)
        self._batch: list[bytes] = []  # the sound's frames not yet given to Silero
        self._in_sound = False  # a sound (voiced frames, gaps under sound_gap_s) is going on
        self._unvoiced = 0  # unvoiced frames in a row
        self._no_speech = 0  # frames of the current sound since Silero last heard speech in it
        self._had_speech = False  # Silero has heard speech in the current sound
        self._after_speech = round(o.noise_after_speech_s / FRAME_S)
        # The noise's level: the loudest of the sounds' last noise_window_s (a QuietestFrame of negated levels),
        # frames louder than the noise and those just after them left out.
        self._levels = QuietestFrame(max(1, round(o.noise_window_s / FRAME_S)))
        self._loudest = 0.0
        self._noise_margin = 10 ** (o.noise_margin_db / 20)
        self._hold_off = round(o.noise_hold_off_s / FRAME_S)
        self._since_loud = self._hold_off + 1  # frames since a frame passed for being louder than the noise
        self._lag = round(o.noise_lag_s / FRAME_S)
        self._recent: deque[float] = deque()  # the levels of the last noise_lag_s of the sounds' frames

    def is_speech(self, frame: bytes) -> bool:
        rms = float(audioop.rms(frame, 2))
        voiced = self._voiced(frame, rms)
        return self._noise_gate(frame, rms, voiced) if self._noise_after else voiced

    def _voiced(self, frame: bytes, rms: float) -> bool:
        background = self._quietest.add(rms)
        if rms < self._floor_rms:
            return False
        gating = self.options.background_window_s > 0 and self._quietest.count > self._after
        if gating and rms < background * self._margin:
            return False
        return bool(self._vad.is_speech(frame, self._rate))

    def _noise_gate(self, frame: bytes, rms: float, voiced: bool) -> bool:
        """``voiced``, unless the sound in progress has gone on for ``noise_after_s`` with no speech heard and this
        frame is not well above the loudest of the noise."""
        self._unvoiced = 0 if voiced else self._unvoiced + 1
        if not self._in_sound and not voiced:
            return False  # silence between sounds: Silero is not run
        if self._unvoiced >= self._gap:
            self._in_sound = False
            return False
        if not self._in_sound:
            self._in_sound, self._no_speech, self._had_speech = True, 0, False
            self._batch.clear()
        self._no_speech += 1
        self._batch.append(frame)
        # Silero runs on every BATCH_FRAMES frames of a sound (a run's fixed cost is most of a chunk's), and on each
        # frame while the gate holds, so that words over the noise are heard as soon as they can be.
        if len(self._batch) >= BATCH_FRAMES or self._no_speech > self._limit():
            try:
                self._hear(b"".join(self._batch))
            except LocalSpeechError as exc:
                log.error(
                    "voice detection: Silero VAD cannot run (%s); the noise gate is off for this call", exc
                )
                self._noise_after = 0
                return voiced
            self._batch.clear()
        # The noise's level lags by noise_lag_s, so the rise of words' first syllable is measured against the
        # noise before it; frames just after a loud one may be the same words, so they are left out.
        self._since_loud += 1
        self._recent.append(rms)
        if len(self._recent) > self._lag:
            level = self._recent.popleft()
            if self._since_loud > self._hold_off:
                self._loudest = -self._levels.add(-level)
        loudest = self._loudest
        if not voiced or self._no_speech < self._limit():
            return voiced
        if rms > loudest * self._noise_margin:
            self._since_loud = 0
        return self._since_loud <= self._hold_off  # a loud onset opens the gate until Silero can judge it

    def _limit(self) -> int:
        """Frames of the sound with no speech heard after which it is noise."""
        return self._after_speech if self._had_speech else self._noise_after

    def _hear(self, pcm: bytes) -> None:
        if self._silero is None:
            self._silero = SileroStream()
        silero = self._silero
        heard = len(silero.probs)
        silero.push(pcm)
        if any(p >= self.options.noise_speech_p for p in silero.probs[heard:]):
            self._no_speech, self._had_speech = 0, True
        del silero.probs[: max(0, len(silero.probs) - 4)]  # a call is long: keep only the last few
