"""Channels (网络电台 / 网络电视频道): an org's radio or TV channel and its schedule; the programme guide and what
is playing now. The rules are domain/schedule.py's; live broadcasts are broadcasts.py's.

A channel belongs to an org (a region-wide channel is one of the region's top org); those with media.manage
there create, edit and schedule it. Anyone signed in to the region reads every channel; a public one is read
without a token too (org micro-sites), and may then only schedule public media.

Scheduling is optimistic: a slot is checked against the slots around it, then inserted in a transaction that
also bumps the channel's `schedule_version` conditionally on the version read, so two managers adding
overlapping slots at once cannot both succeed (the loser re-reads and gets schedule_overlap).
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from kernel import context
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id, utcnow
from services.media import access, events, files
from services.media.domain import files as file_rules
from services.media.domain import schedule as rules

SCHEDULE_RETRIES = 5


class Channel(TenantDocument):
    org_id = me.StringField(required=True)
    org_path = me.ListField(me.StringField())
    kind = me.StringField(required=True, choices=rules.KINDS)
    name = me.StringField(required=True)
    description = me.StringField(default="")
    visibility = me.StringField(required=True, choices=rules.VISIBILITIES)
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    schedule_version = me.IntField(default=0)

    meta = {"collection": "channels", "indexes": [("tenant", "org_id", "_id")]}


class ScheduleSlot(TenantDocument):
    channel_id = me.StringField(required=True)
    kind = me.StringField(required=True, choices=rules.SLOT_KINDS)
    starts_at = me.DateTimeField(required=True)
    ends_at = me.DateTimeField(required=True)
    title = me.StringField(default="")
    media_id = me.StringField(default="")
    media_seconds = me.FloatField(default=0.0)
    broadcast_id = me.StringField(default="")
    source_channel_id = me.StringField(default="")
    created_by = me.StringField(required=True)

    # every read is a starts_at range of one channel (guide, now playing, overlap check): one index holds it
    meta = {"collection": "channel_slots", "indexes": [("tenant", "channel_id", "starts_at")]}


DOCUMENTS = (Channel, ScheduleSlot)


# -- channels --------------------------------------------------------------------------------------


def _get(channel_id: str, tenant: str | None = None) -> Channel:
    channel = Channel.by_id(tenant or access.tenant(), channel_id)
    if channel is None:
        raise DomainError(ErrorCode.NOT_FOUND, "channel_not_found", "channel_id")
    return channel


def readable(channel_id: str) -> Channel:
    """A channel the caller may read: any, signed in; a public one, anonymous."""
    channel = _get(channel_id)
    if context.current().actor is None and channel.visibility != rules.PUBLIC:
        raise DomainError(ErrorCode.NOT_FOUND, "channel_not_found", "channel_id")
    return channel


def public(channel_id: str) -> Channel:
    channel = _get(channel_id)
    if channel.visibility != rules.PUBLIC:
        raise DomainError(ErrorCode.NOT_FOUND, "channel_not_found", "channel_id")
    return channel


def managed(channel_id: str) -> Channel:
    channel = _get(channel_id)
    access.require(access.MANAGE, channel.org_id)
    return channel


def may_manage(channel: Channel) -> bool:
    return context.current().actor is not None and access.may(access.MANAGE, channel.org_id)


def create(org_id: str, kind: str, name: str, description: str, visibility: str) -> Channel:
    kind = rules.channel_kind(kind)
    name = rules.channel_name(name)
    description = rules.channel_description(description)
    visibility = rules.visibility(visibility)
    path = access.org_path(org_id)
    access.require(access.MANAGE, org_id)
    channel = Channel(
        tenant=access.tenant(),
        org_id=org_id,
        org_path=path,
        kind=kind,
        name=name,
        description=description,
        visibility=visibility,
        created_by=access.actor().account_id,
        created_at=utcnow(),
    )

    def work(uow: UnitOfWork) -> None:
        uow.insert(channel)
        uow.emit(events.SOURCE, events.CHANNEL_CREATED, _channel_data(channel), channel.created_by)

    atomically(channel.tenant, work)
    return channel


def update(channel_id: str, name: str, description: str, visibility: str) -> Channel:
    channel = managed(channel_id)
    changes = {}
    if name:
        changes["name"] = rules.channel_name(name)
    if description:
        changes["description"] = rules.channel_description(description)
    if visibility:
        changes["visibility"] = rules.visibility(visibility)
        if changes["visibility"] == rules.PUBLIC and channel.visibility != rules.PUBLIC:
            _check_public_schedule(channel)
    if changes:
        Channel.in_tenant(channel.tenant).filter(id=channel.id).update_one(
            **{f"set__{field}": value for field, value in changes.items()}
        )
        for field, value in changes.items():
            setattr(channel, field, value)
    return channel


def _check_public_schedule(channel: Channel) -> None:
    """A channel going public plays public items only from now on: FAILED_PRECONDITION if its schedule holds
    others (the manager reschedules them, or makes the items public, first)."""
    now = utcnow()
    ids = {s.media_id for s in slots_between(channel.tenant, str(channel.id), now, now + rules.GUIDE_HORIZON)}
    ids.discard("")
    oids = [oid for oid in map(object_id, ids) if oid is not None]
    items = files.MediaItem.in_tenant(channel.tenant).filter(id__in=oids).only("visibility") if oids else []
    if any(item.visibility != file_rules.PUBLIC for item in items):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "schedule_media_not_visible", "visibility")


def delete(channel_id: str) -> Channel:
    from services.media import broadcasts

    channel = managed(channel_id)
    broadcasts.revoke_all(channel)

    def work(uow: UnitOfWork) -> None:
        ScheduleSlot._get_collection().delete_many(
            {"tenant": channel.tenant, "channel_id": str(channel.id)}, session=uow.session
        )
        Channel._get_collection().delete_one({"tenant": channel.tenant, "_id": channel.id}, session=uow.session)
        uow.emit(events.SOURCE, events.CHANNEL_DELETED, _channel_data(channel), access.actor().account_id)

    atomically(channel.tenant, work)
    return channel


def list_channels(org_id: str, page_size: int, cursor: str) -> tuple[list[Channel], str]:
    query = Channel.in_tenant(access.tenant())
    if org_id:
        access.org_path(org_id)
        query = query.filter(org_id=org_id)
    return page(query, page_size, cursor)


def _channel_data(channel: Channel) -> dict:
    return {"channel_id": str(channel.id), "org_id": channel.org_id, "kind": channel.kind, "name": channel.name}


# -- the schedule ----------------------------------------------------------------------------------


def _slot(row: ScheduleSlot) -> rules.Slot:
    return rules.Slot(
        id=str(row.id),
        kind=row.kind,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        title=row.title,
        media_id=row.media_id,
        media_seconds=row.media_seconds,
        broadcast_id=row.broadcast_id,
        source_channel_id=row.source_channel_id,
    )


def slots_between(tenant: str, channel_id: str, start: dt.datetime, end: dt.datetime) -> list[rules.Slot]:
    """The channel's slots overlapping [start, end): those starting in [start - SLOT_MAX, end)."""
    low, high = rules.window_for_overlap(start, end)
    rows = ScheduleSlot.in_tenant(tenant).filter(channel_id=channel_id, starts_at__gte=low, starts_at__lt=high)
    return [s for s in map(_slot, rows.order_by("starts_at")) if rules.overlaps(s.starts_at, s.ends_at, start, end)]


def add_slot(
    channel_id: str,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    title: str,
    media_id: str = "",
    broadcast_id: str = "",
    source_channel_id: str = "",
) -> ScheduleSlot:
    channel = managed(channel_id)
    path = access.org_path(channel.org_id)  # as it is now (the org may have moved since the channel was made)
    kind = rules.slot_kind(kind)
    title = rules.title(title)
    media_seconds = 0.0
    if kind == rules.MEDIA:
        item = _playable_item(channel, path, media_id)
        media_seconds = float(item.duration or 0.0)
        title = title or item.filename
        broadcast_id = source_channel_id = ""
    elif kind == rules.LIVE:
        from services.media import broadcasts

        broadcast = broadcasts.of_channel(channel, broadcast_id)
        title = title or broadcast.title
        media_id = source_channel_id = ""
    else:
        source = Channel.by_id(channel.tenant, source_channel_id)
        if source is None:
            raise DomainError(ErrorCode.NOT_FOUND, "channel_not_found", "source_channel_id")
        rules.check_relay_source(path, source.org_id, str(source.id), str(channel.id))
        title = title or source.name
        media_id = broadcast_id = ""
    if kind != rules.MEDIA and ends_at is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_end_required", "ends_at")
    start, end = rules.slot_times(starts_at, ends_at, media_seconds)
    row = ScheduleSlot(
        tenant=channel.tenant,
        channel_id=str(channel.id),
        kind=kind,
        starts_at=start,
        ends_at=end,
        title=title,
        media_id=media_id,
        media_seconds=media_seconds,
        broadcast_id=broadcast_id,
        source_channel_id=source_channel_id,
        created_by=access.actor().account_id,
    )
    for _ in range(SCHEDULE_RETRIES):
        version = _get(channel_id).schedule_version
        rules.check_free(slots_between(channel.tenant, str(channel.id), start, end), start, end)

        def work(uow: UnitOfWork, version: int = version) -> bool:
            bumped = uow.update_one(
                Channel, {"_id": channel.id, "schedule_version": version}, {"$inc": {"schedule_version": 1}}
            )
            if not bumped:
                return False  # someone else scheduled meanwhile: check again
            uow.insert(row)
            data = {
                "channel_id": str(channel.id),
                "slot_id": str(row.id),
                "kind": kind,
                "starts_at": start.isoformat(),
                "ends_at": end.isoformat(),
            }
            uow.emit(events.SOURCE, events.CHANNEL_SCHEDULED, data, row.created_by)
            return True

        if atomically(channel.tenant, work):
            return row
    raise DomainError(ErrorCode.UNAVAILABLE, "schedule_busy", "starts_at")


def _playable_item(channel: Channel, path: list[str], media_id: str) -> files.MediaItem:
    """A ready item of the channel's kind, of its org or a superior one, that its audience may read."""
    item = files.MediaItem.by_id(channel.tenant, media_id)
    if item is None or item.status == files.DELETED or item.org_id not in path:
        raise DomainError(ErrorCode.NOT_FOUND, "media_not_found", "media_id")
    wanted = rules.media_kind_for(channel.kind)
    if item.kind != wanted or item.status != files.READY or not item.has_hls:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "schedule_media_not_playable", "media_id", kind=wanted)
    needed = (file_rules.PUBLIC,) if channel.visibility == rules.PUBLIC else (file_rules.PUBLIC, file_rules.MEMBERS)
    if item.visibility not in needed:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "schedule_media_not_visible", "media_id")
    return item


def remove_slot(channel_id: str, slot_id: str) -> ScheduleSlot:
    channel = managed(channel_id)
    oid = object_id(slot_id)
    row = ScheduleSlot.in_tenant(channel.tenant).filter(id=oid, channel_id=str(channel.id)).first() if oid else None
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "schedule_slot_not_found", "slot_id")

    def work(uow: UnitOfWork) -> None:
        uow.update_one(Channel, {"_id": channel.id}, {"$inc": {"schedule_version": 1}})
        ScheduleSlot._get_collection().delete_one({"_id": row.id, "tenant": channel.tenant}, session=uow.session)
        data = {"channel_id": str(channel.id), "slot_id": str(row.id)}
        uow.emit(events.SOURCE, events.CHANNEL_UNSCHEDULED, data, access.actor().account_id)

    atomically(channel.tenant, work)
    return row


# -- reading the schedule --------------------------------------------------------------------------


def guide(channel_id: str, date: str) -> tuple[Channel, dt.date, list[rules.Slot]]:
    channel = readable(channel_id)
    day = rules.parse_date(date, rules.today(utcnow()))
    start, end = rules.day_bounds(day)
    return channel, day, rules.guide(slots_between(channel.tenant, str(channel.id), start, end), day)


def now_playing(channel_id: str, now: dt.datetime | None = None) -> tuple[Channel, dt.datetime, rules.Playing]:
    from services.media import broadcasts

    channel = readable(channel_id)
    now = now or utcnow()
    tenant = channel.tenant

    def slots_of(cid: str) -> list[rules.Slot]:
        return slots_between(tenant, cid, now, now + dt.timedelta(microseconds=1))

    def on_air(broadcast_id: str) -> bool:
        return broadcasts.on_air(tenant, broadcast_id)

    return channel, now, rules.now_playing(str(channel.id), now, slots_of, on_air)
