"""The transfer dossier's attendance summary: which meetings count, what became of each, the window."""

from __future__ import annotations

import datetime as dt

import pytest

from services.orgs.domain import dossier
from services.orgs.domain import life as rules

pytestmark = pytest.mark.unit

UNTIL = dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
_ids = iter(range(1, 10_000))


def invitation(
    status: str,
    meeting_type: str = rules.PARTY_LECTURE,
    days_ago: float = 10,
    cancelled: bool = False,
    minutes: bool = True,
    present_count: int = 0,
) -> dossier.Invitation:
    ends = UNTIL - dt.timedelta(days=days_ago)
    starts = ends - dt.timedelta(hours=2)
    meeting = rules.MeetingFact(str(next(_ids)), "b1", meeting_type, starts, cancelled, minutes, present_count)
    return dossier.Invitation(meeting, ends, status)


def test_outcomes_are_counted_in_total_and_per_type_with_the_compliance_rate():
    summary = dossier.summarize(
        [
            invitation(rules.PRESENT, rules.PARTY_LECTURE),
            invitation(rules.ON_LEAVE, rules.PARTY_LECTURE),
            invitation(rules.INVITED, rules.BRANCH_GENERAL_MEETING),  # never came: absent
            invitation(rules.DECLINED, rules.BRANCH_GENERAL_MEETING),  # said no without leave: absent too
            invitation(rules.LEAVE_REQUESTED, rules.GROUP_MEETING),  # leave never granted: absent
            invitation(rules.PRESENT, rules.GROUP_MEETING),
            invitation(rules.ATTENDING, rules.THEME_PARTY_DAY),  # said yes, didn't come
        ],
        UNTIL,
    )
    assert summary.total == dossier.Tally(invited=7, attended=2, on_leave=1)
    assert summary.total.absent == 4
    assert summary.total.rate == round(2 / 6, 4)
    assert list(summary.by_type) == [
        rules.BRANCH_GENERAL_MEETING,
        rules.GROUP_MEETING,
        rules.PARTY_LECTURE,
        rules.THEME_PARTY_DAY,
    ]
    assert summary.by_type[rules.PARTY_LECTURE] == dossier.Tally(2, 1, 1)
    assert summary.by_type[rules.PARTY_LECTURE].rate == 1.0  # the excused meeting isn't expected
    assert summary.by_type[rules.BRANCH_GENERAL_MEETING].absent == 2
    assert summary.by_type[rules.GROUP_MEETING].rate == 0.5


def test_meetings_not_held_or_still_running_are_nobodys_absence():
    summary = dossier.summarize(
        [
            invitation(rules.INVITED, cancelled=True),
            invitation(rules.INVITED, minutes=False, present_count=0),  # left no trace: not held
            invitation(rules.PRESENT, minutes=False, present_count=1),  # someone checked in: held
            invitation(rules.INVITED, days_ago=-0.01),  # ends after the snapshot
        ],
        UNTIL,
    )
    assert summary.total == dossier.Tally(invited=1, attended=1, on_leave=0)


def test_the_window_is_the_twelve_calendar_months_before_the_snapshot():
    assert dossier.window_start(UNTIL) == dt.datetime(2025, 7, 15, 2, 0, tzinfo=dt.UTC)
    # computed in Beijing time: 2026-03-31 01:00 there is still 2026-03-30 in UTC
    late = dt.datetime(2026, 3, 30, 17, 0, tzinfo=dt.UTC)
    assert dossier.window_start(late) == dt.datetime(2025, 3, 30, 17, 0, tzinfo=dt.UTC)
    # the 29th of February a year on is the 28th
    assert dossier.window_start(dt.datetime(2028, 2, 29, 4, tzinfo=dt.UTC)) == dt.datetime(
        2027, 2, 28, 4, tzinfo=dt.UTC
    )
    since = dossier.window_start(UNTIL)
    days = (UNTIL - since).days
    summary = dossier.summarize(
        [
            invitation(rules.PRESENT, days_ago=days),  # ended just as the window opens: counted
            invitation(rules.PRESENT, days_ago=days + 1),  # before it: not
            invitation(rules.INVITED, days_ago=0),  # ended just now: counted, absent
        ],
        UNTIL,
    )
    assert (summary.since, summary.until) == (since, UNTIL)
    assert summary.total == dossier.Tally(invited=2, attended=1, on_leave=0)


def test_a_member_who_was_never_invited_gets_zeros():
    summary = dossier.summarize([], UNTIL)
    assert summary.total == dossier.Tally()
    assert (summary.total.absent, summary.total.rate) == (0, 0.0)
    assert summary.by_type == {}


def test_a_member_invited_only_on_leave_has_a_rate_of_zero_not_an_error():
    summary = dossier.summarize([invitation(rules.ON_LEAVE), invitation(rules.ON_LEAVE)], UNTIL)
    assert summary.total == dossier.Tally(2, 0, 2)
    assert (summary.total.absent, summary.total.rate) == (0, 0.0)
