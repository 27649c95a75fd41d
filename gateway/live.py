"""Live delivery: the gateway's WebSocket (`/api/v1/ws`) and its feed from the broker.

Every gateway process binds a queue of its own (exclusive: it goes with the process) to content's events
`chat_message_sent`, `chat_read` and `inbox_updated`, to media's transient call announcements (calls:
gateway/live_calls.py), to media's processing of uploads (`media` frames to their owner) and to identity's
`account_deleted` (that account's tokens stop in every gateway process, its sockets close), consumed by a
kombu thread that hands each event to the event loop. The hub then offers the event to the sockets of the
people it concerns, here.

Nothing is lost by being live-only: the database is the record. A socket starts with `sync` (what came
after the seqs the client has), and per conversation the socket remembers the last seq it delivered:
an event right after it is pushed; one already delivered is dropped; one further ahead (events of
concurrent senders may arrive out of order, or the broker connection dropped one) makes the socket fetch
the gap from the service first. So a client sees each conversation in seq order, without gaps or repeats.
After the broker connection is lost and found again, every socket re-syncs. A gateway that stops closes
its sockets (1012); clients reconnect to any gateway and sync. The protocol: docs/websocket.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from typing import Any

import grpc
import kombu
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from google.protobuf.json_format import MessageToDict
from prometheus_client import Counter, Gauge
from starlette.websockets import WebSocketState

from gateway import live_calls
from gateway.erased import ErasedAccounts
from gateway.routes.notifications import titled
from jiceng.content.v1 import chat_pb2 as pb
from kernel import messages
from kernel.errors import DomainError, ErrorCode
from kernel.outbox import exchange
from kernel.tokens import VerifiedToken

log = logging.getLogger(__name__)

router = APIRouter()

PROTOCOL = 1
FRAME_MAX = 16 * 1024  # bytes of one client frame (uvicorn closes with 1009 beyond: gateway/__main__.py)
AUTH_SECONDS = 10.0
SOCKETS_PER_ACCOUNT = 10
RETRY_SECONDS = 2.0  # after a failed call to the service, the socket catches up this much later
PENDING_MAX = 2000  # events waiting for one socket; beyond, the socket drops them and re-syncs instead
ROUTING_KEYS = ("chat_message_sent", "chat_read", "inbox_updated")
# media's processing of an upload, told to its owner's sockets (`media` frames)
MEDIA_KEYS = ("media_progress", "media_ready", "media_failed")
# identity's: a deleted account's access tokens are refused by every gateway process (gateway/erased.py)
ACCOUNT_DELETED = "account_deleted"

# Close codes (4000–4999 are the application's): also in docs/websocket.md.
BAD_FRAME, UNAUTHENTICATED, FORBIDDEN, AUTH_TIMEOUT, TOO_MANY = 4400, 4401, 4403, 4408, 4429
INTERNAL = 1011

SOCKETS = Gauge("jiceng_ws_sockets", "Open WebSockets of this gateway")
PUSHED = Counter("jiceng_ws_frames_pushed_total", "Frames pushed to sockets", ["type"])
GAPS = Counter("jiceng_ws_gap_fills_total", "Gaps in a conversation filled from the service")
FEED = Gauge("jiceng_ws_feed_connected", "1 while the broker feed of live events is bound")


class RedactTokens(logging.Filter):
    """uvicorn logs each WebSocket's path with its query: an `?access_token=` must not reach the logs."""

    _TOKEN = re.compile(r"(access_token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "access_token=" in message:
            record.msg, record.args = self._TOKEN.sub(r"\1[redacted]", message), ()
        return True


def _media_frame(kind: str, data: dict) -> dict:
    """An upload's processing as its owner hears it: progress, then ready or failed (with the reason's key)."""
    status = {"media_progress": "processing", "media_ready": "ready", "media_failed": "failed"}[kind]
    progress = int(data.get("progress", 100 if status == "ready" else 0))
    return {
        "type": "media",
        "media_id": data.get("media_id", ""),
        "status": status,
        "progress": progress,
        "error": data.get("error", ""),
    }


def _message_frame(message: dict) -> dict:
    return {"type": "message", "message": message}


def _message_json(m: pb.ChatMessage) -> dict:
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "sender_id": m.sender_id,
        "client_message_id": m.client_message_id,
        "text": m.text,
        "media_ids": list(m.media_ids),
        "sent_at": m.sent_at.ToDatetime(tzinfo=dt.UTC).isoformat(),
    }


def _conversation_json(c: pb.Conversation) -> dict:
    data = MessageToDict(c, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    for field in ("last_seq", "read_seq", "unread", "from_seq"):
        data[field] = int(data.get(field, 0))
    return data


def _event_message(data: dict) -> dict:
    """The message frame of a chat_message_sent event (the event carries the whole message)."""
    return {
        "id": data["message_id"],
        "conversation_id": data["conversation_id"],
        "seq": int(data["seq"]),
        "sender_id": data["sender_id"],
        "client_message_id": data.get("client_message_id", ""),
        "text": data.get("text", ""),
        "media_ids": list(data.get("media_ids", [])),
        "sent_at": data.get("sent_at", ""),
    }


class Session:
    """One open socket of one person: its delivery state and the frames waiting to go out."""

    def __init__(self, hub: LiveHub, websocket: WebSocket, token: str, verified: VerifiedToken, locale: str):
        self.hub = hub
        self.websocket = websocket
        self.token = token
        self.verified = verified
        self.locale = locale
        self.account_id = verified.actor.account_id
        self.delivered: dict[str, int] = {}  # conversation id -> the last seq pushed to this socket
        self.synced = False  # live chat frames wait until the client's first sync
        self.pending: asyncio.Queue = asyncio.Queue()
        self.resync_needed = False
        self.rooms: set[str] = set()  # call rooms this socket joined (live_calls.py)
        self._send_lock = asyncio.Lock()

    # -- from the hub (event loop) -----------------------------------------------------------------
    def offer(self, job: tuple[str, Any]) -> None:
        if self.pending.qsize() >= PENDING_MAX:  # a slow client: what it misses, a sync brings back
            self.resync_needed = True
            return
        self.pending.put_nowait(job)

    # -- out ---------------------------------------------------------------------------------------
    async def send(self, frame: dict) -> None:
        async with self._send_lock:
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.send_text(json.dumps(frame, ensure_ascii=False))
                PUSHED.labels(frame["type"]).inc()

    async def call(self, method: str, request):
        services = self.hub.services
        return await services.call(getattr(services.chat, method), request, self.token)

    # -- delivery (one task per socket: frames leave in the order decided here) ---------------------
    async def deliver_forever(self) -> None:
        while True:
            kind, payload = await self.pending.get()
            try:
                await self.handle(kind, payload)
            except DomainError as err:
                if err.code in (ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_INVALID, ErrorCode.UNAUTHENTICATED):
                    await self.close(UNAUTHENTICATED, err.key)
                    return
                # The service is unreachable (or refused): tell the client, catch up a little later.
                request_id = payload[2] if kind == "sync" else None
                await self.send({"type": "error", "id": request_id, "error": err.to_json(self.locale)["error"]})
                self.resync_needed = True
                asyncio.get_running_loop().call_later(RETRY_SECONDS, self.offer, ("resync", None))
            except WebSocketDisconnect:
                return
            except Exception:
                log.exception("live delivery failed", extra={"account_id": self.account_id})
                await self.close(INTERNAL, "internal")
                return

    async def close(self, code: int, key: str, **params) -> None:
        with contextlib.suppress(RuntimeError):
            await self.websocket.close(code, _close_reason(key, self.locale, **params))

    async def handle(self, kind: str, payload) -> None:
        if (kind == "resync" or self.resync_needed) and self.synced:
            self.resync_needed = False
            await self.sync(dict(self.delivered), request_id=None)
        if kind == "deleted":
            raise DomainError(ErrorCode.TOKEN_INVALID, "account_deleted")
        if kind == "message":
            await self.deliver_message(payload)
        elif kind == "read":
            await self.send({"type": "read", **payload})
        elif kind == "frame":  # a frame ready as it is: calls (live_calls.dispatch), media (_media_frame)
            await self.send(payload)
        elif kind == "notification":
            await self.send({"type": "notification", "notification": titled(payload, self.locale)})
        elif kind == "sync":
            after, conversation_ids, request_id = payload
            await self.sync(after, request_id, conversation_ids)

    async def deliver_message(self, data: dict) -> None:
        if not self.synced:
            return  # the client's first sync will bring it
        cid, seq = data["conversation_id"], int(data["seq"])
        last = self.delivered.get(cid)
        if last is not None and seq <= last:
            return  # delivered already
        if last is not None and seq == last + 1:
            self.delivered[cid] = seq
            await self.send(_message_frame(_event_message(data)))
            return
        # A conversation new to this socket, or a gap: fetch from the service up to this seq.
        GAPS.inc()
        await self.fill(cid, last, seq)

    async def fill(self, cid: str, last: int | None, upto: int) -> None:
        while True:
            after = {cid: last} if last is not None else {cid: 0}
            reply = await self.call("Sync", pb.SyncRequest(after=after, conversation_ids=[cid]))
            if not reply.conversations:
                return  # no longer mine
            synced = reply.conversations[0]
            for m in synced.messages:
                if last is None or m.seq > last:
                    await self.send(_message_frame(_message_json(m)))
                    last = m.seq
            if last is not None:
                self.delivered[cid] = max(self.delivered.get(cid, 0), last)
            if not synced.has_more or not synced.messages or (last is not None and last >= upto):
                return

    async def sync(self, after: dict[str, int], request_id, conversation_ids: list[str] | None = None) -> None:
        """Catch up: conversation and message frames, then `synced`. Repeats while the service has more."""
        more: list[str] = []
        after = dict(after)
        for round_ in range(20):  # 20 × 500 messages at the most per sync frame; has_more says the rest
            request = pb.SyncRequest(after=after, conversation_ids=conversation_ids or [])
            reply = await self.call("Sync", request)
            more = []
            for synced in reply.conversations:
                c = synced.conversation
                if round_ == 0:  # each conversation once, with its unread count, before its messages
                    await self.send({"type": "conversation", "conversation": _conversation_json(c)})
                start = max(after.get(c.id, c.read_seq), c.from_seq - 1)
                last = max(self.delivered.get(c.id, 0), start)
                for m in synced.messages:
                    if m.seq > last:
                        await self.send(_message_frame(_message_json(m)))
                        last = m.seq
                self.delivered[c.id] = max(self.delivered.get(c.id, 0), last)
                after[c.id] = last
                if synced.has_more:
                    more.append(c.id)
            if not more:
                break
            conversation_ids = more
        self.synced = True
        await self.send({"type": "synced", "id": request_id, "has_more": more})


class LiveHub:
    """This gateway's open sockets by account, fed by its own queue on the broker."""

    def __init__(self, amqp_uri: str, region: str, services, verifier, erased: ErasedAccounts):
        self.amqp_uri = amqp_uri
        self.region = region
        self.services = services
        self.verifier = verifier
        self.erased = erased  # accounts deleted a moment ago (gateway/erased.py)
        self.sessions: dict[str, set[Session]] = defaultdict(set)
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.queue_name = f"gateway-live-{region}-{uuid.uuid4().hex[:12]}"

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._consume, name="live-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def ready(self) -> bool:
        return self.connected.is_set()

    # -- sockets -----------------------------------------------------------------------------------
    def add(self, session: Session) -> bool:
        mine = self.sessions[session.account_id]
        if len(mine) >= SOCKETS_PER_ACCOUNT:
            return False
        mine.add(session)
        SOCKETS.inc()
        return True

    def remove(self, session: Session) -> None:
        mine = self.sessions.get(session.account_id)
        if mine is not None and session in mine:
            mine.discard(session)
            SOCKETS.dec()
            if not mine:
                del self.sessions[session.account_id]

    def dispatch(self, envelope: dict) -> None:
        """On the event loop: offer an event to the sockets it concerns."""
        if envelope.get("tenant") != self.region:
            return
        data, kind = envelope.get("data") or {}, envelope.get("type")
        if kind == "chat_message_sent":
            for account_id in {data.get("sender_id", ""), *data.get("recipient_ids", [])}:
                for session in self.sessions.get(account_id, ()):
                    session.offer(("message", data))
        elif kind == "chat_read":
            for session in self.sessions.get(data.get("account_id", ""), ()):
                session.offer(("read", {k: data.get(k) for k in ("conversation_id", "account_id", "seq")}))
        elif kind == "inbox_updated":
            notification = {k: v for k, v in data.items() if k != "account_id"}
            notification["id"] = notification.pop("notification_id", "")
            for session in self.sessions.get(data.get("account_id", ""), ()):
                session.offer(("notification", notification))
        elif kind in live_calls.ROUTING_KEYS:
            live_calls.dispatch(self, kind, data)
        elif kind in MEDIA_KEYS:
            frame = _media_frame(kind, data)
            for session in self.sessions.get(data.get("owner_id", ""), ()):
                session.offer(("frame", frame))
        elif kind == ACCOUNT_DELETED and (account_id := data.get("account_id")):
            self.erased.add(account_id)  # its tokens stop here too, and its open sockets close
            for session in self.sessions.get(account_id, ()):
                session.offer(("deleted", None))

    def _resync_all(self) -> None:
        for sessions in self.sessions.values():
            for session in sessions:
                session.offer(("resync", None))

    # -- the feed (a thread: kombu is blocking) ----------------------------------------------------
    def _consume(self) -> None:
        backoff, first = 0.5, True
        ex = exchange("content")
        while not self._stopping.is_set():
            try:
                with kombu.Connection(self.amqp_uri, heartbeat=30, connect_timeout=5) as conn:
                    bindings = [kombu.binding(ex, routing_key=key) for key in ROUTING_KEYS]
                    media_keys = (*live_calls.ROUTING_KEYS, *MEDIA_KEYS)
                    bindings += [kombu.binding(exchange("media"), routing_key=k) for k in media_keys]
                    bindings.append(kombu.binding(exchange("identity"), routing_key=ACCOUNT_DELETED))
                    queue = kombu.Queue(
                        self.queue_name, bindings=bindings, exclusive=True, auto_delete=True, durable=False
                    )
                    with conn.Consumer(queue, callbacks=[self._on_message], accept=["json"], no_ack=True):
                        self.connected.set()
                        FEED.set(1)
                        log.info("live feed bound", extra={"queue": self.queue_name})
                        if not first:  # events published while unbound were never ours: catch up from the record
                            self._call_soon(self._resync_all)
                        first, backoff = False, 0.5
                        while not self._stopping.is_set():
                            try:
                                conn.drain_events(timeout=0.5)
                            except TimeoutError:
                                conn.heartbeat_check()
            except Exception:  # noqa: BLE001 - any broker failure: unbind, wait, bind again
                log.warning("live feed lost; binding again", extra={"retry_in": backoff}, exc_info=True)
            self.connected.clear()
            FEED.set(0)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 10.0)

    def _on_message(self, body, message) -> None:
        envelope = json.loads(body) if isinstance(body, str | bytes) else body
        self._call_soon(self.dispatch, envelope)

    def _call_soon(self, fn, *args) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn, *args)


# -- the endpoint ---------------------------------------------------------------------------------------


def _close_reason(key: str, locale: str, **params) -> str:
    """A close reason: the stable code, then the message (trimmed: a reason holds 123 bytes)."""
    text = f"{key}: {messages.render(key, locale, params)}"
    encoded = text.encode()[:123]
    return encoded.decode(errors="ignore")


def _close_code(err: DomainError) -> int:
    return FORBIDDEN if err.code in (ErrorCode.WRONG_REGION, ErrorCode.PERMISSION_DENIED) else UNAUTHENTICATED


async def _receive_text(websocket: WebSocket) -> str:
    """The next text frame; a binary frame is a bad frame (ValueError)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raise ValueError("binary frame")
    return text


async def _first_token(websocket: WebSocket) -> str | None:
    """The token of `?access_token=`, an Authorization header, or the first frame ({"type": "auth"})."""
    query = websocket.query_params.get("access_token")
    if query:
        return query
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    raw = await asyncio.wait_for(_receive_text(websocket), AUTH_SECONDS)
    frame = json.loads(raw)
    if not isinstance(frame, dict) or frame.get("type") != "auth" or not isinstance(frame.get("access_token"), str):
        raise ValueError("first frame is not auth")
    return frame["access_token"]


@router.websocket("/api/v1/ws")
async def live_socket(websocket: WebSocket) -> None:
    hub: LiveHub = websocket.app.state.live
    locale = messages.negotiate(websocket.query_params.get("lang") or websocket.headers.get("accept-language"))
    await websocket.accept()
    try:
        token = await _first_token(websocket)
        verified = hub.verifier.verify(token or "")
        if verified.actor.account_id in hub.erased:  # the account was deleted a moment ago
            raise DomainError(ErrorCode.TOKEN_INVALID)
    except TimeoutError:
        await websocket.close(AUTH_TIMEOUT, _close_reason("chat_ws_auth_timeout", locale, seconds=int(AUTH_SECONDS)))
        return
    except DomainError as err:
        await websocket.close(_close_code(err), _close_reason(err.key, locale, **err.params))
        return
    except (ValueError, WebSocketDisconnect):
        with contextlib.suppress(RuntimeError):
            await websocket.close(BAD_FRAME, _close_reason("chat_ws_frame_invalid", locale))
        return
    session = Session(hub, websocket, token, verified, locale)
    if not hub.add(session):
        await websocket.close(TOO_MANY, _close_reason("chat_ws_too_many", locale, max=SOCKETS_PER_ACCOUNT))
        return
    delivery = asyncio.create_task(session.deliver_forever())
    expiry = asyncio.create_task(_close_at_expiry(session))
    seats = asyncio.create_task(live_calls.keep_seats(session))
    try:
        await session.send(
            {
                "type": "hello",
                "protocol": PROTOCOL,
                "account_id": session.account_id,
                "expires_at": verified.expires_at,
            }
        )
        await _read_frames(session)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("live socket failed")
        with contextlib.suppress(RuntimeError):
            await websocket.close(INTERNAL, _close_reason("internal", locale))
    finally:
        hub.remove(session)
        seats.cancel()
        await live_calls.leave_all(session)
        delivery.cancel()
        expiry.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await delivery


async def _close_at_expiry(session: Session) -> None:
    """Close the socket with 4401 when its token expires (unless an `auth` frame renewed it)."""
    while True:
        left = session.verified.expires_at - time.time()
        if left <= 0:
            break
        await asyncio.sleep(min(left, 60.0))
    await session.close(UNAUTHENTICATED, "token_expired")


async def _read_frames(session: Session) -> None:
    websocket = session.websocket
    while True:
        try:
            frame = json.loads(await _receive_text(websocket))
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await websocket.close(BAD_FRAME, _close_reason("chat_ws_frame_invalid", session.locale))
            return
        request_id = frame.get("id")
        if request_id is not None and not (isinstance(request_id, str | int) and len(str(request_id)) <= 64):
            await websocket.close(BAD_FRAME, _close_reason("chat_ws_frame_invalid", session.locale))
            return
        handler = _HANDLERS.get(frame["type"])
        if handler is None:
            await websocket.close(BAD_FRAME, _close_reason("chat_ws_frame_invalid", session.locale))
            return
        try:
            await handler(session, frame, request_id)
        except DomainError as err:
            await session.send({"type": "error", "id": request_id, "error": err.to_json(session.locale)["error"]})
            if err.code in (ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_INVALID, ErrorCode.UNAUTHENTICATED):
                await websocket.close(UNAUTHENTICATED, _close_reason(err.key, session.locale))
                return
            if err.key == "chat_ws_account_changed":
                await websocket.close(FORBIDDEN, _close_reason(err.key, session.locale))
                return
        except grpc.RpcError:
            err = DomainError(ErrorCode.UNAVAILABLE)
            await session.send({"type": "error", "id": request_id, "error": err.to_json(session.locale)["error"]})


def _field_error(field: str, detail: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", field, detail=detail)


async def _on_ping(session: Session, frame: dict, request_id) -> None:
    await session.send({"type": "pong", "id": request_id})


async def _on_auth(session: Session, frame: dict, request_id) -> None:
    """A fresh access token keeps the socket open past the old one's expiry."""
    token = frame.get("access_token")
    if not isinstance(token, str) or not token:
        raise _field_error("access_token", "string")
    verified = session.hub.verifier.verify(token)
    if verified.actor.account_id != session.account_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "chat_ws_account_changed", "access_token")
    session.token, session.verified = token, verified
    await session.send({"type": "ack", "id": request_id, "expires_at": verified.expires_at})


async def _on_sync(session: Session, frame: dict, request_id) -> None:
    after = frame.get("after", {})
    if not isinstance(after, dict) or len(after) > 1000:
        raise _field_error("after", "an object of conversation id → seq")
    if not all(isinstance(k, str) and len(k) <= 64 and isinstance(v, int) and v >= 0 for k, v in after.items()):
        raise _field_error("after", "an object of conversation id → seq")
    # Queued behind the live frames already waiting: the delivery task answers it in order.
    session.pending.put_nowait(("sync", (after, None, request_id)))


async def _on_send(session: Session, frame: dict, request_id) -> None:
    cid = frame.get("conversation_id")
    if not isinstance(cid, str) or not cid or len(cid) > 64:
        raise _field_error("conversation_id", "string")
    text, media = frame.get("text", ""), frame.get("media_ids", [])
    if not isinstance(text, str):
        raise _field_error("text", "string")
    if not isinstance(media, list) or not all(isinstance(m, str) for m in media):
        raise _field_error("media_ids", "list of strings")
    client_id = frame.get("client_message_id")
    if not isinstance(client_id, str):
        raise _field_error("client_message_id", "string")
    request = pb.SendMessageRequest(conversation_id=cid, client_message_id=client_id, text=text, media_ids=media)
    sent = await session.call("SendMessage", request)
    await session.send({"type": "ack", "id": request_id, "message": _message_json(sent)})


async def _on_read(session: Session, frame: dict, request_id) -> None:
    cid, seq = frame.get("conversation_id"), frame.get("seq")
    if not isinstance(cid, str) or not cid or len(cid) > 64:
        raise _field_error("conversation_id", "string")
    if not isinstance(seq, int) or seq < 0:
        raise _field_error("seq", ">= 0")
    reply = await session.call("MarkRead", pb.MarkReadRequest(conversation_id=cid, seq=seq))
    await session.send({"type": "ack", "id": request_id, "conversation": _conversation_json(reply)})


_HANDLERS = {
    "ping": _on_ping,
    "auth": _on_auth,
    "sync": _on_sync,
    "send": _on_send,
    "read": _on_read,
    **live_calls.HANDLERS,
}
