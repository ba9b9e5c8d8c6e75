# InventoryPulse Voice: the service on its embedded defaults (MongoDB wire-protocol server, fakesnow, local speech).
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY inventory_core inventory_core
COPY forecasting forecasting
COPY dialogue dialogue
COPY minimax_client minimax_client
COPY local_speech local_speech
COPY voice_gateway voice_gateway
COPY nlx_webhooks nlx_webhooks
COPY app app
RUN pip install --no-cache-dir .
ENV IP_HOST=0.0.0.0 IP_VAR_DIR=/data
VOLUME /data
EXPOSE 8000
CMD ["python", "-m", "app"]
