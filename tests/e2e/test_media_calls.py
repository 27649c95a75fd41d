"""Calls through the gateway on the real stack: rooms over HTTP, joining and WebRTC signaling over the live
WebSocket (docs/websocket.md "Calls"), a meeting's room recording attendance in org life, and two real aiortc
peers relayed by the region's coturn with the TURN credentials the platform hands out.

The corner: tests/e2e/media_corner.py (B1: sec1 secretary, m1, m2; G1: m3; secR secretary of R above them;
loner in no org), plus "m6", a member of B1 added here so a meeting of B1 has seven people who may enter.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid

import pytest
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from websockets.asyncio.client import connect as connect_async

from tests.conftest import register
from tests.e2e import media_corner
from tests.e2e.chat_corner import Live
from tests.e2e.content_corner import eventually
from tests.e2e.corner import client_for, error
from tests.e2e.test_transfers import join, ok

pytestmark = pytest.mark.e2e

CST = dt.timezone(dt.timedelta(hours=8))
SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
CANDIDATE = json.dumps({"candidate": "candidate:1 1 udp 2130706431 192.0.2.7 54400 typ host", "sdpMid": "0"})


@pytest.fixture(scope="module")
def corner(gateway_url, identity_events, stack):
    for world, media_db in media_corner.build(gateway_url, identity_events, stack):
        with client_for(gateway_url, timeout=30) as own:
            m6 = register(own, identity_events, "m6")
        join(world.http, world.admin, world.orgs["B1"], m6)
        world.people["m6"] = m6
        yield world, media_db, stack


def _ws_url(world) -> str:
    return str(world.http.base_url).replace("http://", "ws://").rstrip("/") + "/api/v1/ws"


def _live(world, who: str, lang: str = "en") -> Live:
    token = (world.admin if who == "admin" else world.people[who]).access_token
    return Live.open(f"{_ws_url(world)}?lang={lang}&access_token={token}", token, first_frame_auth=True)


def _frame(live: Live, frame_type: str, **match) -> dict:
    """The next frame of this type matching the fields (kept frames first); it is taken out of the kept list."""
    frame = live.wait_for(lambda f: f["type"] == frame_type and all(f.get(k) == v for k, v in match.items()))
    live.frames.remove(frame)
    return frame


def _room(world, who: str, **body) -> dict:
    return ok(world.post(who, "/calls/rooms", body), 201)


def _refused(answer: dict, code: str, field: str) -> dict:
    assert answer["type"] == "error", answer
    assert (answer["error"]["code"], answer["error"]["field"]) == (code, field), answer
    assert answer["error"]["message"]
    return answer["error"]


# -- two peers, signaling through the gateway ------------------------------------------------------------


def test_two_peers_exchange_offer_answer_and_candidates_through_the_gateway(corner):
    world, media_db, stack = corner
    m1, m2 = world.id("m1"), world.id("m2")
    ann, bob, loner, m3 = _live(world, "m1"), _live(world, "m2"), _live(world, "loner"), _live(world, "m3")
    try:
        room = _room(world, "m1", invited_ids=[m2], media="audio")
        assert (room["kind"], room["media"], room["created_by"], room["invited_ids"]) == ("adhoc", "audio", m1, [m2])
        assert room["participants"] == [] and room["max_participants"] == 6
        rid = room["id"]
        invited = _frame(bob, "call_invited", room_id=rid)
        assert (invited["from_account_id"], invited["media"]) == (m1, "audio")

        joined = ann.request({"type": "call_join", "room_id": rid})
        assert joined["type"] == "ack" and [p["account_id"] for p in joined["room"]["participants"]] == [m1]
        turn = [s for s in joined["ice_servers"] if s["username"]]
        assert turn and turn[0]["username"].endswith(f":{m1}") and turn[0]["credential"]
        assert f"turn:127.0.0.1:{stack.layout.turn_port}?transport=udp" in turn[0]["urls"]
        assert int(turn[0]["username"].split(":")[0]) > time.time() + 60
        assert bob.request({"type": "call_join", "room_id": rid})["type"] == "ack"
        arrived = _frame(ann, "call_participant", room_id=rid, event="joined")
        assert arrived["account_id"] == m2 and sorted(arrived["participant_ids"]) == sorted([m1, m2])
        again = bob.request({"type": "call_join", "room_id": rid})  # joining twice: the same seat, renewed
        assert len(again["room"]["participants"]) == 2
        assert media_db["call_rooms"].find_one({"_id": rid})["size"] == 2
        seat = media_db["call_participants"].find_one({"_id": f"{rid}:{m2}"})
        assert seat["seen_at"] > seat["joined_at"]

        # offer → answer → candidates both ways → bye, each delivered to the other peer only
        sent = ann.request(
            {"type": "call_signal", "room_id": rid, "to_account_id": m2, "kind": "offer", "payload": SDP}
        )
        assert (sent["type"], sent["kind"], sent["to_account_id"]) == ("ack", "offer", m2)
        offer = _frame(bob, "call_signal", room_id=rid, kind="offer")
        assert (offer["from_account_id"], offer["payload"]) == (m1, SDP)
        answer_sdp = SDP.replace("4611731400430051336", "77")
        bob.request(
            {"type": "call_signal", "room_id": rid, "to_account_id": m1, "kind": "answer", "payload": answer_sdp}
        )
        assert _frame(ann, "call_signal", room_id=rid, kind="answer")["payload"] == answer_sdp
        for sender, receiver, to in ((ann, bob, m2), (bob, ann, m1)):
            ack = sender.request(
                {"type": "call_signal", "room_id": rid, "to_account_id": to, "kind": "candidate", "payload": CANDIDATE}
            )
            assert ack["type"] == "ack"
            assert json.loads(_frame(receiver, "call_signal", kind="candidate")["payload"]) == json.loads(CANDIDATE)

        # outsiders: not invited (m3) and in no org (loner) learn nothing and cannot signal
        for outsider in (loner, m3):
            _refused(outsider.request({"type": "call_join", "room_id": rid}), "not_found", "room_id")
            signal = {"type": "call_signal", "room_id": rid, "to_account_id": m1, "kind": "offer", "payload": SDP}
            _refused(outsider.request(signal), "not_found", "room_id")
        error(world.get("loner", f"/calls/rooms/{rid}"), 404, "not_found", "room_id")
        assert not [f for f in loner.frames + m3.frames if f["type"] == "call_signal"]

        # bad signals are refused naming the field; the socket stays open
        bad = {"type": "call_signal", "room_id": rid, "to_account_id": m2, "kind": "hello", "payload": "x"}
        _refused(ann.request(bad), "invalid_argument", "kind")
        _refused(ann.request({**bad, "kind": "candidate", "payload": "x" * 2000}), "invalid_argument", "payload")
        _refused(ann.request({**bad, "kind": "offer", "to_account_id": m1}), "invalid_argument", "to_account_id")
        _refused(ann.request({**bad, "kind": 7}), "invalid_argument", "kind")
        _refused(ann.request({"type": "call_join"}), "invalid_argument", "room_id")

        # bye, then bob leaves: ann hears it and can no longer signal him
        bob.request({"type": "call_signal", "room_id": rid, "to_account_id": m1, "kind": "bye", "payload": ""})
        assert _frame(ann, "call_signal", kind="bye")["from_account_id"] == m2
        left = bob.request({"type": "call_leave", "room_id": rid})
        assert [p["account_id"] for p in left["room"]["participants"]] == [m1]
        gone = _frame(ann, "call_participant", room_id=rid, event="left")
        assert gone["account_id"] == m2 and gone["participant_ids"] == [m1]
        refused = _refused(
            ann.request({**bad, "kind": "offer", "payload": SDP}), "failed_precondition", "to_account_id"
        )
        assert "not in this call" in refused["message"]
    finally:
        for live in (ann, bob, loner, m3):
            live.close()
    # a socket that closes leaves its rooms
    eventually(lambda: ok(world.get("m1", f"/calls/rooms/{rid}"))["participants"] == [], "ann's seat freed")


def test_rooms_refuse_bad_input_clearly(corner):
    world, _, _ = corner
    error(world.post("m1", "/calls/rooms", {"invited_ids": []}), 400, "invalid_argument", "invited_ids")
    six = [world.id(n) for n in ("m2", "m3", "sec1", "secR", "m4", "m5")]
    body = error(world.post("m1", "/calls/rooms", {"invited_ids": six}), 400, "invalid_argument", "invited_ids")
    assert "5" in body["message"]
    error(world.post("m1", "/calls/rooms", {"invited_ids": [world.id("m1")]}), 400, "invalid_argument", "invited_ids")
    error(
        world.post("m1", "/calls/rooms", {"invited_ids": [world.id("m2")], "media": "tv"}),
        400,
        "invalid_argument",
        "media",
    )
    error(world.post("m1", "/calls/rooms", {"invited_ids": ["x"], "colour": "red"}), 400, "invalid_argument")
    error(world.post("m1", "/calls/rooms", {"meeting_id": "not-a-meeting"}), 404, "not_found", "meeting_id")
    error(world.get("m1", "/calls/rooms/nope"), 404, "not_found", "room_id")
    room = _room(world, "m1", invited_ids=[world.id("m2")])
    assert ok(world.post("m2", f"/calls/rooms/{room['id']}/leave"))["participants"] == []  # not in: a no-op
    error(world.post("loner", f"/calls/rooms/{room['id']}/leave"), 404, "not_found", "room_id")
    error(world.get("other", "/calls/ice-servers"), 403, "wrong_region")
    ice = ok(world.get("m2", "/calls/ice-servers"))
    assert ice["expires_at"] and [s for s in ice["ice_servers"] if s["username"].endswith(world.id("m2"))]


# -- a meeting's room ------------------------------------------------------------------------------------


def test_joining_a_meetings_room_records_attendance_and_a_seventh_is_refused(corner):
    world, media_db, _ = corner
    starts = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(minutes=5)
    body = {
        "type": "party_lecture",
        "title": "线上党课：学习党章",
        "agenda": "学习党章第一章",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "online_url": "jiceng-call",
    }
    meeting = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/meetings", body), 201)["meetings"][0]
    assert meeting["invitee_count"] == 5  # sec1, m1, m2, m3 (its group), m6
    room = _room(world, "m1", meeting_id=meeting["id"])
    assert (room["kind"], room["meeting_id"], room["org_id"]) == ("meeting", meeting["id"], world.orgs["B1"])
    assert _room(world, "sec1", meeting_id=meeting["id"])["id"] == room["id"]  # one room per meeting
    error(world.post("s1", "/calls/rooms", {"meeting_id": meeting["id"]}), 403, "permission_denied")
    error(
        world.post("m1", "/calls/rooms", {"meeting_id": meeting["id"], "invited_ids": ["x"]}),
        400,
        "invalid_argument",
        "invited_ids",
    )

    # the invitees, the secretary above (secR) and the region admin may enter: seven; the seventh is refused
    order = ["m1", "m2", "m3", "sec1", "m6", "secR", "admin"]
    sockets = {who: _live(world, who) for who in order}
    try:
        for who in order[:6]:
            assert sockets[who].request({"type": "call_join", "room_id": room["id"]})["type"] == "ack", who
        full = _refused(
            sockets["admin"].request({"type": "call_join", "room_id": room["id"]}), "failed_precondition", "room_id"
        )
        assert "6" in full["message"] and "full" in full["message"]
        _refused(_live(world, "s1").request({"type": "call_join", "room_id": room["id"]}), "permission_denied", None)
        assert media_db["call_rooms"].find_one({"_id": room["id"]})["size"] == 6

        # m1's presence reaches org life: present, online, at about when they joined
        def m1_present():
            roster = ok(world.get("sec1", f"/meetings/{meeting['id']}/roster"))["attendance"]
            row = next(r for r in roster if r["account_id"] == world.id("m1"))
            return row if row["status"] == "present" else None

        row = eventually(m1_present, "m1 present in the roster")
        assert row["method"] == "online"
        checked_in = dt.datetime.fromisoformat(row["checked_in_at"])
        assert abs((checked_in - dt.datetime.now(dt.UTC)).total_seconds()) < 120
        roster = ok(world.get("sec1", f"/meetings/{meeting['id']}/roster"))["attendance"]
        assert world.id("secR") not in {r["account_id"] for r in roster}  # entered, but not invited: no row
        mine = ok(world.get("m6", f"/meetings/{meeting['id']}"))
        assert mine["mine"]["status"] == "present" or eventually(
            lambda: ok(world.get("m6", f"/meetings/{meeting['id']}"))["mine"]["status"] == "present", "m6 present"
        )

        # m3's gateway "dies": their seat is no longer renewed (aged here by five minutes, as if it had been
        # left for that long). The seventh gets in, the stale seat is freed, the others hear m3 left.
        m3_seat = {"_id": f"{room['id']}:{world.id('m3')}"}
        aged = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        assert media_db["call_participants"].update_one(m3_seat, {"$set": {"seen_at": aged}}).matched_count == 1
        entered = sockets["admin"].request({"type": "call_join", "room_id": room["id"]})
        assert entered["type"] == "ack", entered
        inside = {p["account_id"] for p in entered["room"]["participants"]}
        assert world.admin.account_id in inside and world.id("m3") not in inside and len(inside) == 6
        gone = _frame(sockets["m1"], "call_participant", room_id=room["id"], event="left")
        assert gone["account_id"] == world.id("m3")
        assert media_db["call_rooms"].find_one({"_id": room["id"]})["size"] == 6
    finally:
        for live in sockets.values():
            live.close()


def test_a_meeting_room_outside_its_window_or_not_online_is_closed(corner):
    world, _, _ = corner
    later = dt.datetime.now(CST).replace(microsecond=0) + dt.timedelta(days=2)
    body = {
        "type": "party_lecture",
        "title": "下周党课",
        "starts_at": later.isoformat(),
        "ends_at": (later + dt.timedelta(hours=1)).isoformat(),
        "online_url": "jiceng-call",
    }
    future = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/meetings", body), 201)["meetings"][0]
    error(world.post("m1", "/calls/rooms", {"meeting_id": future["id"]}), 409, "failed_precondition", "meeting_id")
    now = dt.datetime.now(CST).replace(microsecond=0)
    on_site = {**body, "starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=1)).isoformat()}
    on_site = {**on_site, "online_url": "", "place": "党群服务中心"}
    meeting = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/meetings", on_site), 201)["meetings"][0]
    error(world.post("m1", "/calls/rooms", {"meeting_id": meeting["id"]}), 409, "failed_precondition", "meeting_id")


# -- TURN: two aiortc peers relayed by coturn ------------------------------------------------------------


class Peer:
    """An asyncio WebSocket client of the gateway, for the aiortc peers."""

    def __init__(self, ws):
        self.ws = ws
        self.kept: list[dict] = []

    async def request(self, frame: dict) -> dict:
        frame = {**frame, "id": uuid.uuid4().hex[:8]}
        await self.ws.send(json.dumps(frame))
        return await self.next(lambda f: f.get("id") == frame["id"])

    async def next(self, predicate) -> dict:
        for f in self.kept:
            if predicate(f):
                self.kept.remove(f)
                return f
        while True:
            f = json.loads(await self.ws.recv())
            if predicate(f):
                return f
            self.kept.append(f)


def _rtc(ice: list[dict]) -> RTCConfiguration:
    """The platform's TURN server (UDP url) with its credentials; relay only: no host or srflx candidates."""
    turn = next(s for s in ice if s["username"])
    url = next(u for u in turn["urls"] if u.startswith("turn:") and u.endswith("transport=udp"))
    server = RTCIceServer(urls=[url], username=turn["username"], credential=turn["credential"])
    return RTCConfiguration(iceServers=[server], iceTransportPolicy=RTCIceTransportPolicy.RELAY)


async def _relayed_call(world, stack) -> tuple[str, list[str]]:
    m1, m2 = world.id("m1"), world.id("m2")
    room = _room(world, "m1", invited_ids=[m2])
    url = _ws_url(world)
    async with (
        connect_async(f"{url}?access_token={world.people['m1'].access_token}") as ws1,
        connect_async(f"{url}?access_token={world.people['m2'].access_token}") as ws2,
    ):
        caller, callee = Peer(ws1), Peer(ws2)
        for peer in (caller, callee):
            assert (await peer.next(lambda f: f["type"] == "hello"))["type"] == "hello"
        joined1 = await caller.request({"type": "call_join", "room_id": room["id"]})
        joined2 = await callee.request({"type": "call_join", "room_id": room["id"]})
        assert joined1["type"] == joined2["type"] == "ack", (joined1, joined2)
        pc1, pc2 = RTCPeerConnection(_rtc(joined1["ice_servers"])), RTCPeerConnection(_rtc(joined2["ice_servers"]))
        received: asyncio.Future = asyncio.get_running_loop().create_future()
        try:

            @pc2.on("datachannel")
            def on_channel(channel):
                @channel.on("message")
                def on_message(message):
                    if not received.done():
                        received.set_result(message)

            channel = pc1.createDataChannel("chat")
            opened = asyncio.get_running_loop().create_future()
            channel.on("open", lambda: opened.done() or opened.set_result(True))
            await pc1.setLocalDescription(await pc1.createOffer())  # gathers the relay candidates
            offer_sdp = pc1.localDescription.sdp
            signal = {"type": "call_signal", "room_id": room["id"], "kind": "offer", "payload": offer_sdp}
            assert (await caller.request({**signal, "to_account_id": m2}))["type"] == "ack"

            offer = await callee.next(lambda f: f["type"] == "call_signal" and f["kind"] == "offer")
            await pc2.setRemoteDescription(RTCSessionDescription(offer["payload"], "offer"))
            await pc2.setLocalDescription(await pc2.createAnswer())
            reply = {**signal, "kind": "answer", "payload": pc2.localDescription.sdp, "to_account_id": m1}
            assert (await callee.request(reply))["type"] == "ack"

            answer = await caller.next(lambda f: f["type"] == "call_signal" and f["kind"] == "answer")
            await pc1.setRemoteDescription(RTCSessionDescription(answer["payload"], "answer"))
            await asyncio.wait_for(opened, 15)
            channel.send("你好，这条消息经 TURN 中继")
            message = await asyncio.wait_for(received, 10)
            candidates = [
                line for sdp in (offer_sdp, answer["payload"]) for line in sdp.splitlines() if "a=candidate" in line
            ]
            return message, candidates
        finally:
            await pc1.close()
            await pc2.close()


def test_two_aiortc_peers_talk_through_the_local_turn_server(corner):
    world, _, stack = corner
    started = time.monotonic()
    message, candidates = asyncio.run(asyncio.wait_for(_relayed_call(world, stack), 25))
    assert message == "你好，这条消息经 TURN 中继"
    assert candidates and all(" typ relay " in c for c in candidates), candidates  # nothing but relayed paths
    assert all(" 127.0.0.1 " in c for c in candidates)  # relayed by the region's coturn (relay-ip 127.0.0.1)
    assert time.monotonic() - started < 25
