"""content's service tests run its code in this process on the region's real database (and Redis)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import mongoengine as me
import pytest

from kernel import context, store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent
from services.content import mirror
from services.content import store as content_store
from tests.conftest import CommandLog


def _forget_collections() -> None:
    """mongoengine keeps each model's collection with the client it was first used with (another module's,
    closed by now): forget them, so that this module's connection (with its command log) is used."""
    for model in [m for area in content_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


@pytest.fixture(scope="module")
def log(stack) -> Iterator[CommandLog]:
    """content's database for the module, every command it is sent counted in the returned log."""
    commands = CommandLog()
    me.disconnect(alias="default")
    _forget_collections()
    store.connect(
        StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "content", event_listeners=[commands]
    )
    content_store.ensure_indexes()
    yield commands
    me.disconnect(alias="default")
    _forget_collections()


def corner(prefix: str) -> str:
    """A tenant of its own, built through the mirror's functions (what orgs' events would do): r › b1, r › b2;
    ann and bob in b1, cat in b2, dan in no org. Returns the tenant."""
    t = f"{prefix}-{uuid.uuid4().hex[:8]}"
    mirror.org_created(t, "r", "党委", ["r"])
    mirror.org_created(t, "b1", "一支部", ["r", "b1"])
    mirror.org_created(t, "b2", "二支部", ["r", "b2"])
    for person, org in (("ann", "b1"), ("bob", "b1"), ("cat", "b2")):
        mirror.account_registered(t, person, person)
        mirror.home_org(t, person, org, present=True)
    mirror.account_registered(t, "dan", "dan")
    return t


@contextlib.contextmanager
def acting_as(tenant: str, account_id: str, grants=()) -> Iterator[None]:
    """Run the block as a call of account_id (what the gRPC layer binds for a request)."""
    actor = context.Actor(account_id=account_id, grants=tuple(grants))
    token = context.bind(context.CallContext(tenant=tenant, actor=actor))
    try:
        yield
    finally:
        context.unbind(token)
