"""Org life (组织生活): meeting types, recurring schedules, attendance steps, and the compliance rules.

Pure rules, no I/O. Times are aware datetimes; calendar questions (which day, which month) are asked in
China Standard Time, because that is where the meetings happen.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import tree as tree_rules

# China has one time zone and no daylight saving: a fixed offset is exact (and needs no tz database).
LOCAL = dt.timezone(dt.timedelta(hours=8), "CST")

# -- meeting types ------------------------------------------------------------------------------------

BRANCH_GENERAL_MEETING = "branch_general_meeting"  # 支部党员大会
COMMITTEE_MEETING = "committee_meeting"  # 支委会
GROUP_MEETING = "group_meeting"  # 党小组会
PARTY_LECTURE = "party_lecture"  # 党课
THEME_PARTY_DAY = "theme_party_day"  # 主题党日
ORGANIZATIONAL_LIFE_MEETING = "organizational_life_meeting"  # 组织生活会

MEETING_TYPES = (
    BRANCH_GENERAL_MEETING,
    COMMITTEE_MEETING,
    GROUP_MEETING,
    PARTY_LECTURE,
    THEME_PARTY_DAY,
    ORGANIZATIONAL_LIFE_MEETING,
)
_ALL_ORG_TYPES = tree_rules.TYPES
# meeting type -> the org types that hold it (a group meeting is a group's; a general meeting a branch's)
HOSTS: dict[str, tuple[str, ...]] = {
    BRANCH_GENERAL_MEETING: (tree_rules.BRANCH, tree_rules.GENERAL_BRANCH),
    COMMITTEE_MEETING: (tree_rules.COMMITTEE, tree_rules.GENERAL_BRANCH, tree_rules.BRANCH),
    GROUP_MEETING: (tree_rules.GROUP,),
    PARTY_LECTURE: _ALL_ORG_TYPES,
    THEME_PARTY_DAY: _ALL_ORG_TYPES,
    ORGANIZATIONAL_LIFE_MEETING: _ALL_ORG_TYPES,
}
# Roles that sit on an org's committee (支委): the invitees of a committee meeting.
COMMITTEE_ROLES = ("secretary", "deputy_secretary", "committee_member", "organization_officer")

TITLE_MAX = 100
AGENDA_MAX = 5_000
PLACE_MAX = 200
ONLINE_MAX = 500
MINUTES_MAX = 20_000
ATTACHMENTS_MAX = 50
REASON_MAX = 500
MAX_DURATION = dt.timedelta(hours=24)
MAX_PAST = dt.timedelta(days=366)  # a meeting held but not yet entered may be recorded afterwards
MAX_AHEAD = dt.timedelta(days=2 * 366)
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$", re.ASCII)


def check_type(meeting_type: str, org_type: str, field_name: str = "type") -> str:
    if meeting_type not in MEETING_TYPES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_meeting_type_invalid", field_name)
    if org_type not in HOSTS[meeting_type]:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_meeting_type_not_for_org", field_name, org_type=org_type)
    return meeting_type


def check_text(value: str, limit: int, field_name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > limit:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_text_invalid", field_name, limit=limit)
    return value


def check_times(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """A meeting ends after it starts, lasts at most a day, and sits within reach of today."""
    if not now - MAX_PAST <= starts_at <= now + MAX_AHEAD:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_starts_at_out_of_range", "starts_at")
    if ends_at <= starts_at:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_ends_before_start", "ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_meeting_too_long", "ends_at")


def check_venue(place: str, online_url: str) -> tuple[str, str]:
    """On site (an address), online (a join link or room id), or both; never neither."""
    place = check_text(place, PLACE_MAX, "place")
    online_url = check_text(online_url, ONLINE_MAX, "online_url")
    if not place and not online_url:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_venue_missing", "place")
    return place, online_url


def check_attachments(media_ids: Iterable[str]) -> list[str]:
    media_ids = list(media_ids)
    if len(media_ids) > ATTACHMENTS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_attachments_too_many", "attachments", limit=ATTACHMENTS_MAX)
    for media_id in media_ids:
        if not _MEDIA_ID.match(media_id or ""):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_attachment_invalid", "attachments")
    return list(dict.fromkeys(media_ids))  # keep order, drop repeats


# -- recurring schedules ------------------------------------------------------------------------------

WEEKLY, MONTHLY = "weekly", "monthly"
DAY_OF_MONTH, WEEKDAY = "day_of_month", "weekday"
MAX_OCCURRENCES = 24
MAX_INTERVAL = 12


@dataclass(frozen=True)
class Recurrence:
    """Repeat every `interval` weeks or months until `until` (a local date, inclusive).

    Monthly series fall on the first meeting's day of the month (clamped to short months) or, with
    by=weekday, on the same n-th weekday (e.g. the 2nd Tuesday; a 5th one means the last)."""

    freq: str
    until: dt.date
    interval: int = 1
    by: str = DAY_OF_MONTH


def parse_date(value: str, field_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_date_invalid", field_name) from None


def check_recurrence(freq: str, interval: int, by: str, until: str) -> Recurrence:
    if freq not in (WEEKLY, MONTHLY):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_recurrence_freq_invalid", "recurrence.freq")
    interval = interval or 1
    if not 1 <= interval <= MAX_INTERVAL:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "life_recurrence_interval_invalid", "recurrence.interval", limit=MAX_INTERVAL
        )
    by = by or DAY_OF_MONTH
    if by not in (DAY_OF_MONTH, WEEKDAY) or (freq == WEEKLY and by != DAY_OF_MONTH):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_recurrence_by_invalid", "recurrence.by")
    return Recurrence(freq, parse_date(until, "recurrence.until"), interval, by)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """The day of the month of the nth (1…4, or 5 for the last) weekday in year-month."""
    first = dt.date(year, month, 1).weekday()
    day = 1 + (weekday - first) % 7 + (nth - 1) * 7
    last = calendar.monthrange(year, month)[1]
    return day if day <= last else day - 7


def occurrence_dates(first: dt.date, rule: Recurrence) -> list[dt.date]:
    """The local dates of a series, the first meeting's included; more than MAX_OCCURRENCES is refused."""
    if rule.until < first:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_recurrence_until_invalid", "recurrence.until")
    dates: list[dt.date] = []
    nth = min((first.day - 1) // 7 + 1, 5)
    for k in range(MAX_OCCURRENCES + 1):
        if rule.freq == WEEKLY:
            day = first + dt.timedelta(weeks=k * rule.interval)
        else:
            year, month = _add_months(first.year, first.month, k * rule.interval)
            if rule.by == WEEKDAY:
                day = dt.date(year, month, _nth_weekday(year, month, first.weekday(), nth))
            else:
                day = dt.date(year, month, min(first.day, calendar.monthrange(year, month)[1]))
        if day > rule.until:
            return dates
        dates.append(day)
    raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_recurrence_too_long", "recurrence.until", limit=MAX_OCCURRENCES)


def expand(
    starts_at: dt.datetime, ends_at: dt.datetime, rule: Recurrence | None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(starts, ends) of every meeting of a schedule: the same local time of day and length each time."""
    if rule is None:
        return [(starts_at, ends_at)]
    local = starts_at.astimezone(LOCAL)
    length = ends_at - starts_at
    out = []
    for day in occurrence_dates(local.date(), rule):
        start = dt.datetime.combine(day, local.timetz()).astimezone(dt.UTC)
        out.append((start, start + length))
    return out


# -- attendance ---------------------------------------------------------------------------------------

INVITED = "invited"
ATTENDING = "attending"  # said yes
DECLINED = "declined"  # said no
LEAVE_REQUESTED = "leave_requested"  # 请假, awaiting a decision
ON_LEAVE = "on_leave"  # leave granted
PRESENT = "present"
ABSENT = "absent"  # never stored: what a roster row is after the meeting if neither present nor on leave
STATUSES = (INVITED, ATTENDING, DECLINED, LEAVE_REQUESTED, ON_LEAVE, PRESENT, ABSENT)

# How a presence was recorded: a code typed on site, the meeting's online room (media), or a check-in inside
# the meeting's geofence (the geo service's check_in_accepted).
CODE, ONLINE, GEO = "code", "online", "geo"
METHODS = (CODE, ONLINE, GEO)

RSVP_YES, RSVP_NO, REQUEST_LEAVE, APPROVE_LEAVE, REJECT_LEAVE, CHECK_IN = (
    "rsvp_yes",
    "rsvp_no",
    "request_leave",
    "approve_leave",
    "reject_leave",
    "check_in",
)
_ANSWERABLE = frozenset({INVITED, ATTENDING, DECLINED, LEAVE_REQUESTED})
# step -> (stored statuses it may start from, the status it leads to)
STEPS: dict[str, tuple[frozenset[str], str]] = {
    RSVP_YES: (_ANSWERABLE, ATTENDING),  # answering again withdraws a pending leave request
    RSVP_NO: (_ANSWERABLE, DECLINED),
    REQUEST_LEAVE: (_ANSWERABLE, LEAVE_REQUESTED),
    APPROVE_LEAVE: (frozenset({LEAVE_REQUESTED}), ON_LEAVE),
    REJECT_LEAVE: (frozenset({LEAVE_REQUESTED}), INVITED),  # expected after all
    # whoever turns up is present, even after declining or being excused
    CHECK_IN: (frozenset({INVITED, ATTENDING, DECLINED, LEAVE_REQUESTED, ON_LEAVE}), PRESENT),
}


def step(current: str, action: str) -> str:
    """The status after action; a check-in when already present stays present (idempotent)."""
    if action == CHECK_IN and current == PRESENT:
        return PRESENT
    allowed, to = STEPS[action]
    if current not in allowed:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_attendance_step_invalid", "status", current=current)
    return to


# -- answers by text message ----------------------------------------------------------------------------

# An invitation by text message (the sms service) offers two answers; sms reports the reply's choice.
SMS_ATTEND, SMS_LEAVE = "1", "2"
SMS_STEPS = {SMS_ATTEND: RSVP_YES, SMS_LEAVE: REQUEST_LEAVE}
# The reason stored for a "2" that gives none: data shown as the reason given, not a message of the UI.
SMS_LEAVE_REASON = "短信请假"
# What may sit between the "2" and the reason: "2 出差", "2，出差", "2:出差", "2-出差".
_SMS_SEPARATORS = " \t\r\n\u3000,.;:!?，。；：、！？-—_#*/"


def sms_step(choice: str) -> str:
    """The attendance step a reply's choice asks for (RSVP_YES, REQUEST_LEAVE), or "" for any other choice."""
    return SMS_STEPS.get((choice or "").strip(), "")


def sms_leave_reason(text: str) -> str:
    """The reason of a "2" reply: its text without the leading 2 and the separators after it, trimmed and cut
    to REASON_MAX; SMS_LEAVE_REASON when nothing is left."""
    rest = (text or "").strip()
    if rest[:1] in ("2", "２"):  # a handset may type the full-width digit
        rest = rest[1:]
    rest = rest.lstrip(_SMS_SEPARATORS).strip()
    return rest[:REASON_MAX].strip() or SMS_LEAVE_REASON


def effective_status(stored: str, ends_at: dt.datetime, now: dt.datetime) -> str:
    """What a roster row means now: after the meeting, anyone neither present nor excused was absent."""
    if now >= ends_at and stored not in (PRESENT, ON_LEAVE):
        return ABSENT
    return stored


# -- check-in -----------------------------------------------------------------------------------------

CHECK_IN_MARGIN = dt.timedelta(minutes=30)
CODE_LENGTH = 6
MAX_CODE_FAILURES = 5  # wrong codes per invitee and meeting before check-in by code is closed to them


def check_in_window(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return starts_at - CHECK_IN_MARGIN, ends_at + CHECK_IN_MARGIN


def check_window(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    opens, closes = check_in_window(starts_at, ends_at)
    if not opens <= now <= closes:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION,
            "life_check_in_closed",
            "meeting_id",
            opens=opens.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
            closes=closes.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
        )


def check_code_format(code: str) -> str:
    code = (code or "").strip()
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_code_invalid", "code")
    return code


# -- periods and required meetings --------------------------------------------------------------------

MONTH, QUARTER = "month", "quarter"

# org type -> (meeting type, how often it must be held): 三会一课. A general branch or a committee is
# judged by its branches and groups, so it has no row of its own.
REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    tree_rules.BRANCH: (
        (BRANCH_GENERAL_MEETING, QUARTER),
        (COMMITTEE_MEETING, MONTH),
        (PARTY_LECTURE, QUARTER),
    ),
    tree_rules.GROUP: ((GROUP_MEETING, MONTH),),
}

_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$", re.ASCII)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year, in local time: [start, end)."""

    label: str
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants (for queries on stored times)."""
        return (
            dt.datetime.combine(self.start, dt.time(), LOCAL).astimezone(dt.UTC),
            dt.datetime.combine(self.end, dt.time(), LOCAL).astimezone(dt.UTC),
        )


def parse_period(text: str) -> Period:
    """'2026-Q3', '2026-07' or '2026'."""
    found = _PERIOD.match(text or "")
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_period_invalid", "period")
    year = int(found.group(1))
    if found.group(2):
        first, months = int(found.group(2)), 1
    elif found.group(3):
        first, months = (int(found.group(3)) - 1) * 3 + 1, 3
    else:
        first, months = 1, 12
    end_year, end_month = _add_months(year, first, months)
    return Period(text, dt.date(year, first, 1), dt.date(end_year, end_month, 1))


def slot_of(day: dt.date, unit: str) -> str:
    """The month ('2026-07') or quarter ('2026-Q3') a local date falls in."""
    if unit == MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def slots(period: Period, unit: str) -> list[tuple[str, dt.date]]:
    """The months or quarters lying wholly inside the period (a month has no quarter to judge), each with
    the local day after it."""
    out = []
    year, month = period.start.year, period.start.month
    step_months = 1 if unit == MONTH else 3
    if unit == QUARTER and (month - 1) % 3:
        year, month = _add_months(year, month, 3 - (month - 1) % 3)
    while True:
        end = dt.date(*_add_months(year, month, step_months), 1)
        if end > period.end:
            return out
        out.append((slot_of(dt.date(year, month, 1), unit), end))
        year, month = end.year, end.month


@dataclass(frozen=True)
class MeetingFact:
    """What compliance needs of a meeting."""

    id: str
    org_id: str
    type: str
    starts_at: dt.datetime
    cancelled: bool
    has_minutes: bool
    present_count: int


def is_held(meeting: MeetingFact, now: dt.datetime) -> bool:
    """Held: it began, was not cancelled, and left a trace (minutes, or someone checked in)."""
    return meeting.starts_at <= now and not meeting.cancelled and (meeting.has_minutes or meeting.present_count > 0)


@dataclass(frozen=True)
class Requirement:
    meeting_type: str
    slot: str  # '2026-07' or '2026-Q3'
    held: int
    open: bool = False  # the month or quarter is not over yet: not held is not missed (yet)


@dataclass
class OrgCompliance:
    org_id: str
    org_type: str
    items: list[Requirement] = field(default_factory=list)

    @property
    def missed(self) -> list[Requirement]:
        """Required meetings of months or quarters that are over, not held."""
        return [item for item in self.items if not item.held and not item.open]


def compliance(
    orgs: Iterable[tuple[str, str]], meetings: Iterable[MeetingFact], period: Period, now: dt.datetime
) -> list[OrgCompliance]:
    """For each (org id, org type), every required meeting of every month/quarter of the period and
    how many were held."""
    held: dict[tuple[str, str, str], int] = {}
    for meeting in meetings:
        if not is_held(meeting, now):
            continue
        day = meeting.starts_at.astimezone(LOCAL).date()
        for unit in (MONTH, QUARTER):
            key = (meeting.org_id, meeting.type, slot_of(day, unit))
            held[key] = held.get(key, 0) + 1
    today = now.astimezone(LOCAL).date()
    report = []
    for org_id, org_type in orgs:
        entry = OrgCompliance(org_id, org_type)
        for meeting_type, unit in REQUIRED.get(org_type, ()):
            for slot, after in slots(period, unit):
                count = held.get((org_id, meeting_type, slot), 0)
                entry.items.append(Requirement(meeting_type, slot, count, open=today < after))
        report.append(entry)
    return report


@dataclass
class Rate:
    """Attendance of one member or org at held meetings: present / (invited − excused)."""

    invited: int = 0
    present: int = 0
    on_leave: int = 0

    @property
    def expected(self) -> int:
        return self.invited - self.on_leave

    @property
    def rate(self) -> float:
        return round(self.present / self.expected, 4) if self.expected else 0.0

    def add(self, status: str) -> None:
        self.invited += 1
        self.present += status == PRESENT
        self.on_leave += status == ON_LEAVE


def attendance_rates(rows: Iterable[tuple[str, str, str]]) -> tuple[dict[str, Rate], dict[str, Rate]]:
    """Rates per member and per org from (org id, account id, stored status) rows of held meetings."""
    by_member: dict[str, Rate] = {}
    by_org: dict[str, Rate] = {}
    for org_id, account_id, status in rows:
        by_member.setdefault(account_id, Rate()).add(status)
        by_org.setdefault(org_id, Rate()).add(status)
    return by_member, by_org


# -- who is invited -----------------------------------------------------------------------------------

MEMBER, HOSTED_MOBILE = "member", "hosted_mobile"  # where an invitee came from (a roster row's source)


@dataclass(frozen=True)
class Standing:
    """Where a person stands for org life now: the home org of a membership in good standing (empty
    otherwise), the roles held there, and the org hosting them as a mobile member (empty if none)."""

    home_org_id: str = ""
    home_path: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    host_org_id: str = ""
    host_path: tuple[str, ...] = ()


def invited_as(org_id: str, org_type: str, meeting_type: str, who: Standing) -> str:
    """Why who is on the roster of org_id's meeting of meeting_type: MEMBER, HOSTED_MOBILE, or "" (not).

    A branch's meetings invite its groups' members too; a committee meeting invites only the org's own
    committee (its members holding COMMITTEE_ROLES); hosted mobile members join all but committee meetings."""
    if meeting_type == COMMITTEE_MEETING:
        on_committee = who.home_org_id == org_id and bool(set(who.roles) & set(COMMITTEE_ROLES))
        return MEMBER if on_committee else ""
    below = org_type == tree_rules.BRANCH
    if who.home_org_id and (who.home_org_id == org_id or (below and org_id in who.home_path)):
        return MEMBER
    if who.host_org_id and (who.host_org_id == org_id or (below and org_id in who.host_path)):
        return HOSTED_MOBILE
    return ""
