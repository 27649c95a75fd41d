"""Live location sharing during a meeting: an invitee with consent for live sharing reports their position
from a registered device while the meeting is on (from half an hour before it starts until it ends); only the
latest point is kept, never a track, and it goes when the meeting ends (a TTL index, and the retention job).
Those sharing in a meeting see each other; its organizers see everyone sharing; both reads are audited."""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.geo import access, audits, consents, devices, meetings
from services.geo.devices import Verified
from services.geo.domain import consent as purposes


class LivePoint(TenantDocument):
    meeting_id = me.StringField(required=True)
    org_id = me.StringField(default="")
    account_id = me.StringField(required=True)
    lng = me.FloatField(required=True)  # WGS-84
    lat = me.FloatField(required=True)
    accuracy_m = me.FloatField(default=0)
    at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)  # the meeting's end

    meta = {
        "collection": "live_points",
        "indexes": [
            {"fields": ["tenant", "meeting_id", "account_id"], "unique": True},
            ("tenant", "account_id", "at"),
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            ("tenant", "expires_at"),
        ],
    }


DOCUMENTS = (LivePoint,)


def share(v: Verified, meeting_id: str) -> LivePoint:
    tenant, who = access.tenant(), access.actor().account_id
    consents.require(tenant, who, purposes.LIVE_SHARING)
    meeting = meetings.get(meeting_id, "ref")
    if not meeting.invited:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "geo_not_invited", "ref")
    if meeting.cancelled or not meeting.in_progress(v.fix.at) or not meeting.in_progress(utcnow()):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_meeting_not_on", "ref")
    fields = {
        "org_id": meeting.org_id,
        "lng": v.fix.lng,
        "lat": v.fix.lat,
        "accuracy_m": v.fix.accuracy_m,
        "at": v.fix.at,
        "expires_at": meeting.ends_at,
    }

    def write(uow: UnitOfWork) -> None:
        consents.touch(uow, who, purposes.LIVE_SHARING)
        devices.advance(uow, v)
        matched = uow.update_one(LivePoint, {"meeting_id": meeting.meeting_id, "account_id": who}, {"$set": fields})
        if not matched:
            uow.insert(LivePoint(tenant=tenant, meeting_id=meeting.meeting_id, account_id=who, **fields))

    atomically(tenant, write)
    return LivePoint.in_tenant(tenant).filter(meeting_id=meeting.meeting_id, account_id=who).first()


def listing(meeting_id: str) -> tuple[list[LivePoint], dt.datetime]:
    meeting = meetings.get(meeting_id)
    tenant, who = access.tenant(), access.actor().account_id
    now = utcnow()
    rows = [r for r in LivePoint.in_tenant(tenant).filter(meeting_id=meeting.meeting_id) if aware(r.expires_at) > now]
    sharing = any(r.account_id == who for r in rows)
    if not sharing and not access.may(access.MANAGE_MEETING, meeting.org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "geo_share_to_see", "meeting_id")
    audits.record(audits.LIVE, meeting.meeting_id, [r.account_id for r in rows])
    return rows, meeting.ends_at


def stop(meeting_id: str) -> bool:
    tenant, who = access.tenant(), access.actor().account_id
    return bool(LivePoint.in_tenant(tenant).filter(meeting_id=meeting_id, account_id=who).delete())


@consents.drops(purposes.LIVE_SHARING)
def _drop(uow: UnitOfWork, account_id: str) -> None:
    LivePoint._get_collection().delete_many({"tenant": uow.tenant, "account_id": account_id}, session=uow.session)


def drop_ended(tenant: str, now: dt.datetime) -> int:
    return LivePoint._get_collection().delete_many({"tenant": tenant, "expires_at": {"$lte": now}}).deleted_count


def mine(tenant: str, account_id: str) -> list[LivePoint]:
    return list(LivePoint.in_tenant(tenant).filter(account_id=account_id))
