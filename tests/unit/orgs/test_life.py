"""Org life's pure rules: series expansion, attendance steps, check-in window, periods, compliance, rates."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import life as rules

pytestmark = pytest.mark.unit

CST = rules.LOCAL
UTC = dt.UTC


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def error_of(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


# -- recurrence ---------------------------------------------------------------------------------------


def test_monthly_on_a_day_of_month_keeps_the_local_time_and_clamps_short_months():
    rule = rules.check_recurrence("monthly", 1, "", "2026-05-31")
    meetings = rules.expand(local(2026, 1, 31, 19), local(2026, 1, 31, 21), rule)
    assert [(s.astimezone(CST).date().isoformat(), s.astimezone(CST).hour) for s, _ in meetings] == [
        ("2026-01-31", 19),
        ("2026-02-28", 19),
        ("2026-03-31", 19),
        ("2026-04-30", 19),
        ("2026-05-31", 19),
    ]
    assert all(e - s == dt.timedelta(hours=2) for s, e in meetings)
    assert all(s.tzinfo == UTC for s, _ in meetings)


def test_the_day_is_the_local_day_not_the_utc_one():
    # 07:30 in Beijing on the 1st is 23:30 UTC on the last day of the month before.
    rule = rules.check_recurrence("monthly", 1, "day_of_month", "2026-03-01")
    meetings = rules.expand(local(2026, 1, 1, 7, 30), local(2026, 1, 1, 9), rule)
    assert [s.astimezone(CST).date().day for s, _ in meetings] == [1, 1, 1]
    assert meetings[1][0] == dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC)


def test_monthly_on_a_weekday_keeps_the_nth_weekday_and_a_fifth_means_the_last():
    # 2026-07-14 is the second Tuesday of July.
    second = rules.expand(
        local(2026, 7, 14, 9), local(2026, 7, 14, 10), rules.check_recurrence("monthly", 1, "weekday", "2026-10-31")
    )
    days = [s.astimezone(CST).date() for s, _ in second]
    assert [d.isoformat() for d in days] == ["2026-07-14", "2026-08-11", "2026-09-08", "2026-10-13"]
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in days)
    # 2026-07-31 is the fifth (last) Friday of July; August's last Friday is the 28th.
    last = rules.expand(
        local(2026, 7, 31, 9), local(2026, 7, 31, 10), rules.check_recurrence("monthly", 1, "weekday", "2026-09-30")
    )
    assert [s.astimezone(CST).date().isoformat() for s, _ in last] == ["2026-07-31", "2026-08-28", "2026-09-25"]


def test_weekly_every_other_week_and_monthly_every_quarter():
    weekly = rules.expand(
        local(2026, 7, 1, 9), local(2026, 7, 1, 10), rules.check_recurrence("weekly", 2, "", "2026-07-31")
    )
    assert [s.astimezone(CST).day for s, _ in weekly] == [1, 15, 29]
    quarterly = rules.expand(
        local(2026, 1, 10, 9), local(2026, 1, 10, 10), rules.check_recurrence("monthly", 3, "", "2026-12-31")
    )
    assert [s.astimezone(CST).month for s, _ in quarterly] == [1, 4, 7, 10]


def test_a_one_off_meeting_is_itself():
    start, end = local(2026, 7, 1, 9), local(2026, 7, 1, 10)
    assert rules.expand(start, end, None) == [(start, end)]


def test_a_series_is_bounded():
    rule = rules.check_recurrence("monthly", 1, "", "2028-01-01")  # 25 meetings from 2026-01-01
    err = error_of(rules.expand, local(2026, 1, 1, 9), local(2026, 1, 1, 10), rule)
    assert (err.code, err.field, err.params["limit"]) == (ErrorCode.INVALID_ARGUMENT, "recurrence.until", 24)
    fits = rules.check_recurrence("monthly", 1, "", "2027-12-31")
    assert len(rules.expand(local(2026, 1, 1, 9), local(2026, 1, 1, 10), fits)) == 24


@pytest.mark.parametrize(
    ("freq", "interval", "by", "until", "field"),
    [
        ("daily", 1, "", "2026-12-31", "recurrence.freq"),
        ("monthly", 13, "", "2026-12-31", "recurrence.interval"),
        ("monthly", 1, "fortnight", "2026-12-31", "recurrence.by"),
        ("weekly", 1, "weekday", "2026-12-31", "recurrence.by"),
        ("monthly", 1, "", "2026-13-01", "recurrence.until"),
        ("monthly", 1, "", "", "recurrence.until"),
    ],
)
def test_bad_recurrence_names_its_field(freq, interval, by, until, field):
    assert error_of(rules.check_recurrence, freq, interval, by, until).field == field


def test_a_series_ending_before_it_starts_is_refused():
    rule = rules.check_recurrence("monthly", 1, "", "2026-06-30")
    assert error_of(rules.expand, local(2026, 7, 1, 9), local(2026, 7, 1, 10), rule).field == "recurrence.until"


# -- scheduling input ---------------------------------------------------------------------------------


def test_meeting_types_and_their_host_orgs():
    assert rules.check_type("party_lecture", "committee") == "party_lecture"
    assert error_of(rules.check_type, "tea_party", "branch").field == "type"
    wrong_host = error_of(rules.check_type, "group_meeting", "branch")
    assert (wrong_host.code, wrong_host.field) == (ErrorCode.FAILED_PRECONDITION, "type")
    assert error_of(rules.check_type, "branch_general_meeting", "group").field == "type"


def test_times_must_be_ordered_short_and_near():
    now = local(2026, 7, 1, 12)
    rules.check_times(now, now + dt.timedelta(hours=2), now)
    assert error_of(rules.check_times, now, now, now).field == "ends_at"
    assert error_of(rules.check_times, now, now - dt.timedelta(minutes=1), now).field == "ends_at"
    assert error_of(rules.check_times, now, now + dt.timedelta(hours=25), now).field == "ends_at"
    far = now + dt.timedelta(days=800)
    assert error_of(rules.check_times, far, far + dt.timedelta(hours=1), now).field == "starts_at"


def test_a_meeting_needs_a_place_or_an_online_room():
    assert rules.check_venue(" 党员活动室 ", "") == ("党员活动室", "")
    assert rules.check_venue("", "room-42") == ("", "room-42")
    assert error_of(rules.check_venue, " ", "").field == "place"


def test_attachments_are_media_ids():
    assert rules.check_attachments(["m1", "m2", "m1"]) == ["m1", "m2"]
    assert error_of(rules.check_attachments, ["../etc/passwd"]).field == "attachments"
    assert error_of(rules.check_attachments, [f"m{i}" for i in range(51)]).field == "attachments"


# -- attendance ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        ("invited", "rsvp_yes", "attending"),
        ("declined", "rsvp_yes", "attending"),
        ("attending", "rsvp_no", "declined"),
        ("invited", "request_leave", "leave_requested"),
        ("attending", "request_leave", "leave_requested"),
        ("leave_requested", "rsvp_yes", "attending"),
        ("leave_requested", "approve_leave", "on_leave"),
        ("leave_requested", "reject_leave", "invited"),
        ("invited", "check_in", "present"),
        ("on_leave", "check_in", "present"),
        ("declined", "check_in", "present"),
        ("present", "check_in", "present"),
    ],
)
def test_attendance_steps(current, action, expected):
    assert rules.step(current, action) == expected


@pytest.mark.parametrize(
    ("current", "action"),
    [
        ("invited", "approve_leave"),
        ("attending", "reject_leave"),
        ("on_leave", "approve_leave"),
        ("on_leave", "rsvp_yes"),
        ("on_leave", "request_leave"),
        ("present", "rsvp_no"),
        ("present", "request_leave"),
    ],
)
def test_attendance_steps_that_are_refused(current, action):
    err = error_of(rules.step, current, action)
    assert err.code == ErrorCode.FAILED_PRECONDITION
    assert err.params["current"] == current


def test_absent_is_derived_once_the_meeting_is_over():
    ends = local(2026, 7, 1, 21)
    before, after = ends - dt.timedelta(minutes=1), ends + dt.timedelta(minutes=1)
    assert rules.effective_status("attending", ends, before) == "attending"
    for stored in ("invited", "attending", "declined", "leave_requested"):
        assert rules.effective_status(stored, ends, after) == "absent"
    assert rules.effective_status("present", ends, after) == "present"
    assert rules.effective_status("on_leave", ends, after) == "on_leave"


def test_check_in_is_open_around_the_meeting_only():
    starts, ends = local(2026, 7, 1, 19), local(2026, 7, 1, 21)
    margin = rules.CHECK_IN_MARGIN
    rules.check_window(starts, ends, starts - margin)
    rules.check_window(starts, ends, ends + margin)
    early = error_of(rules.check_window, starts, ends, starts - margin - dt.timedelta(seconds=1))
    assert (early.code, early.field) == (ErrorCode.FAILED_PRECONDITION, "meeting_id")
    assert early.params == {"opens": "2026-07-01 18:30", "closes": "2026-07-01 21:30"}
    assert error_of(rules.check_window, starts, ends, ends + margin + dt.timedelta(seconds=1)).field == "meeting_id"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "１２３４５６"])
def test_a_code_is_six_ascii_digits(code):
    assert error_of(rules.check_code_format, code).field == "code"


def test_a_code_with_spaces_around_is_accepted():
    assert rules.check_code_format(" 042913 ") == "042913"


# -- periods and compliance ---------------------------------------------------------------------------


def test_periods():
    q3 = rules.parse_period("2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    assert q3.bounds() == (dt.datetime(2026, 6, 30, 16, tzinfo=UTC), dt.datetime(2026, 9, 30, 16, tzinfo=UTC))
    dec = rules.parse_period("2026-12")
    assert (dec.start, dec.end) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    year = rules.parse_period("2026")
    assert (year.start, year.end) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    for bad in ("2026-Q5", "2026-13", "2026-7", "26-Q1", "Q3", "", "1900"):
        assert error_of(rules.parse_period, bad).field == "period"


def test_slots_are_the_months_and_quarters_wholly_inside_a_period():
    def names(period, unit):
        return [slot for slot, _ in rules.slots(period, unit)]

    q3 = rules.parse_period("2026-Q3")
    assert names(q3, rules.MONTH) == ["2026-07", "2026-08", "2026-09"]
    assert rules.slots(q3, rules.QUARTER) == [("2026-Q3", dt.date(2026, 10, 1))]  # with the day after it
    july = rules.parse_period("2026-07")
    assert rules.slots(july, rules.MONTH) == [("2026-07", dt.date(2026, 8, 1))]
    assert names(july, rules.QUARTER) == []
    year = rules.parse_period("2026")
    assert len(names(year, rules.MONTH)) == 12
    assert names(year, rules.QUARTER) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def test_the_required_meetings_table():
    assert dict(rules.REQUIRED["branch"]) == {
        "branch_general_meeting": "quarter",
        "committee_meeting": "month",
        "party_lecture": "quarter",
    }
    assert dict(rules.REQUIRED["group"]) == {"group_meeting": "month"}
    assert "committee" not in rules.REQUIRED and "general_branch" not in rules.REQUIRED


def fact(org_id, meeting_type, starts, *, cancelled=False, minutes=False, present=0, n=[0]):  # noqa: B006
    n[0] += 1
    return rules.MeetingFact(str(n[0]), org_id, meeting_type, starts, cancelled, minutes, present)


def test_held_means_begun_not_cancelled_and_left_a_trace():
    now = local(2026, 7, 10, 12)
    past = local(2026, 7, 1, 19)
    assert rules.is_held(fact("b", "party_lecture", past, minutes=True), now)
    assert rules.is_held(fact("b", "party_lecture", past, present=1), now)
    assert not rules.is_held(fact("b", "party_lecture", past), now)
    assert not rules.is_held(fact("b", "party_lecture", past, minutes=True, cancelled=True), now)
    assert not rules.is_held(fact("b", "party_lecture", local(2026, 7, 20, 19), present=1), now)


def test_compliance_of_a_quarter():
    now = local(2026, 10, 15, 12)
    meetings = [
        fact("b1", "committee_meeting", local(2026, 7, 3, 19), minutes=True),
        fact("b1", "committee_meeting", local(2026, 8, 3, 19), present=2),
        fact("b1", "committee_meeting", local(2026, 9, 3, 19), cancelled=True, minutes=True),  # cancelled
        fact("b1", "party_lecture", local(2026, 8, 20, 19), present=5),
        fact("b1", "party_lecture", local(2026, 9, 20, 19), present=4),
        fact("b1", "branch_general_meeting", local(2026, 9, 25, 19)),  # no minutes, nobody checked in
        # 00:30 on 1 October in Beijing is still 30 September in UTC: it belongs to Q4, not Q3
        fact("b1", "branch_general_meeting", local(2026, 10, 1, 0, 30), minutes=True),
        fact("g1", "group_meeting", local(2026, 7, 8, 19), minutes=True),
    ]
    report = rules.compliance(
        [("b1", "branch"), ("g1", "group"), ("c1", "general_branch")], meetings, rules.parse_period("2026-Q3"), now
    )
    by_org = {r.org_id: r for r in report}
    b1 = {(i.meeting_type, i.slot): i.held for i in by_org["b1"].items}
    assert b1 == {
        ("branch_general_meeting", "2026-Q3"): 0,
        ("committee_meeting", "2026-07"): 1,
        ("committee_meeting", "2026-08"): 1,
        ("committee_meeting", "2026-09"): 0,
        ("party_lecture", "2026-Q3"): 2,
    }
    assert {(i.meeting_type, i.slot) for i in by_org["b1"].missed} == {
        ("branch_general_meeting", "2026-Q3"),
        ("committee_meeting", "2026-09"),
    }
    assert {(i.slot, i.held) for i in by_org["g1"].items} == {("2026-07", 1), ("2026-08", 0), ("2026-09", 0)}
    assert by_org["c1"].items == [] and by_org["c1"].missed == []


def test_a_month_report_judges_monthly_rules_only():
    now = local(2026, 8, 15, 12)
    report = rules.compliance([("b1", "branch")], [], rules.parse_period("2026-07"), now)
    assert [(i.meeting_type, i.slot, i.held) for i in report[0].items] == [("committee_meeting", "2026-07", 0)]


def test_attendance_rates_leave_excused_members_out():
    rows = [
        ("b1", "a", "present"),
        ("b1", "a", "present"),
        ("b1", "b", "on_leave"),
        ("b1", "b", "present"),
        ("b1", "c", "invited"),
        ("b1", "c", "declined"),
        ("g1", "a", "attending"),
        ("g1", "d", "on_leave"),
    ]
    by_member, by_org = rules.attendance_rates(rows)
    assert (by_member["a"].present, by_member["a"].expected, by_member["a"].rate) == (2, 3, 0.6667)
    assert (by_member["b"].on_leave, by_member["b"].expected, by_member["b"].rate) == (1, 1, 1.0)
    assert by_member["c"].rate == 0.0
    assert (by_member["d"].expected, by_member["d"].rate) == (0, 0.0)  # nobody expected: no rate to speak of
    assert (by_org["b1"].invited, by_org["b1"].present, by_org["b1"].on_leave, by_org["b1"].rate) == (6, 3, 1, 0.6)
    assert (by_org["g1"].expected, by_org["g1"].rate) == (1, 0.0)


# -- answers by text message --------------------------------------------------------------------------


def test_a_text_reply_choice_names_its_step():
    assert rules.sms_step("1") == rules.RSVP_YES
    assert rules.sms_step("2") == rules.REQUEST_LEAVE
    for other in ("", "3", "0", "12", "yes", None):
        assert rules.sms_step(other) == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2 出差", "出差"),
        ("2出差", "出差"),
        ("  2，家里有事。", "家里有事。"),
        ("2: 身体不适 ", "身体不适"),
        ("2 - 值班", "值班"),
        ("２　出差", "出差"),  # full-width digit and space, as some handsets type them
        ("出差", "出差"),  # no leading 2: the whole text is the reason
        ("2", rules.SMS_LEAVE_REASON),
        (" 2 ，", rules.SMS_LEAVE_REASON),
        ("", rules.SMS_LEAVE_REASON),
        (None, rules.SMS_LEAVE_REASON),
    ],
)
def test_the_leave_reason_is_the_text_after_the_2(text, reason):
    assert rules.sms_leave_reason(text) == reason


def test_a_long_leave_reason_is_cut_to_the_limit():
    assert rules.sms_leave_reason("2 " + "出" * (rules.REASON_MAX + 50)) == "出" * rules.REASON_MAX


def test_an_answer_by_text_again_keeps_its_status():
    # A second "1" or "2" leaves the row where the first put it; one already decided or present is refused.
    assert rules.step(rules.step(rules.INVITED, rules.RSVP_YES), rules.RSVP_YES) == rules.ATTENDING
    assert rules.step(rules.step(rules.INVITED, rules.REQUEST_LEAVE), rules.REQUEST_LEAVE) == rules.LEAVE_REQUESTED
    for decided in (rules.ON_LEAVE, rules.PRESENT):
        for action in (rules.RSVP_YES, rules.REQUEST_LEAVE):
            assert error_of(rules.step, decided, action).code == ErrorCode.FAILED_PRECONDITION


def test_a_month_or_quarter_not_over_is_due_not_missed():
    # 15 November: October is over, November is running, December has not begun; Q4 is not over
    now = local(2026, 11, 15, 12)
    meetings = [fact("b1", "committee_meeting", local(2026, 10, 9, 19), minutes=True)]
    report = rules.compliance([("b1", "branch")], meetings, rules.parse_period("2026-Q4"), now)
    (b1,) = report
    committee = {i.slot: (i.held, i.open) for i in b1.items if i.meeting_type == "committee_meeting"}
    assert committee == {"2026-10": (1, False), "2026-11": (0, True), "2026-12": (0, True)}
    assert {(i.meeting_type, i.slot) for i in b1.items if i.open} >= {("party_lecture", "2026-Q4")}
    assert b1.missed == []  # nothing is missed until its month or quarter is over
    # on 1 January (local time) the quarter and December are over
    after = rules.compliance([("b1", "branch")], meetings, rules.parse_period("2026-Q4"), local(2027, 1, 1, 0, 30))
    assert {(i.meeting_type, i.slot) for i in after[0].missed} == {
        ("committee_meeting", "2026-11"),
        ("committee_meeting", "2026-12"),
        ("branch_general_meeting", "2026-Q4"),
        ("party_lecture", "2026-Q4"),
    }
