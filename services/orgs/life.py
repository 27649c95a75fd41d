"""Org life (组织生活): meetings, their rosters, RSVPs and leave, check-in, minutes, compliance.

A meeting belongs to one org and keeps that org's path, so a subtree's meetings of a period are one
indexed range query. Its roster (one Attendance row per invitee) is written with the meeting and carries
the meeting's org path and times too, so attendance rates need no per-meeting round trips. The rules
(types, series, steps of an attendance, what is required) are in domain/life.py.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne

from kernel import context
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page, page_by_time
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from kernel.turns import Turns
from services.orgs import access, events, mobile, tree
from services.orgs.domain import dossier, pipeline
from services.orgs.domain import life as rules
from services.orgs.domain import mobile as mobile_rules
from services.orgs.domain import tree as tree_rules
from services.orgs.store import Membership, Org

log = logging.getLogger(__name__)

SCHEDULED, CANCELLED = "scheduled", "cancelled"
MAX_ROSTER = 2_000  # invitees of one meeting: more is a mistake of org (schedule it lower in the tree)
MAX_REPORT_ORGS = 5_000  # orgs in one compliance report: ask for a smaller subtree beyond this
_IN_CHUNK = 100  # ids per $in query: long lists are slow on the local database


# -- documents ----------------------------------------------------------------------------------------


class Meeting(TenantDocument):
    """One concrete meeting (a series is expanded into these when it is scheduled)."""

    org_id = me.StringField(required=True)
    org_path = me.ListField(me.StringField())  # the org's path: subtree queries (kept on moves)
    org_type = me.StringField(required=True)
    type = me.StringField(required=True)
    title = me.StringField(required=True)
    agenda = me.StringField(default="")
    starts_at = me.DateTimeField(required=True)
    ends_at = me.DateTimeField(required=True)
    place = me.StringField(default="")
    online_url = me.StringField(default="")
    sms_invite = me.BooleanField(default=False)  # invitees are texted too (the sms service) and may answer so
    series_id = me.StringField(default="")  # "" for a one-off meeting
    status = me.StringField(required=True)
    cancel_reason = me.StringField(default="")
    code = me.StringField(required=True)  # the on-site check-in code, shown to organizers only
    minutes = me.StringField(default="")
    attachments = me.ListField(me.StringField())  # media ids
    minutes_by = me.StringField(default="")
    minutes_at = me.DateTimeField()
    invitee_count = me.IntField(default=0)
    present_count = me.IntField(default=0)  # kept with every check-in: "held" needs no roster scan
    created_by = me.StringField(default="")
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "meetings",
        "indexes": [
            ("tenant", "org_path", "starts_at"),
            ("tenant", "org_id", "id"),
            ("tenant", "org_id", "starts_at"),  # an org's meetings not yet started (rosters follow membership)
            ("tenant", "series_id", "starts_at"),
        ],
    }


class Attendance(TenantDocument):
    """An invitee of a meeting: RSVP, leave, presence. Copies the meeting's org path and times."""

    meeting_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    source = me.StringField(default="member")  # which invitee source put them on the roster
    org_id = me.StringField(required=True)
    org_path = me.ListField(me.StringField())
    starts_at = me.DateTimeField(required=True)
    ends_at = me.DateTimeField(required=True)
    status = me.StringField(required=True)  # domain/life.py STATUSES, "absent" excepted (derived)
    answered_at = me.DateTimeField()
    leave_reason = me.StringField(default="")
    leave_decided_by = me.StringField(default="")
    leave_note = me.StringField(default="")
    method = me.StringField(default="")  # code, online, geo
    checked_in_at = me.DateTimeField()
    code_failures = me.IntField(default=0)
    sms_replies = me.ListField(me.StringField())  # the sms replies applied (their reply ids): each counts once

    meta = {
        "collection": "meeting_attendance",
        "indexes": [
            {"fields": ["tenant", "meeting_id", "account_id"], "unique": True},
            ("tenant", "meeting_id", "id"),
            # "my meetings", paged by (ends_at, id) with one range only; also a person's rows by account
            ("tenant", "account_id", "ends_at", "id"),
            ("tenant", "org_path", "starts_at"),
        ],
    }


def ensure_indexes() -> None:
    for model in (Meeting, Attendance):
        model.ensure_indexes()


def _now() -> dt.datetime:
    return utcnow()


# -- invitees -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    account_id: str
    display_name: str
    source: str


def org_members(org: Org, meeting_type: str) -> list[Invitee]:
    """Active members: a branch's own and its groups'; of any other org, its own. A committee meeting
    invites only those holding committee roles there (the rule: rules.invited_as)."""
    query = Membership.in_tenant(org.tenant).filter(status__in=list(pipeline.ACTIVE))
    if org.type == tree_rules.BRANCH and meeting_type != rules.COMMITTEE_MEETING:
        query = query.filter(org_path=org.id)  # a branch's subtree is itself and its groups
    else:
        query = query.filter(org_id=org.id)
    rows = query.only("account_id", "display_name", "org_id", "org_path", "roles").limit(MAX_ROSTER + 1)
    # roles are checked here (no index holds them with the org), by the rule the worker applies later
    return [
        Invitee(m.account_id, m.display_name, rules.MEMBER)
        for m in rows
        if rules.invited_as(org.id, org.type, meeting_type, rules.Standing(m.org_id, tuple(m.org_path), tuple(m.roles)))
    ]


# Where invitees come from. Each source returns the invitees it knows for (org, meeting type); the
# roster is their union (the first source naming an account wins). After scheduling, orgs' worker keeps
# the rosters of meetings not yet started in step with the same rule (follow_members below).
def hosted_mobile_members(org: Org, meeting_type: str) -> list[Invitee]:
    """Mobile members the org hosts (流入党员) join its org life, though not its committee meetings."""
    if meeting_type == rules.COMMITTEE_MEETING:
        return []
    ids = mobile.hosted_members(org.id, subtree=org.type == tree_rules.BRANCH, tenant=org.tenant)
    if not ids:
        return []
    people = Membership.in_tenant(org.tenant).filter(account_id__in=ids).only("account_id", "display_name", "status")
    return [Invitee(m.account_id, m.display_name, rules.HOSTED_MOBILE) for m in people if m.status in pipeline.ACTIVE]


INVITEE_SOURCES: list[Callable[[Org, str], list[Invitee]]] = [org_members, hosted_mobile_members]


def invitees(org: Org, meeting_type: str) -> list[Invitee]:
    found: dict[str, Invitee] = {}
    for source in INVITEE_SOURCES:
        for invitee in source(org, meeting_type):
            found.setdefault(invitee.account_id, invitee)
    if len(found) > MAX_ROSTER:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_roster_too_large", "org_id", limit=MAX_ROSTER)
    return list(found.values())


# -- lookups ------------------------------------------------------------------------------------------


def get(meeting_id: str) -> Meeting:
    tenant = context.current().tenant
    try:
        found = Meeting.in_tenant(tenant).filter(id=ObjectId(meeting_id)).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "life_meeting_not_found", "meeting_id")
    return found


def _row(meeting: Meeting, account_id: str) -> Attendance | None:
    return Attendance.in_tenant(meeting.tenant).filter(meeting_id=str(meeting.id), account_id=account_id).first()


def _own_row(meeting: Meeting) -> Attendance:
    row = _row(meeting, access.actor().account_id)
    if row is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "life_not_invited", "meeting_id")
    return row


def _managed(meeting_id: str) -> tuple[Meeting, Org]:
    meeting = get(meeting_id)
    org = tree.get(meeting.org_id)
    access.require("member.manage", org)
    return meeting, org


def _live(meeting: Meeting) -> None:
    if meeting.status == CANCELLED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_meeting_cancelled", "meeting_id")


def _not_over(meeting: Meeting) -> None:
    _live(meeting)
    if _now() >= aware(meeting.ends_at):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_meeting_over", "meeting_id")


def is_held(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    return rules.is_held(_fact(meeting), now or _now())


def _fact(meeting: Meeting) -> rules.MeetingFact:
    return rules.MeetingFact(
        str(meeting.id),
        meeting.org_id,
        meeting.type,
        aware(meeting.starts_at),
        meeting.status == CANCELLED,
        bool(meeting.minutes),
        meeting.present_count,
    )


# -- scheduling ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """What an organizer asks for: one meeting, or a series when recurrence is given."""

    org_id: str
    type: str
    title: str
    agenda: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    online_url: str
    recurrence: rules.Recurrence | None = None
    sms_invite: bool = False


def _insert_many(uow: UnitOfWork, docs: list[TenantDocument]) -> None:
    """One round trip for many documents of one kind, in the unit of work's transaction."""
    if not docs:
        return
    for doc in docs:
        if doc.tenant != uow.tenant:
            raise ValueError("a unit of work writes one tenant's documents only")
        doc.validate()
    docs[0]._get_collection().insert_many([d.to_mongo() for d in docs], session=uow.session)


def schedule(request: Schedule) -> list[Meeting]:
    org = tree.get(request.org_id)
    if org.dissolved:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", "org_id")
    access.require("member.manage", org)
    now = _now()
    meeting_type = rules.check_type(request.type, org.type)
    title = rules.check_text(request.title, rules.TITLE_MAX, "title", required=True)
    agenda = rules.check_text(request.agenda, rules.AGENDA_MAX, "agenda")
    place, online_url = rules.check_venue(request.place, request.online_url)
    rules.check_times(request.starts_at, request.ends_at, now)
    times = rules.expand(request.starts_at, request.ends_at, request.recurrence)
    roster = invitees(org, meeting_type)
    who = access.actor().account_id
    series_id = str(ObjectId()) if request.recurrence else ""
    meetings = [
        Meeting(
            id=ObjectId(),
            tenant=org.tenant,
            org_id=org.id,
            org_path=list(org.path),
            org_type=org.type,
            type=meeting_type,
            title=title,
            agenda=agenda,
            starts_at=starts,
            ends_at=ends,
            place=place,
            online_url=online_url,
            sms_invite=request.sms_invite,
            series_id=series_id,
            status=SCHEDULED,
            code=f"{secrets.randbelow(10**rules.CODE_LENGTH):0{rules.CODE_LENGTH}d}",
            invitee_count=len(roster),
            created_by=who,
            created_at=now,
        )
        for starts, ends in times
    ]
    rows = [
        Attendance(
            tenant=org.tenant,
            meeting_id=str(m.id),
            account_id=i.account_id,
            display_name=i.display_name,
            source=i.source,
            org_id=org.id,
            org_path=list(org.path),
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            status=rules.INVITED,
        )
        for m in meetings
        for i in roster
    ]
    account_ids = [i.account_id for i in roster]

    def write(uow: UnitOfWork) -> None:
        _insert_many(uow, meetings)
        _insert_many(uow, rows)
        for m in meetings:
            data = {
                "meeting_id": str(m.id),
                "org_id": org.id,
                "type": meeting_type,
                "series_id": series_id,
                "title": title,
                "place": place,
                "online": bool(online_url),
                "sms_invite": request.sms_invite,
                "starts_at": m.starts_at.isoformat(),
                "ends_at": m.ends_at.isoformat(),
                "invitee_count": len(account_ids),
                "invitee_account_ids": account_ids,
            }
            uow.emit(events.SOURCE, events.MEETING_SCHEDULED, data, who)

    atomically(org.tenant, write)
    return meetings


def cancel(meeting_id: str, reason: str, following: bool) -> list[Meeting]:
    """Cancel a meeting (and, with following, the later meetings of its series); a cancelled one stays so."""
    meeting, org = _managed(meeting_id)
    reason = rules.check_text(reason, rules.REASON_MAX, "reason")
    if meeting.status == CANCELLED and not following:
        return [meeting]
    if meeting.status != CANCELLED:
        _not_over(meeting)
    targets = [meeting]
    if following and meeting.series_id:
        # ends and status checked here: the series index holds the series and the start only
        now = _now()
        targets = [
            m
            for m in Meeting.in_tenant(meeting.tenant).filter(
                series_id=meeting.series_id, starts_at__gte=meeting.starts_at
            )
            if m.status == SCHEDULED and aware(m.ends_at) > now
        ]
    who = access.actor().account_id

    def write(uow: UnitOfWork) -> None:
        for m in targets:
            # The status guard makes a repeated or concurrent cancel a no-op, not a second event.
            if uow.update_one(
                Meeting, {"_id": m.id, "status": SCHEDULED}, {"$set": {"status": CANCELLED, "cancel_reason": reason}}
            ):
                data = {
                    "meeting_id": str(m.id),
                    "org_id": org.id,
                    "type": m.type,
                    "starts_at": aware(m.starts_at).isoformat(),
                    "reason": reason,
                }
                uow.emit(events.SOURCE, events.MEETING_CANCELLED, data, who)

    atomically(meeting.tenant, write)
    ids = [m.id for m in targets]
    return list(Meeting.in_tenant(meeting.tenant).filter(id__in=ids).order_by("starts_at"))


def record_minutes(meeting_id: str, minutes: str, attachments: list[str]) -> Meeting:
    meeting, _ = _managed(meeting_id)
    _live(meeting)
    if _now() < aware(meeting.starts_at):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_meeting_not_started", "meeting_id")
    minutes = rules.check_text(minutes, rules.MINUTES_MAX, "minutes", required=True)
    media_ids = rules.check_attachments(attachments)
    who = access.actor().account_id
    Meeting.in_tenant(meeting.tenant).filter(id=meeting.id).update_one(
        set__minutes=minutes, set__attachments=media_ids, set__minutes_by=who, set__minutes_at=_now()
    )
    return get(meeting_id)


def reveal_code(meeting_id: str) -> tuple[str, dt.datetime, dt.datetime]:
    """The on-site check-in code and when it is accepted: for the organizers to show in the room."""
    meeting, _ = _managed(meeting_id)
    _live(meeting)
    opens, closes = rules.check_in_window(aware(meeting.starts_at), aware(meeting.ends_at))
    return meeting.code, opens, closes


# -- reading ------------------------------------------------------------------------------------------


def read(meeting_id: str) -> tuple[Meeting, Attendance | None]:
    """A meeting and the caller's own roster row: for its invitees and those who may read the org."""
    meeting = get(meeting_id)
    mine = _row(meeting, access.actor().account_id)
    if mine is None:
        access.require("member.read", tree.get(meeting.org_id))
    return meeting, mine


def list_org_meetings(org_id: str, page_size: int, cursor: str) -> tuple[list[Meeting], str]:
    org = tree.get(org_id)
    access.require("member.read", org)
    return page(Meeting.in_tenant(org.tenant).filter(org_id=org.id), page_size, cursor)


def my_meetings(upcoming: bool, page_size: int, cursor: str) -> tuple[list[tuple[Meeting, Attendance]], str]:
    """The caller's invitations in the order the meetings end; upcoming keeps those not yet over.

    Paged by (ends_at, id) so the query holds one range (ends_at) on the (account, ends_at, id) index.
    Two round trips a page."""
    tenant = context.current().tenant
    query = Attendance.in_tenant(tenant).filter(account_id=access.actor().account_id)
    rows, next_cursor = page_by_time(query, "ends_at", page_size, cursor, after=_now() if upcoming else None)
    by_id = {str(m.id): m for m in Meeting.in_tenant(tenant).filter(id__in=[ObjectId(r.meeting_id) for r in rows])}
    return [(by_id[r.meeting_id], r) for r in rows if r.meeting_id in by_id], next_cursor


def roster(meeting_id: str, page_size: int, cursor: str) -> tuple[Meeting, list[Attendance], str]:
    meeting = get(meeting_id)
    access.require("member.read", tree.get(meeting.org_id))
    rows, next_cursor = page(Attendance.in_tenant(meeting.tenant).filter(meeting_id=str(meeting.id)), page_size, cursor)
    return meeting, rows, next_cursor


def member_invitations(
    tenant: str, account_id: str, since: dt.datetime, until: dt.datetime
) -> list[dossier.Invitation]:
    """A member's roster rows of the meetings that ended in [since, until], with those meetings (for the
    transfer dossier). One indexed query for the rows (account + ends_at), one per 100 of their meetings."""
    rows = list(
        Attendance._get_collection().find(
            {"tenant": tenant, "account_id": account_id, "ends_at": {"$gte": since, "$lte": until}},
            {"meeting_id": 1, "ends_at": 1, "status": 1},
        )
    )
    ids = list(dict.fromkeys(ObjectId(r["meeting_id"]) for r in rows))
    facts: dict[str, rules.MeetingFact] = {}
    fields = {"org_id": 1, "type": 1, "starts_at": 1, "status": 1, "minutes_at": 1, "present_count": 1}
    for start in range(0, len(ids), _IN_CHUNK):
        # minutes_at, not the minutes themselves: it is set with them, and minutes run to 20,000 characters
        for m in Meeting._get_collection().find(
            {"tenant": tenant, "_id": {"$in": ids[start : start + _IN_CHUNK]}}, fields
        ):
            facts[str(m["_id"])] = rules.MeetingFact(
                str(m["_id"]),
                m["org_id"],
                m["type"],
                aware(m["starts_at"]),
                m["status"] == CANCELLED,
                m.get("minutes_at") is not None,
                m.get("present_count", 0),
            )
    return [
        dossier.Invitation(facts[r["meeting_id"]], aware(r["ends_at"]), r["status"])
        for r in rows
        if r["meeting_id"] in facts
    ]


def effective_status(meeting: Meeting, row: Attendance, now: dt.datetime | None = None) -> str:
    return rules.effective_status(row.status, aware(meeting.ends_at), now or _now())


# -- the invitee's answers and the organizer's decisions ----------------------------------------------


def _move(row: Attendance, action: str, changes: dict, reply_id: str = "") -> Attendance:
    """Apply one step of an attendance, guarded by the status it starts from (a race loses cleanly); with
    the reply_id of an answer by text message, at most once for that reply."""
    to = rules.step(row.status, action)
    allowed, _ = rules.STEPS[action]
    query: dict = {"_id": row.id, "status": {"$in": sorted(allowed)}}
    update: dict = {"$set": {"status": to, **changes}}
    if reply_id:
        query["sms_replies"] = {"$ne": reply_id}
        update["$push"] = {"sms_replies": reply_id}
    changed = atomically(row.tenant, lambda uow: uow.update_one(Attendance, query, update))
    fresh = Attendance.in_tenant(row.tenant).filter(id=row.id).first()
    if fresh is None:  # withdrawn from the roster meanwhile (rosters follow membership)
        raise DomainError(ErrorCode.NOT_FOUND, "life_invitee_not_found", "account_id")
    if not changed and not (reply_id and reply_id in fresh.sms_replies):
        rules.step(fresh.status, action)  # raises with the status it really had
    return fresh


def rsvp(meeting_id: str, attending: bool) -> tuple[Meeting, Attendance]:
    meeting = get(meeting_id)
    row = _own_row(meeting)
    _not_over(meeting)
    action = rules.RSVP_YES if attending else rules.RSVP_NO
    return meeting, _move(row, action, {"answered_at": _now()})


def request_leave(meeting_id: str, reason: str) -> tuple[Meeting, Attendance]:
    meeting = get(meeting_id)
    row = _own_row(meeting)
    _not_over(meeting)
    reason = rules.check_text(reason, rules.REASON_MAX, "reason", required=True)
    changes = {"answered_at": _now(), "leave_reason": reason, "leave_decided_by": "", "leave_note": ""}
    return meeting, _move(row, rules.REQUEST_LEAVE, changes)


def answer_by_reply(tenant: str, meeting_id: str, account_id: str, choice: str, reason: str, reply_id: str) -> bool:
    """An invitee's answer to an invitation by text message (the sms service's reply_received; no actor, the
    phone's account answers for itself): choice "1" is an RSVP yes, "2" a leave request with reason.

    True when the roster row changed now. False, logged, when the answer cannot count: no account, an
    unknown choice, no such meeting, not on its roster, the meeting cancelled or over, a step the row's
    status does not allow (present, on leave), or this reply already applied (a redelivery changes nothing,
    even after the invitee answered otherwise since)."""
    action = rules.sms_step(choice)
    outcome = {"meeting_id": meeting_id, "account_id": account_id, "choice": choice, "reply_id": reply_id}
    if not account_id or not action:
        log.info("sms reply ignored: no account or no known choice", extra=outcome)
        return False
    try:
        meeting = Meeting.in_tenant(tenant).filter(id=ObjectId(meeting_id)).first()
    except (InvalidId, TypeError):
        meeting = None
    row = _row(meeting, account_id) if meeting is not None else None
    if meeting is None or row is None:
        log.info("sms reply ignored: no such meeting or not on its roster", extra=outcome)
        return False
    if reply_id and reply_id in row.sms_replies:
        log.info("sms reply ignored: already applied", extra=outcome)
        return False
    if meeting.status == CANCELLED or _now() >= aware(meeting.ends_at):
        log.info("sms reply ignored: the meeting is cancelled or over", extra=outcome)
        return False
    changes: dict = {"answered_at": _now()}
    if action == rules.REQUEST_LEAVE:
        reason = (reason or "").strip()[: rules.REASON_MAX] or rules.SMS_LEAVE_REASON
        changes |= {"leave_reason": reason, "leave_decided_by": "", "leave_note": ""}
    try:
        fresh = _move(row, action, changes, reply_id)
    except DomainError:
        log.info("sms reply ignored: the status does not allow it", extra={**outcome, "status": row.status})
        return False
    return not reply_id or reply_id in fresh.sms_replies


def decide_leave(meeting_id: str, account_id: str, approve: bool, note: str) -> tuple[Meeting, Attendance]:
    meeting, _ = _managed(meeting_id)
    _live(meeting)
    who = access.actor().account_id
    if account_id == who:  # an organizer's own leave is decided by someone above them
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_leave_own", "account_id")
    row = _row(meeting, account_id) if account_id else None
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "life_invitee_not_found", "account_id")
    note = rules.check_text(note, rules.REASON_MAX, "note")
    action = rules.APPROVE_LEAVE if approve else rules.REJECT_LEAVE
    return meeting, _move(row, action, {"leave_decided_by": who, "leave_note": note})


# -- presence -----------------------------------------------------------------------------------------

_PRESENCE_TURNS = Turns()


def record_presence(
    meeting: Meeting, row: Attendance, method: str, at: dt.datetime | None = None
) -> tuple[Meeting, Attendance]:
    """Mark an invitee present (once: a second check-in changes nothing) and announce it; `at` is when they
    came (now unless another service saw it earlier)."""
    if method not in rules.METHODS:
        raise ValueError(f"unknown check-in method {method!r}")
    rules.step(row.status, rules.CHECK_IN)

    def write(uow: UnitOfWork) -> None:
        first = uow.update_one(
            Attendance,
            {"_id": row.id, "status": {"$ne": rules.PRESENT}},
            {"$set": {"status": rules.PRESENT, "method": method, "checked_in_at": at or _now()}},
        )
        if first:
            uow.update_one(Meeting, {"_id": meeting.id}, {"$inc": {"present_count": 1}})
            data = {"meeting_id": str(meeting.id), "account_id": row.account_id, "method": method}
            uow.emit(events.SOURCE, events.ATTENDANCE_RECORDED, data, row.account_id)

    if row.status == rules.PRESENT:
        return meeting, row
    with _PRESENCE_TURNS.of(f"{row.tenant}:{meeting.id}"):  # a room checking in at once: one count to raise
        atomically(row.tenant, write)
    return get(str(meeting.id)), Attendance.in_tenant(row.tenant).filter(id=row.id).first()


def check_in(meeting_id: str, code: str) -> tuple[Meeting, Attendance]:
    """On site: the invitee types the code the organizer shows, while the meeting's window is open."""
    meeting = get(meeting_id)
    row = _own_row(meeting)
    _live(meeting)
    code = rules.check_code_format(code)
    rules.check_window(aware(meeting.starts_at), aware(meeting.ends_at), _now())
    if row.code_failures >= rules.MAX_CODE_FAILURES:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_code_locked", "code")
    if not hmac.compare_digest(code, meeting.code):
        Attendance.in_tenant(row.tenant).filter(id=row.id).update_one(inc__code_failures=1)
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "life_code_wrong", "code")
    return record_presence(meeting, row, rules.CODE)


def join_online(meeting_id: str) -> tuple[Meeting, Attendance]:
    """Online: joining the meeting's room counts as presence (the media service calls this for the user)."""
    meeting = get(meeting_id)
    row = _own_row(meeting)
    _live(meeting)
    if not meeting.online_url:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_meeting_not_online", "meeting_id")
    rules.check_window(aware(meeting.starts_at), aware(meeting.ends_at), _now())
    return record_presence(meeting, row, rules.ONLINE)


def _present_from_event(
    tenant: str, meeting_id: str, account_id: str, at: dt.datetime, method: str, outcome: dict, online: bool = False
) -> Attendance | None:
    """Another service saw an invitee attend at `at` (media: entered the online room; geo: checked in inside the
    geofence): present, by method, checked in at `at` — if the account is on the roster and not present yet,
    the meeting not cancelled (and online, for `online`), and `at` inside its check-in window. No actor: that
    service asked orgs (GetMeeting as the invitee) before its event. The attendance row after recording, or
    None (logged) when the event cannot count; a redelivery changes nothing."""
    try:
        meeting = Meeting.in_tenant(tenant).filter(id=ObjectId(meeting_id)).first()
    except (InvalidId, TypeError):
        meeting = None
    row = _row(meeting, account_id) if meeting is not None and account_id else None
    if meeting is None or row is None:
        log.info(f"{method} presence ignored: no such meeting or not on its roster", extra=outcome)
        return None
    if row.status == rules.PRESENT:
        log.info(f"{method} presence ignored: already present", extra={**outcome, "method": row.method})
        return None
    if meeting.status == CANCELLED or (online and not meeting.online_url):
        log.info(f"{method} presence ignored: the meeting is cancelled or not online", extra=outcome)
        return None
    at = aware(at)
    opens, closes = rules.check_in_window(aware(meeting.starts_at), aware(meeting.ends_at))
    if not opens <= at <= closes:
        log.info(f"{method} presence ignored: outside the check-in window", extra={**outcome, "at": at.isoformat()})
        return None
    return record_presence(meeting, row, method, at=at)[1]


def record_room_joined(tenant: str, meeting_id: str, account_id: str, joined_at: dt.datetime) -> bool:
    """Media saw an invitee enter the meeting's online room at joined_at (its `meeting_room_joined`): present,
    method online (_present_from_event). True when presence was recorded now."""
    outcome = {"meeting_id": meeting_id, "account_id": account_id}
    fresh = _present_from_event(tenant, meeting_id, account_id, joined_at, rules.ONLINE, outcome, online=True)
    return fresh is not None and fresh.status == rules.PRESENT


def record_geo_check_in(tenant: str, meeting_id: str, account_id: str, at: dt.datetime, check_in_id: str) -> bool:
    """Geo accepted an invitee's check-in inside the meeting's geofence (its `check_in_accepted`; at: when the
    device took the fix): present, method geo (_present_from_event). True when presence was recorded now by
    this check-in (not when another method counted meanwhile, a code typed at the same moment)."""
    outcome = {"meeting_id": meeting_id, "account_id": account_id, "check_in_id": check_in_id}
    fresh = _present_from_event(tenant, meeting_id, account_id, at, rules.GEO, outcome)
    return fresh is not None and fresh.status == rules.PRESENT and fresh.method == rules.GEO


# -- compliance ---------------------------------------------------------------------------------------


@dataclass
class OrgReport:
    org_id: str
    name: str
    type: str
    compliance: rules.OrgCompliance
    attendance: rules.Rate
    meetings_held: int


@dataclass
class Report:
    period: rules.Period
    as_of: dt.datetime
    orgs: list[OrgReport]
    total: rules.Rate
    members: list[tuple[str, str, rules.Rate]]  # account id, display name, rate


def compliance(org_id: str, period_text: str) -> Report:
    """Required meetings held or missed per org of the subtree, and attendance rates, for a period.

    Three indexed queries whatever the subtree's size: its orgs (path), its meetings of the period and
    their rosters (org_path + starts_at)."""
    org = tree.get(org_id)
    access.require("stats.read", org)
    return compliance_of(org, rules.parse_period(period_text))


def compliance_of(org: Org, period: rules.Period) -> Report:
    """The compliance report of org's subtree, without a permission check (compliance, and the region's
    summary for the central office: federation.region_stats)."""
    now = _now()
    start, end = period.bounds()
    tenant = org.tenant
    orgs = list(
        Org._get_collection()
        .find({"tenant": tenant, "path": org.id, "dissolved": False}, {"name": 1, "type": 1})
        .limit(MAX_REPORT_ORGS + 1)
    )
    if len(orgs) > MAX_REPORT_ORGS:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "life_report_too_large", "org_id", limit=MAX_REPORT_ORGS)
    window = {"tenant": tenant, "org_path": org.id, "starts_at": {"$gte": start, "$lt": end}}
    facts = [
        rules.MeetingFact(
            str(m["_id"]),
            m["org_id"],
            m["type"],
            aware(m["starts_at"]),
            m["status"] == CANCELLED,
            bool(m.get("minutes")),
            m.get("present_count", 0),
        )
        for m in Meeting._get_collection().find(
            window, {"org_id": 1, "type": 1, "starts_at": 1, "status": 1, "minutes": 1, "present_count": 1}
        )
    ]
    held = {f.id for f in facts if rules.is_held(f, now)}
    names: dict[str, str] = {}
    rows = []
    for a in Attendance._get_collection().find(
        window, {"meeting_id": 1, "org_id": 1, "account_id": 1, "display_name": 1, "status": 1}
    ):
        if a["meeting_id"] in held:
            rows.append((a["org_id"], a["account_id"], a["status"]))
            names.setdefault(a["account_id"], a.get("display_name", ""))
    by_member, by_org = rules.attendance_rates(rows)
    held_per_org: dict[str, int] = {}
    for f in facts:
        if f.id in held:
            held_per_org[f.org_id] = held_per_org.get(f.org_id, 0) + 1
    checked = {c.org_id: c for c in rules.compliance(((o["_id"], o["type"]) for o in orgs), facts, period, now)}
    # Orgs with a required meeting, and any other org that held meetings (a committee's own lecture).
    report_orgs = [
        OrgReport(
            o["_id"],
            o.get("name", ""),
            o["type"],
            checked[o["_id"]],
            by_org.get(o["_id"], rules.Rate()),
            held_per_org.get(o["_id"], 0),
        )
        for o in orgs
        if checked[o["_id"]].items or o["_id"] in held_per_org
    ]
    total = rules.Rate()
    for rate in by_org.values():
        total.invited += rate.invited
        total.present += rate.present
        total.on_leave += rate.on_leave
    members = sorted(((a, names.get(a, ""), r) for a, r in by_member.items()), key=lambda m: (m[2].rate, m[0]))
    return Report(period, now, report_orgs, total, members)


# -- keeping paths when the tree changes --------------------------------------------------------------


def follow_tree(tenant: str, org_id: str) -> int:
    """Give the meetings and rosters of org_id's subtree their orgs' current paths (after a move or a
    merge); idempotent. Returns how many orgs were visited."""
    visited = 0
    for node in Org._get_collection().find({"tenant": tenant, "path": org_id}, {"path": 1}):
        path = list(node["path"])
        for model in (Meeting, Attendance):
            model._get_collection().update_many({"tenant": tenant, "org_id": node["_id"]}, {"$set": {"org_path": path}})
        visited += 1
    return visited


# -- rosters follow membership ------------------------------------------------------------------------

IN_CHUNK = 100  # values per $in: SecantusDB answers a long $in slowly


def _chunks(values: list[str], size: int = IN_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def follow_members(tenant: str, account_ids: Iterable[str]) -> int:
    """Bring these people's invitations to meetings not yet started in line with where they stand now
    (rules.invited_as): invited where they now belong, withdrawn where they no longer do.

    Meetings already started and rows already present are never touched. It reads the current state, so
    a repeated or late event changes nothing. Returns how many invitations were added or withdrawn."""
    ids = list(dict.fromkeys(a for a in account_ids if a))
    return sum(_follow_until_settled(tenant, chunk) for chunk in _chunks(ids))


FOLLOW_ROUNDS = 5


def _follow_until_settled(tenant: str, account_ids: list[str]) -> int:
    """_follow, then read the standings again and follow whoever changed meanwhile: handlers of different
    events run concurrently, and one that read a standing before a change may write after the handler of
    that change has finished; the re-read catches it, so the rows end as the latest standing says."""
    changed = 0
    for _ in range(FOLLOW_ROUNDS):
        used = _standings(tenant, account_ids)
        changed += _follow(tenant, account_ids, used)
        now = _standings(tenant, account_ids)
        account_ids = [a for a in account_ids if now[a] != used[a]]
        if not account_ids:
            break
    return changed


def _standings(tenant: str, account_ids: list[str]) -> dict[str, tuple[rules.Standing, str]]:
    """Each account's standing for org life and display name: their memberships, then their mobile periods."""
    found = Membership._get_collection().find(
        {"tenant": tenant, "account_id": {"$in": account_ids}},
        {"account_id": 1, "display_name": 1, "org_id": 1, "org_path": 1, "status": 1, "roles": 1},
    )
    memberships = {m["account_id"]: m for m in found}
    hosted = {
        r["account_id"]: r
        for r in mobile.MobileRegistration._get_collection().find(
            {"tenant": tenant, "account_id": {"$in": account_ids}},
            {"account_id": 1, "state": 1, "host_org_id": 1, "host_org_path": 1, "from_region": 1, "display_name": 1},
        )
        if r["state"] == mobile_rules.HOSTED  # checked here: the index holds the account only
    }
    standings = {}
    for account_id in account_ids:
        m = memberships.get(account_id)
        visitor = hosted.get(account_id, {})
        if m is None and visitor.get("from_region"):  # hosted from another region: no membership here
            standing = rules.Standing(host_org_id=visitor["host_org_id"], host_path=tuple(visitor["host_org_path"]))
            standings[account_id] = (standing, visitor.get("display_name", ""))
            continue
        if m is None or m["status"] not in pipeline.ACTIVE:  # left, deceased, suspended: invited nowhere
            standings[account_id] = (rules.Standing(), "")
            continue
        host = hosted.get(account_id, {})
        standing = rules.Standing(
            m["org_id"],
            tuple(m.get("org_path") or ()),
            tuple(m.get("roles") or ()),
            host.get("host_org_id", ""),
            tuple(host.get("host_org_path") or ()),
        )
        standings[account_id] = (standing, m.get("display_name", ""))
    return standings


def _inviting_orgs(tenant: str, standings: Iterable[rules.Standing]) -> dict[rules.Standing, list[str]]:
    """The orgs whose meetings may invite each standing: home and host, and the branches above either."""
    standings = list(standings)
    on_paths = sorted({o for s in standings for o in (*s.home_path, *s.host_path)})
    branches = set()
    for chunk in _chunks(on_paths):
        found = Org._get_collection().find({"tenant": tenant, "_id": {"$in": chunk}}, {"type": 1})
        branches |= {o["_id"] for o in found if o["type"] == tree_rules.BRANCH}
    return {
        s: sorted({s.home_org_id, s.host_org_id, *(o for o in (*s.home_path, *s.host_path) if o in branches)} - {""})
        for s in standings
    }


def _follow(tenant: str, account_ids: list[str], standings: dict[str, tuple[rules.Standing, str]]) -> int:
    now = _now()
    # Their roster rows of meetings not yet started (the start is checked here: the $in is the query's range).
    # Read before the meetings: a meeting scheduled meanwhile then shows up at worst with rows unseen (the
    # upsert below leaves them be), never rows without their meeting (which would look like leftovers).
    rows = {
        (r["account_id"], r["meeting_id"]): r
        for r in Attendance._get_collection().find(
            {"tenant": tenant, "account_id": {"$in": account_ids}},
            {"account_id": 1, "meeting_id": 1, "starts_at": 1, "status": 1},
        )
        if aware(r["starts_at"]) > now
    }
    orgs_of = _inviting_orgs(tenant, {s for s, _ in standings.values()})
    fields = {"org_id": 1, "org_path": 1, "org_type": 1, "type": 1, "status": 1, "starts_at": 1, "ends_at": 1}
    upcoming = {
        org_id: list(
            Meeting._get_collection().find({"tenant": tenant, "org_id": org_id, "starts_at": {"$gt": now}}, fields)
        )
        for org_id in sorted({o for orgs in orgs_of.values() for o in orgs})
    }
    wanted: set[tuple[str, str]] = set()
    adds: list[dict] = []
    for account_id, (standing, name) in standings.items():
        for org_id in orgs_of[standing]:
            for m in upcoming[org_id]:
                source = rules.invited_as(m["org_id"], m["org_type"], m["type"], standing)
                if not source:
                    continue
                key = (account_id, str(m["_id"]))
                wanted.add(key)
                if key not in rows and m["status"] == SCHEDULED:  # a cancelled meeting invites no one new
                    adds.append(_invitation(tenant, m, account_id, name, source))
    # Withdrawn: invitations no source gives any more, unless the person is already checked in.
    removes = [r for key, r in rows.items() if key not in wanted and r["status"] != rules.PRESENT]
    if not adds and not removes:
        return 0
    return atomically(tenant, lambda uow: _write_invitations(uow, adds, removes))


def _invitation(tenant: str, meeting: dict, account_id: str, name: str, source: str) -> dict:
    row = Attendance(
        tenant=tenant,
        meeting_id=str(meeting["_id"]),
        account_id=account_id,
        display_name=name,
        source=source,
        org_id=meeting["org_id"],
        org_path=list(meeting.get("org_path") or ()),
        starts_at=meeting["starts_at"],
        ends_at=meeting["ends_at"],
        status=rules.INVITED,
    )
    row.validate()
    return row.to_mongo().to_dict()


def _write_invitations(uow: UnitOfWork, adds: list[dict], removes: list[dict]) -> int:
    """Insert the new rows (an upsert: one already there stays as it is) and delete the withdrawn ones
    (unless checked in meanwhile); meetings' invitee counts follow what really changed."""
    rows = Attendance._get_collection()
    delta: Counter[str] = Counter()
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    if adds:
        key_fields = ("tenant", "meeting_id", "account_id")
        upserts = [
            UpdateOne(
                {k: row[k] for k in key_fields},
                {"$setOnInsert": {k: v for k, v in row.items() if k not in key_fields}},
                upsert=True,
            )
            for row in adds
        ]
        result = rows.bulk_write(upserts, ordered=True, session=uow.session)
        for index in result.upserted_ids:
            row = adds[index]
            delta[row["meeting_id"]] += 1
            added.setdefault(row["account_id"], []).append(row["meeting_id"])
    for row in removes:
        query = {"_id": row["_id"], "tenant": uow.tenant, "status": {"$ne": rules.PRESENT}}
        if rows.delete_one(query, session=uow.session).deleted_count:
            delta[row["meeting_id"]] -= 1
            removed.setdefault(row["account_id"], []).append(row["meeting_id"])
    counts = [
        UpdateOne({"_id": ObjectId(meeting_id), "tenant": uow.tenant}, {"$inc": {"invitee_count": n}})
        for meeting_id, n in sorted(delta.items())
        if n
    ]
    if counts:
        Meeting._get_collection().bulk_write(counts, ordered=True, session=uow.session)
    for account_id in sorted({*added, *removed}):
        data = {"account_id": account_id, "added": added.get(account_id, []), "removed": removed.get(account_id, [])}
        uow.emit(events.SOURCE, events.INVITATIONS_CHANGED, data)
    return sum(len(v) for v in added.values()) + sum(len(v) for v in removed.values())
