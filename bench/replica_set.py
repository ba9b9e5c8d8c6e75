"""Several instances of the service behind a real load balancer, as production runs them: one MongoDB (the
embedded wire-protocol server, in a process of its own), N ``python -m app serve`` processes on it, and HAProxy
(Debian's) in front, round-robin per request with no stickiness. HAProxy names the instance that answered in
``X-Served-By``. Used by the replica drill (``tests/wiring/test_replicas.py``) and ``bench/replicas.py``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from bench.chaos_live import LiveService
from inventory_core.embedded_mongo import EmbeddedMongo, free_port

NLX_TOKEN = "replica-nlx-token"


def haproxy_config(port: int, backends: dict[str, int]) -> str:
    servers = "\n".join(f"  server {name} 127.0.0.1:{p} check" for name, p in backends.items())
    return f"""global
  maxconn 2048
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  retries 2
  option redispatch
frontend api
  bind 127.0.0.1:{port}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /api/health
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1
  http-response set-header X-Served-By %s
{servers}
"""


def _stats() -> dict[int, tuple[int, float]]:
    """Every process: pid -> (parent pid, CPU seconds used, user + system)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return out


def cpu_seconds(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each named group of processes, their descendants included."""
    stats = _stats()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    used: dict[str, float] = {}
    for name, pids in roots.items():
        todo, total = list(pids), 0.0
        while todo:
            pid = todo.pop()
            total += stats.get(pid, (0, 0.0))[1]
            todo += children.get(pid, [])
        used[name] = total
    return used


class ReplicaSet:
    """``async with ReplicaSet(3) as rs:`` ... ``rs.url`` is the balancer; ``rs.instances`` the services."""

    def __init__(self, n: int, *, env: dict[str, str] | None = None) -> None:
        self.n = n
        self.dir = Path(tempfile.mkdtemp(prefix="replicas-"))
        self.mongo = EmbeddedMongo(self.dir / "mongo")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = env or {}
        self.instances: list[LiveService] = []
        self.names: list[str] = []
        self._haproxy: subprocess.Popen[bytes] | None = None

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.instances[0].token}"}

    async def start(self) -> None:
        haproxy = shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin:/bin")
        if haproxy is None:
            raise RuntimeError("haproxy is not installed (scripts/bootstrap.sh --test installs it)")
        uri = await asyncio.to_thread(self.mongo.start)
        env = {
            "IP_MONGODB_URI": uri,
            "IP_WORKFLOWS": "false",
            "IP_FORECASTING": "false",
            "IP_SPEECH_WARM_UP": "false",
            "IP_VOCABULARY_REFRESH_S": "0",
            "IP_NLX_WEBHOOK_TOKENS": json.dumps([NLX_TOKEN]),
            **self._env,
        }
        for i in range(self.n):
            (self.dir / f"app{i}").mkdir()
        self.instances = [LiveService(env=env, var_dir=self.dir / f"app{i}") for i in range(self.n)]
        self.names = [f"app{i}" for i in range(self.n)]
        await self.instances[0].start()  # the first loads the demo warehouse; the rest find it there
        await asyncio.gather(*(svc.start() for svc in self.instances[1:]))
        cfg = self.dir / "haproxy.cfg"
        backends = {name: svc.port for name, svc in zip(self.names, self.instances, strict=True)}
        cfg.write_text(haproxy_config(self.port, backends))
        self._haproxy = subprocess.Popen(  # noqa: ASYNC220 (a quick fork; the wait below is async)
            [haproxy, "-f", str(cfg), "-db"],
            stdout=(self.dir / "haproxy.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        await self._wait_balanced()

    async def _wait_balanced(self, timeout_s: float = 30.0) -> None:
        """Until every instance has answered through the balancer (its health checks have passed)."""
        seen: set[str] = set()
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while len(seen) < self.n:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {sorted(seen)} answered through haproxy; see {self.dir}")
                with contextlib.suppress(httpx.HTTPError):
                    seen.add((await client.get("/api/health")).headers.get("x-served-by", ""))
                seen.discard("")
                await asyncio.sleep(0.05)

    def process_groups(self) -> dict[str, list[int]]:
        """The processes to account CPU to: the instances, the store, the balancer."""
        return {
            "instances": [svc.proc.pid for svc in self.instances if svc.proc is not None],
            "store": [pid for pid in (self.mongo.pid,) if pid is not None],
            "haproxy": [self._haproxy.pid] if self._haproxy is not None else [],
        }

    def kill(self, name: str) -> None:
        """kill -9 of one instance."""
        self.instances[self.names.index(name)].kill()

    async def stop(self) -> None:
        if self._haproxy is not None:
            self._haproxy.terminate()
            await asyncio.to_thread(self._haproxy.wait, 10)
        await asyncio.gather(*(svc.stop() for svc in self.instances), return_exceptions=True)
        await asyncio.to_thread(self.mongo.stop)
        shutil.rmtree(self.dir, ignore_errors=True)

    async def __aenter__(self) -> ReplicaSet:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
