"""The tuning knobs of a call session, as data (see docs/gateway.md for what each one trades)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from voice_gateway.playout import PlayoutOptions
from voice_gateway.turns.bargein import BargeInMode, BargeInOptions
from voice_gateway.turns.dtmf import DtmfOptions
from voice_gateway.turns.segmenter import EndpointingOptions
from voice_gateway.turns.vad import VadOptions

Channel = Literal["voice", "phone"]


@dataclass(frozen=True)
class SessionOptions:
    endpointing: EndpointingOptions = field(default_factory=EndpointingOptions)
    vad: VadOptions = field(default_factory=VadOptions)
    barge_in: BargeInOptions = field(default_factory=BargeInOptions)
    playout: PlayoutOptions = field(default_factory=PlayoutOptions)
    dtmf: DtmfOptions = field(default_factory=DtmfOptions)
    output_rate: int = 16000
    """Sample rate of reply audio (PCM16) sent to the client."""
    no_input_s: float = 8.0
    """Silence after a reply before the dialogue is asked to re-prompt (0: never)."""
    max_reprompts: int = 2
    """Re-prompts in a row without the caller saying anything; then the session waits quietly."""
    max_call_s: float = 1800.0
    """Hard cap on a call's length (0: none)."""
    recognize_timeout_s: float = 10.0
    recognize_retries: int = 1
    """Retries of a retryable recognition failure before the turn counts as not understood."""
    dialogue_timeout_s: float = 20.0
    close_grace_s: float = 5.0
    """How long a hang-up waits for a dialogue step in flight (it may be committing a confirmed write)."""
    greet: bool = True
    courtesy_words: tuple[str, ...] = ("thank", "thanks", "you", "very", "much", "cheers")
    """An utterance of only these (or of nothing), heard while the caller is already speaking again, gets no
    answer: Whisper writes "Thank you" for a burst of noise, and "You're welcome" would talk over the request."""
    apology_text: str = "Sorry, something went wrong on my side. Please say that again."

    @classmethod
    def for_channel(
        cls,
        channel: Channel,
        *,
        barge_in_min_s: float,
        phone_echo_guard_s: float,
        max_call_s: float,
        tentative_end_s: float | None = None,
        head_start: bool | None = None,
        end_s: float | None = None,
        end_number_s: float | None = None,
        first_audio_deadline_s: float | None = None,
        barge_in_mode: BargeInMode = "words",
        noise_gate_s: float | None = None,
    ) -> SessionOptions:
        """The options of a ``channel``: the echo guard applies to phone lines only. Endpointing: the pause that
        may end a complete short answer early (``tentative_end_s``, 0: never), the full end silence (``end_s``)
        and the one while a quantity or digits are awaited (``end_number_s``), and whether a long utterance's
        recognition starts at its first pause (``head_start``); how long a slow synthesizer may stay silent before
        the fallback engine speaks (``first_audio_deadline_s``); what may cut a reply (``barge_in_mode``: words,
        or any sound of ``barge_in_min_s``); after how long a sound with no speech in it is noise
        (``noise_gate_s``, 0: never). None keeps the default."""
        barge = BargeInOptions(
            mode=barge_in_mode,
            min_speech_s=barge_in_min_s,
            echo_guard_s=phone_echo_guard_s if channel == "phone" else 0.0,
        )
        d = EndpointingOptions()
        endpointing = replace(
            d,
            tentative_end_s=d.tentative_end_s if tentative_end_s is None else tentative_end_s,
            head_start=d.head_start if head_start is None else head_start,
            end_s=d.end_s if end_s is None else end_s,
            end_number_s=d.end_number_s if end_number_s is None else end_number_s,
        )
        playout = PlayoutOptions()
        if first_audio_deadline_s is not None:
            playout = replace(playout, first_audio_deadline_s=first_audio_deadline_s)
        vad = VadOptions() if noise_gate_s is None else VadOptions(noise_after_s=noise_gate_s)
        return cls(barge_in=barge, max_call_s=max_call_s, endpointing=endpointing, playout=playout, vad=vad)

    def with_(self, **changes: object) -> SessionOptions:
        return replace(self, **changes)  # type: ignore[arg-type]
