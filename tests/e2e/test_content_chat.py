"""Chat through the gateway on the real stack: HTTP routes and the live WebSocket (docs/websocket.md).

Two people chat over WebSockets; concurrent senders get one order; what is sent while someone is away
reaches them when they come back; a gateway restart loses nothing acknowledged; bad input gets a 4xx
or a close code that says what was wrong. The corner of the region: tests/e2e/chat_corner.py.
"""

from __future__ import annotations

import json
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from devstack.stack import PYTHON, Process, _http_ok
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.e2e.chat_corner import API, Corner, build
from tests.e2e.corner import error

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def corner(stack, gateway_url, identity_events) -> Corner:
    c = build(stack, gateway_url, identity_events)
    yield c
    c.http.close()


def _group(corner: Corner, owner: str, *members: str, title: str = "学习小组") -> str:
    reply = corner.post(owner, "/chat/groups", {"title": title, "member_ids": [corner.id(m) for m in members]})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _conversation(corner: Corner, who: str, conversation_id: str) -> dict:
    reply = corner.get(who, f"/chat/conversations/{conversation_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()["conversation"]


# -- two people, live ------------------------------------------------------------------------------


def test_two_people_chat_over_websockets(corner):
    cid = corner.direct("ann", "bob")
    assert corner.direct("bob", "ann") == cid  # one conversation per pair, whoever opens it
    ann, bob = corner.live("ann"), corner.live("bob", first_frame_auth=True)
    try:
        ann.sync()
        bob.sync()
        ack = ann.request({"type": "send", "conversation_id": cid, "client_message_id": "a1", "text": "你好，小包"})
        assert ack["type"] == "ack", ack
        first = ack["message"]
        assert first["seq"] >= 1 and first["text"] == "你好，小包"
        got = bob.messages(cid, 1)[0]
        assert got == first  # live frame and acknowledgement describe the same stored message
        assert _conversation(corner, "bob", cid)["unread"] == 1
        assert _conversation(corner, "ann", cid)["unread"] == 0  # what I send, I have read

        reply = corner.send("bob", cid, "收到，谢谢")
        assert reply["seq"] == first["seq"] + 1
        assert [m["text"] for m in ann.messages(cid, 2)] == ["你好，小包", "收到，谢谢"]

        read = bob.request({"type": "read", "conversation_id": cid, "seq": reply["seq"]})
        assert read["type"] == "ack" and read["conversation"]["unread"] == 0
        listed = corner.get("bob", "/chat/conversations").json()["conversations"]
        assert next(c for c in listed if c["id"] == cid)["unread"] == 0
        assert ann.request({"type": "ping"})["type"] == "pong"
    finally:
        ann.close()
        bob.close()


def test_a_read_marker_moves_on_my_other_devices(corner):
    cid = corner.direct("ann", "gus")
    sent = corner.send("ann", cid, "在吗")
    phone, laptop = corner.live("gus"), corner.live("gus")
    try:
        phone.sync()
        laptop.sync()
        assert phone.request({"type": "read", "conversation_id": cid, "seq": sent["seq"]})["type"] == "ack"
        frame = laptop.wait_for(lambda f: f["type"] == "read" and f["conversation_id"] == cid)
        assert frame["seq"] == sent["seq"] and frame["account_id"] == corner.id("gus")
    finally:
        phone.close()
        laptop.close()


def test_sending_twice_with_one_client_id_stores_one_message(corner):
    cid = corner.direct("ann", "cat")
    first = corner.send("ann", cid, "只发一次", client_id="same-id")
    again = corner.send("ann", cid, "只发一次", client_id="same-id")
    assert again == first
    history = corner.get("ann", f"/chat/conversations/{cid}/messages").json()["messages"]
    assert [m["client_message_id"] for m in history].count("same-id") == 1


# -- order ------------------------------------------------------------------------------------------


def test_concurrent_senders_get_one_gapless_order(corner):
    cid = _group(corner, "ann", "bob", "gus", "cat", title="并发测试")
    listener = corner.live("cat")
    per_sender = 12
    try:
        listener.sync()

        def burst(who: str) -> list[int]:
            return [corner.send(who, cid, f"{who}-{n}")["seq"] for n in range(per_sender)]

        with ThreadPoolExecutor(3) as pool:
            seqs = dict(zip(("ann", "bob", "gus"), pool.map(burst, ("ann", "bob", "gus")), strict=True))
        everyone = sorted(s for got in seqs.values() for s in got)
        assert everyone == list(range(1, 3 * per_sender + 1)), everyone  # each seq once, none skipped
        for who, got in seqs.items():
            assert got == sorted(got), f"{who}'s messages out of their own order"

        live = listener.messages(cid, 3 * per_sender)
        assert [m["seq"] for m in live] == everyone  # pushed in seq order, no repeats
        history, before = [], 0
        while True:
            page = corner.get("cat", f"/chat/conversations/{cid}/messages", page_size=10, before_seq=before).json()
            history += page["messages"]
            before = page["next_before_seq"]
            if not before:
                break
        assert [m["seq"] for m in history] == everyone[::-1]  # newest first, pages disjoint and complete
        assert [m["text"] for m in history[::-1]] == [m["text"] for m in live]
    finally:
        listener.close()


# -- away and back ----------------------------------------------------------------------------------


def test_what_was_sent_while_away_arrives_on_reconnect(corner):
    cid = corner.direct("bob", "gus")
    bob = corner.live("bob")
    bob.sync()
    seen = corner.send("gus", cid, "第一条")["seq"]
    assert bob.messages(cid, 1)[-1]["seq"] == seen
    bob.close()

    missed = [corner.send("gus", cid, f"离线时的第 {n} 条")["seq"] for n in range(3)]
    back = corner.live("bob")
    try:
        got = [m for m in back.sync({cid: seen}) if m["conversation_id"] == cid]
        assert [m["seq"] for m in got] == missed
        later = corner.send("gus", cid, "回来了")["seq"]
        assert back.messages(cid, 4)[-1]["seq"] == later  # and live again after the catch-up
    finally:
        back.close()

    # Without saying what it has, a client gets what is unread.
    fresh = corner.live("bob")
    try:
        unread = [m["seq"] for m in fresh.sync() if m["conversation_id"] == cid]
        assert unread == [seen, *missed, later]
        conversation = next(
            f["conversation"] for f in fresh.frames if f["type"] == "conversation" and f["conversation"]["id"] == cid
        )
        assert conversation["unread"] == len(unread)
    finally:
        fresh.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_gateway_restart_loses_nothing_acknowledged(stack, corner):
    """A second gateway process (the session's own stays up for the other tests) is stopped and started
    while messages keep being acknowledged through the first."""
    port = _free_port()
    second = Process(
        "gateway-restart-test",
        [PYTHON, "-m", "gateway"],
        ready=lambda: _http_ok(f"http://127.0.0.1:{port}/readyz"),
        env={"HTTP_PORT": str(port)},
    )
    url = f"ws://127.0.0.1:{port}{API}/ws"
    cid = corner.direct("ann", "bob")
    stack.start(second)
    try:
        bob = corner.live("bob", url=url)
        bob.sync()
        before = [corner.send("ann", cid, f"重启前 {n}")["seq"] for n in range(3)]
        have = bob.messages(cid, len(before))
        last_seen = have[-1]["seq"]

        stack.stop(second)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                bob.recv(timeout=10)
        assert closed.value.rcvd is None or closed.value.rcvd.code in (1001, 1006, 1012)
        during = [corner.send("ann", cid, f"网关停止时 {n}")["seq"] for n in range(5)]

        stack.start(second)
        back = corner.live("bob", url=url)
        try:
            got = [m for m in back.sync({cid: last_seen}) if m["conversation_id"] == cid]
            after = corner.send("ann", cid, "重启后")["seq"]
            got = [m for m in back.messages(cid, len(got) + 1)]
            assert [m["seq"] for m in got] == [*[s for s in before if s > last_seen], *during, after]
            assert got[-1]["text"] == "重启后"
        finally:
            back.close()
    finally:
        stack.stop(second)


# -- groups ---------------------------------------------------------------------------------------------


def test_groups_are_invited_by_their_owner_and_left_by_members(corner):
    cid = _group(corner, "ann", "bob", title="读书会")
    error(
        corner.post("bob", f"/chat/conversations/{cid}/members", {"account_ids": [corner.id("gus")]}),
        403,
        "permission_denied",
        "conversation_id",
    )
    invited = corner.post("ann", f"/chat/conversations/{cid}/members", {"account_ids": [corner.id("gus")]})
    assert invited.status_code == 200 and invited.json()["member_count"] == 3
    sent = corner.send("ann", cid, "欢迎")
    assert _conversation(corner, "gus", cid)["unread"] == 1

    # gus joined before this message and reads it; history from before his joining stays hidden
    left = corner.delete("bob", f"/chat/conversations/{cid}/members/me")
    assert left.status_code == 200
    error(corner.get("bob", f"/chat/conversations/{cid}"), 404, "not_found", "conversation_id")
    error(
        corner.post("bob", f"/chat/conversations/{cid}/messages", {"client_message_id": "x", "text": "hi"}),
        404,
        "not_found",
        "conversation_id",
    )
    assert corner.get("gus", f"/chat/conversations/{cid}/messages").json()["messages"][0]["seq"] == sent["seq"]
    detail = corner.get("ann", f"/chat/conversations/{cid}").json()
    assert {m["display_name"] for m in detail["members"]} == {"ann", "gus"}

    error(
        corner.delete("ann", f"/chat/conversations/{corner.direct('ann', 'bob')}/members/me"),
        409,
        "failed_precondition",
        "conversation_id",
    )
    # strangers can't be pulled into a group: loner is in no org and no one's friend
    error(
        corner.post("ann", "/chat/groups", {"member_ids": [corner.id("loner")]}), 403, "permission_denied", "member_ids"
    )


def test_an_org_group_is_opened_by_an_officer_and_joined_by_its_subtree(corner):
    a = corner.orgs["A"]["id"]
    error(corner.post("ann", f"/orgs/{a}/chat"), 403, "permission_denied")
    opened = corner.post("admin", f"/orgs/{a}/chat", {"title": ""})
    assert opened.status_code == 200, opened.text
    group = opened.json()
    assert group["kind"] == "org" and group["title"] == corner.orgs["A"]["name"]

    found = corner.get("cat", f"/orgs/{a}/chat")  # cat's home is a group two levels below A
    assert found.status_code == 200 and found.json()["id"] == group["id"]
    error(corner.get("eve", f"/orgs/{a}/chat"), 404, "not_found", "org_id")  # eve is not in A's subtree
    error(corner.post("eve", f"/chat/conversations/{group['id']}/join"), 404, "not_found")

    earlier = corner.send("admin", group["id"], "总支群开通")
    joined = corner.post("cat", f"/chat/conversations/{group['id']}/join")
    assert joined.status_code == 200 and joined.json()["from_seq"] == earlier["seq"] + 1
    assert corner.post("cat", f"/chat/conversations/{group['id']}/join").json()["member_count"] == 2  # once
    sent = corner.send("cat", group["id"], "大家好")
    messages = corner.get("cat", f"/chat/conversations/{group['id']}/messages").json()["messages"]
    assert [m["seq"] for m in messages] == [sent["seq"]]  # what came before cat joined is not cat's to read


# -- bad input --------------------------------------------------------------------------------------------


def test_bad_input_gets_a_clear_4xx(corner):
    cid = corner.direct("ann", "bob")
    url = f"/chat/conversations/{cid}/messages"
    error(corner.post("ann", url, {"client_message_id": "t", "text": "字" * 2001}), 400, "invalid_argument", "text")
    too_many = {"client_message_id": "m", "text": "图", "media_ids": [f"m{n}" for n in range(10)]}
    error(corner.post("ann", url, too_many), 400, "invalid_argument", "media_ids")
    error(
        corner.post("ann", url, {"client_message_id": "", "text": "hi"}), 400, "invalid_argument", "client_message_id"
    )
    error(corner.post("ann", url, {"client_message_id": "e", "text": "  "}), 400, "invalid_argument", "text")
    error(corner.post("ann", url, {"client_message_id": "x", "text": "hi", "extra": 1}), 400, "invalid_argument")
    error(
        corner.post("ann", "/chat/conversations/nope/messages", {"client_message_id": "x", "text": "hi"}),
        404,
        "not_found",
        "conversation_id",
    )
    # someone else's conversation reads as missing
    error(corner.post("cat", url, {"client_message_id": "x", "text": "hi"}), 404, "not_found", "conversation_id")
    error(corner.get("cat", url), 404, "not_found", "conversation_id")
    error(corner.post("ann", "/chat/direct", {"account_id": corner.id("ann")}), 400, "invalid_argument", "account_id")
    error(corner.post("ann", "/chat/direct", {"account_id": "no-such-person"}), 404, "not_found", "account_id")
    error(corner.post("cat", "/chat/direct", {"account_id": corner.id("eve")}), 403, "permission_denied", "account_id")
    error(corner.post("ann", "/chat/direct", {"account_id": corner.id("loner")}), 403, "permission_denied")
    error(corner.post("ann", f"/chat/conversations/{cid}/read", {"seq": -1}), 400, "invalid_argument", "seq")
    error(corner.get("ann", url, page_size=500), 400, "invalid_argument", "page_size")
    error(corner.post("ann", "/chat/groups", {"title": "群" * 65}), 400, "invalid_argument", "title")
    error(corner.post("ann", "/chat/sync", {"after": {cid: -3}}), 400, "invalid_argument")
    assert corner.http.get(API + "/ws").status_code == 426


def _closed_with(url: str, send: list[str | bytes] | None = None, timeout: float = 15.0) -> tuple[int, str]:
    with connect(url, open_timeout=10) as ws:
        for frame in send or []:
            ws.send(frame)
        try:
            while True:
                ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "the server closed without a close frame"
            return closed.rcvd.code, closed.rcvd.reason


def test_the_websocket_closes_with_a_code_that_says_why(stack, corner):
    token = corner.people["ann"].access_token
    code, reason = _closed_with(f"{corner.ws_url}?access_token=not-a-token")
    assert code == 4401 and reason.startswith("token_invalid")
    code, reason = _closed_with(corner.ws_url, ["this is not json"])
    assert code == 4400 and reason.startswith("chat_ws_frame_invalid")
    code, _ = _closed_with(corner.ws_url, [json.dumps({"type": "send"})])  # no auth first
    assert code == 4400
    code, _ = _closed_with(f"{corner.ws_url}?access_token={token}", [json.dumps({"type": "dance"})])
    assert code == 4400
    code, _ = _closed_with(f"{corner.ws_url}?access_token={token}", [b"\x00binary"])
    assert code == 4400
    code, _ = _closed_with(f"{corner.ws_url}?access_token={token}", ["x" * (17 * 1024)])
    assert code == 1009  # frame too large

    elsewhere = TokenIssuer(stack.layout.keys_dir, "beijing", 600).issue(Actor(corner.id("ann"), "s")).token
    code, reason = _closed_with(f"{corner.ws_url}?access_token={elsewhere}")
    assert code == 4403 and reason.startswith("wrong_region")

    short = TokenIssuer(stack.layout.keys_dir, stack.layout.region, 3).issue(Actor(corner.id("ann"), "s")).token
    code, reason = _closed_with(f"{corner.ws_url}?access_token={short}")
    assert code == 4401 and reason.startswith("token_expired")

    assert token not in (stack.layout.log_dir / "gateway.log").read_text()  # ?access_token= is redacted

    # domain errors are frames, and the socket stays open
    live = corner.live("ann")
    try:
        cid = corner.direct("ann", "bob")
        answer = live.request(
            {"type": "send", "conversation_id": cid, "client_message_id": uuid.uuid4().hex, "text": "长" * 2001}
        )
        assert answer["type"] == "error" and answer["error"]["field"] == "text", answer
        assert live.request({"type": "ping"})["type"] == "pong"
        other = TokenIssuer(stack.layout.keys_dir, stack.layout.region, 600).issue(Actor(corner.id("bob"), "s"))
        answer = live.request({"type": "auth", "access_token": other.token})
        assert answer["type"] == "error"
        with pytest.raises(ConnectionClosed) as closed:
            live.recv(timeout=10)
        assert closed.value.rcvd.code == 4403
    finally:
        live.close()


def test_the_websocket_is_in_the_openapi_description(corner):
    spec = corner.http.get("/openapi.json").json()
    described = spec["paths"][f"{API}/ws"]["get"]["description"]
    for word in ("access_token", "sync", "4401", "1012", "docs/websocket.md"):
        assert word in described
