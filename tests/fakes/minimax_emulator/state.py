"""What the emulator knows and records: the accepted key, faults, transcripts, and every request seen."""

from __future__ import annotations

import hashlib
import io
import itertools
import wave
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.minimax_emulator.faults import Faults

T2A_MODELS = frozenset(
    {
        "speech-2.8-hd",
        "speech-2.8-turbo",
        "speech-2.6-hd",
        "speech-2.6-turbo",
        "speech-02-hd",
        "speech-02-turbo",
        "speech-01-hd",
        "speech-01-turbo",
    }
)
SAMPLE_RATES = frozenset({8000, 16000, 22050, 24000, 32000, 44100})
EMULATED_FORMATS = frozenset({"pcm", "pcmu_raw", "mp3", "wav"})
ALL_FORMATS = EMULATED_FORMATS | {"flac", "pcmu_wav", "opus"}
SYSTEM_VOICES = (
    ("English_expressive_narrator", "Expressive Narrator"),
    ("English_Graceful_Lady", "Graceful Lady"),
    ("English_Insightful_Speaker", "Insightful Speaker"),
    ("male-qn-qingse", "Qingse"),
    ("female-shaonv", "Shaonv"),
    ("Wise_Woman", "Wise Woman"),
    ("Calm_Woman", "Calm Woman"),
)
ERROR_MESSAGES = {
    1000: "unknown error",
    1001: "request timeout",
    1002: "rate limit",
    1004: "not authorized",
    1008: "insufficient balance",
    1026: "input new_sensitive",
    1027: "output new_sensitive",
    1039: "token limit",
    2013: "invalid params",
    2045: "rate growth limit",
    2049: "invalid api key",
}


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None


@dataclass
class RecordedWs:
    path: str
    headers: dict[str, str]
    events: list[dict[str, Any]] = field(default_factory=list)
    closed_by: str = ""  # "client", "server", "drop", "idle", "failed"
    conn: Any = None  # the live WsConnection

    @property
    def pings(self) -> int:
        """WebSocket pings the client sent on this connection."""
        return int(self.conn.pings) if self.conn is not None else 0

    def names(self) -> list[str]:
        return [str(e.get("event")) for e in self.events]


@dataclass
class EmulatorState:
    api_key: str
    group_id: str | None = None
    faults: Faults = field(default_factory=Faults)
    requests: list[RecordedRequest] = field(default_factory=list)
    ws_sessions: list[RecordedWs] = field(default_factory=list)
    asr_text: str = ""
    transcripts: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def auth_error(self, headers: dict[str, str], query: dict[str, str]) -> int | None:
        """The MiniMax code a request's credentials earn, or None when they are good."""
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 1004
        if "GroupId" in query and self.group_id is not None and query["GroupId"] != self.group_id:
            return 1004  # "token not match group"
        return None

    def expect_transcript(self, audio: bytes, text: str) -> None:
        """Transcribe ``audio`` (a WAV file or its raw PCM frames) as ``text``."""
        self.transcripts[_pcm_key(audio)] = text

    def transcript_for(self, wav_frames: bytes) -> str:
        return self.transcripts.get(_pcm_key(wav_frames), self.asr_text)

    def base_resp(self, code: int = 0, message: str | None = None) -> dict[str, Any]:
        if code == 0:
            return {"status_code": 0, "status_msg": "success"}
        return {"status_code": code, "status_msg": message or ERROR_MESSAGES.get(code, "error")}


def _pcm_key(audio: bytes) -> str:
    if audio[:4] == b"RIFF":
        with wave.open(io.BytesIO(audio)) as wav:
            audio = wav.readframes(wav.getnframes())
    return hashlib.sha256(audio).hexdigest()
