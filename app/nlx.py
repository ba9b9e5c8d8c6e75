"""The NLX faces, built from declared settings: the Conversation-API client when NLX runs the dialogue
(``dialogue_engine=nlx``), and the runtime behind the data-request webhooks and the voice middleware."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import status_for
from app.settings import Settings
from dialogue.tools import InventoryTools
from nlx_webhooks.client import NlxClient, NlxConfig
from nlx_webhooks.conversation import NlxConversationFactory, NlxConversationOptions
from nlx_webhooks.runtime import NlxAuth, NlxRuntime, build_runtime
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer


def nlx_conversations(settings: Settings) -> NlxConversationFactory:
    key = settings.nlx_api_key
    if key is None or not settings.nlx_deployment_key or not settings.nlx_channel_key:
        raise RuntimeError(
            "dialogue_engine=nlx needs IP_NLX_API_KEY, IP_NLX_DEPLOYMENT_KEY and IP_NLX_CHANNEL_KEY"
        )
    config = NlxConfig(
        api_key=key.get_secret_value(),
        deployment_key=settings.nlx_deployment_key,
        channel_key=settings.nlx_channel_key,
        host=settings.nlx_host,
        language_code=settings.nlx_language_code,
        poll_interval_s=settings.nlx_poll_interval_s,
        max_polls=settings.nlx_max_polls,
        timeout_s=settings.nlx_timeout_s,
        environment=settings.nlx_environment,
    )
    options = NlxConversationOptions(welcome_intent=settings.nlx_welcome_intent)
    return NlxConversationFactory(NlxClient(config), options)


def nlx_runtime(
    tools: InventoryTools,
    db: AsyncDatabase[dict[str, Any]],
    auth: NlxAuth,
    settings: Settings,
    recognizer: SpeechRecognizer | None,
    synthesizer: SpeechSynthesizer | None,
) -> NlxRuntime:
    """The webhooks' runtime over the dialogue's tool layer (the same tools as voice, text and MCP)."""
    return build_runtime(
        tools=tools,
        db=db,
        auth=auth,
        status_for=status_for,
        proposal_ttl_s=settings.nlx_proposal_ttl_s,
        recognizer=recognizer,
        synthesizer=synthesizer,
    )
