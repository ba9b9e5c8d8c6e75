"""The production-like deployment holds together without Docker: compose.yaml is a valid Compose file (the Compose
Specification's schema, kept in deploy/compose-spec.json; `docker compose config` too where Docker Compose is
installed), every IP_* name it or the env example sets is a real setting and parses, HAProxy's backends are the
app service's port with its readiness check, and the Dockerfile runs as a non-root user with a health check and
copies every package pyproject.toml installs."""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import AliasChoices

from app.settings import Settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "inventorypulse.env.example"
HAPROXY = DEPLOY / "haproxy.cfg"
DOCKERFILE = ROOT / "Dockerfile"
INIT_STORE = DEPLOY / "init_store.py"

SERVICES = {"mongo", "temporal", "init", "app", "worker", "haproxy"}
OUR_SERVICES = ("init", "app", "worker")
ENV_NAME = re.compile(r"^\s*#?\s*(IP_[A-Z0-9_]+)=(.*)$")
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


@functools.cache
def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _service(name: str) -> dict[str, Any]:
    service = _compose()["services"][name]
    assert isinstance(service, dict)
    return service


def _environment(name: str) -> dict[str, str]:
    """The service's `environment`, with `${NAME:-default}` interpolated to its default."""
    env = _service(name).get("environment") or {}
    assert isinstance(env, dict), f"{name}: environment as a mapping"
    return {str(k): INTERPOLATION.sub(lambda m: m.group(2) or "", str(v)) for k, v in env.items()}


def _env_example() -> dict[str, str]:
    """Every IP_* line of the env example, set or commented out."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := ENV_NAME.match(line):
            found[match.group(1)] = match.group(2)
    return found


def _setting_names() -> set[str]:
    """The environment names Settings reads (case-insensitively): the prefix and field name, or its aliases."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice).upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _haproxy_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in HAPROXY.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = sections.setdefault(line.strip(), [])
        else:
            current.append(line.strip())
    return sections


def _seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value)
    assert match, value
    return int(match.group(1)) * units[match.group(2) or "ms"]


# --- compose.yaml ------------------------------------------------------------------------------------------------


def test_compose_is_a_valid_compose_file() -> None:
    schema = json.loads((DEPLOY / "compose-spec.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(_compose()), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
    assert set(_compose()["services"]) == SERVICES


def test_the_store_is_a_replica_set_and_every_process_uses_it() -> None:
    mongo = _service("mongo")
    assert mongo["image"].startswith("mongo:")
    assert "--replSet" in mongo["command"] and "rs0" in mongo["command"]
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    for name in OUR_SERVICES:
        env = _environment(name)
        assert env["IP_MONGODB_URI"].startswith("mongodb://mongo:27017/"), name
        assert "replicaSet=rs0" in env["IP_MONGODB_URI"], name
        assert env["IP_TEMPORAL_ADDRESS"] == "temporal:7233", name
    assert _service("init")["depends_on"]["mongo"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        needs = {k: v["condition"] for k, v in _service(name)["depends_on"].items()}
        assert needs == {"init": "service_completed_successfully", "temporal": "service_healthy"}, name


def test_replicas_leave_the_workflows_to_the_worker() -> None:
    app = _service("app")
    assert app["deploy"]["replicas"] >= 2
    assert _environment("app")["IP_WORKFLOW_WORKER"] == "false"
    assert app["command"][-1] == "serve"
    assert _service("worker")["command"][-2:] == ["app", "worker"]
    # Only the init step may load the demo warehouse: two processes loading it at once would duplicate it.
    assert _environment("app")["IP_LOAD_DEMO_DATA"] == "false"
    assert _environment("worker")["IP_LOAD_DEMO_DATA"] == "false"
    assert _service("init")["command"] == ["python", "/opt/inventorypulse/init_store.py"]


def test_every_ip_name_is_a_setting() -> None:
    known = _setting_names()
    used = {(f"compose {name}", key) for name in OUR_SERVICES for key in _environment(name)}
    used |= {("deploy/inventorypulse.env.example", key) for key in _env_example()}
    unknown = sorted(
        f"{where}: {key}" for where, key in used if key.startswith("IP_") and key.upper() not in known
    )
    assert not unknown, unknown
    for secret in ("IP_API_TOKENS", "IP_JWT_SECRET", "IP_ADMIN_PASSWORD"):
        assert _env_example()[secret], f"{secret} is set in the env example"


def test_the_replicas_environment_parses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the working copy
    for name in [n for n in os.environ if n.upper().startswith("IP_")]:
        monkeypatch.delenv(name)
    for key, value in {**_env_example(), **_environment("app")}.items():
        if value:
            monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.mongodb_uri is not None and settings.temporal_address == "temporal:7233"
    assert settings.workflow_worker is False
    assert settings.api_tokens and settings.jwt_secret is not None and settings.admin_password is not None


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker")
def test_docker_compose_config(tmp_path: Path) -> None:
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20).returncode != 0:
        pytest.skip("docker has no compose plugin")
    shutil.copy(COMPOSE, tmp_path / "compose.yaml")
    shutil.copy(DOCKERFILE, tmp_path / "Dockerfile")
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    shutil.copy(ENV_EXAMPLE, tmp_path / "deploy" / "inventorypulse.env")
    done = subprocess.run(
        ["docker", "compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


# --- HAProxy -----------------------------------------------------------------------------------------------------


def test_haproxy_balances_the_app_replicas_on_readiness() -> None:
    sections = _haproxy_sections()
    backend = sections["backend replicas"]
    servers = [line.split() for line in backend if line.startswith(("server ", "server-template "))]
    assert servers, "a server line"
    port = str(Settings.model_fields["port"].default)
    assert port in _service("app")["expose"]
    for server in servers:
        assert server[-1] == f"app:{port}", server
    assert "balance roundrobin" in backend
    assert any(line.startswith("http-check send meth GET uri /api/ready") for line in backend)
    assert "http-check expect status 200" in backend
    defaults = sections["defaults"]
    tunnel = next(line.split()[-1] for line in defaults if line.startswith("timeout tunnel"))
    assert _seconds(tunnel) >= Settings.model_fields["max_call_s"].default
    public = sections["frontend public"]
    assert "default_backend replicas" in public
    assert any("X-Request-ID" in line for line in public)
    assert "option forwardfor" in public


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="no haproxy")
def test_haproxy_accepts_the_configuration() -> None:
    done = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY)], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stdout + done.stderr


# --- Dockerfile --------------------------------------------------------------------------------------------------


def test_the_image_runs_as_a_user_with_a_health_check() -> None:
    instructions = _dockerfile_instructions()
    users = [args for word, args in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    checks = [args for word, args in instructions if word == "HEALTHCHECK"]
    assert len(checks) == 1 and "/api/health" in checks[0] and "urllib" in checks[0]
    exposed = [args for word, args in instructions if word == "EXPOSE"]
    assert exposed == [str(Settings.model_fields["port"].default)]
    env = " ".join(args for word, args in instructions if word == "ENV")
    assert "IP_HOST=0.0.0.0" in env


def test_the_image_holds_every_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*").rstrip(".") for p in patterns}
    copied = {args.split()[0] for word, args in _dockerfile_instructions() if word == "COPY"}
    assert packages <= copied, sorted(packages - copied)
    for package in packages:
        assert (ROOT / package / "__init__.py").is_file(), package
    assert "deploy/init_store.py" in copied


def test_the_init_step_imports_what_exists() -> None:
    """deploy/init_store.py is outside the packages' type checks: its imports from app/ must still resolve."""
    for node in ast.walk(ast.parse(INIT_STORE.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
            module = ast.parse((ROOT / Path(*node.module.split("."))).with_suffix(".py").read_text())
            defined = {
                n.name
                for n in module.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            }
            for alias in node.names:
                assert alias.name in defined, f"{node.module}.{alias.name}"
