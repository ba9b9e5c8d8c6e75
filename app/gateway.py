"""The voice gateway as the app serves it: the services' speech and conversations, the API tokens, the
per-channel session options and limits from settings."""

from __future__ import annotations

from app.services import Services
from voice_gateway.gateway import Gateway, GatewayLimits
from voice_gateway.options import Channel, SessionOptions

CHANNELS: tuple[Channel, ...] = ("voice", "phone")


def voice_gateway(services: Services) -> Gateway | None:
    """None until speech and a conversation engine exist (calls are then refused as not ready)."""
    if services.recognizer is None or services.synthesizer is None or services.conversations is None:
        return None
    s = services.settings
    options: dict[Channel, SessionOptions] = {
        channel: SessionOptions.for_channel(
            channel,
            barge_in_min_s=s.barge_in_min_s,
            phone_echo_guard_s=s.phone_echo_guard_s,
            max_call_s=s.max_call_s,
            tentative_end_s=s.tentative_end_s,
            head_start=s.head_start,
            end_s=s.end_silence_s,
            end_number_s=s.end_number_silence_s,
            first_audio_deadline_s=s.tts_first_audio_deadline_s,
        )
        for channel in CHANNELS
    }
    return Gateway(
        recognizer=services.recognizer,
        synthesizer=services.synthesizer,
        conversations=services.conversations,
        authenticate=services.auth.api_actor,
        session_options=options,
        limits=GatewayLimits(
            max_sessions_per_token=s.max_sessions_per_token,
            max_ws_message_bytes=s.max_ws_message_bytes,
            start_timeout_s=s.call_start_timeout_s,
        ),
        metrics=services.metrics,
        fallback_recognizer=services.fallback_recognizer,
        fallback_synthesizer=services.fallback_synthesizer,
    )
