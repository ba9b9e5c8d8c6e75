"""Voice listing: ``POST /v1/get_voice``. Cloned and generated voices appear only after their first use."""

from __future__ import annotations

from typing import Any, Literal

from minimax_client.http_transport import HttpTransport
from minimax_client.models import Voice, VoiceKind
from minimax_client.retry import retry_call

VOICES_PATH = "/v1/get_voice"
VoiceType = Literal["system", "voice_cloning", "voice_generation", "all"]
_LISTS: dict[str, VoiceKind] = {
    "system_voice": "system",
    "voice_cloning": "voice_cloning",
    "voice_generation": "voice_generation",
}


class Voices:
    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    async def list(self, voice_type: VoiceType = "all") -> list[Voice]:
        async def attempt(budget_s: float) -> list[Voice]:
            body = await self._http.post_json(VOICES_PATH, {"voice_type": voice_type}, budget_s=budget_s)
            return parse_voices(body)

        return await retry_call(attempt, self._http.policy)


def parse_voices(body: dict[str, Any]) -> list[Voice]:
    voices: list[Voice] = []
    for key, kind in _LISTS.items():
        for raw in body.get(key) or ():
            if not isinstance(raw, dict) or not raw.get("voice_id"):
                continue
            description = raw.get("description") or ()
            voices.append(
                Voice(
                    voice_id=str(raw["voice_id"]),
                    kind=kind,
                    name=str(raw.get("voice_name") or ""),
                    description=tuple(str(d) for d in description) if isinstance(description, list) else (),
                    created_time=str(raw.get("created_time") or ""),
                )
            )
    return voices
