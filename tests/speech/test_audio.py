"""voice_gateway.audio: resampling, μ-law, WAV files and 20 ms reframing."""

from __future__ import annotations

import numpy as np
import pytest

from voice_gateway.audio import (
    Reframer,
    StreamResampler,
    array_to_pcm16,
    duration_s,
    frame_bytes,
    mulaw_decode,
    mulaw_encode,
    pcm16_to_array,
    read_wav,
    resample,
    wav_bytes,
    write_wav,
)

pytestmark = pytest.mark.speech


def tone(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return array_to_pcm16(amplitude * np.sin(2 * np.pi * freq * t))


def dominant_freq(pcm: bytes, rate: int) -> float:
    x = pcm16_to_array(pcm).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def test_resample_keeps_duration_and_pitch() -> None:
    pcm = tone(440.0, 8000, 1.0)
    up = resample(pcm, 8000, 16000)
    assert len(up) == 2 * len(pcm)
    assert abs(dominant_freq(up, 16000) - 440.0) < 2.0
    down = resample(tone(1000.0, 22050, 0.5), 22050, 16000)
    assert abs(duration_s(down, 16000) - 0.5) < 0.001
    assert abs(dominant_freq(down, 16000) - 1000.0) < 3.0


def test_resample_same_rate_and_empty_are_identity() -> None:
    pcm = tone(300.0, 16000, 0.1)
    assert resample(pcm, 16000, 16000) == pcm
    assert resample(b"", 8000, 16000) == b""


def test_stream_resampler_matches_whole_buffer_length() -> None:
    pcm = tone(500.0, 22050, 1.0)
    stream = StreamResampler(22050, 16000)
    out = b"".join(stream.push(pcm[i : i + 1001]) for i in range(0, len(pcm), 1001)) + stream.flush()
    # odd-sized chunks split samples; the resampler must keep them whole
    assert len(out) % 2 == 0
    assert abs(len(out) // 2 - 16000) <= 2
    assert abs(dominant_freq(out, 16000) - 500.0) < 2.0


def test_mulaw_round_trip_is_close() -> None:
    pcm = tone(700.0, 8000, 0.2, amplitude=0.3)
    ulaw = mulaw_encode(pcm)
    assert len(ulaw) == len(pcm) // 2
    back = pcm16_to_array(mulaw_decode(ulaw)).astype(np.int32)
    orig = pcm16_to_array(pcm).astype(np.int32)
    # μ-law keeps about 2-3 % relative error on loud samples
    assert np.max(np.abs(back - orig)) < 0.04 * 32768 * 0.3 + 16
    assert mulaw_encode(b"\x00\x00" * 4) == b"\xff" * 4  # μ-law silence


def test_array_conversions_clip_floats() -> None:
    pcm = array_to_pcm16(np.array([0.0, 1.5, -2.0, 0.5]))
    assert list(pcm16_to_array(pcm)) == [0, 32767, -32768, 16384]
    assert len(pcm16_to_array(b"\x01\x00\x02")) == 1  # a dangling byte is dropped


def test_wav_round_trip(tmp_path: object) -> None:
    pcm = tone(200.0, 16000, 0.25)
    data = wav_bytes(pcm, 16000)
    audio = read_wav(data)
    assert audio.pcm == pcm and audio.sample_rate == 16000
    assert audio.duration_s == pytest.approx(0.25)
    path = f"{tmp_path}/x.wav"
    write_wav(path, pcm, 8000)
    assert read_wav(path).sample_rate == 8000


def test_read_wav_downmixes_stereo() -> None:
    import io
    import wave

    left = pcm16_to_array(tone(200.0, 8000, 0.1))
    stereo = np.stack([left, np.zeros_like(left)], axis=1).reshape(-1)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(stereo.astype("<i2").tobytes())
    mono = pcm16_to_array(read_wav(buf.getvalue()).pcm)
    assert len(mono) == len(left)
    assert np.max(np.abs(mono.astype(np.int32) - left.astype(np.int32) // 2)) <= 1


def test_reframer_emits_exact_frames() -> None:
    reframer = Reframer.for_rate(16000)
    assert reframer.size == frame_bytes(16000) == 640
    frames: list[bytes] = []
    for size in (1, 639, 100, 1500, 7, 333):
        frames.extend(reframer.push(b"\x01" * size))
    assert all(len(f) == 640 for f in frames)
    assert len(frames) == (1 + 639 + 100 + 1500 + 7 + 333) // 640
    assert reframer.pending == (1 + 639 + 100 + 1500 + 7 + 333) % 640
    last = reframer.flush()
    assert last is not None and len(last) == 640 and last.endswith(b"\x00")
    assert reframer.flush() is None and reframer.pending == 0


def test_reframer_mulaw_pads_with_mulaw_silence() -> None:
    reframer = Reframer.for_rate(8000, bytes_per_sample=1)
    assert reframer.size == 160
    assert reframer.push(b"\x10" * 200) == [b"\x10" * 160]
    assert reframer.flush(pad=b"\xff") == b"\x10" * 40 + b"\xff" * 120


def test_reframer_rejects_empty_frames() -> None:
    with pytest.raises(ValueError):
        Reframer(0)
