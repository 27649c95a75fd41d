"""The gRPC servicer of calls: messages ↔ calls of services/media/calls.py."""

from __future__ import annotations

from jiceng.media.v1 import call_pb2 as pb
from jiceng.media.v1 import call_pb2_grpc
from kernel.wire import timestamp
from services.media import calls

SERVICE = "jiceng.media.v1.CallService"


def room(r: calls.CallRoom, seated: list[calls.CallParticipant]) -> pb.Room:
    return pb.Room(
        id=r.id,
        kind=r.kind,
        meeting_id=r.meeting_id,
        org_id=r.org_id,
        created_by=r.created_by,
        invited_ids=list(r.invited),
        participants=[pb.Participant(account_id=p.account_id, joined_at=timestamp(p.joined_at)) for p in seated],
        max_participants=calls.rules.MAX_PARTICIPANTS,
        media=r.media,
        created_at=timestamp(r.created_at),
    )


def ice(offer: calls.IceOffer) -> pb.IceServers:
    return pb.IceServers(
        ice_servers=[
            pb.IceServer(urls=list(s.urls), username=s.username, credential=s.credential) for s in offer.servers
        ],
        expires_at=timestamp(offer.expires_at) if offer.expires_at else None,
    )


class CallApi(call_pb2_grpc.CallServiceServicer):
    def CreateRoom(self, request, context_):
        created = calls.create_room(list(request.invited_ids), request.meeting_id, request.media)
        return room(created, calls.participants(created))

    def GetRoom(self, request, context_):
        return room(*calls.get_room(request.room_id))

    def JoinRoom(self, request, context_):
        joined, seated, offer = calls.join(request.room_id)
        return pb.JoinRoomResponse(room=room(joined, seated), ice=ice(offer))

    def LeaveRoom(self, request, context_):
        return room(*calls.leave(request.room_id))

    def Signal(self, request, context_):
        sent = calls.signal(request.room_id, request.to_account_id, request.kind, request.payload)
        return pb.SignalResponse(room_id=request.room_id, to_account_id=sent.to_account_id, kind=sent.kind)

    def GetIceServers(self, request, context_):
        return ice(calls.ice_offer())
