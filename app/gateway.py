"""The voice gateway as the app serves it: the services' speech and conversations, the API tokens, the
per-channel session options and limits from settings."""

from __future__ import annotations

from app.accounts import Accounts
from app.services import Services
from dialogue.contract import ConversationFactory
from dialogue.live_calls import WatchedFactory
from dialogue.sign_in import Operator, OperatorCheck, SigningInFactory
from inventory_core.people import AccountLocked
from voice_gateway.gateway import Gateway, GatewayLimits, SessionRegistry
from voice_gateway.options import Channel, SessionOptions

CHANNELS: tuple[Channel, ...] = ("voice", "phone")


def operator_check(accounts: Accounts) -> OperatorCheck:
    """The voice and keypad sign-in against people's accounts (a locked account does not sign in)."""

    async def check(operator_id: str, pin: str) -> Operator | None:
        try:
            person = await accounts.people.check_pin(operator_id, pin)
        except AccountLocked:
            return None
        return Operator(person.username, person.display_name) if person is not None else None

    return check


def voice_gateway(services: Services) -> Gateway | None:
    """None until speech and a conversation engine exist (calls are then refused as not ready)."""
    if services.recognizer is None or services.synthesizer is None or services.conversations is None:
        return None
    s = services.settings
    options: dict[Channel, SessionOptions] = {
        channel: SessionOptions.for_channel(
            channel,
            barge_in_min_s=s.barge_in_min_s,
            barge_in_mode=s.barge_in_mode,
            phone_echo_guard_s=s.phone_echo_guard_s,
            max_call_s=s.max_call_s,
            tentative_end_s=s.tentative_end_s,
            head_start=s.head_start,
            end_s=s.end_silence_s,
            end_number_s=s.end_number_silence_s,
            noise_gate_s=s.noise_gate_s,
            first_audio_deadline_s=s.tts_first_audio_deadline_s,
        )
        for channel in CHANNELS
    }
    conversations: ConversationFactory = services.conversations
    if s.voice_sign_in == "required" and services.accounts is not None:
        auth = services.auth
        conversations = SigningInFactory(
            conversations, operator_check(services.accounts), lambda actor: not auth.is_token_name(actor)
        )
    conversations = WatchedFactory(conversations, services.live_calls)
    return Gateway(
        recognizer=services.recognizer,
        synthesizer=services.synthesizer,
        conversations=conversations,
        authenticate=services.auth.api_actor,
        session_options=options,
        limits=GatewayLimits(
            max_sessions_per_token=s.max_sessions_per_token,
            max_ws_message_bytes=s.max_ws_message_bytes,
            start_timeout_s=s.call_start_timeout_s,
        ),
        metrics=services.metrics,
        registry=services.seats or SessionRegistry(),
        fallback_recognizer=services.fallback_recognizer,
        fallback_synthesizer=services.fallback_synthesizer,
    )
