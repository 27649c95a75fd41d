"""A room checking in at once, on orgs' real database: every check-in raises the meeting's one present count;
they take turns in the process (kernel/turns.py) rather than conflict in the database and retry."""

from __future__ import annotations

import datetime as dt
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from kernel import context
from kernel.metrics import DB_TRANSACTION_RETRIES
from services.orgs import life, tree
from services.orgs.domain import life as rules
from tests.service.orgs.conftest import meeting_at, now_cst

pytestmark = pytest.mark.service

PEOPLE = 24
AT_ONCE = 8


def _retries() -> float:
    return DB_TRANSACTION_RETRIES.labels("record_presence.write")._value.get()


def test_a_room_checking_in_at_once_counts_everyone_once_without_write_conflicts(db):
    call = context.current()
    branch = tree.create("demo-committee", f"签到测试支部 {secrets.token_hex(3)}", "branch")
    (meeting,) = life.schedule(meeting_at(branch.id, now_cst() - dt.timedelta(minutes=5)))
    rows = [
        life.Attendance(
            tenant=call.tenant,
            meeting_id=str(meeting.id),
            account_id=f"burst-{n}",
            org_id=branch.id,
            org_path=list(meeting.org_path),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            status=rules.INVITED,
        ).save()
        for n in range(PEOPLE)
    ]

    def check_in(row: life.Attendance) -> int:
        token = context.bind(call)  # each thread is a call of its own
        try:
            return life.record_presence(meeting, row, rules.CODE)[0].present_count
        finally:
            context.unbind(token)

    before = _retries()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        counts = list(pool.map(check_in, rows))
        assert max(counts) == PEOPLE
        # checking in again (a second tap, a retried request) counts nothing
        list(pool.map(check_in, rows[:4]))

    assert life.get(str(meeting.id)).present_count == PEOPLE
    present = life.Attendance.in_tenant(call.tenant).filter(meeting_id=str(meeting.id), status=rules.PRESENT)
    assert present.count() == PEOPLE
    assert _retries() == before
