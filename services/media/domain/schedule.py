"""Channels' schedules (网络电台 / 网络电视频道): what a slot may hold, overlaps, the programme guide of a local
day, what is playing now and where in it, and the relay of a superior org's live broadcast. Pure: no I/O.

A channel's schedule is a set of slots, half-open intervals [starts_at, ends_at) in UTC that never overlap (a
slot ending at 20:00 and one starting at 20:00 are neighbours, not an overlap). A slot holds one of:
- `media`: an on-demand item of the files area (ready audio for radio, ready video for TV). It plays from the
  slot's start; a slot longer than the item repeats it, so "where in the item we are" is the time since the
  slot began modulo the item's duration. A slot given without an end lasts exactly the item.
- `live`: a live broadcast of the channel itself (RTMP ingest → HLS). It plays while the broadcast is on air;
  before the broadcaster connects (or after a dropped connection) the slot is "waiting".
- `relay`: whatever the source channel (a channel of a superior org: an ancestor of this channel's org) plays
  live at that moment. Relays follow relays (a branch relays the committee's relay of the region's channel) up
  to MAX_RELAY_HOPS; a loop or a source playing an on-demand item makes the relay "waiting" too.

Times: stored and compared in UTC; a slot may cross midnight. The guide of a date is of the local day in
Asia/Shanghai (00:00 to the next 00:00 there, via zoneinfo, so a day of a historic DST change has 23 or 25
hours): every slot that overlaps the day, with the ones crossing midnight in both days' guides.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from kernel.errors import DomainError, ErrorCode

ZONE = ZoneInfo("Asia/Shanghai")

RADIO, TV = "radio", "tv"
KINDS = (RADIO, TV)
MEMBERS, PUBLIC = "members", "public"
VISIBILITIES = (MEMBERS, PUBLIC)
MEDIA, LIVE, RELAY = "media", "live", "relay"
SLOT_KINDS = (MEDIA, LIVE, RELAY)

NAME_MAX = 60
DESCRIPTION_MAX = 500
TITLE_MAX = 100
SLOT_MIN = dt.timedelta(seconds=1)
SLOT_MAX = dt.timedelta(hours=24)  # also bounds the look-back of the overlap and guide queries
MAX_RELAY_HOPS = 3
GUIDE_DAYS_AHEAD = 366  # a guide of a date further out (or back) is refused
GUIDE_HORIZON = dt.timedelta(days=GUIDE_DAYS_AHEAD + 1)  # as far ahead as a schedule can matter


@dataclass(frozen=True)
class Slot:
    id: str
    kind: str
    starts_at: dt.datetime  # aware
    ends_at: dt.datetime
    title: str = ""
    media_id: str = ""  # MEDIA
    media_seconds: float = 0.0  # MEDIA: the item's duration
    broadcast_id: str = ""  # LIVE
    source_channel_id: str = ""  # RELAY


@dataclass(frozen=True)
class Playing:
    """What a channel plays at a moment: the slot (None: nothing scheduled), and for a slot that plays,
    where (MEDIA: offset into the item) or what (LIVE/RELAY: the broadcast on air and its channel)."""

    slot: Slot | None
    on_air: bool = False
    offset_seconds: float = 0.0  # MEDIA: seconds into the item
    remaining_seconds: float = 0.0  # until the slot ends
    broadcast_id: str = ""  # LIVE, RELAY: the broadcast being played
    broadcast_channel_id: str = ""  # RELAY: the channel it is relayed from (the first source at the end)


# -- inputs ----------------------------------------------------------------------------------------


def _clean(value: str, most: int, required: bool = True) -> str | None:
    """The text stripped, or None when it is empty (if required), too long, or holds control characters."""
    value = (value or "").strip()
    if (required and not value) or len(value) > most or any(ord(c) < 32 for c in value):
        return None
    return value


def channel_name(value: str) -> str:
    cleaned = _clean(value, NAME_MAX)
    if cleaned is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "channel_name_invalid", "name", max=NAME_MAX)
    return cleaned


def channel_description(value: str) -> str:
    value = (value or "").strip()
    if len(value) > DESCRIPTION_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "channel_description_invalid", "description", max=DESCRIPTION_MAX)
    return value


def channel_kind(value: str) -> str:
    if value not in KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "channel_kind_unknown", "kind")
    return value


def visibility(value: str) -> str:
    value = value or MEMBERS
    if value not in VISIBILITIES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "channel_visibility_unknown", "visibility")
    return value


def title(value: str) -> str:
    cleaned = _clean(value, TITLE_MAX, required=False)
    if cleaned is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_title_invalid", "title", max=TITLE_MAX)
    return cleaned


def slot_kind(value: str) -> str:
    if value not in SLOT_KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_kind_unknown", "kind")
    return value


def media_kind_for(channel: str) -> str:
    """The kind of on-demand item a channel plays (the files area's kinds)."""
    return "audio" if channel == RADIO else "video"


def utc(moment: dt.datetime, field: str) -> dt.datetime:
    """An aware moment as UTC; a naive one is refused (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_time_invalid", field)
    return moment.astimezone(dt.UTC)


def slot_times(
    starts_at: dt.datetime, ends_at: dt.datetime | None, media_seconds: float = 0.0
) -> tuple[dt.datetime, dt.datetime]:
    """The slot's [start, end) in UTC. Without an end, a MEDIA slot lasts its item (rounded up to the second)."""
    start = utc(starts_at, "starts_at")
    if ends_at is None:
        if media_seconds <= 0:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_end_required", "ends_at")
        end = start + dt.timedelta(seconds=math.ceil(media_seconds))
    else:
        end = utc(ends_at, "ends_at")
    if end - start < SLOT_MIN:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_times_invalid", "ends_at")
    if end - start > SLOT_MAX:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "schedule_too_long", "ends_at", hours=SLOT_MAX // dt.timedelta(hours=1)
        )
    return start, end


# -- overlaps --------------------------------------------------------------------------------------


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    return a_start < b_end and b_start < a_end


def check_free(existing: Iterable[Slot], start: dt.datetime, end: dt.datetime, ignore_id: str = "") -> None:
    """FAILED_PRECONDITION naming the first slot in the way, if any overlaps [start, end)."""
    for slot in sorted(existing, key=lambda s: s.starts_at):
        if slot.id != ignore_id and overlaps(slot.starts_at, slot.ends_at, start, end):
            raise DomainError(
                ErrorCode.FAILED_PRECONDITION,
                "schedule_overlap",
                "starts_at",
                slot_id=slot.id,
                starts=local(slot.starts_at).strftime("%Y-%m-%d %H:%M"),
                ends=local(slot.ends_at).strftime("%Y-%m-%d %H:%M"),
            )


def window_for_overlap(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The range of starts_at a slot overlapping [start, end) can have (no slot is longer than SLOT_MAX)."""
    return start - SLOT_MAX, end


# -- the guide -------------------------------------------------------------------------------------


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZONE)


def parse_date(value: str, today: dt.date) -> dt.date:
    """A local date "YYYY-MM-DD" ("" is today), within GUIDE_DAYS_AHEAD of today."""
    if not value:
        return today
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "guide_date_invalid", "date") from None
    if len(value) != 10 or abs((day - today).days) > GUIDE_DAYS_AHEAD:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "guide_date_invalid", "date")
    return day


def today(now: dt.datetime) -> dt.date:
    return local(now).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of the day in Asia/Shanghai, as UTC."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZONE)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def guide(slots: Iterable[Slot], day: dt.date) -> list[Slot]:
    """The slots overlapping the local day, in order (a slot crossing midnight is in both days' guides)."""
    start, end = day_bounds(day)
    return sorted((s for s in slots if overlaps(s.starts_at, s.ends_at, start, end)), key=lambda s: s.starts_at)


# -- now playing -----------------------------------------------------------------------------------


def slot_at(slots: Iterable[Slot], now: dt.datetime) -> Slot | None:
    return next((s for s in slots if s.starts_at <= now < s.ends_at), None)


def media_offset(slot: Slot, now: dt.datetime) -> float:
    """Seconds into the slot's item at now: it starts with the slot and repeats to fill it."""
    elapsed = (now - slot.starts_at).total_seconds()
    return elapsed % slot.media_seconds if slot.media_seconds > 0 else elapsed


def now_playing(
    channel_id: str,
    now: dt.datetime,
    slots_of: Callable[[str], Sequence[Slot]],
    on_air: Callable[[str], bool],
) -> Playing:
    """What channel_id plays at now. slots_of(channel id) gives a channel's slots around now, on_air(broadcast
    id) whether a broadcast is live; relays are followed through their sources (at most MAX_RELAY_HOPS)."""
    slot = slot_at(slots_of(channel_id), now)
    if slot is None:
        return Playing(None)
    remaining = (slot.ends_at - now).total_seconds()
    playing = Playing(slot, remaining_seconds=remaining)
    if slot.kind == MEDIA:
        return replace(playing, on_air=True, offset_seconds=media_offset(slot, now))
    if slot.kind == LIVE:
        live = on_air(slot.broadcast_id)
        return replace(playing, on_air=live, broadcast_id=slot.broadcast_id if live else "")
    seen = {channel_id}
    source = slot.source_channel_id
    for _ in range(MAX_RELAY_HOPS):
        if source in seen:
            break  # a loop: nothing to relay
        seen.add(source)
        upstream = slot_at(slots_of(source), now)
        if upstream is None or upstream.kind == MEDIA:
            break  # the source plays nothing live now
        if upstream.kind == LIVE:
            if on_air(upstream.broadcast_id):
                return replace(playing, on_air=True, broadcast_id=upstream.broadcast_id, broadcast_channel_id=source)
            break
        source = upstream.source_channel_id
    return playing


# -- relays ----------------------------------------------------------------------------------------


def check_relay_source(
    channel_org_path: Sequence[str], source_org_id: str, source_channel_id: str, channel_id: str
) -> None:
    """A channel relays only a channel of a superior org (an ancestor of its own org), never itself."""
    if source_channel_id == channel_id or source_org_id not in list(channel_org_path)[:-1]:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "schedule_relay_not_superior", "source_channel_id")
