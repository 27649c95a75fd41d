"""Files: uploads through presigned URLs, verified by their sniffed content, charged to an org's quota.

An upload is two calls around the client's own PUT to the object store. `create_upload` checks what the
client declares (type on the allow-list, size within its kind's limit, room in the org's quota), records a
pending item and hands out a presigned PUT. `finalize` reads what arrived: its size and first bytes decide
(domain/files.py); a refused file is deleted with its record, so nothing of it stays. An accepted one is
charged to the org's quota (a conditional increment: two uploads never overrun it together) and, in the
same transaction, announced (`media_uploaded`): images, audio and video go on to the transcoder
(processing.py), documents are ready at once.

Reading: public and members items are readable by anyone of the region (public ones without a token);
private ones by their owner and the org's media managers. Addresses are presigned GETs, valid for
DOWNLOAD_URL_SECONDS. Pending uploads never finalized are swept (`sweep_abandoned`) with their bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mongoengine as me

from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id, utcnow
from services.media import access, audits, blobs, events
from services.media.domain import files as rules

PENDING, PROCESSING, READY, FAILED = "pending", "processing", "ready", "failed"
DELETED = "deleted"  # never stored: a deleted item's record goes with its bytes (the reply says so)
ABANDON_AFTER = dt.timedelta(hours=2)  # a pending upload older than this is swept with any bytes it got


class MediaItem(TenantDocument):
    org_id = me.StringField(required=True)
    org_path = me.ListField(me.StringField())
    owner_id = me.StringField(required=True)
    kind = me.StringField(required=True, choices=rules.KINDS)
    filename = me.StringField(required=True)
    declared_type = me.StringField(required=True)
    content_type = me.StringField(default="")  # sniffed, at finalize
    size = me.IntField(default=0)  # the original's bytes (declared until finalize)
    charged = me.IntField(default=0)  # bytes counted against the org's quota: the original and what was derived
    visibility = me.StringField(required=True, choices=rules.VISIBILITIES)
    status = me.StringField(required=True)
    progress = me.IntField(default=0)
    error = me.StringField(default="")
    duration = me.FloatField(default=0.0)
    width = me.IntField(default=0)
    height = me.IntField(default=0)
    renditions = me.ListField(me.DictField())  # {name, bandwidth, width, height}
    has_thumbnail = me.BooleanField(default=False)
    has_hls = me.BooleanField(default=False)
    lease_until = me.DateTimeField()  # a transcoder holds the item until then (refreshed as it goes)
    created_at = me.DateTimeField(required=True)
    ready_at = me.DateTimeField()

    meta = {
        "collection": "media",
        "indexes": [
            ("tenant", "org_id", "kind", "_id"),
            ("tenant", "org_id", "_id"),
            ("status", "created_at"),  # the sweep of abandoned uploads, across tenants
        ],
    }


class OrgUsage(TenantDocument):
    """An org's storage: bytes charged, items, and its quota (0: the default)."""

    id = me.StringField(primary_key=True)  # "<tenant>:<org id>"
    org_id = me.StringField(required=True)
    used = me.IntField(default=0)
    items = me.IntField(default=0)
    quota = me.IntField(default=0)

    meta = {"collection": "media_usage"}


DOCUMENTS = (MediaItem, OrgUsage)


@dataclass
class Upload:
    item: MediaItem
    put_url: str
    expires_at: dt.datetime


def usage_id(tenant: str, org_id: str) -> str:
    return f"{tenant}:{org_id}"


def usage_of(tenant: str, org_id: str) -> OrgUsage:
    found = OrgUsage.in_tenant(tenant).filter(id=usage_id(tenant, org_id)).first()
    return found or OrgUsage(id=usage_id(tenant, org_id), tenant=tenant, org_id=org_id)


def quota_of(usage: OrgUsage) -> int:
    return usage.quota or rules.DEFAULT_QUOTA


# -- uploading -----------------------------------------------------------------------------------------


def create_upload(org_id: str, filename: str, content_type: str, size: int, visibility: str) -> Upload:
    declared = rules.declare(filename, content_type, size, visibility)
    path = access.org_path(org_id)
    if not (access.belongs(org_id) or access.allowed(access.MANAGE, path)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "media_not_member", "org_id")
    tenant = access.tenant()
    usage = usage_of(tenant, org_id)
    rules.check_quota(usage.used, quota_of(usage), declared.size)
    now = utcnow()
    item = MediaItem(
        tenant=tenant,
        org_id=org_id,
        org_path=path,
        owner_id=access.actor().account_id,
        kind=declared.kind,
        filename=declared.filename,
        declared_type=declared.content_type,
        size=declared.size,
        visibility=declared.visibility,
        status=PENDING,
        created_at=now,
    )
    item.save()
    store = blobs.current()
    put_url = store.put_url(store.key(tenant, str(item.id), blobs.ORIGINAL))
    return Upload(item, put_url, now + dt.timedelta(seconds=store.config.upload_url_seconds))


def finalize(media_id: str) -> MediaItem:
    """Verify the bytes that arrived; accept (charge, announce) or refuse (delete everything)."""
    tenant = access.tenant()
    item = _get(media_id)
    if item.owner_id != access.actor().account_id:
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    if item.status != PENDING:
        return item  # finalized already: the same answer again
    store = blobs.current()
    key = store.key(tenant, str(item.id), blobs.ORIGINAL)
    stat = store.stat(key)
    if stat is None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "media_upload_missing", "media_id")
    size = int(stat.size or 0)
    try:
        sniffed = rules.verify(item.kind, store.head(key, rules.SNIFF_BYTES) if size else b"", size)
        charge(tenant, item.org_id, size)
    except DomainError:
        _discard(item)
        raise
    status = READY if item.kind == rules.DOCUMENT else PROCESSING

    written = {"status": status, "size": size, "charged": size, "content_type": sniffed}
    if status == READY:
        written["ready_at"] = utcnow()
    for field, value in written.items():  # the item as it is written (returned without reading it back)
        setattr(item, field, value)

    def work(uow: UnitOfWork) -> int:
        changed = uow.update_one(MediaItem, {"_id": item.id, "status": PENDING}, {"$set": written})
        if changed:
            uow.emit(events.SOURCE, events.MEDIA_UPLOADED, uploaded_data(item), item.owner_id)
            if status == READY:
                uow.emit(events.SOURCE, events.MEDIA_READY, ready_data(item, [], 0.0), item.owner_id)
        return changed

    if not atomically(tenant, work):  # finalized concurrently by another call: it charged; give ours back
        refund(tenant, item.org_id, size, items=1)
        return _get(media_id)
    return item


def charge(tenant: str, org_id: str, size: int) -> None:
    """Count size against the org's quota, or FAILED_PRECONDITION when it does not fit (conditional: two
    concurrent uploads cannot overrun the quota together)."""
    usage = usage_of(tenant, org_id)
    quota = quota_of(usage)
    rules.check_quota(usage.used, quota, size)
    if not usage.items:  # maybe the org's first file: its row must exist for the conditional increment
        OrgUsage.in_tenant(tenant).filter(id=usage.id).update_one(
            upsert=True, set_on_insert__org_id=org_id, set_on_insert__used=0, set_on_insert__items=0
        )
    charged = (
        OrgUsage.in_tenant(tenant).filter(id=usage.id, used__lte=quota - size).update_one(inc__used=size, inc__items=1)
    )
    if not charged:
        rules.check_quota(quota, quota, size)  # raises media_quota_exceeded


def refund(tenant: str, org_id: str, size: int, items: int) -> None:
    if size or items:
        OrgUsage.in_tenant(tenant).filter(id=usage_id(tenant, org_id)).update_one(inc__used=-size, inc__items=-items)


def _discard(item: MediaItem) -> None:
    """A refused upload: its bytes and its record go."""
    blobs.current().delete_prefix(blobs.Blobs.prefix(item.tenant, str(item.id)))
    MediaItem.in_tenant(item.tenant).filter(id=item.id, status=PENDING).delete()


def uploaded_data(item: MediaItem) -> dict:
    """media_uploaded's data: the item's bytes verified and charged (an upload's, or a recording's)."""
    return {
        "media_id": str(item.id),
        "org_id": item.org_id,
        "owner_id": item.owner_id,
        "kind": item.kind,
        "content_type": item.content_type,
        "size": item.size,
    }


def ready_data(item: MediaItem, renditions: list[dict], duration: float) -> dict:
    return {
        "media_id": str(item.id),
        "org_id": item.org_id,
        "owner_id": item.owner_id,
        "kind": item.kind,
        "renditions": [r["name"] for r in renditions],
        "duration_seconds": duration,
    }


# -- reading -------------------------------------------------------------------------------------------


def _get(media_id: str, tenant: str | None = None) -> MediaItem:
    item = MediaItem.by_id(tenant or access.tenant(), media_id)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    return item


def by_id(tenant: str, media_id: str) -> MediaItem:
    """The item whoever asks (a signed playlist address decided already), or NOT_FOUND."""
    return _get(media_id, tenant)


def may_read(item: MediaItem) -> bool:
    if item.visibility != rules.PRIVATE:
        return True
    return item.owner_id == access.actor().account_id or access.may(access.MANAGE, item.org_id)


def may_delete(item: MediaItem) -> bool:
    return item.owner_id == access.actor().account_id or access.may(access.MANAGE, item.org_id)


def readable(media_id: str) -> MediaItem:
    item = _get(media_id)
    if not may_read(item):
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    audits.record(item)  # a manager reading someone's private file
    return item


def public(media_id: str) -> MediaItem:
    """A public item, ready, for anyone (no actor)."""
    item = _get(media_id, context.current().tenant)
    if item.visibility != rules.PUBLIC or item.status != READY:
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    return item


def list_org(org_id: str, kind: str, page_size: int, cursor: str) -> tuple[list[MediaItem], str]:
    access.require(access.MANAGE, org_id)
    if kind and kind not in rules.KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_kind_unknown", "kind")
    size = min(max(page_size or 50, 1), 200)
    query = MediaItem.in_tenant(access.tenant()).filter(org_id=org_id)
    if kind:
        query = query.filter(kind=kind)
    if cursor:
        after = object_id(cursor)
        if after is None:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")
        query = query.filter(id__lt=after)
    rows = list(query.order_by("-id").limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (str(rows[-1].id) if more and rows else "")


# -- deleting ------------------------------------------------------------------------------------------


def delete(media_id: str) -> MediaItem:
    item = _get(media_id)
    if not may_read(item):
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    if not may_delete(item):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    blobs.current().delete_prefix(blobs.Blobs.prefix(item.tenant, str(item.id)))

    def work(uow: UnitOfWork) -> int:
        gone = {"_id": item.id, "tenant": item.tenant, "status": item.status}
        changed = MediaItem._get_collection().delete_one(gone, session=uow.session).deleted_count
        if changed:
            data = {"media_id": str(item.id), "org_id": item.org_id, "owner_id": item.owner_id}
            uow.emit(events.SOURCE, events.MEDIA_DELETED, data, access.actor().account_id)
        return changed

    if atomically(item.tenant, work) and item.status != PENDING:
        refund(item.tenant, item.org_id, item.charged, items=1)
    item.status = DELETED
    return item


def sweep_abandoned(tenant: str | None = None, now: dt.datetime | None = None) -> int:
    """Pending uploads older than ABANDON_AFTER: their bytes (if any arrived) and records go."""
    before = (now or utcnow()) - ABANDON_AFTER
    query = MediaItem.objects(status=PENDING, created_at__lt=before)
    if tenant:
        query = query.filter(tenant=tenant)
    swept = 0
    for item in query.only("id", "tenant").limit(500):
        blobs.current().delete_prefix(blobs.Blobs.prefix(item.tenant, str(item.id)))
        swept += MediaItem.objects(id=item.id, status=PENDING).delete()
    return swept


# -- quotas --------------------------------------------------------------------------------------------


def usage(org_id: str) -> OrgUsage:
    access.require(access.MANAGE, org_id)
    return usage_of(access.tenant(), org_id)


def set_quota(org_id: str, quota: int) -> OrgUsage:
    access.require(access.QUOTA, org_id)
    if not 0 <= quota <= rules.MAX_QUOTA:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_quota_invalid", "quota_bytes")
    tenant = access.tenant()
    OrgUsage.in_tenant(tenant).filter(id=usage_id(tenant, org_id)).update_one(
        upsert=True, set_on_insert__org_id=org_id, set_on_insert__used=0, set_on_insert__items=0, set__quota=quota
    )
    return usage_of(tenant, org_id)
