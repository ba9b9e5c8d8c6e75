# InventoryPulse Voice: one image for the web service (`python -m app serve`, the default command), the workflow
# worker (`python -m app worker`) and the store's first-run step (`deploy/init_store.py`).
#
# Alone (`docker run -p 8000:8000 IMAGE`) it runs on the embedded defaults: MongoDB wire-protocol server, fakesnow,
# Temporal dev server and local speech, with every file in /data. compose.yaml runs it as replicas on MongoDB and
# Temporal (docs/deploy.md). Runs as uid 10001, never root.

# --- build: a virtualenv with the project and its dependencies ---------------------------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The dependencies get a layer of their own (about 1 GB: CTranslate2, pandas, pyarrow, Whisper's weights), rebuilt
# only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > requirements.txt \
 && pip install -r requirements.txt
# Every package that [tool.setuptools.packages.find] includes (tests/wiring/test_compose.py checks the list).
COPY app app
COPY voice_gateway voice_gateway
COPY nlx_webhooks nlx_webhooks
COPY dialogue dialogue
COPY forecasting forecasting
COPY workflows workflows
COPY inventory_core inventory_core
COPY minimax_client minimax_client
COPY local_speech local_speech
RUN pip install --no-deps . && pip check

# --- runtime ------------------------------------------------------------------------------------------------------
FROM python:3.11-slim
# espeak-ng: the local synthesizer; sox: audio conversion for the local engines.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 inventorypulse \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/inventorypulse --shell /usr/sbin/nologin \
      inventorypulse \
 && mkdir /data \
 && chown inventorypulse:inventorypulse /data
COPY --from=build /opt/venv /opt/venv
COPY deploy/init_store.py /opt/inventorypulse/init_store.py
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IP_HOST=0.0.0.0 \
    IP_PORT=8000 \
    IP_VAR_DIR=/data
WORKDIR /app
USER 10001:10001
# Each container gets its own /data (embedded stores, the generated dev token and keys when no secret is set).
VOLUME /data
EXPOSE 8000
# Liveness: /api/health answers 200 while the store answers (python's urllib: the slim image has no curl). A
# worker or the init step has no HTTP server: compose turns this check off for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('IP_PORT', '8000'), timeout=4)"]
CMD ["python", "-m", "app", "serve"]
