"""Calls over HTTP: create a room (ad hoc, or an org meeting's), read it, leave it, and the ICE servers
(STUN/TURN with short-lived credentials). Joining and signaling happen on the live WebSocket
(`call_join`, `call_signal`, `call_leave`: docs/websocket.md), so a room's participants are sockets that can
hear their peers. Rules (capacity, who may enter, TURN credentials) are media's (services/media/calls.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Id, PathId
from jiceng.media.v1 import call_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["calls"])


class RoomBody(Body):
    invited_ids: Annotated[
        list[Id], Field(max_length=16, description="accounts invited to an ad hoc room (not with meeting_id)")
    ] = []
    meeting_id: Annotated[str, Field(max_length=64, description="the org meeting whose room this is")] = ""
    media: Annotated[str, Field(max_length=16, examples=["video", "audio"])] = "video"


class ParticipantOut(BaseModel):
    account_id: str
    joined_at: str


class RoomOut(BaseModel):
    id: str
    kind: str
    meeting_id: str
    org_id: str
    created_by: str
    invited_ids: list[str]
    participants: list[ParticipantOut]
    max_participants: int
    media: str
    created_at: str


class IceServerOut(BaseModel):
    urls: list[str]
    username: str
    credential: str


class IceServersOut(BaseModel):
    ice_servers: list[IceServerOut]
    expires_at: str | None = None


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "calls", method_name, message)


@router.post("/calls/rooms", response_model=RoomOut, status_code=201, summary="Create a call room")
async def create_room(body: RoomBody, request: Request, who: CallerDep):
    """An ad hoc room with `invited_ids` (1–5 others: a mesh of at most 6), or the room of an online org
    meeting with `meeting_id` (one per meeting: asking again returns it)."""
    return await call(request, who, "CreateRoom", pb.CreateRoomRequest(**body.model_dump()))


@router.get("/calls/rooms/{room_id}", response_model=RoomOut, summary="A call room and who is in it")
async def get_room(room_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetRoom", pb.RoomRef(room_id=room_id))


@router.post("/calls/rooms/{room_id}/leave", response_model=RoomOut, summary="Leave a call room")
async def leave_room(room_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "LeaveRoom", pb.RoomRef(room_id=room_id))


@router.get("/calls/ice-servers", response_model=IceServersOut, summary="STUN/TURN servers with credentials")
async def ice_servers(request: Request, who: CallerDep):
    """For RTCPeerConnection's `iceServers`; the TURN credentials expire at `expires_at`."""
    return await call(request, who, "GetIceServers", pb.GetIceServersRequest())
