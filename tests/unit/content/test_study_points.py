"""Study points' rules: the rules table, daily caps, exam improvements only, China-time days and periods."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import study_points as rules

pytestmark = pytest.mark.unit

CHINA = dt.timezone(dt.timedelta(hours=8))


def _field(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == ErrorCode.INVALID_ARGUMENT
    return err.value.field


def test_the_default_rules():
    assert rules.DEFAULTS[rules.LESSON] == rules.Rule(rules.LESSON, 1, 10)
    assert rules.DEFAULTS[rules.COURSE] == rules.Rule(rules.COURSE, 5, 20)
    assert rules.DEFAULTS[rules.EXAM] == rules.Rule(rules.EXAM, 10, 20)


def test_a_rule_is_tuned_within_bounds_naming_the_field():
    assert rules.rule_update(rules.LESSON, 2, 0) == rules.Rule(rules.LESSON, 2, 0)
    assert rules.rule_update(rules.EXAM, 100, 1000).daily_cap == 1000
    assert _field(lambda: rules.rule_update("likes_received", 1, 10)) == "name"
    for bad in (-1, 101):
        assert _field(lambda bad=bad: rules.rule_update(rules.LESSON, bad, 10)) == "points"
    for bad in (-1, 1001):
        assert _field(lambda bad=bad: rules.rule_update(rules.LESSON, 1, bad)) == "daily_cap"


def test_the_daily_cap_awards_part_then_nothing():
    lesson = rules.DEFAULTS[rules.LESSON]
    assert rules.granted(1, 0, lesson) == 1
    assert rules.granted(5, 8, lesson) == 2
    assert rules.granted(1, 10, lesson) == 0
    assert rules.granted(1, 12, lesson) == 0  # after the cap was lowered
    assert rules.granted(1, 0, rules.rule_update(rules.LESSON, 1, 0)) == 0


def test_an_exam_earns_only_for_improving_the_best_score():
    exam = rules.DEFAULTS[rules.EXAM]
    assert rules.exam_points(exam, None, 85) == 8  # 10 × 85% rounded down
    assert rules.exam_points(exam, 85, 85) == 0
    assert rules.exam_points(exam, 85, 60) == 0
    assert rules.exam_points(exam, 85, 100) == 2
    assert rules.exam_points(exam, 81, 89) == 0  # both earn 8
    assert rules.exam_points(exam, None, 100) + rules.exam_points(exam, 100, 100) == exam.points


def test_retaking_an_exam_never_earns_more_than_its_best():
    exam = rules.DEFAULTS[rules.EXAM]
    total, best = 0, None
    for score in (30, 70, 50, 70, 90, 100, 100):
        total += rules.exam_points(exam, best, score)
        best = score if best is None else max(best, score)
    assert total == exam.points


def test_days_and_periods_are_counted_in_china_time():
    moment = dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.UTC)
    assert rules.day_key(moment) == "2026-11-26"
    assert rules.period_keys(moment) == ["week:2026-W48", "month:2026-11", "year:2026", "all"]


def test_just_after_midnight_on_monday_in_china_is_a_new_day_and_week_though_utc_says_sunday():
    monday = dt.datetime(2026, 11, 30, 0, 5, tzinfo=CHINA)
    utc = monday.astimezone(dt.UTC)
    assert utc.date() == dt.date(2026, 11, 29) and utc.weekday() == 6  # Sunday in UTC
    assert rules.day_key(utc) == "2026-11-30"
    assert rules.period_key("week", utc) == "week:2026-W49"
    assert rules.period_key("week", monday - dt.timedelta(minutes=10)) == "week:2026-W48"
    assert rules.day_key(monday - dt.timedelta(minutes=10)) == "2026-11-29"


def test_months_years_and_iso_weeks_turn_over_at_china_midnight():
    new_year = dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)  # 2027-01-01 00:00 in China
    assert rules.period_keys(new_year) == ["week:2026-W53", "month:2027-01", "year:2027", "all"]
    before = new_year - dt.timedelta(seconds=1)
    assert rules.period_keys(before) == ["week:2026-W53", "month:2026-12", "year:2026", "all"]
    # a naive moment is UTC, as stored times are
    assert rules.day_key(dt.datetime(2026, 11, 29, 16, 5)) == "2026-11-30"


def test_a_requested_period_is_checked():
    for name in rules.PERIODS:
        assert rules.period(name) == name
    for bad in ("", "day", "WEEK"):
        assert _field(lambda bad=bad: rules.period(bad)) == "period"
    assert _field(lambda: rules.period_key("decade", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))) == "period"
