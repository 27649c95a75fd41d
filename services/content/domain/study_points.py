"""Study points' rules (学习积分): what each activity earns, daily caps, and the leaderboards' periods.

Points come from a table of rules an administrator may tune. Each rule has a daily cap, so that
opening lessons in a loop or retaking an exam all day can't farm points; an exam earns only for an
improvement of the member's best score. Days, weeks, months and years are counted in China time,
where the members live, not in UTC. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kernel.errors import DomainError, ErrorCode

CHINA = ZoneInfo("Asia/Shanghai")
POINTS_MAX = 100
DAILY_CAP_MAX = 1_000

LESSON, COURSE, EXAM = "lesson_completed", "course_completed", "exam_score"
WEEK, MONTH, YEAR, ALL = "week", "month", "year", "all"
PERIODS = (WEEK, MONTH, YEAR, ALL)


@dataclass(frozen=True)
class Rule:
    name: str
    points: int  # exam_score: the most an exam can earn, at a score of 100
    daily_cap: int


DEFAULTS: dict[str, Rule] = {
    LESSON: Rule(LESSON, 1, 10),
    COURSE: Rule(COURSE, 5, 20),
    EXAM: Rule(EXAM, 10, 20),
}


def rule_update(name: str, points: int, daily_cap: int) -> Rule:
    """A tuned rule, checked: a known name, points 0..POINTS_MAX, a cap 0..DAILY_CAP_MAX (0 turns it off)."""
    if name not in DEFAULTS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "study_rule_unknown", "name")
    if not 0 <= points <= POINTS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "study_points_invalid", "points", max=POINTS_MAX)
    if not 0 <= daily_cap <= DAILY_CAP_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "study_daily_cap_invalid", "daily_cap", max=DAILY_CAP_MAX)
    return Rule(name, points, daily_cap)


def granted(requested: int, earned_today: int, rule: Rule) -> int:
    """What is actually awarded: the request, cut to what is left of the rule's daily cap (never negative)."""
    return max(0, min(requested, rule.daily_cap - earned_today))


def exam_points(rule: Rule, best_before: int | None, score: int) -> int:
    """The points an exam score earns: only what it adds to those the member's earlier best already earned."""
    # Both sides at today's rate, so that tuning the rule doesn't pay a retake for the difference.
    before = rule.points * best_before // 100 if best_before is not None else 0
    return max(0, rule.points * score // 100 - before)


# -- periods -------------------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> dt.datetime:
    # A naive moment is UTC, as stored times are.
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(CHINA)


def day_key(moment: dt.datetime) -> str:
    """The China-time day of the moment, e.g. "2026-11-26" (the key of the daily caps)."""
    return _local(moment).date().isoformat()


def period(value: str) -> str:
    """A requested leaderboard period, checked."""
    if value not in PERIODS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "study_period_invalid", "period")
    return value


def period_key(period: str, moment: dt.datetime) -> str:
    """The leaderboard the moment counts in: "week:2026-W48" (ISO week), "month:2026-11", "year:2026", "all"."""
    local = _local(moment)
    if period == WEEK:
        year, week, _ = local.isocalendar()
        return f"week:{year}-W{week:02d}"
    if period == MONTH:
        return f"month:{local:%Y-%m}"
    if period == YEAR:
        return f"year:{local.year}"
    if period == ALL:
        return ALL
    raise DomainError(ErrorCode.INVALID_ARGUMENT, "study_period_invalid", "period")


def period_keys(moment: dt.datetime) -> list[str]:
    """Every leaderboard a point earned at the moment counts in."""
    return [period_key(p, moment) for p in PERIODS]
