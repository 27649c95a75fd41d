"""Org life on the real database and worker: round trips pinned, and meetings follow their org's moves."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest

from kernel import context
from services.orgs import life, members, tree
from services.orgs.domain import life as rules
from services.orgs.store import Person
from tests.conftest import register
from tests.service.orgs.conftest import meeting_at, now_cst

pytestmark = pytest.mark.service


def lecture(org_id: str, starts: dt.datetime, recurrence: rules.Recurrence | None = None) -> life.Schedule:
    return meeting_at(org_id, starts, recurrence=recurrence)


def held_lecture(org_id: str) -> life.Meeting:
    meeting = life.schedule(lecture(org_id, now_cst() - dt.timedelta(hours=2)))[0]
    return life.record_minutes(str(meeting.id), "已召开", [])


def quarter() -> str:
    day = (now_cst() - dt.timedelta(hours=2)).date()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def test_the_compliance_report_costs_four_queries_whatever_the_subtree(db):
    tag = secrets.token_hex(3)
    general = tree.create("demo-committee", f"往返测试党总支 {tag}", "general_branch")
    first = tree.create(general.id, f"往返测试第一支部 {tag}", "branch")
    held_lecture(first.id)

    db.commands.clear()
    small = life.compliance(general.id, quarter())
    few = sorted(db.commands)
    assert [o.org_id for o in small.orgs] == [first.id]

    for n in range(4):
        branch = tree.create(general.id, f"往返测试支部 {n} {tag}", "branch")
        tree.create(branch.id, f"往返测试党小组 {n} {tag}", "group")
        held_lecture(branch.id)
        held_lecture(branch.id)
    db.commands.clear()
    large = life.compliance(general.id, quarter())
    assert len(large.orgs) == 9 and sum(o.meetings_held for o in large.orgs) == 9
    assert sorted(db.commands) == few == ["find meeting_attendance", "find meetings", "find orgs", "find orgs"]


def test_scheduling_a_series_writes_meetings_and_rosters_in_one_round_trip_each(db, api, identity_events):
    tag = secrets.token_hex(3)
    branch = tree.create("demo-committee", f"往返测试排会支部 {tag}", "branch")
    people = [register(api, identity_events, display_name=f"排会{n}") for n in range(3)]
    deadline = time.monotonic() + 15
    tenant = context.current().tenant
    while Person.in_tenant(tenant).filter(account_id__in=[p.account_id for p in people]).count() < len(people):
        assert time.monotonic() < deadline, "orgs never heard of the new accounts"
        time.sleep(0.1)
    for person in people:
        members.add(branch.id, person.account_id, "full", "2020-07-01")

    starts = now_cst() + dt.timedelta(days=1)
    until = (starts + dt.timedelta(days=165)).date()  # five months on, not six
    db.commands.clear()
    meetings = life.schedule(lecture(branch.id, starts, rules.Recurrence(rules.MONTHLY, until)))
    assert len(meetings) == 6 and {m.invitee_count for m in meetings} == {3}
    # one per meeting: the outbox rows of meeting_scheduled, committed with the meetings
    assert db.commands.count("insert outbox") == 6
    assert sorted(c for c in db.commands if c != "insert outbox") == [
        "find memberships",
        "find mobile_registrations",  # hosted mobile members are invited too
        "find orgs",
        "insert meeting_attendance",
        "insert meetings",
    ]
    rows = life.Attendance.in_tenant(tenant).filter(meeting_id__in=[str(m.id) for m in meetings])
    assert rows.count() == 18


def test_meetings_follow_their_org_when_it_moves(db):
    tag = secrets.token_hex(3)
    old_parent = tree.create("demo-committee", f"迁移前党总支 {tag}", "general_branch")
    new_parent = tree.create("demo-committee", f"迁移后党总支 {tag}", "general_branch")
    branch = tree.create(old_parent.id, f"迁移支部 {tag}", "branch")
    meeting = held_lecture(branch.id)
    assert life.compliance(new_parent.id, quarter()).orgs == []

    tree.move(branch.id, new_parent.id)
    # orgs' worker hears org_moved (relayed from the outbox) and re-paths the branch's meetings
    tenant = context.current().tenant
    deadline = time.monotonic() + 60  # the worker may be busy with other tests
    while life.Meeting.in_tenant(tenant).filter(id=meeting.id, org_path=new_parent.id).count() == 0:
        assert time.monotonic() < deadline, "the meeting kept its old org path"
        time.sleep(0.2)
    moved = life.compliance(new_parent.id, quarter())
    assert [(o.org_id, o.meetings_held) for o in moved.orgs] == [(branch.id, 1)]
    assert life.compliance(old_parent.id, quarter()).orgs == []
