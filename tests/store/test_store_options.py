"""The store client's fail-fast options reach it from ``IP_STORE_TIMEOUT_MS`` through the URI, and an option the
operator wrote in ``MONGODB_URI`` wins."""

from __future__ import annotations

import contextlib

import pytest

from app.settings import Settings
from app.store import store_uri, with_timeouts
from inventory_core.store import MongoStore, fail_fast_options, timeout_options, uri_options

pytestmark = pytest.mark.unit


def test_the_options_fail_within_the_timeout() -> None:
    assert fail_fast_options(1500) == {
        "serverSelectionTimeoutMS": 1500,
        "waitQueueTimeoutMS": 6000,
        "connectTimeoutMS": 750,
        "socketTimeoutMS": 750,
        "maxAdaptiveRetries": 0,
        "maxConnecting": 8,
    }


@pytest.mark.parametrize(
    ("uri", "expected_base"),
    [
        (
            "mongodb://127.0.0.1:27017/?directConnection=true",
            "mongodb://127.0.0.1:27017/?directConnection=true&",
        ),
        ("mongodb://db.example:27017", "mongodb://db.example:27017/?"),
        ("mongodb://db.example/inventory", "mongodb://db.example/inventory?"),
        (
            "mongodb+srv://user:pw@cluster.example/?retryWrites=true",
            "mongodb+srv://user:pw@cluster.example/?retryWrites=true&",
        ),
    ],
)
def test_the_timeouts_are_added_to_any_uri(uri: str, expected_base: str) -> None:
    out = with_timeouts(uri, 1200)
    assert out.startswith(expected_base)
    assert {"sockettimeoutms", "connecttimeoutms", "serverselectiontimeoutms"} <= uri_options(out)
    assert "socketTimeoutMS=600" in out and "serverSelectionTimeoutMS=1200" in out


def test_an_option_in_the_uri_wins() -> None:
    out = with_timeouts("mongodb://db.example/?sockettimeoutms=9000", 1200)
    assert "sockettimeoutms=9000" in out and "socketTimeoutMS=" not in out
    assert timeout_options(out, None) == {}  # the client adds nothing the URI already says
    assert timeout_options("mongodb://db.example/", None) == fail_fast_options(1500)


def test_settings_reach_the_uri_and_the_client_takes_them() -> None:
    settings = Settings(
        _env_file=None, mongodb_uri="mongodb://127.0.0.1:1/?directConnection=true", store_timeout_ms=800
    )  # type: ignore[call-arg]
    with contextlib.ExitStack() as stack:
        uri = store_uri(settings, stack)
    assert "socketTimeoutMS=400" in uri and "serverSelectionTimeoutMS=800" in uri
    store = MongoStore(uri, "x")
    options = store._client.options
    assert options.server_selection_timeout == 0.8 and options.pool_options.socket_timeout == 0.4
    assert options.pool_options.max_connecting == 8 and options.max_adaptive_retries == 0
