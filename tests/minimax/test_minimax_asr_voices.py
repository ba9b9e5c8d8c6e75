"""Speech-to-text (multipart WAV upload, both response shapes, OpenAI-style errors) and voice listing."""

from __future__ import annotations

import io
import wave

import pytest

from minimax_client import (
    AuthError,
    InsufficientBalanceError,
    InvalidRequestError,
    MiniMaxClient,
    RateLimitError,
    ServerError,
)
from tests.fakes.minimax_emulator import MiniMaxEmulator
from tests.minimax.conftest import make_config

pytestmark = pytest.mark.minimax


def wav(seconds: float = 1.0, rate: int = 16000, value: int = 0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(value.to_bytes(2, "little", signed=True) * int(seconds * rate))
    return buffer.getvalue()


def asr_requests(emu: MiniMaxEmulator) -> list:
    return [r for r in emu.requests if r.path == "/v1/speech_to_text"]


async def test_verbose_json_transcription_and_what_was_uploaded(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    audio = wav(1.5, value=300)
    emu.expect_transcript(audio, "twelve boxes of widget a")
    result = await client.transcribe(audio, language="en")
    assert result.text == "twelve boxes of widget a"
    assert result.duration_s == pytest.approx(1.5)
    assert [s.text for s in result.segments] == ["twelve boxes of widget a"]
    assert result.segments[0].end_s == pytest.approx(1.5) and result.n_speakers == 1
    (sent,) = asr_requests(emu)
    assert sent.headers["authorization"] == f"Bearer {emu.api_key}"
    assert sent.headers["language"] == "en"
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.form == {"model": "asr-1.0", "response_format": "verbose_json"}
    assert sent.file == audio


async def test_json_shape_and_auto_language(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.asr_text = "yes"
    result = await client.transcribe(wav(0.5), response_format="json")
    assert (result.text, result.segments, result.n_speakers) == ("yes", (), None)
    assert "language" not in asr_requests(emu)[0].headers


async def test_transcripts_follow_the_audio(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    yes, no = wav(0.5, value=100), wav(0.5, value=-100)
    emu.expect_transcript(yes, "yes")
    emu.expect_transcript(no, "no")
    assert (await client.transcribe(no)).text == "no"
    assert (await client.transcribe(yes)).text == "yes"


async def test_non_wav_upload_is_rejected_with_the_documented_error(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    raw_pcm = b"\x01\x00" * 8000  # headerless PCM is not accepted
    with pytest.raises(InvalidRequestError) as caught:
        await client.transcribe(raw_pcm)
    assert caught.value.code == 2013 and caught.value.http_status == 400
    assert not caught.value.retryable and caught.value.trace_id
    assert len(asr_requests(emu)) == 1


@pytest.mark.parametrize(
    ("code", "error", "status"),
    [(1004, AuthError, 401), (1008, InsufficientBalanceError, 402), (2013, InvalidRequestError, 400)],
)
async def test_final_asr_errors(
    emu: MiniMaxEmulator, client: MiniMaxClient, code: int, error: type[Exception], status: int
) -> None:
    emu.faults.fail_next(code, times=3, on="asr")
    with pytest.raises(error) as caught:
        await client.transcribe(wav())
    assert getattr(caught.value, "http_status", None) == status
    assert getattr(caught.value, "code", None) == code
    assert len(asr_requests(emu)) == 1


async def test_asr_rate_limit_and_server_errors_are_retried(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.asr_text = "ok"
    emu.faults.fail_next(1002, on="asr")
    emu.faults.http_500(on="asr")
    assert (await client.transcribe(wav())).text == "ok"
    assert len(asr_requests(emu)) == 3


async def test_asr_errors_that_persist_keep_their_type(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    emu.faults.fail_next(1002, times=5, on="asr")
    with pytest.raises(RateLimitError) as caught:
        await client.transcribe(wav())
    assert caught.value.http_status == 429 and caught.value.retryable
    emu.faults.reset()
    emu.faults.http_500(times=5, on="asr")
    with pytest.raises(ServerError):
        await client.transcribe(wav())


async def test_wrong_key_on_asr(emu: MiniMaxEmulator) -> None:
    async with MiniMaxClient(make_config(emu, api_key="bad")) as client:
        with pytest.raises(AuthError):
            await client.transcribe(wav())


async def test_list_voices(emu: MiniMaxEmulator, client: MiniMaxClient) -> None:
    voices = await client.list_voices()
    ids = {v.voice_id for v in voices}
    assert client.config.voice_id in ids
    assert all(v.kind == "system" and v.name for v in voices)
    assert emu.requests[-1].json == {"voice_type": "all"}


async def test_list_voices_retries_rate_limit_and_types_auth(
    emu: MiniMaxEmulator, client: MiniMaxClient
) -> None:
    emu.faults.fail_next(1002, on="voices")
    assert await client.list_voices("system")
    emu.faults.fail_next(1004, on="voices")
    with pytest.raises(AuthError):
        await client.list_voices()
