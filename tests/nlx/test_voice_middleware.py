"""/api/voice/asr and /api/voice/tts over small recognizer/synthesizer fakes that implement the speech ports."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import numpy as np
import pytest

from dialogue.contract import RecognitionHints
from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN
from tests.nlx.conftest import BEARER, NLX_TOKEN, nlx_app
from voice_gateway.audio import mulaw_decode, mulaw_encode, wav_bytes
from voice_gateway.speech.ports import SynthesisFormat, Transcript, UnsupportedFormat, Utterance

pytestmark = pytest.mark.nlx


def tone(seconds: float, rate: int, hz: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 12000).astype("<i2").tobytes()


def dominant_hz(pcm: bytes, rate: int) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spectrum))])


@dataclass
class EchoRecognizer:
    """Says which tone it heard, so a test can tell the audio arrived intact at the recognizer's rate."""

    name: str = "echo"
    heard: list[tuple[Utterance, RecognitionHints]] = field(default_factory=list)

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        self.heard.append((utterance, hints))
        hz = dominant_hz(utterance.pcm, utterance.sample_rate)
        return Transcript(text=f"tone {round(hz / 10) * 10}", confidence=0.75, engine=self.name)


@dataclass
class ToneSynthesizer:
    """Speaks 0.05 s of tone per character, in 20 ms chunks, as PCM only (like a bare local engine)."""

    name: str = "tone"
    native: tuple[str, ...] = ("pcm",)
    asked: list[SynthesisFormat] = field(default_factory=list)

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        self.asked.append(fmt)
        return self._stream(text, fmt)

    async def _stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        if fmt.encoding not in self.native:
            raise UnsupportedFormat(f"{fmt.encoding} is not supported", engine=self.name)
        pcm = tone(0.05 * len(text), fmt.sample_rate)
        step = fmt.sample_rate // 50 * 2 + 1  # odd on purpose: chunk borders fall inside samples
        for i in range(0, len(pcm), step):
            yield pcm[i : i + step]


@pytest.fixture
def speech() -> tuple[EchoRecognizer, ToneSynthesizer]:
    return EchoRecognizer(), ToneSynthesizer()


@pytest.fixture
async def voice(
    inventory: InventoryService, speech: tuple[EchoRecognizer, ToneSynthesizer]
) -> AsyncIterator[httpx.AsyncClient]:
    app = nlx_app(inventory, recognizer=speech[0], synthesizer=speech[1])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


# ---- ASR -----------------------------------------------------------------------------------------------------


async def test_wav_upload_is_resampled_for_the_recognizer(
    voice: httpx.AsyncClient, speech: tuple[EchoRecognizer, ToneSynthesizer]
) -> None:
    audio = wav_bytes(tone(0.5, 22050, 500.0), 22050)
    r = await voice.post(
        "/api/voice/asr?expect=choice&phrases=Widget A, widget b",
        content=audio,
        headers={**BEARER, "Content-Type": "audio/wav"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"text": "tone 500", "confidence": 0.75, "duration": 0.5, "engine": "echo"}
    utterance, hints = speech[0].heard[-1]
    assert utterance.sample_rate == 16000 and len(utterance.pcm) == 16000
    assert hints == RecognitionHints("choice", ("widget a", "widget b"))


async def test_raw_mulaw_and_raw_pcm16(voice: httpx.AsyncClient) -> None:
    ulaw = mulaw_encode(tone(0.4, 8000, 300.0))
    r = await voice.post("/api/voice/asr?encoding=pcmu", content=ulaw, headers=BEARER)
    assert r.json()["text"] == "tone 300" and r.json()["duration"] == 0.4
    pcm = tone(0.25, 24000, 700.0)
    r = await voice.post("/api/voice/asr?encoding=pcm16&sample_rate=24000", content=pcm, headers=BEARER)
    assert r.json()["text"] == "tone 700" and r.json()["duration"] == 0.25


async def test_multipart_upload(voice: httpx.AsyncClient) -> None:
    files = {"file": ("u.raw", tone(0.3, 16000, 600.0), "application/octet-stream")}
    data = {"encoding": "pcm16", "sample_rate": "16000"}
    r = await voice.post("/api/voice/asr", files=files, data=data, headers={"x-api-key": NLX_TOKEN})
    assert r.status_code == 200 and r.json()["text"] == "tone 600"


async def test_bad_uploads_are_client_errors(voice: httpx.AsyncClient) -> None:
    pcm = tone(0.2, 16000)
    assert (await voice.post("/api/voice/asr?encoding=pcm16", content=pcm, headers=BEARER)).status_code == 400
    assert (await voice.post("/api/voice/asr", content=b"RIFFnonsense", headers=BEARER)).status_code == 415
    assert (await voice.post("/api/voice/asr?encoding=wav", content=b"", headers=BEARER)).status_code == 400
    r = await voice.post(
        "/api/voice/asr?encoding=pcmu&sample_rate=16000", content=b"\xff" * 800, headers=BEARER
    )
    assert r.status_code == 400


async def test_voice_routes_need_a_token(voice: httpx.AsyncClient) -> None:
    audio = wav_bytes(tone(0.1, 16000), 16000)
    assert (await voice.post("/api/voice/asr", content=audio)).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await voice.post("/api/voice/tts", json={"text": "hi"}, headers=wrong)).status_code == 401
    api = {"Authorization": f"Bearer {API_TOKEN}"}
    assert (await voice.post("/api/voice/tts", json={"text": "hi"}, headers=api)).status_code == 200


async def test_without_engines_the_routes_say_so(inventory: InventoryService) -> None:
    app = nlx_app(inventory)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post("/api/voice/asr", content=wav_bytes(tone(0.1, 16000), 16000), headers=BEARER)
        assert r.status_code == 404 and r.json()["code"] == "asr_unavailable"
        r = await client.post("/api/voice/tts", json={"text": "hello"}, headers=BEARER)
        assert r.status_code == 404 and r.json()["code"] == "tts_unavailable"


# ---- TTS -----------------------------------------------------------------------------------------------------


async def test_tts_pcm_streams_at_the_requested_rate(voice: httpx.AsyncClient) -> None:
    r = await voice.post(
        "/api/voice/tts", json={"text": "ten chars!", "format": "pcm", "sample_rate": 24000}, headers=BEARER
    )
    assert r.status_code == 200 and r.headers["content-type"] == "audio/L16"
    assert r.headers["x-sample-rate"] == "24000"
    assert len(r.content) == 2 * int(0.5 * 24000)
    assert dominant_hz(r.content, 24000) == pytest.approx(440, abs=5)


async def test_tts_pcmu_raw_and_wav_are_converted_for_a_pcm_only_engine(
    voice: httpx.AsyncClient, speech: tuple[EchoRecognizer, ToneSynthesizer]
) -> None:
    r = await voice.post(
        "/api/voice/tts", json={"text": "twenty characters!!!", "format": "pcmu_raw"}, headers=BEARER
    )
    assert r.status_code == 200 and r.headers["x-sample-rate"] == "8000"
    assert len(r.content) == int(1.0 * 8000)  # one byte per sample, no odd byte lost at chunk borders
    assert dominant_hz(mulaw_decode(r.content), 8000) == pytest.approx(440, abs=5)
    r = await voice.post(
        "/api/voice/tts", json={"text": "ten chars!", "format": "wav", "sample_rate": 16000}, headers=BEARER
    )
    with wave.open(io.BytesIO(r.content)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (16000, 1, 8000)
    assert [f.encoding for f in speech[1].asked] == ["pcmu_raw", "pcm", "wav", "pcm"]


async def test_tts_native_formats_pass_through(
    voice: httpx.AsyncClient, speech: tuple[EchoRecognizer, ToneSynthesizer]
) -> None:
    speech[1].native = ("pcm", "pcmu_raw")
    r = await voice.post("/api/voice/tts", json={"text": "abcd", "format": "pcmu_raw"}, headers=BEARER)
    assert r.status_code == 200 and speech[1].asked[-1] == SynthesisFormat("pcmu_raw", 8000)
    assert len(speech[1].asked) == 1


async def test_tts_errors(voice: httpx.AsyncClient) -> None:
    r = await voice.post("/api/voice/tts", json={"text": "hello", "format": "mp3"}, headers=BEARER)
    assert r.status_code == 422 and r.json()["code"] == "unsupported_format" and "mp3" in r.json()["message"]
    assert (await voice.post("/api/voice/tts", json={"text": ""}, headers=BEARER)).status_code == 422
    assert (
        await voice.post("/api/voice/tts", json={"text": "x", "format": "ogg"}, headers=BEARER)
    ).status_code == 422
