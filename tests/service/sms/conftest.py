"""A real local SMSC (devstack/smsc.py) on free ports for the provider tests, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import smsc
from tests.conftest import ARTIFACTS


@pytest.fixture(scope="module")
def simulator() -> Iterator[smsc.Running]:
    ARTIFACTS.mkdir(exist_ok=True)
    with smsc.start(log_path=ARTIFACTS / "smsc.log") as running:
        yield running


@pytest.fixture
def sim(simulator: smsc.Running) -> smsc.Running:
    simulator.control("POST", "/up")
    simulator.control("PUT", "/config", {"tps": 100, "receipt_delay_ms": 50, "unreachable": []})
    simulator.control("DELETE", "/handsets")
    return simulator
