"""Check-in inside a meeting's geofence (签到): organizers draw the fence (a circle, or a polygon — concave is
fine) for their meeting; an invitee checks in with a signed report from a registered device, with consent for
check-in, during the meeting's check-in window (half an hour either side), from inside the fence, with an
accuracy of 200 m or better. Accepted: geo announces `check_in_accepted` and orgs records the attendance
(method geo). A report that looks implausible (impossible speed since the device's last fix, the very same
coordinates again) is held as flagged for the organizer, who accepts or rejects it.

The point is kept with the check-in for 90 days (the organizer may need to look at a disputed one), then the
retention job reduces it to "attended"; revoking consent for check-in does so at once."""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from jiceng.geo.v1 import geo_pb2 as pb
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id, utcnow
from services.geo import access, audits, consents, devices, events, meetings
from services.geo.domain import consent as purposes
from services.geo.domain import datum as datums
from services.geo.domain import geometry, reports

ACCEPTED, FLAGGED, REJECTED = "accepted", "flagged", "rejected"


class Geofence(TenantDocument):
    meeting_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    shape = me.StringField(required=True)  # circle, polygon
    center = me.ListField(me.FloatField())  # [lng, lat] WGS-84 (circle)
    radius_m = me.FloatField(default=0)
    ring = me.ListField(me.ListField(me.FloatField()))  # [[lng, lat], …] WGS-84 (polygon, not closed)
    set_by = me.StringField(default="")
    set_at = me.DateTimeField()

    meta = {"collection": "geofences", "indexes": [{"fields": ["tenant", "meeting_id"], "unique": True}]}

    def fence(self) -> geometry.Fence:
        if self.shape == geometry.CIRCLE:
            return geometry.Circle((self.center[0], self.center[1]), self.radius_m)
        return geometry.Polygon(tuple((p[0], p[1]) for p in self.ring))


class CheckIn(TenantDocument):
    meeting_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    device_id = me.StringField(default="")
    status = me.StringField(required=True)
    flags = me.ListField(me.StringField())
    at = me.DateTimeField(required=True)  # when the device took the fix
    lng = me.FloatField(null=True)  # WGS-84; None once reduced to "attended"
    lat = me.FloatField(null=True)
    accuracy_m = me.FloatField(null=True)
    has_point = me.BooleanField(default=True)
    reviewed_by = me.StringField(default="")
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "check_ins",
        "indexes": [
            {"fields": ["tenant", "meeting_id", "account_id"], "unique": True},
            ("tenant", "account_id", "at"),  # a member's own (export, consent revoked)
            ("tenant", "has_point", "at"),  # the retention job
        ],
    }


DOCUMENTS = (Geofence, CheckIn)


# -- fences --------------------------------------------------------------------------------------------------------


def set_fence(meeting_id: str, shape: str, center, radius_m: float, ring: list, datum: str) -> Geofence:
    datum = datums.check_datum(datum)
    meeting = meetings.get(meeting_id)
    access.require(access.MANAGE_MEETING, meeting.org_id)
    if meeting.cancelled:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_meeting_cancelled", "meeting_id")
    fence = geometry.check_fence(shape, center, radius_m, ring)
    if isinstance(fence, geometry.Circle):
        fields = {"center": list(datums.to_wgs84(fence.center, datum)), "radius_m": fence.radius_m, "ring": []}
    else:
        fields = {"ring": [list(datums.to_wgs84(p, datum)) for p in fence.ring], "center": [], "radius_m": 0.0}
    Geofence.in_tenant(access.tenant()).filter(meeting_id=meeting.meeting_id).update_one(
        upsert=True,
        set__org_id=meeting.org_id,
        set__shape=shape,
        set__set_by=access.actor().account_id,
        set__set_at=utcnow(),
        **{f"set__{k}": v for k, v in fields.items()},
    )
    return _fence(meeting.meeting_id)


def _fence(meeting_id: str) -> Geofence | None:
    return Geofence.in_tenant(access.tenant()).filter(meeting_id=meeting_id).first()


def get_fence(meeting_id: str) -> Geofence:
    """The fence, for anyone orgs shows the meeting to (its invitees must know where to be)."""
    meeting = meetings.get(meeting_id)
    fence = _fence(meeting.meeting_id)
    if fence is None:
        raise DomainError(ErrorCode.NOT_FOUND, "geo_no_geofence", "meeting_id")
    return fence


# -- checking in ---------------------------------------------------------------------------------------------------


def check_in(meeting_id: str, report: pb.SignedReport) -> CheckIn:
    tenant, who = access.tenant(), access.actor().account_id
    verified = devices.verify(report, purposes.CHECK_IN, meeting_id)
    consents.require(tenant, who, purposes.CHECK_IN)
    meeting = meetings.get(meeting_id)
    if not meeting.invited:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "geo_not_invited", "meeting_id")
    if meeting.cancelled:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_meeting_cancelled", "meeting_id")
    if not meeting.check_in_open(verified.fix.at):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_check_in_closed", "report.at_ms")
    if verified.fix.accuracy_m > reports.CHECK_IN_MAX_ACCURACY_M:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION,
            "geo_accuracy_too_low",
            "report.accuracy_m",
            max=int(reports.CHECK_IN_MAX_ACCURACY_M),
        )
    fence = _fence(meeting.meeting_id)
    if fence is None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_no_geofence", "meeting_id")
    if not geometry.contains(fence.fence(), verified.point):
        away = geometry.distance_to_fence_m(fence.fence(), verified.point)
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_outside_fence", "report", distance=int(round(away)))
    existing = CheckIn.in_tenant(tenant).filter(meeting_id=meeting.meeting_id, account_id=who).first()
    if existing is not None and existing.status != REJECTED:
        return existing  # checked in already: the same answer again
    status = FLAGGED if verified.flags else ACCEPTED
    row = CheckIn(
        id=ObjectId(),
        tenant=tenant,
        meeting_id=meeting.meeting_id,
        org_id=meeting.org_id,
        account_id=who,
        device_id=verified.device.id,
        status=status,
        flags=verified.flags,
        at=verified.fix.at,
        lng=verified.fix.lng,
        lat=verified.fix.lat,
        accuracy_m=verified.fix.accuracy_m,
        created_at=utcnow(),
    )

    def write(uow: UnitOfWork) -> None:
        consents.touch(uow, who, purposes.CHECK_IN)
        devices.advance(uow, verified)
        if existing is not None:  # rejected before: this one is looked at afresh
            CheckIn._get_collection().delete_one({"_id": existing.id, "status": REJECTED}, session=uow.session)
        uow.insert(row)
        if status == ACCEPTED:
            _announce(uow, row)

    try:
        atomically(tenant, write)
    except DuplicateKeyError:  # a concurrent check-in of the same person won
        return CheckIn.in_tenant(tenant).filter(meeting_id=meeting.meeting_id, account_id=who).first()
    return row


def _announce(uow: UnitOfWork, row: CheckIn) -> None:
    data = {
        "check_in_id": str(row.id),
        "meeting_id": row.meeting_id,
        "account_id": row.account_id,
        "at": aware(row.at).isoformat(),
    }
    uow.emit(events.SOURCE, events.CHECK_IN_ACCEPTED, data, access.actor().account_id)


# -- organizers ----------------------------------------------------------------------------------------------------


def listing(meeting_id: str) -> list[CheckIn]:
    """The meeting's check-ins, flagged ones first: organizers only; the read of their points is audited."""
    meeting = meetings.get(meeting_id)
    access.require(access.MANAGE_MEETING, meeting.org_id)
    rows = list(CheckIn.in_tenant(access.tenant()).filter(meeting_id=meeting.meeting_id))
    rows.sort(key=lambda r: (r.status != FLAGGED, aware(r.at)))
    audits.record(audits.CHECK_INS, meeting.meeting_id, [r.account_id for r in rows if r.has_point])
    return rows


def review(check_in_id: str, accept: bool) -> CheckIn:
    tenant = access.tenant()
    oid = object_id(check_in_id)
    row = CheckIn.in_tenant(tenant).filter(id=oid).first() if oid is not None else None
    if row is None or not access.may(access.MANAGE_MEETING, row.org_id):
        raise DomainError(ErrorCode.NOT_FOUND, "geo_check_in_not_found", "check_in_id")
    if row.status != FLAGGED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_check_in_not_flagged", "check_in_id", status=row.status)
    who = access.actor().account_id
    status = ACCEPTED if accept else REJECTED

    def write(uow: UnitOfWork) -> bool:
        changed = uow.update_one(
            CheckIn, {"_id": row.id, "status": FLAGGED}, {"$set": {"status": status, "reviewed_by": who}}
        )
        if changed and accept:
            _announce(uow, row)
        return bool(changed)

    atomically(tenant, write)
    reviewed = CheckIn.in_tenant(tenant).filter(id=row.id).first()
    # The answer shows the member's point to the organizer: a read like the listing's, audited the same way.
    audits.record(audits.REVIEW, row.meeting_id, [row.account_id] if reviewed.has_point else [])
    return reviewed


# -- consent revoked, retention, export ----------------------------------------------------------------------------


REDUCED = {"$set": {"lng": None, "lat": None, "accuracy_m": None, "has_point": False}}


@consents.drops(purposes.CHECK_IN)
def _drop(uow: UnitOfWork, account_id: str) -> None:
    """Consent for check-in revoked: the person's check-ins keep only that they attended."""
    uow.update_many(CheckIn, {"account_id": account_id}, REDUCED)
    devices.forget_fixes(uow, account_id)


def reduce_older(tenant: str, now: dt.datetime) -> int:
    """Check-ins older than 90 days keep only that they attended."""
    cutoff = now - purposes.CHECK_IN_POINT_KEPT
    result = CheckIn._get_collection().update_many(
        {"tenant": tenant, "has_point": True, "at": {"$lt": cutoff}}, REDUCED
    )
    return result.modified_count


def mine(tenant: str, account_id: str) -> list[CheckIn]:
    return list(CheckIn.in_tenant(tenant).filter(account_id=account_id).order_by("at"))
