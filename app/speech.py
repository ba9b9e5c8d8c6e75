"""Speech for the voice gateway and the NLX voice middleware: MiniMax when configured, with the local engines
as per-turn fallbacks; else the local engines. The local recognizer's grammar follows the catalogue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

from app.settings import Settings
from inventory_core.service import InventoryService
from minimax_client import MiniMaxClient, MiniMaxConfig
from voice_gateway.speech.local import EspeakSynthesizer, LocalAsrOptions, LocalRecognizer
from voice_gateway.speech.minimax_adapter import MiniMaxRecognizer, MiniMaxSynthesizer
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer
from voice_gateway.speech.vocabulary import VocabularyRefresher, site_phrases_of, vocabulary_of
from voice_gateway.turns import interruption

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


@dataclass
class SpeechEngines:
    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer
    fallback_recognizer: SpeechRecognizer | None = None
    fallback_synthesizer: SpeechSynthesizer | None = None
    background: dict[str, Coroutine[Any, Any, None]] = field(default_factory=dict)
    """Tasks to run for as long as the engines live (warm-up, vocabulary refresh), by name."""


async def build_speech(
    settings: Settings, inventory: InventoryService, stack: contextlib.AsyncExitStack
) -> SpeechEngines:
    s = settings
    snapshot = await inventory.catalogue()
    options = LocalAsrOptions(engine=s.local_asr_engine, deadline_s=s.local_asr_deadline_s)
    if s.local_asr_workers > 0:
        options = replace(options, workers=s.local_asr_workers)
    if s.local_asr_threads > 0:
        options = replace(options, whisper=replace(options.whisper, threads=s.local_asr_threads))
    local_asr = LocalRecognizer(vocabulary_of(snapshot), options, sites=site_phrases_of(snapshot))
    stack.callback(local_asr.close)
    espeak = EspeakSynthesizer()
    if s.use_minimax:
        if s.minimax_api_key is None:
            raise RuntimeError("speech_engine=minimax needs MINIMAX_API_KEY")
        client = minimax_client(s)
        stack.push_async_callback(client.aclose)
        # The local engines stand by: a failing MiniMax costs one turn at most its budget, then rests.
        recognizer = MiniMaxRecognizer(client, budget_s=s.minimax_asr_budget_s, rest_s=s.minimax_rest_s)
        synthesizer = MiniMaxSynthesizer(client, rest_s=s.minimax_rest_s)
        engines = SpeechEngines(recognizer, synthesizer, local_asr, espeak)
        log.info("speech: MiniMax at %s, local engines as fallback", s.minimax_base_url)
    else:
        engines = SpeechEngines(local_asr, espeak)
        log.info("speech: local engines (%s recognizer, espeak-ng)", s.local_asr_engine)
    if s.speech_warm_up:
        engines.background["local-asr-warm-up"] = local_asr.warm_up()
        engines.background["interruption-judge-warm-up"] = asyncio.to_thread(interruption.warm_up)
    if s.vocabulary_refresh_s > 0:
        refresher = VocabularyRefresher(inventory, [local_asr], snapshot.version)
        engines.background["vocabulary-refresh"] = refresher.run(s.vocabulary_refresh_s)
    return engines
