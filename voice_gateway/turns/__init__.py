"""Turn taking: the VAD segmenter and endpointing, barge-in policy and the interruption judge, keypad entry
(all pure but ``vad``)."""
