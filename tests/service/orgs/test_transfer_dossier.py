"""The transfer dossier's attendance summary on the real database: its round trips, and what it counts."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import mongoengine as me
import pytest

from kernel import context, store
from kernel.authz import REGION_ADMIN
from kernel.config import StoreConfig
from kernel.store import utcnow
from services.orgs import life, members, transfers, tree
from services.orgs.domain import life as rules
from services.orgs.store import Person
from tests.conftest import CommandLog, register

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def db(stack):
    """orgs' database, in this process, as a region admin."""
    log = CommandLog()
    config = StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"])
    me.disconnect(alias="default")
    store.connect(config, "orgs", event_listeners=[log])
    actor = context.Actor(account_id="dossier-service-test", platform_roles=(REGION_ADMIN,))
    token = context.bind(context.CallContext(tenant=stack.layout.region, actor=actor))
    yield log
    context.unbind(token)
    me.disconnect(alias="default")


def meeting(org_id: str, meeting_type: str, hours_ago: float) -> life.Meeting:
    starts = dt.datetime.now(rules.LOCAL).replace(microsecond=0) - dt.timedelta(hours=hours_ago)
    return life.schedule(
        life.Schedule(
            org_id=org_id,
            type=meeting_type,
            title="转接档案测试",
            agenda="",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            place="党员活动室",
            online_url="",
        )
    )[0]


def test_the_summary_costs_two_queries_and_someone_never_invited_gets_zeros_in_one(db, api, identity_events):
    tag = secrets.token_hex(3)
    branch = tree.create("demo-committee", f"档案测试支部 {tag}", "branch")
    member, newcomer = (register(api, identity_events, display_name=n) for n in ("档案党员", "档案新党员"))
    tenant = context.current().tenant
    deadline = time.monotonic() + 15
    while Person.in_tenant(tenant).filter(account_id__in=[member.account_id, newcomer.account_id]).count() < 2:
        assert time.monotonic() < deadline, "orgs never heard of the new accounts"
        time.sleep(0.1)
    members.add(branch.id, member.account_id, "full", "2020-07-01")

    lecture = meeting(branch.id, rules.PARTY_LECTURE, 30)
    row = life.Attendance.in_tenant(tenant).filter(meeting_id=str(lecture.id), account_id=member.account_id).first()
    life.record_presence(lecture, row, rules.CODE)  # what a check-in records
    life.record_minutes(str(meeting(branch.id, rules.BRANCH_GENERAL_MEETING, 50).id), "已召开", [])
    meeting(branch.id, rules.THEME_PARTY_DAY, 70)  # no trace: not held, not counted
    members.add(branch.id, newcomer.account_id, "full", "2020-07-01")  # after the rosters were drawn

    until = utcnow()
    db.commands.clear()
    summary = transfers.attendance_summary(tenant, member.account_id, until)
    assert sorted(db.commands) == ["find meeting_attendance", "find meetings"]
    assert (summary.total.invited, summary.total.attended, summary.total.on_leave) == (2, 1, 0)
    assert [(t.meeting_type, t.invited, t.attended) for t in summary.by_type] == [
        (rules.BRANCH_GENERAL_MEETING, 1, 0),
        (rules.PARTY_LECTURE, 1, 1),
    ]

    db.commands.clear()
    nothing = transfers.attendance_summary(tenant, newcomer.account_id, until)
    assert db.commands == ["find meeting_attendance"]
    assert (nothing.total.invited, nothing.total.attended, nothing.total.on_leave, nothing.by_type) == (0, 0, 0, [])
