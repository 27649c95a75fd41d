"""Calls on the live WebSocket (gateway/live.py): joining rooms, relaying WebRTC signals, hearing who comes and
goes. Rules and records are media's (services/media/calls.py); this is the socket's side.

A socket that sends `call_join` for a room (and got its `ack`) is in the room: it receives the room's
`call_participant` frames and the `call_signal` frames addressed to its account in that room. Media announces
signals and arrivals transiently on `media.events` (routing keys ROUTING_KEYS, services/media/signals.py);
each gateway's live queue binds them beside content's events and offers each to its own sockets that joined
the room, so two peers on different gateways reach each other. `call_invited` goes to every socket of the
invited accounts (a phone rings whether or not it joined anything). A socket that closes leaves the rooms it
joined, and renews its seats every SEAT_REFRESH_SECONDS meanwhile (a seat not renewed is freed by media: a
gateway that dies cannot keep a room full). Frames and errors: docs/websocket.md ("Calls").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gateway.clients import as_json
from jiceng.media.v1 import call_pb2 as pb
from kernel.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

SEAT_REFRESH_SECONDS = 30.0  # media frees a seat not renewed for 120 s (services/media/domain/calls.py)
ROUTING_KEYS = ("call_invited", "call_participant_joined", "call_participant_left", "call_signal")
SIGNAL_FRAME_FIELDS = ("room_id", "to_account_id", "kind", "payload")


def _field_error(field: str, detail: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", field, detail=detail)


def _text(frame: dict, field: str, limit: int, required: bool = True) -> str:
    value = frame.get(field, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        raise _field_error(field, f"string of 1 to {limit} characters" if required else f"string ≤ {limit}")
    return value


async def _call(session, method: str, request):
    services = session.hub.services
    return await services.call(getattr(services.calls, method), request, session.token)


def _ice_json(ice: pb.IceServers) -> dict:
    data = as_json(ice)
    return {"ice_servers": data.get("ice_servers", []), "ice_expires_at": data.get("expires_at")}


# -- client frames ---------------------------------------------------------------------------------------


async def on_join(session, frame: dict, request_id) -> None:
    room_id = _text(frame, "room_id", 64)
    reply = await _call(session, "JoinRoom", pb.RoomRef(room_id=room_id))
    session.rooms.add(room_id)
    await session.send({"type": "ack", "id": request_id, "room": as_json(reply.room), **_ice_json(reply.ice)})


async def on_signal(session, frame: dict, request_id) -> None:
    room_id = _text(frame, "room_id", 64)
    to = _text(frame, "to_account_id", 64)
    kind = _text(frame, "kind", 16)
    payload = _text(frame, "payload", 16 * 1024, required=False)  # media checks each kind's own limit
    request = pb.SignalRequest(room_id=room_id, to_account_id=to, kind=kind, payload=payload)
    sent = await _call(session, "Signal", request)
    await session.send({"type": "ack", "id": request_id, "room_id": sent.room_id, "to_account_id": to, "kind": kind})


async def on_leave(session, frame: dict, request_id) -> None:
    room_id = _text(frame, "room_id", 64)
    reply = await _call(session, "LeaveRoom", pb.RoomRef(room_id=room_id))
    session.rooms.discard(room_id)
    await session.send({"type": "ack", "id": request_id, "room": as_json(reply)})


HANDLERS = {"call_join": on_join, "call_signal": on_signal, "call_leave": on_leave}


async def leave_all(session) -> None:
    """The socket closed: leave every room it joined (others hear `call_participant` left)."""
    for room_id in list(session.rooms):
        session.rooms.discard(room_id)
        with contextlib.suppress(Exception):  # the service or the token may be gone: the seat then stays
            await _call(session, "LeaveRoom", pb.RoomRef(room_id=room_id))


async def keep_seats(session) -> None:
    """Renew this socket's seats while it is open (joining again renews a seat): if this gateway dies with
    the socket open, media frees the seats that stop being renewed."""
    while True:
        await asyncio.sleep(SEAT_REFRESH_SECONDS)
        for room_id in list(session.rooms):
            try:
                await _call(session, "JoinRoom", pb.RoomRef(room_id=room_id))
            except DomainError as err:  # the seat was taken from us (freed as stale, the room is full now)
                log.info("call seat not renewed", extra={"room_id": room_id, "error": err.key})
                if err.code != ErrorCode.UNAVAILABLE:
                    session.rooms.discard(room_id)


# -- broker events → frames -------------------------------------------------------------------------------


def dispatch(hub, kind: str, data: dict) -> None:
    """On the event loop: offer a media announcement to the sockets it concerns."""
    room_id = data.get("room_id", "")
    if kind == "call_signal":
        frame = {
            "type": "call_signal",
            "room_id": room_id,
            "from_account_id": data.get("from_account_id", ""),
            "kind": data.get("kind", ""),
            "payload": data.get("payload", ""),
        }
        for session in hub.sessions.get(data.get("to_account_id", ""), ()):
            if room_id in session.rooms:
                session.offer(("frame", frame))
    elif kind in ("call_participant_joined", "call_participant_left"):
        mover = data.get("account_id", "")
        frame = {
            "type": "call_participant",
            "room_id": room_id,
            "event": "joined" if kind == "call_participant_joined" else "left",
            "account_id": mover,
            "participant_ids": list(data.get("participant_ids", [])),
        }
        for account_id in set(frame["participant_ids"]) - {mover}:
            for session in hub.sessions.get(account_id, ()):
                if room_id in session.rooms:
                    session.offer(("frame", frame))
    elif kind == "call_invited":
        frame = {
            "type": "call_invited",
            "room_id": room_id,
            "from_account_id": data.get("from_account_id", ""),
            "media": data.get("media", ""),
        }
        for account_id in set(data.get("account_ids", [])):
            for session in hub.sessions.get(account_id, ()):
                session.offer(("frame", frame))
