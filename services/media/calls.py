"""Calls: WebRTC rooms (video and voice calls, online meetings), who is in them, and their signaling.

A room is ad hoc (its creator and the accounts invited) or an org meeting's (one per meeting, its id
"m<meeting id>", created by whoever asks first). Who may enter a meeting's room is orgs' decision: media asks
orgs' OrgLifeService.GetMeeting as the caller (the caller's token forwarded), so an invitee, or someone who
may read the meeting's org, may enter; the meeting must be online, not cancelled, within its check-in window.

Participants are rows of their own ("<room id>:<account id>"), counted on the room: a join is one
transaction that raises the count only while below MAX_PARTICIPANTS and inserts the row (a second join of the
same person is the same answer, not a second seat, and renews the seat's `seen_at`). The gateway renews its
sockets' seats every SEAT_REFRESH; a seat not renewed for SEAT_STALE (its gateway died with the socket open)
is freed when someone next enters the room, so a crashed gateway cannot keep a room full. Joining a meeting's
room as an invitee emits `meeting_room_joined` in that transaction; orgs' worker records the presence (method
online, at joined_at).

Signals (offer, answer, candidate, bye) are checked here — sender and recipient are both in the room now, the
kind is known, the payload within its kind's limit — and announced transiently (signals.py), as are the
arrivals and departures of participants; the gateways deliver them to the sockets that joined the room.
A socket that closes leaves its rooms (the gateway calls LeaveRoom). Nothing of a signal is stored.

ICE servers: the region's STUN/TURN urls (TURN_URLS) with coturn REST-API credentials computed from
TURN_SECRET for the caller, valid TURN_TTL_SECONDS (domain/calls.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

import grpc
import mongoengine as me
from pymongo.errors import DuplicateKeyError

from jiceng.orgs.v1 import life_pb2, life_pb2_grpc
from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.media import access, events
from services.media.domain import calls as rules
from services.media.signals import Announcer

log = logging.getLogger(__name__)

MEETING_ROOM_PREFIX = "m"
ORGS_TIMEOUT = 5.0


class CallRoom(TenantDocument):
    id = me.StringField(primary_key=True)  # uuid hex (ad hoc), "m<meeting id>" (a meeting's)
    kind = me.StringField(required=True, choices=(rules.ADHOC, rules.MEETING))
    meeting_id = me.StringField(default="")
    org_id = me.StringField(default="")
    created_by = me.StringField(required=True)
    invited = me.ListField(me.StringField())
    media = me.StringField(default=rules.VIDEO, choices=rules.MEDIA_KINDS)
    size = me.IntField(default=0)  # participants now: raised only below MAX_PARTICIPANTS
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "call_rooms"}


class CallParticipant(TenantDocument):
    id = me.StringField(primary_key=True)  # "<room id>:<account id>": one seat per person
    room_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    joined_at = me.DateTimeField(required=True)
    seen_at = me.DateTimeField(required=True)  # renewed by joining again; a seat not renewed goes stale

    meta = {"collection": "call_participants", "indexes": [("tenant", "room_id", "joined_at")]}


DOCUMENTS = (CallRoom, CallParticipant)


@dataclass(frozen=True)
class Settings:
    urls: list[str]
    secret: str
    ttl_seconds: int


_settings = Settings([], "", 3600)
_orgs: life_pb2_grpc.OrgLifeServiceStub | None = None
_announcer: Announcer | None = None


def configure(config) -> None:
    """At start-up: orgs' address, the broker for announcements, the TURN settings."""
    global _settings, _orgs, _announcer
    _settings = Settings(rules.parse_urls(config.turn_urls), config.turn_secret, config.turn_ttl_seconds)
    if _settings.secret:
        rules.turn_credentials(_settings.secret, "check", time.time(), _settings.ttl_seconds)  # TTL in range
    _orgs = life_pb2_grpc.OrgLifeServiceStub(grpc.insecure_channel(config.orgs_addr))
    _announcer = Announcer(config.amqp_uri)


def _announce(event_type: str, data: dict, required: bool = False) -> None:
    """Publish a transient announcement. Only a signal is `required` (its sender hears UNAVAILABLE when the
    broker is away); arrivals, departures and invitations follow a write that already happened, so a lost one
    is logged, not raised: the room's participants are always readable (GetRoom)."""
    if _announcer is None:
        raise RuntimeError("calls.configure was not called")
    try:
        _announcer.publish(event_type, data, access.actor().account_id)
    except DomainError:
        if required:
            raise
        log.warning("call announcement lost", extra={"type": event_type, "room_id": data.get("room_id")})


# -- rooms ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    meeting_id: str
    org_id: str
    invited: bool  # the caller is on its roster


def _meeting(meeting_id: str) -> MeetingFacts:
    """The meeting as orgs shows it to the caller (NOT_FOUND or PERMISSION_DENIED come from orgs), open now."""
    if _orgs is None:
        raise RuntimeError("calls.configure was not called")
    if not meeting_id or len(meeting_id) > 64:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_meeting_id_invalid", "meeting_id")
    detail = context.call_as_caller(_orgs.GetMeeting, life_pb2.GetMeetingRequest(meeting_id=meeting_id), ORGS_TIMEOUT)
    m = detail.meeting
    rules.check_meeting_open(
        m.status == "cancelled",
        bool(m.online_url),
        m.starts_at.ToDatetime(tzinfo=dt.UTC),
        m.ends_at.ToDatetime(tzinfo=dt.UTC),
        utcnow(),
    )
    return MeetingFacts(m.id, m.org_id, detail.has_mine)


def create_room(invited_ids: list[str], meeting_id: str, media: str) -> CallRoom:
    me_ = access.actor().account_id
    tenant = access.tenant()
    media = rules.check_media(media)
    if meeting_id:
        if invited_ids:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_room_kind_ambiguous", "invited_ids")
        meeting = _meeting(meeting_id)
        room = CallRoom(
            id=MEETING_ROOM_PREFIX + meeting.meeting_id,
            tenant=tenant,
            kind=rules.MEETING,
            meeting_id=meeting.meeting_id,
            org_id=meeting.org_id,
            created_by=me_,
            media=rules.VIDEO,
            created_at=utcnow(),
        )
        try:
            room.save(force_insert=True)
        except me.NotUniqueError:  # the meeting's room exists: the same room for everyone
            pass
        return _get(room.id)
    invited = rules.check_invited(list(invited_ids), me_)
    room = CallRoom(
        id=uuid.uuid4().hex,
        tenant=tenant,
        kind=rules.ADHOC,
        created_by=me_,
        invited=invited,
        media=media,
        created_at=utcnow(),
    )
    room.save(force_insert=True)
    _announce(events.CALL_INVITED, {"room_id": room.id, "from_account_id": me_, "account_ids": invited, "media": media})
    return room


def _get(room_id: str) -> CallRoom:
    room = CallRoom.in_tenant(access.tenant()).filter(id=room_id).first() if room_id and len(room_id) <= 64 else None
    if room is None:
        raise DomainError(ErrorCode.NOT_FOUND, "call_room_not_found", "room_id")
    return room


def _admitted(room_id: str) -> tuple[CallRoom, MeetingFacts | None]:
    """The room if the caller may enter it (one they may not is NOT_FOUND, like a missing one)."""
    room = _get(room_id)
    if room.kind == rules.MEETING:
        return room, _meeting(room.meeting_id)
    if access.actor().account_id not in (room.created_by, *room.invited):
        raise DomainError(ErrorCode.NOT_FOUND, "call_room_not_found", "room_id")
    return room, None


def participants(room: CallRoom) -> list[CallParticipant]:
    return list(CallParticipant.in_tenant(room.tenant).filter(room_id=room.id).order_by("joined_at"))


def get_room(room_id: str) -> tuple[CallRoom, list[CallParticipant]]:
    room, _ = _admitted(room_id)
    return room, participants(room)


def _seat(room_id: str, account_id: str) -> str:
    return f"{room_id}:{account_id}"


def join(room_id: str) -> tuple[CallRoom, list[CallParticipant], IceOffer]:
    """Enter a room, or keep one's seat: a seat is renewed by joining again (the gateway does so every
    SEAT_REFRESH seconds for its sockets' rooms, without asking orgs again)."""
    me_ = access.actor().account_id
    room = _get(room_id)
    now = utcnow()
    if CallParticipant.in_tenant(room.tenant).filter(id=_seat(room.id, me_)).update_one(set__seen_at=now):
        return room, participants(room), ice_offer()
    room, meeting = _admitted(room_id)
    sweep_stale(room, now)

    def work(uow: UnitOfWork) -> None:
        counted = uow.update_one(
            CallRoom, {"_id": room.id, "size": {"$lt": rules.MAX_PARTICIPANTS}}, {"$inc": {"size": 1}}
        )
        if not counted:
            rules.check_capacity(rules.MAX_PARTICIPANTS, rejoining=False)  # raises call_room_full
        seat = CallParticipant(
            id=_seat(room.id, me_), tenant=room.tenant, room_id=room.id, account_id=me_, joined_at=now, seen_at=now
        )
        uow.insert(seat)
        if meeting is not None and meeting.invited:
            data = {"meeting_id": meeting.meeting_id, "account_id": me_, "joined_at": now.isoformat()}
            uow.emit(events.SOURCE, events.MEETING_ROOM_JOINED, data, me_)

    try:
        atomically(room.tenant, work)
    except DuplicateKeyError:  # joined at the same moment from another socket: that seat is ours
        return room, participants(room), ice_offer()
    everyone = participants(room)
    _announce(
        events.CALL_PARTICIPANT_JOINED,
        {"room_id": room.id, "account_id": me_, "participant_ids": [p.account_id for p in everyone]},
    )
    return _get(room.id), everyone, ice_offer()


def _free(room: CallRoom, account_id: str, stale_before: dt.datetime | None = None) -> bool:
    """Delete a seat (only if not renewed since stale_before, when given) and count it out of the room."""
    query = {"_id": _seat(room.id, account_id), "tenant": room.tenant}
    if stale_before is not None:
        query["seen_at"] = {"$lt": stale_before}

    def work(uow: UnitOfWork) -> int:
        gone = CallParticipant._get_collection().delete_one(query, session=uow.session).deleted_count
        if gone:
            uow.update_one(CallRoom, {"_id": room.id, "size": {"$gt": 0}}, {"$inc": {"size": -1}})
        return gone

    if not atomically(room.tenant, work):
        return False
    rest = participants(room)
    _announce(
        events.CALL_PARTICIPANT_LEFT,
        {"room_id": room.id, "account_id": account_id, "participant_ids": [p.account_id for p in rest]},
    )
    return True


def sweep_stale(room: CallRoom, now: dt.datetime) -> int:
    """Seats not renewed for SEAT_STALE (their gateway died with the socket open): freed, the others told."""
    before = now - rules.SEAT_STALE
    return sum(_free(room, p.account_id, before) for p in participants(room) if rules.is_stale(p.seen_at, now))


def leave(room_id: str) -> tuple[CallRoom, list[CallParticipant]]:
    """Leave a room: the others hear of it. A seat is given up without asking orgs (a socket leaves its rooms on
    closing even when the meeting's window closed meanwhile); leaving a room one is not in is a no-op for
    those who may enter it, NOT_FOUND for anyone else (like reading it)."""
    room = _get(room_id)
    if _free(room, access.actor().account_id):
        return _get(room.id), participants(room)
    room, _ = _admitted(room_id)
    return room, participants(room)


def signal(room_id: str, to_account_id: str, kind: str, payload: str) -> rules.Signal:
    me_ = access.actor().account_id
    checked = rules.check_signal(me_, to_account_id, kind, payload)
    room = _get(room_id)
    seats = {
        p.account_id
        for p in CallParticipant.in_tenant(room.tenant).filter(
            id__in=[_seat(room.id, me_), _seat(room.id, checked.to_account_id)]
        )
    }
    if me_ not in seats:  # someone not in the room learns nothing of it
        raise DomainError(ErrorCode.NOT_FOUND, "call_room_not_found", "room_id")
    if checked.to_account_id not in seats:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "call_recipient_not_in_room", "to_account_id")
    data = {
        "room_id": room.id,
        "from_account_id": me_,
        "to_account_id": checked.to_account_id,
        "kind": checked.kind,
        "payload": checked.payload,
    }
    _announce(events.CALL_SIGNAL, data, required=True)
    return checked


# -- ICE servers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IceOffer:
    servers: list[rules.IceServer]
    expires_at: int  # unix seconds; 0 without TURN credentials


def ice_offer() -> IceOffer:
    account_id = access.actor().account_id
    creds = None
    if _settings.secret:
        creds = rules.turn_credentials(_settings.secret, account_id, time.time(), _settings.ttl_seconds)
    return IceOffer(rules.ice_servers(_settings.urls, creds), creds.expires_at if creds else 0)
