"""Speech for the voice gateway and the NLX voice middleware: MiniMax when configured, with the local engines
as per-turn fallbacks; else the local engines. The local recognizer's grammar follows the catalogue."""

from __future__ import annotations

import contextlib
import logging

from app.services import Services
from app.settings import Settings
from minimax_client import MiniMaxClient, MiniMaxConfig
from voice_gateway.speech.local import EspeakSynthesizer, LocalRecognizer
from voice_gateway.speech.minimax_adapter import MiniMaxRecognizer, MiniMaxSynthesizer
from voice_gateway.speech.vocabulary import VocabularyRefresher, site_phrases_of, vocabulary_of

log = logging.getLogger("inventorypulse.speech")


def minimax_client(settings: Settings) -> MiniMaxClient:
    """A MiniMax client on the settings (``use_minimax`` implies a key)."""
    assert settings.minimax_api_key is not None
    return MiniMaxClient(
        MiniMaxConfig(
            api_key=settings.minimax_api_key,
            base_url=settings.minimax_base_url,
            group_id=settings.minimax_group_id,
            tts_model=settings.minimax_tts_model,
            voice_id=settings.minimax_voice_id,
            asr_model=settings.minimax_asr_model,
            read_timeout_s=settings.minimax_timeout_s,
            deadline_s=max(settings.minimax_timeout_s, 1.0),
        )
    )


async def build_speech(services: Services, stack: contextlib.AsyncExitStack) -> None:
    s = services.settings
    snapshot = await services.inventory.catalogue()
    local_asr = LocalRecognizer(vocabulary_of(snapshot), sites=site_phrases_of(snapshot))
    stack.callback(local_asr.close)
    espeak = EspeakSynthesizer()
    if s.use_minimax:
        if s.minimax_api_key is None:
            raise RuntimeError("speech_engine=minimax needs MINIMAX_API_KEY")
        client = minimax_client(s)
        stack.push_async_callback(client.aclose)
        services.recognizer, services.fallback_recognizer = MiniMaxRecognizer(client), local_asr
        services.synthesizer, services.fallback_synthesizer = MiniMaxSynthesizer(client), espeak
        log.info("speech: MiniMax at %s, local engines as fallback", s.minimax_base_url)
    else:
        services.recognizer, services.synthesizer = local_asr, espeak
        log.info("speech: local engines (pocketsphinx, espeak-ng)")
    if s.speech_warm_up:
        services.spawn(local_asr.warm_up(), "local-asr-warm-up")
    if s.vocabulary_refresh_s > 0:
        refresher = VocabularyRefresher(services.inventory, [local_asr], snapshot.version)
        services.spawn(refresher.run(s.vocabulary_refresh_s), "vocabulary-refresh")
