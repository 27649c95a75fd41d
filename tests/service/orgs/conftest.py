"""orgs' service tests run orgs' code in this process, on the session region's database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import mongoengine as me
import pytest

from kernel import context, store
from kernel.authz import REGION_ADMIN
from kernel.config import StoreConfig
from services.orgs import life
from services.orgs.domain import life as rules
from tests.conftest import CommandLog
from tests.service.databases import forget_collections


@pytest.fixture(scope="module")
def db(stack) -> Iterator[CommandLog]:
    """orgs' database, in this process, as a region admin; the log counts the commands sent."""
    log = CommandLog()
    config = StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"])
    me.disconnect(alias="default")
    forget_collections()
    store.connect(config, "orgs", event_listeners=[log])
    actor = context.Actor(account_id="orgs-service-test", platform_roles=(REGION_ADMIN,))
    token = context.bind(context.CallContext(tenant=stack.layout.region, actor=actor))
    yield log
    context.unbind(token)
    me.disconnect(alias="default")
    forget_collections()


def now_cst() -> dt.datetime:
    return dt.datetime.now(rules.LOCAL).replace(microsecond=0)


def meeting_at(org_id: str, starts: dt.datetime, meeting_type: str = rules.PARTY_LECTURE, **more) -> life.Schedule:
    """An hour-long meeting of org_id from starts (more: recurrence, title, …)."""
    fields = dict(
        org_id=org_id,
        type=meeting_type,
        title="党课",
        agenda="",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        place="党员活动室",
        online_url="",
    )
    return life.Schedule(**{**fields, **more})
