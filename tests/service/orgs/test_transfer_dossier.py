"""The transfer dossier's attendance summary on the real database: its round trips, and what it counts."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest

from kernel import context
from kernel.store import utcnow
from services.orgs import life, members, transfers, tree
from services.orgs.domain import life as rules
from services.orgs.store import Person
from tests.conftest import register
from tests.service.orgs.conftest import meeting_at, now_cst

pytestmark = pytest.mark.service


def meeting(org_id: str, meeting_type: str, hours_ago: float) -> life.Meeting:
    starts = now_cst() - dt.timedelta(hours=hours_ago)
    return life.schedule(meeting_at(org_id, starts, meeting_type, title="转接档案测试"))[0]


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
