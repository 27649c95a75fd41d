"""Devices (移动终端): a member registers each phone or browser that reports locations with the public half
of an Ed25519 key pair the device made; geo accepts a report only from a registered device of the caller,
signed by its key (domain/reports.py canonical()), with a sequence number greater than every earlier one
(a replayed report is refused), taken within five minutes of now, and at most 12 a minute.

A report is checked here (`verify`), then written by its purpose's module in one transaction with the
device's new sequence number and rate window (`advance`): a report refused later, for its purpose, leaves
nothing behind, and two reports racing with one sequence number cannot both land."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import mongoengine as me

from jiceng.geo.v1 import geo_pb2 as pb
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, utcnow
from services.geo import access
from services.geo.domain import datum as datums
from services.geo.domain import geometry, plausibility, reports
from services.geo.domain.consent import DEVICE_FIX_KEPT

MAX_DEVICES = 5  # active ones per person
PLATFORMS = ("android", "ios", "web", "other")
NAME_MAX = 40


class Device(TenantDocument):
    id = me.StringField(primary_key=True)  # device id: a random hex string
    account_id = me.StringField(required=True)
    name = me.StringField(default="")
    platform = me.StringField(default="other")
    public_key = me.BinaryField(required=True)
    registered_at = me.DateTimeField(required=True)
    unregistered_at = me.DateTimeField(null=True)
    active = me.BooleanField(default=True)
    last_seq = me.LongField(default=0)
    window_start = me.DateTimeField(null=True)
    window_count = me.IntField(default=0)
    # The last accepted fix {lng, lat, at, accuracy_m}, only to judge the next report's plausibility; dropped
    # after DEVICE_FIX_KEPT by the retention job.
    last_fix = me.DictField(null=True)
    last_fix_at = me.DateTimeField(null=True)

    meta = {
        "collection": "devices",
        "indexes": [("tenant", "account_id", "registered_at"), ("last_fix_at",)],
    }


DOCUMENTS = (Device,)


# -- the caller's devices ---------------------------------------------------------------------------------------


def register(name: str, platform: str, public_key_b64: str) -> Device:
    tenant, who = access.tenant(), access.actor().account_id
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_device_name_invalid", "name", max=NAME_MAX)
    platform = platform or "other"
    if platform not in PLATFORMS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_platform_invalid", "platform")
    key = reports.check_public_key(public_key_b64)
    mine = [d for d in Device.in_tenant(tenant).filter(account_id=who) if d.active]
    if any(d.public_key == key for d in mine):
        raise DomainError(ErrorCode.ALREADY_EXISTS, "geo_device_exists", "public_key")
    if len(mine) >= MAX_DEVICES:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_too_many_devices", "", max=MAX_DEVICES)
    device = Device(
        id=uuid.uuid4().hex,
        tenant=tenant,
        account_id=who,
        name=name,
        platform=platform,
        public_key=key,
        registered_at=utcnow(),
    )
    device.save(force_insert=True)
    return device


def listing() -> list[Device]:
    return list(
        Device.in_tenant(access.tenant()).filter(account_id=access.actor().account_id).order_by("registered_at")
    )


def _mine(device_id: str) -> Device | None:
    """The caller's device of this id (registered or not any more), or None."""
    device = Device.objects(id=device_id).first() if 0 < len(device_id) <= 64 else None
    if device is None or device.tenant != access.tenant() or device.account_id != access.actor().account_id:
        return None
    return device


def _own(device_id: str, field: str) -> Device:
    device = _mine(device_id)
    if device is None:
        raise DomainError(ErrorCode.NOT_FOUND, "geo_device_unknown", field)
    return device


def unregister(device_id: str) -> Device:
    """Unregistered: its reports are refused from now on, and its last fix is forgotten."""
    device = _own(device_id, "device_id")
    Device.objects(id=device.id, active=True).update_one(
        set__active=False, set__unregistered_at=utcnow(), set__last_fix=None, set__last_fix_at=None
    )
    return Device.objects(id=device.id).first()


# -- reports -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """A report that passed its device's checks, not yet written."""

    device: Device
    seq: int
    fix: plausibility.Fix  # WGS-84
    flags: list[str]
    window: reports.Window
    division: str

    @property
    def point(self) -> tuple[float, float]:
        return self.fix.lng, self.fix.lat


def verify(report: pb.SignedReport, purpose: str, ref: str, now: dt.datetime | None = None) -> Verified:
    """The caller's registered device signed this report for purpose and ref, after its last one, lately, and
    within its rate; its point is converted to WGS-84 and judged against the device's last fix."""
    now = now or utcnow()
    device = _mine(report.device_id)
    if device is None or not device.active:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "geo_device_unknown", "report.device_id")
    seq = reports.check_seq(report.seq)
    lng, lat = geometry.check_point(report.lng, report.lat, "report.lng")
    accuracy = reports.check_accuracy(report.accuracy_m)
    datum = datums.check_datum(report.datum, "report.datum")
    message = reports.canonical(
        report.device_id,
        seq,
        report.at_ms,
        purpose,
        ref,
        report.lng,
        report.lat,
        report.accuracy_m,
        report.datum,
        report.division,
    )
    if not reports.verify(device.public_key, message, report.signature):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "geo_signature_invalid", "report.signature")
    if seq <= device.last_seq:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_report_replayed", "report.seq", last=device.last_seq)
    at = reports.check_time(report.at_ms, now)
    window = reports.admit(reports.Window(aware(device.window_start), device.window_count), now)
    if window is None:
        retry = reports.RATE_WINDOW - (now - aware(device.window_start))
        raise DomainError(
            ErrorCode.RATE_LIMITED, "geo_rate_limited", "report", retry_after=max(1, int(retry.total_seconds()) + 1)
        )
    lng, lat = datums.to_wgs84((lng, lat), datum)
    fix = plausibility.Fix(lng, lat, at, accuracy)
    previous = _last_fix(device, now)
    return Verified(device, seq, fix, plausibility.flags(previous, fix), window, report.division)


def _last_fix(device: Device, now: dt.datetime) -> plausibility.Fix | None:
    f = device.last_fix
    if not f or device.last_fix_at is None or now - aware(device.last_fix_at) > DEVICE_FIX_KEPT:
        return None
    return plausibility.Fix(f["lng"], f["lat"], aware(f["at"]), f["accuracy_m"])


def advance(uow: UnitOfWork, v: Verified, keep_fix: bool = True) -> None:
    """Inside the report's write: the device's sequence number, rate window and last fix move on — only from
    the state verify() read, so of two reports racing one lands and the other is refused as replayed."""
    fix = {"lng": v.fix.lng, "lat": v.fix.lat, "at": v.fix.at, "accuracy_m": v.fix.accuracy_m}
    changes = {"last_seq": v.seq, "window_start": v.window.start, "window_count": v.window.count}
    if keep_fix:
        changes.update(last_fix=fix, last_fix_at=utcnow())
    matched = uow.update_one(
        Device, {"_id": v.device.id, "active": True, "last_seq": v.device.last_seq}, {"$set": changes}
    )
    if not matched:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_report_replayed", "report.seq", last=v.seq)


def forget_fixes(uow: UnitOfWork, account_id: str) -> None:
    """The person's devices forget their last fixes (a consent revoked)."""
    uow.update_many(Device, {"account_id": account_id}, {"$set": {"last_fix": None, "last_fix_at": None}})
