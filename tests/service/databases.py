"""A service's database used by the test process itself (service tests call a service's modules directly)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType

import mongoengine as me

from kernel import store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent


def forget_collections() -> None:
    """mongoengine keeps each model's collection with the client it was first used with, and detaches them at
    disconnect only for the models its registry knows by class name: of two models of one name (orgs' and
    content's Person) one stays attached to a closed client, and which one depends on the import order of the
    run. Every model's is forgotten here, whatever its name."""
    found = [me.Document]
    while found:
        model = found.pop()
        found.extend(model.__subclasses__())
        model._collection = None


@contextlib.contextmanager
def service_database(stack, service: str, areas: list[ModuleType]) -> Iterator[None]:
    """Connect this process to the region's database of `service` (its areas' documents, and the outbox) for
    the block. mongoengine keeps each model's collection with the client it was first used with: they are
    forgotten on the way in and out, so tests of several services in one run each reach their own."""
    models = [m for area in areas for m in area.DOCUMENTS] + [OutboxEvent]

    def forget() -> None:
        for model in models:
            model._collection = None

    me.disconnect(alias="default")
    forget()
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), service)
    try:
        yield
    finally:
        me.disconnect(alias="default")
        forget()
