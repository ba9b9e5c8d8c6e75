"""The Snowflake connection: the one module that imports ``snowflake.connector`` and ``fakesnow``.

With no account configured, an embedded ``fakesnow`` server is started on loopback and the real connector talks
to it over HTTP, so the code path is the production one. Statements use server-side (``qmark``) binding. Bulk
loads use ``write_pandas`` (stage + COPY) on real Snowflake and, where stages are unavailable (the fakesnow
server), stage-free chunked ``INSERT ... SELECT FROM TABLE(FLATTEN(PARSE_JSON(?)))`` - never row-by-row
``executemany``."""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import logging
import os
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

from forecasting.warehouse import sql
from inventory_core.embedded_mongo import free_port, pid_alive
from inventory_core.errors import InventoryError, StoreUnavailable

log = logging.getLogger("inventorypulse.warehouse")

JSON_CHUNK_ROWS = 20_000  # fakesnow's FLATTEN copies the input per row, so chunks stay modest


class WarehouseError(InventoryError):
    code = "warehouse_error"


class WarehouseUnavailable(StoreUnavailable):
    """Retryable; a StoreUnavailable so the HTTP edge answers 503."""

    code = "warehouse_unavailable"


class SnowflakeSettings(Protocol):
    """The settings fields the warehouse reads (``app.settings.Settings`` has them)."""

    snowflake_account: str | None
    snowflake_user: str | None
    snowflake_warehouse: str | None
    snowflake_database: str
    snowflake_schema: str
    snowflake_private_key_path: Path | None

    @property
    def var_dir(self) -> Path: ...


@dataclass(frozen=True)
class WarehouseConfig:
    account: str | None = None
    """Snowflake account identifier; None starts the embedded fakesnow server."""
    user: str | None = None
    password: str | None = None
    private_key_path: Path | None = None
    """PEM private key for key-pair auth (preferred over a password)."""
    warehouse: str | None = None
    database: str = "INVENTORYPULSE"
    schema: str = "ANALYTICS"
    embedded_path: Path | None = None
    """Embedded server only: directory for the database files; None keeps the warehouse in memory."""
    bulk: Literal["auto", "write_pandas", "json"] = "auto"
    """auto: write_pandas on Snowflake, stage-free JSON inserts on the embedded server."""
    network_timeout_s: float = 300.0

    @property
    def embedded(self) -> bool:
        return self.account is None


def config_from_settings(settings: SnowflakeSettings, password: str | None = None) -> WarehouseConfig:
    return WarehouseConfig(
        account=settings.snowflake_account,
        user=settings.snowflake_user,
        password=password,
        private_key_path=settings.snowflake_private_key_path,
        warehouse=settings.snowflake_warehouse,
        database=settings.snowflake_database,
        schema=settings.snowflake_schema,
        embedded_path=None if settings.snowflake_account else settings.var_dir / "warehouse",
    )


_SERVER_THREAD = "fakesnow-server"
ENDPOINT = "endpoint.json"
"""In the warehouse folder: the port and process of the embedded server serving it."""


class _OneInstancePerFile:
    """fakesnow's server makes a ``FakeSnow`` (an in-memory DuckDB that attaches the database file) per session
    that names a ``FAKESNOW_DB_PATH``; a second session on the same file would attach it twice, which DuckDB
    refuses. One instance per file, shared by every session on it (as fakesnow shares its in-memory one), lets
    another process of ours (a workflow worker) use the same warehouse over HTTP."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.instances: dict[str, Any] = {}

    def __call__(self, *args: Any, db_path: str | None = None, **kwargs: Any) -> Any:
        if db_path is None:
            return self.make(*args, **kwargs)
        key = str(Path(db_path).resolve())
        if key not in self.instances:
            self.instances[key] = self.make(*args, db_path=db_path, **kwargs)
        return self.instances[key]

    @classmethod
    def installed(cls) -> _OneInstancePerFile:
        server = importlib.import_module("fakesnow.server")
        found = getattr(server, "FakeSnow")  # noqa: B009 - a module attribute mypy does not know
        if not isinstance(found, cls):
            found = cls(found)
            setattr(server, "FakeSnow", found)  # noqa: B010
        return found


def serving_process(path: Path) -> int | None:
    """The port of the embedded server another live process of ours runs on this warehouse folder, if any."""
    try:
        found = json.loads((path / ENDPOINT).read_text())
        port, pid = int(found["port"]), int(found["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid() or not pid_alive(pid):
        return None
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return port
    return None


def embedded_params(port: int, path: Path | None) -> dict[str, Any]:
    """The connector's arguments for the embedded server on ``port`` (``path``: its database folder)."""
    params: dict[str, Any] = {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}
    if path is not None:
        params["FAKESNOW_DB_PATH"] = str(path)
    return {
        "user": "fake",
        "password": "snow",
        "account": "fakesnow",
        "host": "127.0.0.1",
        "port": port,
        "protocol": "http",
        "session_parameters": params,
    }


class _QuietServerThread(logging.Filter):
    """Drops the embedded server's routine lines (below WARNING, logged from its thread). uvicorn's loggers are
    process-wide and the service's own server logs its access lines through them too, so the embedded server is
    silenced by thread rather than by configuring (or emptying) those loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.threadName != _SERVER_THREAD


_QUIET = _QuietServerThread()


class EmbeddedSnowflake:
    """fakesnow's server app under uvicorn in a daemon thread, quiet and with our own logging left alone
    (``fakesnow.server()`` would reconfigure uvicorn's loggers for the whole process, and so would a
    ``uvicorn.Config`` given a log level or ``access_log=False``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.port = free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._tokens: set[str] = set()

    @staticmethod
    def _sessions() -> dict[str, Any]:
        sessions: dict[str, Any] = importlib.import_module("fakesnow.server").sessions
        return sessions

    @contextlib.contextmanager
    def claiming_sessions(self) -> Iterator[None]:
        """Remember the server sessions opened inside the block, to drop them on stop (the connector cannot log
        out of fakesnow: its login answer carries no master token)."""
        before = set(self._sessions())
        try:
            yield
        finally:
            self._tokens |= set(self._sessions()) - before

    def start(self, timeout_s: float = 15.0) -> dict[str, Any]:
        import uvicorn

        logging.getLogger("fakesnow.server").setLevel(logging.WARNING)
        _OneInstancePerFile.installed()
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
        for name in ("uvicorn.access", "uvicorn.error"):
            if _QUIET not in logging.getLogger(name).filters:
                logging.getLogger(name).addFilter(_QUIET)
        config = uvicorn.Config(
            importlib.import_module("fakesnow.server").app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,  # none of these three touches the process's loggers
            log_level=None,
            access_log=True,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=_SERVER_THREAD, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise WarehouseUnavailable("the embedded Snowflake server did not start")
            time.sleep(0.02)
        if self.path is not None:
            (self.path / ENDPOINT).write_text(json.dumps({"port": self.port, "pid": os.getpid()}))
        return embedded_params(self.port, self.path)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        sessions = self._sessions()
        ours = str(self.path.resolve()) if self.path is not None else None
        for token, conn in list(sessions.items()):  # ours, and other processes' on our file
            on_file = ours is not None and conn.db_path is not None and str(conn.db_path.resolve()) == ours
            if token in self._tokens or on_file:
                del sessions[token]
                with contextlib.suppress(Exception):
                    conn.close()
        self._tokens.clear()
        if ours is not None and self.path is not None:
            _OneInstancePerFile.installed().instances.pop(ours, None)
            with contextlib.suppress(OSError):
                (self.path / ENDPOINT).unlink()
        # The session's DuckDB database holds its file until collected; collect now so that the same directory
        # can be opened again in this process.
        gc.collect()


def _records(df: pd.DataFrame) -> list[list[Any]]:
    """Rows of plain Python values (``tolist`` unwraps numpy scalars); missing values become null."""
    columns = [[None if pd.isna(v) else v for v in df[c].tolist()] for c in df.columns]
    return [list(row) for row in zip(*columns, strict=True)]


class WarehouseConnection:
    """One connector connection, serialised by a lock (the service shares it between the monitor and requests)."""

    def __init__(self, config: WarehouseConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._conn: Any = None
        self._embedded: EmbeddedSnowflake | None = None
        self._bulk: str = config.bulk

    def open(self) -> None:
        import snowflake.connector

        cfg = self.config
        # fakesnow's own performance hint about its DuckDB cursor; not actionable here.
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        kwargs: dict[str, Any] = {
            "database": cfg.database,
            "schema": cfg.schema,
            "paramstyle": "qmark",
            "network_timeout": cfg.network_timeout_s,
            "login_timeout": 60,
        }
        port = serving_process(cfg.embedded_path) if cfg.embedded and cfg.embedded_path else None
        if port is not None:  # another process of ours serves this warehouse (the service beside a worker)
            log.info("using the embedded warehouse served on port %d by another process", port)
            kwargs |= embedded_params(port, cfg.embedded_path)
            if self._bulk == "auto":
                self._bulk = "json"
        elif cfg.embedded:
            self._embedded = EmbeddedSnowflake(cfg.embedded_path)
            kwargs |= self._embedded.start()
            if self._bulk == "auto":
                self._bulk = "json"
        else:
            kwargs |= {"account": cfg.account, "user": cfg.user, "warehouse": cfg.warehouse}
            if cfg.private_key_path is not None:
                kwargs["private_key_file"] = str(cfg.private_key_path)
            elif cfg.password is not None:
                kwargs["password"] = cfg.password
            if self._bulk == "auto":
                self._bulk = "write_pandas"
        try:
            with self._embedded.claiming_sessions() if self._embedded else contextlib.nullcontext():
                self._conn = snowflake.connector.connect(**kwargs)
        except snowflake.connector.errors.Error as exc:
            self.close()
            raise WarehouseUnavailable(f"could not connect to the warehouse: {exc}") from exc

    @contextlib.contextmanager
    def _cursor(self) -> Any:
        import snowflake.connector

        if self._conn is None:
            raise WarehouseUnavailable("the warehouse connection is not open")
        with self._lock:
            try:
                with self._conn.cursor() as cur:
                    yield cur
            except snowflake.connector.errors.OperationalError as exc:
                raise WarehouseUnavailable(f"warehouse: {exc}") from exc
            except snowflake.connector.errors.Error as exc:
                raise WarehouseError(f"warehouse: {exc}") from exc

    def execute(self, statement: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        with self._cursor() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall()) if cur.description else []

    def script(self, statements: list[str]) -> None:
        with self._cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def frame(self, statement: str, params: tuple[Any, ...] | None = None) -> pd.DataFrame:
        with self._cursor() as cur:
            cur.execute(statement, params)
            df: pd.DataFrame = cur.fetch_pandas_all()
            return df

    def write_frame(self, df: pd.DataFrame, table: str) -> int:
        """Append ``df`` (upper-case column names matching ``table``) in bulk; returns rows written."""
        if df.empty:
            return 0
        if self._bulk == "write_pandas":
            from snowflake.connector.pandas_tools import write_pandas

            with self._cursor():  # holds the lock and maps errors
                ok, _, rows, _ = write_pandas(
                    self._conn, df, table, quote_identifiers=False, use_logical_type=True
                )
            if not ok:
                raise WarehouseError(f"bulk load into {table} failed")
            return int(rows)
        columns = list(df.columns)
        statement = sql.insert_from_json(table, columns, sql.column_types(table, columns))
        records = _records(df)
        written = 0
        with self._cursor() as cur:
            for i in range(0, len(records), JSON_CHUNK_ROWS):
                chunk = records[i : i + JSON_CHUNK_ROWS]
                cur.execute(statement, (json.dumps(chunk, default=str, separators=(",", ":")),))
                written += len(chunk)
        return written

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
