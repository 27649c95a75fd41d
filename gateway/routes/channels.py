"""Radio and TV channels over HTTP (网络电台 / 网络电视频道): channels of an org, their schedule, the programme
guide of a local day (Asia/Shanghai), what is playing now, and live broadcasts. Rules are media's.

Playing: `GET /api/v1/channels/{id}/now` names the slot; an on-demand one plays `media_hls_url` from
`offset_seconds`, a live or relayed one plays `live_url` (HLS served by the live edge) while `on_air`. Public
channels (org sites) are read without a token under `/api/v1/public/channels/{id}` (…/guide, …/now).

A broadcast's `stream_key` is in the reply that creates it, never again: publish RTMP to
`ingest_url/stream_key` (OBS: server = ingest_url, stream key = stream_key).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import as_json, call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId, timestamp_of
from jiceng.media.v1 import channel_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["channels"])

Kind = Annotated[str, Field(max_length=16, examples=["radio", "tv"])]
Visibility = Annotated[str, Field(max_length=16, examples=["members", "public"])]
OptionalId = Annotated[str, Field(max_length=64)]


class ChannelBody(Body):
    org_id: Id
    kind: Kind
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    visibility: Visibility = "members"


class ChannelPatch(Body):
    name: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=2000)] = ""
    visibility: Annotated[str, Field(max_length=16)] = ""


class SlotBody(Body):
    kind: Annotated[str, Field(max_length=16, examples=["media", "live", "relay"])]
    starts_at: Annotated[AwareDatetime, Field(description="with its zone, e.g. 2026-03-01T20:00:00+08:00")]
    ends_at: Annotated[AwareDatetime | None, Field(description="media: defaults to the item's length")] = None
    title: Annotated[str, Field(max_length=200)] = ""
    media_id: OptionalId = ""
    broadcast_id: OptionalId = ""
    source_channel_id: OptionalId = ""


class BroadcastBody(Body):
    title: Annotated[str, Field(max_length=200)] = ""
    record: bool = False


class ChannelOut(BaseModel):
    id: str
    org_id: str
    kind: str
    name: str
    description: str
    visibility: str
    created_by: str
    created_at: str
    manageable: bool


class ChannelListOut(BaseModel):
    channels: list[ChannelOut]
    next_cursor: str


class SlotOut(BaseModel):
    id: str
    channel_id: str
    kind: str
    starts_at: str
    ends_at: str
    title: str
    media_id: str
    media_seconds: float
    broadcast_id: str
    source_channel_id: str


class GuideOut(BaseModel):
    channel_id: str
    date: str
    time_zone: str
    slots: list[SlotOut]


class NowPlayingOut(BaseModel):
    channel_id: str
    at: str
    slot: SlotOut | None = None
    on_air: bool
    offset_seconds: float
    remaining_seconds: float
    media_hls_url: str = ""
    broadcast_id: str
    broadcast_channel_id: str
    live_url: str


class BroadcastOut(BaseModel):
    id: str
    channel_id: str
    org_id: str
    title: str
    status: str
    record: bool
    created_at: str
    started_at: str | None = None
    ended_at: str | None = None
    live_url: str
    recordings: list[str]


class BroadcastCreatedOut(BaseModel):
    broadcast: BroadcastOut
    stream_key: str
    ingest_url: str


class BroadcastListOut(BaseModel):
    broadcasts: list[BroadcastOut]


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "channels", method_name, message)


async def anonymous(request: Request, method_name: str, message) -> dict:
    services = request.app.state.services
    return as_json(await services.call(getattr(services.channels, method_name), message))


def _now(data: dict, public: bool = False) -> dict:
    slot = data.get("slot")
    data["slot"] = slot or None
    if slot and slot["kind"] == "media" and data["on_air"]:
        base = "/api/v1/public/media" if public else "/api/v1/media"
        token = "" if public else data.get("media_hls_token", "")
        data["media_hls_url"] = f"{base}/{slot['media_id']}/hls/master.m3u8" + (f"?t={token}" if token else "")
    data.pop("media_hls_token", None)
    return data


# -- channels --------------------------------------------------------------------------------------


@router.post("/channels", response_model=ChannelOut, status_code=201, summary="Create a radio or TV channel")
async def create_channel(body: ChannelBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateChannel", pb.CreateChannelRequest(**body.model_dump()))


@router.get("/channels", response_model=ChannelListOut, summary="The region's channels, or one org's")
async def list_channels(
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListChannelsRequest(org_id=org_id, page_size=page_size, cursor=cursor)
    return await call(request, who, "ListChannels", message)


@router.get("/channels/{channel_id}", response_model=ChannelOut, summary="A channel")
async def get_channel(channel_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetChannel", pb.ChannelRef(channel_id=channel_id))


@router.patch("/channels/{channel_id}", response_model=ChannelOut, summary="Rename or re-describe a channel")
async def update_channel(channel_id: PathId, body: ChannelPatch, request: Request, who: CallerDep):
    message = pb.UpdateChannelRequest(channel_id=channel_id, **body.model_dump())
    return await call(request, who, "UpdateChannel", message)


@router.delete("/channels/{channel_id}", response_model=ChannelOut, summary="Delete a channel and its schedule")
async def delete_channel(channel_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "DeleteChannel", pb.ChannelRef(channel_id=channel_id))


# -- the schedule ----------------------------------------------------------------------------------


@router.post("/channels/{channel_id}/slots", response_model=SlotOut, status_code=201, summary="Schedule a slot")
async def add_slot(channel_id: PathId, body: SlotBody, request: Request, who: CallerDep):
    message = pb.AddSlotRequest(
        channel_id=channel_id,
        kind=body.kind,
        starts_at=timestamp_of(body.starts_at),
        title=body.title,
        media_id=body.media_id,
        broadcast_id=body.broadcast_id,
        source_channel_id=body.source_channel_id,
    )
    if body.ends_at is not None:
        message.ends_at.CopyFrom(timestamp_of(body.ends_at))
    return await call(request, who, "AddSlot", message)


@router.delete("/channels/{channel_id}/slots/{slot_id}", response_model=SlotOut, summary="Remove a slot")
async def remove_slot(channel_id: PathId, slot_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "RemoveSlot", pb.SlotRef(channel_id=channel_id, slot_id=slot_id))


GuideDate = Annotated[str, Query(max_length=10, description="YYYY-MM-DD in Asia/Shanghai; today if empty")]


@router.get("/channels/{channel_id}/guide", response_model=GuideOut, summary="The programme guide of a local day")
async def guide(channel_id: PathId, request: Request, who: CallerDep, date: GuideDate = ""):
    return await call(request, who, "GetGuide", pb.GuideRequest(channel_id=channel_id, date=date))


@router.get("/channels/{channel_id}/now", response_model=NowPlayingOut, summary="What the channel plays now")
async def now_playing(channel_id: PathId, request: Request, who: CallerDep):
    return _now(await call(request, who, "GetNowPlaying", pb.ChannelRef(channel_id=channel_id)))


# -- public channels (no login) --------------------------------------------------------------------


@router.get("/public/channels/{channel_id}", response_model=ChannelOut, summary="A public channel (no login)")
async def public_channel(channel_id: PathId, request: Request):
    return await anonymous(request, "GetPublicChannel", pb.ChannelRef(channel_id=channel_id))


@router.get("/public/channels/{channel_id}/guide", response_model=GuideOut, summary="A public channel's guide")
async def public_guide(channel_id: PathId, request: Request, date: GuideDate = ""):
    return await anonymous(request, "GetGuide", pb.GuideRequest(channel_id=channel_id, date=date))


@router.get("/public/channels/{channel_id}/now", response_model=NowPlayingOut, summary="A public channel, now")
async def public_now(channel_id: PathId, request: Request):
    return _now(await anonymous(request, "GetNowPlaying", pb.ChannelRef(channel_id=channel_id)), public=True)


# -- live broadcasts -------------------------------------------------------------------------------


@router.post(
    "/channels/{channel_id}/broadcasts",
    response_model=BroadcastCreatedOut,
    status_code=201,
    summary="A live broadcast and its stream key (shown this once)",
)
async def create_broadcast(channel_id: PathId, body: BroadcastBody, request: Request, who: CallerDep):
    message = pb.CreateBroadcastRequest(channel_id=channel_id, title=body.title, record=body.record)
    return await call(request, who, "CreateBroadcast", message)


@router.get("/channels/{channel_id}/broadcasts", response_model=BroadcastListOut, summary="A channel's broadcasts")
async def list_broadcasts(channel_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50):
    message = pb.ListBroadcastsRequest(channel_id=channel_id, page_size=page_size)
    return await call(request, who, "ListBroadcasts", message)


@router.get("/broadcasts/{broadcast_id}", response_model=BroadcastOut, summary="A broadcast")
async def get_broadcast(broadcast_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetBroadcast", pb.BroadcastRef(broadcast_id=broadcast_id))


@router.post("/broadcasts/{broadcast_id}/revoke", response_model=BroadcastOut, summary="Revoke its stream key")
async def revoke_broadcast(broadcast_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "RevokeBroadcast", pb.BroadcastRef(broadcast_id=broadcast_id))
