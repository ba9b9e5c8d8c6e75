# Two set-up commands: `make run` (install + serve on embedded defaults with demo data)
# and `make test` (install + lint + type-check + import contracts + the whole suite). CI calls `make test`.
.PHONY: run test lint bootstrap bench

bootstrap:
	@scripts/bootstrap.sh

run:
	@scripts/bootstrap.sh
	.venv/bin/python -m app

test:
	@scripts/bootstrap.sh --test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -q -p no:cacheprovider --durations=20

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/lint-imports

bench:
	.venv/bin/python bench/store.py
	.venv/bin/python bench/dialogue.py
	.venv/bin/python bench/minimax_overhead.py
	.venv/bin/python -m bench.nlx_webhooks --n 100 --concurrency 8
	.venv/bin/python bench/forecast.py
	.venv/bin/python bench/speech.py
	.venv/bin/python bench/gateway.py
	.venv/bin/python bench/gateway.py --voice-to-voice
	.venv/bin/python bench/speech_isolation.py --seconds 30
	.venv/bin/python bench/recognition.py --engines whisper,grammar
	.venv/bin/python bench/turn_end.py
	.venv/bin/python bench/understanding.py --conditions typed,neural,noise10-neural,phone-neural,en-us,en-gb --limit 12
	.venv/bin/python bench/loop_audit.py
	.venv/bin/python bench/chaos.py
	.venv/bin/python bench/workflows.py
	.venv/bin/python bench/replicas.py
