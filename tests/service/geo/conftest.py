"""geo's database of the region, used by this process (each test makes a tenant of its own in it)."""

from __future__ import annotations

from collections.abc import Iterator

import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent
from services.geo import store as geo_store


def _forget_collections() -> None:
    """mongoengine keeps each model's collection with the client it was first used with: forget them."""
    for model in [m for area in geo_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


@pytest.fixture(scope="module")
def geo_db(stack) -> Iterator[None]:
    me.disconnect(alias="default")
    _forget_collections()
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "geo")
    geo_store.ensure_indexes()
    yield
    me.disconnect(alias="default")
    _forget_collections()
