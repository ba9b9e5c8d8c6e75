"""One MiniMax emulator for the whole module set (faults and recordings are reset before each test) and a
client configured with short back-off so retries cost milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from minimax_client import MiniMaxClient, MiniMaxConfig
from tests.fakes.minimax_emulator import MiniMaxEmulator


@pytest.fixture(scope="session")
async def minimax_emulator() -> AsyncIterator[MiniMaxEmulator]:
    async with MiniMaxEmulator() as emu:
        yield emu


@pytest.fixture
def emu(minimax_emulator: MiniMaxEmulator) -> MiniMaxEmulator:
    minimax_emulator.reset()
    return minimax_emulator


def make_config(emu: MiniMaxEmulator, **overrides: object) -> MiniMaxConfig:
    values: dict[str, object] = {
        "api_key": emu.api_key,
        "base_url": emu.base_url,
        "read_timeout_s": 2.0,
        "deadline_s": 5.0,
        "max_attempts": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "ws_cancel_timeout_s": 2.0,
    }
    values.update(overrides)
    return MiniMaxConfig.model_validate(values)


@pytest.fixture
def config(emu: MiniMaxEmulator) -> MiniMaxConfig:
    return make_config(emu)


@pytest.fixture
async def client(config: MiniMaxConfig) -> AsyncIterator[MiniMaxClient]:
    async with MiniMaxClient(config) as c:
        yield c
