"""Thin adapters from a wire protocol onto one ``CallSession``: ``ws_voice`` (browser, headsets) and ``twilio``."""
