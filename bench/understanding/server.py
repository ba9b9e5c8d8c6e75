"""The service under test: ``python -m app serve`` in a subprocess on embedded defaults, with a fresh var dir,
the demo data off and a known API token; plus a thin REST client for loading catalogues and reading the store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.understanding.catalogues import Catalogue

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-understanding-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Service:
    base: str  # http://127.0.0.1:port
    var_dir: Path
    db_name: str

    @property
    def ws_voice(self) -> str:
        return self.base.replace("http://", "ws://") + f"/ws/voice?token={TOKEN}"

    @property
    def ws_twilio(self) -> str:
        return self.base.replace("http://", "ws://") + f"/ws/twilio?token={TOKEN}"

    def mongo_uri(self) -> str | None:
        """The embedded store's address (the service records it in ``var/mongo/endpoint.json``)."""
        path = self.var_dir / "mongo" / "endpoint.json"
        if not path.exists():
            return None
        return str(json.loads(path.read_text())["uri"])


@contextmanager
def running_service(log_path: Path | None = None, *, start_timeout_s: float = 120.0) -> Iterator[Service]:
    """A fresh service on a free loopback port: local speech engine, no demo data, a throw-away var dir."""
    with tempfile.TemporaryDirectory(prefix="ip-understanding-") as tmp:
        port = _free_port()
        db_name = f"understanding_{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "IP_PORT": str(port),
            "IP_HOST": "127.0.0.1",
            "IP_VAR_DIR": tmp,
            "IP_LOAD_DEMO_DATA": "false",
            "IP_API_TOKENS": json.dumps([TOKEN]),
            "IP_SPEECH_ENGINE": "local",
            "IP_LOG_JSON": "false",
            "IP_MONGODB_DB": db_name,
            "IP_VOCABULARY_REFRESH_S": "1.0",
        }
        for key in (
            "MONGODB_URI",
            "IP_MONGODB_URI",
            "MINIMAX_API_KEY",
            "IP_MINIMAX_API_KEY",
            "IP_LLM_API_KEY",
        ):
            env.pop(key, None)
        log = open(log_path or Path(tmp) / "server.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the service exited with {proc.returncode}; see {log.name}")
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the service did not become healthy in time")
                time.sleep(0.2)
            yield Service(base=base, var_dir=Path(tmp), db_name=db_name)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


class Api:
    """The REST calls the benchmark makes, as any client would."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
            )
        return response.json()

    def create_item(self, body: dict[str, Any]) -> dict[str, Any]:
        key = f"create-{body['sku']}"
        return dict(self._ok(self.http.post("/api/inventory", json=body, headers={"Idempotency-Key": key})))

    def name_site(self, site: str, name: str) -> None:
        self._ok(self.http.put(f"/api/sites/{site}", json={"name": name}))

    def item(self, sku: str) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/api/inventory/{sku}")))

    def items(self) -> list[dict[str, Any]]:
        return list(self._ok(self.http.get("/api/inventory", params={"limit": 500}))["items"])

    def orders(self) -> list[dict[str, Any]]:
        return list(self._ok(self.http.get("/api/orders", params={"limit": 500})))

    def query(self, text: str, session_id: str | None, site: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if session_id:
            body["session_id"] = session_id
        if site:
            body["site"] = site
        return dict(self._ok(self.http.post("/api/agent/query", json=body)))


def load_catalogues(service: Service, api: Api, catalogues: list[Catalogue]) -> None:
    """Load the catalogues as a client would: sites named with ``PUT /api/sites``, items with their stock through
    ``POST /api/inventory``. Suppliers and their offers have no REST API, so they go straight into the store's
    ``suppliers`` and ``supplier_offers`` collections (reported as a gap in BENCHMARKS.md)."""
    for cat in catalogues:
        for site in cat.sites:
            api.name_site(site.site_id, site.spoken)
        for item in cat.items:
            api.create_item(item.create_body())
    uri = service.mongo_uri()
    if uri is None:
        raise RuntimeError("the embedded store did not record its address")
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    try:
        db = client[service.db_name]
        for cat in catalogues:
            for sup in cat.suppliers:
                doc = {"_id": sup.supplier_id, "supplier_id": sup.supplier_id, "name": sup.name}
                db.suppliers.replace_one({"_id": sup.supplier_id}, doc, upsert=True)
            db.supplier_offers.insert_many([
                {"sku": i.sku, "supplier_id": i.supplier_id, "supplier_name": cat_supplier(cat, i.supplier_id),
                 "price": round(i.unit_cost * 0.8, 2), "supplier_on_hand": 5000,
                 "lead_time_days": 5, "min_order_qty": i.min_order_qty, "last_checked": None}
                for i in cat.items
            ])  # fmt: skip
    finally:
        client.close()


def cat_supplier(cat: Catalogue, supplier_id: str) -> str:
    return next(s.name for s in cat.suppliers if s.supplier_id == supplier_id)


def movements(service: Service) -> list[dict[str, Any]]:
    """Every movement in the ledger but the openings. There is no REST route that lists movements, so this one
    read goes to the store directly."""
    uri = service.mongo_uri()
    if uri is None:
        return []
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    try:
        docs = client[service.db_name].movements.find({"kind": {"$ne": "opening"}}, {"_id": 0})
        return [dict(d) for d in docs]
    finally:
        client.close()
