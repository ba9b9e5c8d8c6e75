"""Property: whatever writes are in flight when the store is killed with SIGKILL and the service dies with them,
after a restart and recovery on-hand equals the ledger for every stock record, every acknowledged write is in the
ledger once, and every retried key resolves. A fixed, derandomized set of cases here; ``bench/crash_recovery.py``
runs 200 random ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.store.crash_harness import CrashableStore, CrashCase, crash_cases, run_case

pytestmark = pytest.mark.mongo


@pytest.fixture(scope="module")
def crash_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrashableStore]:
    server = CrashableStore(Path(tmp_path_factory.mktemp("crash-store")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each case restarts the store (about 1 s)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=crash_cases())
def test_a_kill_9_mid_burst_leaves_on_hand_equal_to_the_ledger(
    crash_store: CrashableStore, case: CrashCase
) -> None:
    report = asyncio.run(run_case(crash_store, case))
    assert not report.failures, "\n".join(report.failures)
