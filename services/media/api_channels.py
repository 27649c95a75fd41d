"""The gRPC servicer of channels (网络电台 / 网络电视频道): messages ↔ calls of channels.py and broadcasts.py."""

from __future__ import annotations

from jiceng.media.v1 import channel_pb2 as pb
from jiceng.media.v1 import channel_pb2_grpc
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.wire import timestamp
from services.media import api, broadcasts, channels
from services.media.domain import schedule as rules

SERVICE = "jiceng.media.v1.ChannelService"
# public channels (org sites): the channel, its guide and what it plays, without a token
ANONYMOUS = {f"/{SERVICE}/GetPublicChannel", f"/{SERVICE}/GetGuide", f"/{SERVICE}/GetNowPlaying"}


def channel(row: channels.Channel, manageable: bool = False) -> pb.Channel:
    return pb.Channel(
        id=str(row.id),
        org_id=row.org_id,
        kind=row.kind,
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        created_by=row.created_by,
        created_at=timestamp(row.created_at),
        manageable=manageable,
    )


def slot(s: rules.Slot, channel_id: str) -> pb.Slot:
    return pb.Slot(
        id=s.id,
        channel_id=channel_id,
        kind=s.kind,
        starts_at=timestamp(s.starts_at),
        ends_at=timestamp(s.ends_at),
        title=s.title,
        media_id=s.media_id,
        media_seconds=s.media_seconds,
        broadcast_id=s.broadcast_id,
        source_channel_id=s.source_channel_id,
    )


def broadcast(b: broadcasts.Broadcast) -> pb.Broadcast:
    return pb.Broadcast(
        id=str(b.id),
        channel_id=b.channel_id,
        org_id=b.org_id,
        title=b.title,
        status=broadcasts.status(b),
        record=b.record,
        created_at=timestamp(b.created_at),
        started_at=timestamp(b.started_at) if b.started_at else None,
        ended_at=timestamp(b.ended_at) if b.ended_at else None,
        live_url=broadcasts.live_url(str(b.id)),
        recordings=list(b.recordings),
    )


def _when(ts):
    """A Timestamp of the request as an aware UTC datetime."""
    return aware(ts.ToDatetime())


class ChannelApi(channel_pb2_grpc.ChannelServiceServicer):
    def CreateChannel(self, request, context_):
        row = channels.create(request.org_id, request.kind, request.name, request.description, request.visibility)
        return channel(row, manageable=True)

    def UpdateChannel(self, request, context_):
        row = channels.update(request.channel_id, request.name, request.description, request.visibility)
        return channel(row, manageable=True)

    def DeleteChannel(self, request, context_):
        return channel(channels.delete(request.channel_id), manageable=True)

    def GetChannel(self, request, context_):
        row = channels.readable(request.channel_id)
        return channel(row, channels.may_manage(row))

    def GetPublicChannel(self, request, context_):
        return channel(channels.public(request.channel_id))

    def ListChannels(self, request, context_):
        rows, cursor = channels.list_channels(request.org_id, request.page_size, request.cursor)
        return pb.ListChannelsResponse(channels=[channel(r, channels.may_manage(r)) for r in rows], next_cursor=cursor)

    def AddSlot(self, request, context_):
        if not request.HasField("starts_at"):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "schedule_time_invalid", "starts_at")
        row = channels.add_slot(
            request.channel_id,
            request.kind,
            _when(request.starts_at),
            _when(request.ends_at) if request.HasField("ends_at") else None,
            request.title,
            request.media_id,
            request.broadcast_id,
            request.source_channel_id,
        )
        return slot(channels._slot(row), row.channel_id)

    def RemoveSlot(self, request, context_):
        row = channels.remove_slot(request.channel_id, request.slot_id)
        return slot(channels._slot(row), row.channel_id)

    def GetGuide(self, request, context_):
        row, day, slots = channels.guide(request.channel_id, request.date)
        cid = str(row.id)
        return pb.Guide(
            channel_id=cid, date=day.isoformat(), time_zone=rules.ZONE.key, slots=[slot(s, cid) for s in slots]
        )

    def GetNowPlaying(self, request, context_):
        row, now, playing = channels.now_playing(request.channel_id)
        cid = str(row.id)
        reply = pb.NowPlaying(
            channel_id=cid,
            at=timestamp(now),
            on_air=playing.on_air,
            offset_seconds=playing.offset_seconds,
            remaining_seconds=playing.remaining_seconds,
            broadcast_id=playing.broadcast_id,
            broadcast_channel_id=playing.broadcast_channel_id or (cid if playing.broadcast_id else ""),
            live_url=broadcasts.live_url(playing.broadcast_id) if playing.broadcast_id else "",
        )
        if playing.slot is not None:
            reply.slot.CopyFrom(slot(playing.slot, cid))
            if reply.slot.media_id and playing.on_air:  # the reader may read the channel, so its items
                reply.media_hls_token = api.hls_token(row.tenant, reply.slot.media_id)
        return reply

    def CreateBroadcast(self, request, context_):
        b, key = broadcasts.create(request.channel_id, request.title, request.record)
        return pb.BroadcastCreated(broadcast=broadcast(b), stream_key=key, ingest_url=broadcasts.ingest_url(b.kind))

    def GetBroadcast(self, request, context_):
        return broadcast(broadcasts.get(request.broadcast_id))

    def ListBroadcasts(self, request, context_):
        rows = broadcasts.list_channel(request.channel_id, request.page_size)
        return pb.ListBroadcastsResponse(broadcasts=[broadcast(b) for b in rows])

    def RevokeBroadcast(self, request, context_):
        return broadcast(broadcasts.revoke(request.broadcast_id))
