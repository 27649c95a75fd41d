"""A real local SMSC (devstack/smsc.py) on free ports for the provider tests, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import smsc
from services.sms import store as sms_store
from tests.conftest import ARTIFACTS
from tests.service.databases import service_database


@pytest.fixture(scope="module")
def sms_db(stack) -> Iterator[None]:
    """sms's database of the region, used by this process (tests make tenants of their own in it)."""
    with service_database(stack, "sms", sms_store.AREAS):
        sms_store.ensure_indexes()
        yield


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
