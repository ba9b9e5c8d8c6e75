"""Turn taking: the VAD segmenter and endpointing, barge-in policy and keypad entry (all pure but ``vad``)."""
