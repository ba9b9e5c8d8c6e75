"""The held-out task-success benchmark (issue 12, item 6): generated catalogues that share nothing with the
demo, multi-turn scenario scripts with their expected effects, drivers (typed, ``/ws/voice``, ``/ws/twilio``)
and a scorer that reads the store back through the REST API. ``bench/understanding.py`` is the entry point."""
