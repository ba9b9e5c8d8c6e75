"""Error classification, the retry plan (back-off, jitter, deadline) and configuration."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from minimax_client import (
    INTERNATIONAL_BASE_URL,
    MAINLAND_BASE_URL,
    AuthError,
    ContentRejectedError,
    InsufficientBalanceError,
    InvalidRequestError,
    MiniMaxConfig,
    MiniMaxError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from minimax_client.errors import CONNECTION_LOST, check_base_resp, error_for_code, error_from_http
from minimax_client.retry import RetryPlan

pytestmark = pytest.mark.minimax

RETRYABLE = [1000, 1001, 1002, 1024, 1033, 1039, 2045, CONNECTION_LOST]
FINAL = [1004, 2049, 1008, 2013, 1026, 1027, 1042, 2056]


@pytest.mark.parametrize("code", RETRYABLE)
def test_transient_codes_are_retryable(code: int) -> None:
    assert error_for_code(code, "x").retryable


@pytest.mark.parametrize("code", FINAL)
def test_final_codes_are_not_retryable(code: int) -> None:
    assert not error_for_code(code, "x").retryable


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (1004, AuthError),
        (2049, AuthError),
        (1002, RateLimitError),
        (1039, RateLimitError),
        (1008, InsufficientBalanceError),
        (1026, ContentRejectedError),
        (2013, InvalidRequestError),
        (1033, ServerError),
    ],
)
def test_codes_map_to_types(code: int, cls: type[MiniMaxError]) -> None:
    assert type(error_for_code(code, "m")) is cls


def test_base_resp_is_checked_even_on_success_status() -> None:
    check_base_resp({"base_resp": {"status_code": 0, "status_msg": "success"}})
    with pytest.raises(RateLimitError) as caught:
        check_base_resp({"base_resp": {"status_code": 1002, "status_msg": "rate limit"}, "trace_id": "t1"})
    assert caught.value.trace_id == "t1" and caught.value.message == "rate limit"


def test_openai_style_bodies_take_the_code_from_the_message_or_the_status() -> None:
    body = {
        "type": "error",
        "error": {"type": "authorized_error", "message": "bad key (1004)", "http_code": "401"},
    }
    assert isinstance(error_from_http(401, body), AuthError)
    no_code = {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "slow down"},
        "request_id": "r",
    }
    err = error_from_http(429, no_code)
    assert isinstance(err, RateLimitError) and err.trace_id == "r" and err.retryable
    plain = error_from_http(502, "Bad Gateway")
    assert isinstance(plain, ServerError) and plain.retryable and plain.http_status == 502
    missing = error_from_http(404, "Not Found")
    assert not missing.retryable and missing.http_status == 404


def test_plan_backs_off_exponentially_with_full_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_s=0.1, max_delay_s=0.3, deadline_s=100)
    plan = RetryPlan(policy, started_at=0.0, rng=lambda: 1.0)  # the top of each jitter window
    err = error_for_code(1002, "rate")
    assert [plan.next_delay(err, 0.0) for _ in range(5)] == [0.1, 0.2, 0.3, 0.3, None]
    low = RetryPlan(policy, started_at=0.0, rng=lambda: 0.25)
    assert low.next_delay(err, 0.0) == pytest.approx(0.025)


def test_plan_never_sleeps_past_the_deadline_and_never_retries_final_errors() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=1.0, max_delay_s=1.0, deadline_s=5.0)
    plan = RetryPlan(policy, started_at=100.0, rng=lambda: 0.9)
    err = error_for_code(1000, "x")
    assert plan.next_delay(err, now=103.0) == pytest.approx(0.9)
    assert plan.next_delay(err, now=104.5) is None  # 0.9 s would end past 105
    assert RetryPlan(policy, 0.0).next_delay(error_for_code(1004, "x"), 0.0) is None
    assert RetryPlan(policy, 0.0).next_delay(ValueError("not ours"), 0.0) is None


def test_config_regions_urls_and_auth() -> None:
    assert MiniMaxConfig(api_key="k", base_url="mainland").base_url == MAINLAND_BASE_URL
    config = MiniMaxConfig(api_key="k", group_id="g 1")
    assert config.base_url == INTERNATIONAL_BASE_URL
    assert config.http_url("/v1/t2a_v2") == "https://api.minimax.io/v1/t2a_v2?GroupId=g+1"
    assert config.ws_url("/ws/v1/t2a_v2_bidi") == "wss://api.minimax.io/ws/v1/t2a_v2_bidi?GroupId=g+1"
    local = MiniMaxConfig(api_key="k", base_url="http://127.0.0.1:9/")
    assert local.ws_url("/ws/x") == "ws://127.0.0.1:9/ws/x"
    assert config.auth_headers() == {"Authorization": "Bearer k"}
    assert "sk-secret-123" not in repr(MiniMaxConfig(api_key="sk-secret-123"))
    with pytest.raises(ValidationError):
        MiniMaxConfig(api_key="k", base_url="api.minimax.io")


def test_config_from_env() -> None:
    env = {
        "MINIMAX_API_KEY": "key",
        "MINIMAX_API_HOST": "https://api.minimaxi.com",
        "MINIMAX_VOICE_ID": "Wise_Woman",
    }
    config = MiniMaxConfig.from_env(env)
    assert (config.api_key.get_secret_value(), config.base_url, config.voice_id) == (
        "key",
        MAINLAND_BASE_URL,
        "Wise_Woman",
    )
    assert MiniMaxConfig.from_env(env, base_url="http://127.0.0.1:1").base_url == "http://127.0.0.1:1"
