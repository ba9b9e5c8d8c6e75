"""The embedded speech engine: pocketsphinx recognition against grammars built from a catalogue, and espeak-ng
synthesis. Imports nothing else of this project; the voice gateway wraps it (``voice_gateway/speech/local.py``).

- ``types``: the engine's plain values (``VocabularyEntry``, ``Expectation``, ``Recognition``)
- ``errors``: ``LocalSpeechError`` with ``code`` and ``retryable``; ``DecodeError``, ``EspeakError``
- ``grammar``: catalogue -> JSGF grammars, one per prompt kind
- ``fsg``: JSGF -> minimal deterministic word graph
- ``pronounce``: ARPAbet for words missing from the CMU dictionary
- ``asr``: ``GrammarRecognizer``, a pool of pocketsphinx decoders
- ``options``: ``LocalAsrOptions``, the recognizer's settings
- ``espeak``: ``EspeakEngine``, text -> PCM16 chunks at any rate
- ``pcm``: the few PCM16 helpers the engine needs
- ``silero_vad``: ``SileroStream``, Silero VAD's speech probability and state per 32 ms chunk (for the
  gateway's interruption judge)"""
