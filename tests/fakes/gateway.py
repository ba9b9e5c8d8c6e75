"""A real ``Gateway`` over fake speech and a fake dialogue, as a test app sets it on ``app.state.gateway``."""

from __future__ import annotations

import secrets

from dialogue.contract import ConversationFactory
from tests.fakes.conversation import FakeConversationFactory
from tests.fakes.speech import FakeRecognizer, FakeSynthesizer
from voice_gateway.gateway import Gateway, GatewayLimits
from voice_gateway.options import SessionOptions
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer
from voice_gateway.turns.bargein import BargeInOptions

TOKEN = "test-token-" + "x" * 8
PHONE_ECHO_GUARD_S = 0.2


class TokenCheck:
    """``Gateway.authenticate`` over a fixed token → actor table, compared in constant time."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    def __call__(self, token: str | None) -> str | None:
        for known, actor in self.tokens.items():
            if token and secrets.compare_digest(known, token):
                return actor
        return None


def fake_gateway(
    *,
    recognizer: SpeechRecognizer | None = None,
    synthesizer: SpeechSynthesizer | None = None,
    conversations: ConversationFactory | None = None,
    tokens: dict[str, str] | None = None,
    greet: bool = False,
    max_sessions: int = 20,
    max_bytes: int = 64_000,
    fallback_synthesizer: SpeechSynthesizer | None = None,
) -> Gateway:
    """Fakes unless given: the token ``TOKEN`` stands for "tester"; no greeting, no re-prompts; phone calls
    get the echo guard."""
    voice = SessionOptions(greet=greet, no_input_s=0.0)
    return Gateway(
        recognizer=recognizer or FakeRecognizer(),
        synthesizer=synthesizer or FakeSynthesizer(seconds_per_char=0.02, pace_s=0.0),
        conversations=conversations or FakeConversationFactory(),
        authenticate=TokenCheck(tokens if tokens is not None else {TOKEN: "tester"}),
        session_options={
            "voice": voice,
            "phone": voice.with_(barge_in=BargeInOptions(echo_guard_s=PHONE_ECHO_GUARD_S)),
        },
        limits=GatewayLimits(max_sessions_per_token=max_sessions, max_ws_message_bytes=max_bytes),
        fallback_synthesizer=fallback_synthesizer,
    )
