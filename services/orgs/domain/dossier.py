"""The attendance summary a membership transfer carries in its dossier (组织关系转接的组织生活情况).

Pure rules, no I/O. The outgoing org's approval snapshots the member's org life of the twelve months
before it: meetings the member was invited to, attended, was excused from (approved leave) or missed,
in total and per meeting type (三会一课, 主题党日, 组织生活会), with the attendance rate of the compliance
report (domain/life.py `Rate`: attended / (invited − excused)).

Only meetings that count for compliance count here: held (not cancelled, with minutes or someone
present) and over by the snapshot, so a meeting in progress or one that left no trace is nobody's
absence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.orgs.domain import life

WINDOW_MONTHS = 12


@dataclass(frozen=True)
class Invitation:
    """One roster row of the member (its stored status) and the meeting it belongs to."""

    meeting: life.MeetingFact
    ends_at: dt.datetime
    status: str


@dataclass(frozen=True)
class Tally:
    """Meetings of one kind (or all): invited = attended + on_leave + absent."""

    invited: int = 0
    attended: int = 0
    on_leave: int = 0

    @property
    def absent(self) -> int:
        return self.invited - self.attended - self.on_leave

    @property
    def rate(self) -> float:
        return life.Rate(self.invited, self.attended, self.on_leave).rate


@dataclass(frozen=True)
class AttendanceSummary:
    """The member's org life in meetings that ended in [since, until]: the total, and per meeting type
    (only the types the member was invited to)."""

    since: dt.datetime
    until: dt.datetime
    total: Tally = Tally()
    by_type: dict[str, Tally] = field(default_factory=dict)


def window_start(until: dt.datetime, months: int = WINDOW_MONTHS) -> dt.datetime:
    """The same local time `months` calendar months before until (the 31st clamped to a shorter month)."""
    local = until.astimezone(life.LOCAL)
    index = local.year * 12 + local.month - 1 - months
    year, month = index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(dt.UTC)


def summarize(invitations: Iterable[Invitation], until: dt.datetime) -> AttendanceSummary:
    """The summary of the twelve months before until; invitations outside them, or of meetings not
    held, are left out."""
    since = window_start(until)
    total = life.Rate()
    per_type: dict[str, life.Rate] = {}
    for invitation in invitations:
        meeting = invitation.meeting
        if not since <= invitation.ends_at <= until or not life.is_held(meeting, until):
            continue
        outcome = life.effective_status(invitation.status, invitation.ends_at, until)
        total.add(outcome)
        per_type.setdefault(meeting.type, life.Rate()).add(outcome)
    order = {t: i for i, t in enumerate(life.MEETING_TYPES)}
    by_type = {t: _tally(per_type[t]) for t in sorted(per_type, key=lambda t: (order.get(t, len(order)), t))}
    return AttendanceSummary(since, until, _tally(total), by_type)


def _tally(rate: life.Rate) -> Tally:
    return Tally(rate.invited, rate.present, rate.on_leave)
