"""Live broadcasts of a channel: stream keys, going on and off air as nginx-rtmp reports it, and recordings
imported as media items.

A manager creates a broadcast and is shown its stream key once; only the key's SHA-256 is stored. The broadcaster
publishes to `<MEDIA_INGEST_URL>/<kind>/<key>` (the RTMP application `tv` or `radio`). nginx-rtmp asks media's
ingest hook (ingest.py) before accepting: a known, unrevoked key of that kind's channel is answered with a redirect
to the broadcast's id, and the stream is pushed under that name to the kind's edge application, which writes the
HLS that players read at `<MEDIA_LIVE_BASE_URL>/hls/<broadcast id>/index.m3u8` (TV: video and audio; radio: audio
only) and records it (kept only for broadcasts that keep recordings). Why two applications: nginx-rtmp's redirect
renames a stream for the modules after its notify module (push, record) but not for its HLS, which would be named
by the key. The public name is the broadcast id: a key never appears in an address anyone else sees.

While a broadcast is on air nginx-rtmp asks again every few seconds (on_update): a revoked key is answered
403 and nginx drops the publisher. `broadcast_started` and `broadcast_ended` are announced with the change
(conditional updates of `on_air`: a repeated callback announces nothing twice). Each update also stamps
`seen_at`: a broadcast counts as live only while nginx keeps asking (STALE_AFTER), so one whose end was never
reported (nginx killed) is not shown on air forever; and an update for a valid key of a broadcast marked off
air puts it back on air (a second publisher with the same key, refused by nginx, reports its own end).

Recordings: when nginx closes a recording file it reports its path; a broadcast that keeps recordings gets it
as a media item of the channel's org (audio for radio, video for TV), charged to the org's quota like an
upload and announced as `media_uploaded`, so the transcoder makes its HLS as for any upload. A file is
imported once (its name is remembered on the broadcast); one that does not fit the quota is dropped and
`broadcast_recording_failed` says why. The local file is removed once handled; a file whose callback failed
(or never came: media was down) is imported by the hook's periodic sweep of the recordings directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from pathlib import Path

import mongoengine as me
from bson import ObjectId

from kernel import home_orgs as mirror
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.media import access, blobs, events, files
from services.media.channels import Channel, managed, readable
from services.media.domain import schedule as rules
from services.media.settings import LiveSettings

log = logging.getLogger(__name__)

IDLE, LIVE, ENDED, REVOKED = "idle", "live", "ended", "revoked"
ID = re.compile(r"[0-9a-f]{32}")  # a broadcast's id (random: see Broadcast.id)
STALE_AFTER = dt.timedelta(seconds=30)  # nginx asks every 5 s while a publisher is on air (live_edge.py)
RECORDING_TYPE = "video/x-flv"  # nginx-rtmp records FLV


class Broadcast(TenantDocument):
    # Random, not an ObjectId: the id names the live stream's public HLS address, which anyone who knows it can
    # play (the edge checks nothing), so it must not be guessable from another broadcast's id or its time.
    id = me.StringField(primary_key=True, default=lambda: secrets.token_hex(16))
    channel_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    kind = me.StringField(required=True, choices=rules.KINDS)  # the channel's, for its recordings
    title = me.StringField(default="")
    key_hash = me.StringField(required=True)
    record = me.BooleanField(default=False)
    revoked = me.BooleanField(default=False)
    on_air = me.BooleanField(default=False)
    seen_at = me.DateTimeField()  # nginx's last word on it while on air
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    started_at = me.DateTimeField()
    ended_at = me.DateTimeField()
    recordings = me.ListField(me.StringField())  # media ids
    recorded_files = me.ListField(me.StringField())  # file names imported (each once)

    meta = {
        "collection": "broadcasts",
        "indexes": [{"fields": ["tenant", "key_hash"], "unique": True}, ("tenant", "channel_id", "-created_at")],
    }

    @classmethod
    def by_id(cls, tenant: str, value: str):
        """The tenant's broadcast of this id, or None (unknown, or not an id at all)."""
        if not (isinstance(value, str) and ID.fullmatch(value)):
            return None
        return cls.in_tenant(tenant).filter(id=value).first()


DOCUMENTS = (Broadcast,)

_settings: LiveSettings | None = None


def configure(settings: LiveSettings) -> None:
    global _settings
    _settings = settings


def settings() -> LiveSettings:
    return _settings or LiveSettings()


def is_live(b: Broadcast, now: dt.datetime | None = None) -> bool:
    """On air, and nginx said so recently."""
    seen = aware(b.seen_at)
    return bool(b.on_air and not b.revoked and seen and seen > (now or utcnow()) - STALE_AFTER)


def status(b: Broadcast) -> str:
    if b.revoked:
        return REVOKED
    if is_live(b):
        return LIVE
    return ENDED if b.started_at else IDLE


def live_url(broadcast_id: str) -> str:
    return f"{settings().media_live_base_url.rstrip('/')}/hls/{broadcast_id}/index.m3u8"


def ingest_url(kind: str) -> str:
    """Where a channel of this kind takes publishers: the RTMP application named as the kind."""
    return f"{settings().media_ingest_url.rstrip('/')}/{kind}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# -- managers --------------------------------------------------------------------------------------


def create(channel_id: str, title: str, record: bool) -> tuple[Broadcast, str]:
    channel = managed(channel_id)
    title = rules.title(title) or channel.name
    key = secrets.token_urlsafe(24)
    broadcast = Broadcast(
        tenant=channel.tenant,
        channel_id=str(channel.id),
        org_id=channel.org_id,
        kind=channel.kind,
        title=title,
        key_hash=hash_key(key),
        record=record,
        created_by=access.actor().account_id,
        created_at=utcnow(),
    )

    def work(uow: UnitOfWork) -> None:
        uow.insert(broadcast)
        uow.emit(events.SOURCE, events.BROADCAST_CREATED, _data(broadcast), broadcast.created_by)

    atomically(broadcast.tenant, work)
    return broadcast, key


def _get(broadcast_id: str, tenant: str | None = None) -> Broadcast:
    b = Broadcast.by_id(tenant or access.tenant(), broadcast_id)
    if b is None:
        raise DomainError(ErrorCode.NOT_FOUND, "broadcast_not_found", "broadcast_id")
    return b


def get(broadcast_id: str) -> Broadcast:
    """A broadcast of a channel the caller may read (its key is never shown again)."""
    b = _get(broadcast_id)
    try:
        readable(b.channel_id)
    except DomainError:
        raise DomainError(ErrorCode.NOT_FOUND, "broadcast_not_found", "broadcast_id") from None
    return b


def of_channel(channel: Channel, broadcast_id: str) -> Broadcast:
    """A broadcast of this channel, not revoked (what a live slot may hold)."""
    b = Broadcast.by_id(channel.tenant, broadcast_id)
    if b is None or b.channel_id != str(channel.id):
        raise DomainError(ErrorCode.NOT_FOUND, "broadcast_not_found", "broadcast_id")
    if b.revoked:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "broadcast_revoked", "broadcast_id")
    return b


def list_channel(channel_id: str, page_size: int) -> list[Broadcast]:
    channel = managed(channel_id)
    size = min(max(page_size or 50, 1), 200)
    query = Broadcast.in_tenant(channel.tenant).filter(channel_id=str(channel.id))
    return list(query.order_by("-created_at").limit(size))


def revoke(broadcast_id: str) -> Broadcast:
    b = _get(broadcast_id)
    managed(b.channel_id)

    def work(uow: UnitOfWork) -> None:
        if uow.update_one(Broadcast, {"_id": b.id, "revoked": False}, {"$set": {"revoked": True}}):
            uow.emit(events.SOURCE, events.BROADCAST_REVOKED, _data(b), access.actor().account_id)

    atomically(b.tenant, work)
    b.revoked = True
    return b


def revoke_all(channel: Channel) -> None:
    """Every key of the channel stops working (the channel goes)."""
    Broadcast.in_tenant(channel.tenant).filter(channel_id=str(channel.id)).update(set__revoked=True)


def on_air(tenant: str, broadcast_id: str) -> bool:
    b = Broadcast.by_id(tenant, broadcast_id)
    return b is not None and is_live(b)


def _data(b: Broadcast) -> dict:
    return {"broadcast_id": str(b.id), "channel_id": b.channel_id, "org_id": b.org_id, "title": b.title}


# -- nginx-rtmp's callbacks (no caller: the region's own ingest) -----------------------------------


def by_key(tenant: str, key: str) -> Broadcast | None:
    if not key or len(key) > 200:
        return None
    return Broadcast.in_tenant(tenant).filter(key_hash=hash_key(key)).first()


def start(tenant: str, key: str, kind: str) -> Broadcast | None:
    """A publisher with this key, at the ingest of this kind of channel: the broadcast goes on air (None: an
    unknown or revoked key, or one of the other kind's channel: refused)."""
    b = by_key(tenant, key)
    if b is None or b.revoked or b.kind != kind:
        return None
    now = utcnow()

    def work(uow: UnitOfWork) -> None:
        changed = uow.update_one(
            Broadcast,
            {"_id": b.id, "revoked": False, "on_air": False},
            {"$set": {"on_air": True, "started_at": now, "ended_at": None, "seen_at": now}},
        )
        if changed:
            uow.emit(events.SOURCE, events.BROADCAST_STARTED, {**_data(b), "live_url": live_url(str(b.id))}, "")

    atomically(tenant, work)
    return b


def still_on_air(tenant: str, key: str, kind: str) -> bool:
    """nginx's periodic question about a publisher: False for a revoked or unknown key (nginx drops it);
    otherwise the broadcast is stamped as seen (and put back on air if an end was reported meanwhile)."""
    b = by_key(tenant, key)
    if b is None or b.revoked or b.kind != kind:
        return False
    if not b.on_air:
        return start(tenant, key, kind) is not None
    Broadcast.in_tenant(tenant).filter(id=b.id, on_air=True).update_one(set__seen_at=utcnow())
    return True


def may_push(tenant: str, broadcast_id: str) -> bool:
    """An ingest application's push of an accepted stream to its edge: only of a broadcast on air."""
    b = Broadcast.by_id(tenant, broadcast_id)
    return b is not None and b.on_air and not b.revoked


def end(tenant: str, b: Broadcast | None) -> None:
    if b is None:
        return

    def work(uow: UnitOfWork) -> None:
        changed = uow.update_one(
            Broadcast, {"_id": b.id, "on_air": True}, {"$set": {"on_air": False, "ended_at": utcnow()}}
        )
        if changed:
            uow.emit(events.SOURCE, events.BROADCAST_ENDED, _data(b), "")

    atomically(tenant, work)


def end_by_key(tenant: str, key: str) -> None:
    end(tenant, by_key(tenant, key))


def end_by_id(tenant: str, broadcast_id: str) -> None:
    end(tenant, Broadcast.by_id(tenant, broadcast_id))


def import_recording(tenant: str, broadcast_id: str, path: Path) -> str:
    """A finished recording file of the broadcast becomes a media item (see the module docstring); returns its
    media id, or "" when it is not kept. The file is removed once handled; when the import fails (the store or
    the database refused) it stays, and the ingest hook's sweep tries again."""
    media_id = _import(tenant, broadcast_id, path)
    path.unlink(missing_ok=True)
    return media_id


def _import(tenant: str, broadcast_id: str, path: Path) -> str:
    b = Broadcast.by_id(tenant, broadcast_id)
    if b is None or not b.record or path.name in b.recorded_files or not path.is_file():
        return ""
    size = path.stat().st_size
    if size == 0:
        return ""
    try:
        files.charge(tenant, b.org_id, size)
    except DomainError as err:
        _recording_failed(b, err.key)
        return ""
    channel = Channel.by_id(tenant, b.channel_id)
    visibility = channel.visibility if channel is not None else rules.MEMBERS
    local = rules.local(aware(b.started_at) or utcnow())
    item = files.MediaItem(
        id=ObjectId(),
        tenant=tenant,
        org_id=b.org_id,
        org_path=_org_path(tenant, b.org_id),
        owner_id=b.created_by,
        kind=rules.media_kind_for(b.kind),
        filename=f"{b.title[:80]} {local:%Y-%m-%d %H%M}.flv",
        declared_type=RECORDING_TYPE,
        content_type=RECORDING_TYPE,
        size=size,
        charged=size,
        visibility=visibility,
        status=files.PROCESSING,
        created_at=utcnow(),
    )
    store = blobs.current()
    store.put_file(store.key(tenant, str(item.id), blobs.ORIGINAL), path, RECORDING_TYPE)

    def work(uow: UnitOfWork) -> bool:
        kept = uow.update_one(
            Broadcast,
            {"_id": b.id, "recorded_files": {"$ne": path.name}},
            {"$push": {"recorded_files": path.name, "recordings": str(item.id)}},
        )
        if not kept:
            return False  # imported already (a repeated callback)
        uow.insert(item)
        uow.emit(events.SOURCE, events.MEDIA_UPLOADED, files.uploaded_data(item), item.owner_id)
        uow.emit(events.SOURCE, events.BROADCAST_RECORDED, {**_data(b), "media_id": str(item.id)}, item.owner_id)
        return True

    if not atomically(tenant, work):
        files.refund(tenant, b.org_id, size, items=1)
        store.delete_prefix(blobs.Blobs.prefix(tenant, str(item.id)))
        return ""
    return str(item.id)


def _org_path(tenant: str, org_id: str) -> list[str]:
    try:
        return mirror.org_path(tenant, org_id)
    except mirror.MirrorLag:
        return [org_id]


def _recording_failed(b: Broadcast, reason: str) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.emit(events.SOURCE, events.BROADCAST_RECORDING_FAILED, {**_data(b), "error": reason}, b.created_by)

    atomically(b.tenant, work)
