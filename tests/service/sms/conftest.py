"""A real local SMSC (devstack/smsc.py) on free ports for the provider tests, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import mongoengine as me
import pytest

from devstack import smsc
from kernel import store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent
from services.sms import store as sms_store
from tests.conftest import ARTIFACTS


def _forget_collections() -> None:
    """mongoengine keeps each model's collection with the client it was first used with: forget them."""
    for model in [m for area in sms_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


@pytest.fixture(scope="module")
def sms_db(stack) -> Iterator[None]:
    """sms's database of the region, used by this process (tests make tenants of their own in it)."""
    me.disconnect(alias="default")
    _forget_collections()
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "sms")
    sms_store.ensure_indexes()
    yield
    me.disconnect(alias="default")
    _forget_collections()


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
