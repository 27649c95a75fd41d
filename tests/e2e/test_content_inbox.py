"""The notification inbox on the real stack, fed by the content worker from content's events.

The microblog, forums and notices are built by others in parallel: this module publishes their events
itself the way they will, through content's outbox (kernel.store.atomically + uow.emit, source
"content"), relayed by the content server to the real broker and consumed by the real worker. Chat
messages are sent through the gateway. The corner of the region: tests/e2e/chat_corner.py.
"""

from __future__ import annotations

import time
import uuid

import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from kernel.events import HandledEvent
from kernel.outbox import OutboxEvent, Publisher
from services.content import notifications
from services.content import store as content_store
from tests.conftest import tap_events
from tests.e2e.chat_corner import Corner, build
from tests.e2e.corner import error

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def corner(stack, gateway_url, identity_events) -> Corner:
    c = build(stack, gateway_url, identity_events, names=("ann", "bob", "gus", "cat", "eve"))
    yield c
    c.http.close()


@pytest.fixture(scope="module")
def content_db(stack):
    """The test writes content's outbox as a content area would (one connection for the module)."""
    me.disconnect(alias="default")
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "content")
    yield stack.layout.region
    me.disconnect(alias="default")
    # mongoengine forgets cached collections by class name, and orgs has a Person too: forget content's here.
    for area in content_store.AREAS:
        for model in area.DOCUMENTS:
            model._disconnect()


@pytest.fixture(scope="module")
def content_events(stack):
    with tap_events(stack.env["AMQP_URI"], "content") as tap:
        yield tap


def publish(tenant: str, event_type: str, data: dict, actor_id: str = "") -> str:
    """Emit an event from content's outbox (the content server's relay publishes it)."""
    return store.atomically(tenant, lambda uow: uow.emit("content", event_type, data, actor_id))


def handled(event_id: str, consumer: str, timeout: float = 20.0) -> None:
    """Wait until the worker's consumer has handled the event (its inbox row is done)."""
    deadline = time.monotonic() + timeout
    while HandledEvent.objects(id=f"content_inbox.{consumer}:{event_id}", state="done").first() is None:
        assert time.monotonic() < deadline, f"{consumer} never handled {event_id}"
        time.sleep(0.1)


def inbox(corner: Corner, who: str, **params) -> list[dict]:
    reply = corner.get(who, "/notifications", **params)
    assert reply.status_code == 200, reply.text
    return reply.json()["notifications"]


def entry(corner: Corner, who: str, predicate, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [n for n in inbox(corner, who, page_size=200) if predicate(n)]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no such notification for {who}"
        time.sleep(0.2)


def post(corner: Corner, tenant: str, author: str, mentions=(), visibility="public", text="") -> tuple[str, str]:
    post_id = uuid.uuid4().hex
    audience = [
        f"author:{corner.id(author)}",
        "public" if visibility == "public" else f"friends-of:{corner.id(author)}",
    ]
    data = {
        "post_id": post_id,
        "author_id": corner.id(author),
        "as_org_id": "",
        "visibility": visibility,
        "audience_org_id": "",
        "audience": audience,
        "text": text or f"@{' @'.join(mentions)} 一起学习",
        "hashtags": [],
        "mentions": [corner.id(m) for m in mentions],
        "media_ids": [],
        "repost_of": "",
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    return post_id, publish(tenant, "post_published", data, corner.id(author))


def test_mentions_reach_those_who_may_read_the_post(corner, content_db):
    public_id, _ = post(corner, content_db, "ann", mentions=("bob", "gus"))
    for who in ("bob", "gus"):
        got = entry(corner, who, lambda n: n["ref_id"] == public_id)
        assert got["kind"] == "mention" and got["title"] == "ann 提到了你" and got["actor_name"] == "ann"
        assert got["ref_kind"] == "post" and not got["read"]

    hidden_id, event_id = post(corner, content_db, "ann", mentions=("bob",), visibility="friends")
    handled(event_id, "post_published")
    assert not [n for n in inbox(corner, "bob", page_size=200) if n["ref_id"] == hidden_id]  # not ann's friend

    english = corner.http.get("/api/v1/notifications", headers={**corner.auth("bob"), "Accept-Language": "en"}).json()[
        "notifications"
    ]
    assert next(n for n in english if n["ref_id"] == public_id)["title"] == "ann mentioned you"


def test_comments_and_replies_notify_the_author_and_the_replied(corner, content_db):
    post_id, _ = post(corner, content_db, "ann", text="学习体会")
    comment = {
        "comment_id": uuid.uuid4().hex,
        "post_id": post_id,
        "post_author_id": corner.id("ann"),
        "author_id": corner.id("gus"),
        "reply_to_author_id": "",
        "text": "写得好",
        "mentions": [corner.id("cat")],
    }
    publish(content_db, "comment_added", comment, corner.id("gus"))
    assert entry(corner, "ann", lambda n: n["kind"] == "comment" and n["ref_id"] == post_id)["body"] == "写得好"
    assert entry(corner, "cat", lambda n: n["kind"] == "mention" and n["ref_id"] == post_id)["actor_name"] == "gus"

    reply = {**comment, "comment_id": uuid.uuid4().hex, "author_id": corner.id("bob"), "mentions": []}
    reply |= {"reply_to_author_id": corner.id("gus"), "text": "同意"}
    publish(content_db, "comment_added", reply, corner.id("bob"))
    got = entry(corner, "gus", lambda n: n["kind"] == "reply")
    assert got["title"] == "bob 回复了你的评论" and got["ref_id"] == post_id
    entry(corner, "ann", lambda n: n["kind"] == "comment" and n["body"] == "同意")

    publish(content_db, "post_deleted", {"post_id": post_id, "author_id": corner.id("ann")})
    deadline = time.monotonic() + 20
    while [n for n in inbox(corner, "ann", page_size=200) if n["ref_id"] == post_id]:
        assert time.monotonic() < deadline, "entries of a deleted post stayed"
        time.sleep(0.2)


def test_likes_collapse_into_one_entry_per_post(corner, content_db, stack):
    post_id, _ = post(corner, content_db, "bob", text="支部活动照片")
    like_ids = []
    for liker in ("ann", "gus", "cat"):
        data = {"post_id": post_id, "post_author_id": corner.id("bob"), "liker_id": corner.id(liker)}
        like_ids.append(publish(content_db, "post_liked", data, corner.id(liker)))
    for event_id in like_ids:
        handled(event_id, "post_liked")
    likes = [n for n in inbox(corner, "bob", page_size=200) if n["ref_id"] == post_id]
    assert len(likes) == 1 and likes[0]["kind"] == "like" and likes[0]["count"] == 3
    assert likes[0]["title"].endswith("等 3 人赞了你的动态")

    # The broker delivers a like again: nothing is counted twice.
    again = OutboxEvent.objects(id=like_ids[0]).first().envelope()
    publisher = Publisher(stack.env["AMQP_URI"])
    publisher.publish(again)
    publisher.close()
    read = corner.post("bob", f"/notifications/{likes[0]['id']}/read")
    assert read.status_code == 200
    data = {"post_id": post_id, "post_author_id": corner.id("bob"), "liker_id": corner.id("eve")}
    handled(publish(content_db, "post_liked", data, corner.id("eve")), "post_liked")
    time.sleep(1.0)  # room for the redelivery, had it been counted
    likes = [n for n in inbox(corner, "bob", page_size=200) if n["ref_id"] == post_id]
    assert [(n["count"], n["read"], n["actor_ids"][0]) for n in likes] == [(4, False, corner.id("eve"))]


def test_a_second_delivery_of_counted_entries_writes_nothing(content_db):
    tenant = content_db
    item = notifications.Item("p1", "like", f"like:post:{uuid.uuid4().hex}", "post", "x", "p2")
    marker = uuid.uuid4().hex
    assert notifications.deliver(tenant, [item], marker=marker) == 1
    assert notifications.deliver(tenant, [item], marker=marker) == 0
    assert notifications.InboxEntry.in_tenant(tenant).filter(key=item.key).first().count == 1


def test_a_notice_reaches_its_orgs_subtree(corner, content_db):
    notice_id = uuid.uuid4().hex
    data = {
        "notice_id": notice_id,
        "org_id": corner.orgs["B"]["id"],
        "author_id": corner.id("ann"),
        "title": "关于开展主题党日活动的通知",
        "text": "请各位党员按时参加。",
        "audience": [f"author:{corner.id('ann')}", f"org:{corner.orgs['B']['id']}"],
        "recipient_count": 4,
    }
    event_id = publish(content_db, "notice_published", data, corner.id("ann"))
    for who in ("bob", "gus", "cat"):  # cat's group is below the branch
        got = entry(corner, who, lambda n: n["ref_id"] == notice_id)
        assert got["kind"] == "notice" and got["title"] == "新通知：关于开展主题党日活动的通知"
    handled(event_id, "notice_published")
    for who in ("ann", "eve"):  # the author; someone outside the subtree
        assert not [n for n in inbox(corner, who, page_size=200) if n["ref_id"] == notice_id]


def test_unread_chat_collapses_per_conversation_and_clears_when_read(corner):
    cid = corner.direct("gus", "cat")
    corner.send("gus", cid, "第一条")
    last = corner.send("gus", cid, "第二条")
    deadline = time.monotonic() + 20
    while True:
        chats = [n for n in inbox(corner, "cat") if n["kind"] == "chat" and n["ref_id"] == cid]
        if chats and chats[0]["count"] == 2:
            break
        assert time.monotonic() < deadline, chats
        time.sleep(0.2)
    assert chats[0]["body"] == "第二条" and chats[0]["title"] == "gus 等发来 2 条新消息"
    assert corner.post("cat", f"/chat/conversations/{cid}/read", {"seq": last["seq"]}).status_code == 200
    while [n for n in inbox(corner, "cat") if n["kind"] == "chat" and n["ref_id"] == cid]:
        assert time.monotonic() < deadline, "the chat entry stayed after reading"
        time.sleep(0.2)


def test_preferences_decide_what_is_kept_and_forwarded(corner, content_db, content_events):
    defaults = corner.get("eve", "/notifications/preferences").json()["kinds"]
    assert {k["kind"]: (k["in_app"], k["sms"], k["push"]) for k in defaults}["like"] == (True, False, False)

    post_id, _ = post(corner, content_db, "eve", mentions=("cat",))
    forwarded = content_events.wait_for(
        lambda m: m["type"] == "notification_created" and m["data"]["ref"] == f"post:{post_id}"
    )
    assert forwarded["data"]["channels"] == ["push"] and forwarded["data"]["account_id"] == corner.id("cat")
    assert forwarded["data"]["title"] == "eve 提到了你"

    changed = corner.put(
        "eve",
        "/notifications/preferences",
        {"kinds": [{"kind": "like", "in_app": True, "sms": True}, {"kind": "mention", "in_app": False, "push": True}]},
    )
    assert changed.status_code == 200, changed.text
    kinds = {k["kind"]: (k["in_app"], k["sms"], k["push"]) for k in changed.json()["kinds"]}
    assert kinds["like"] == (True, True, False) and kinds["mention"] == (False, False, True)
    assert kinds["notice"] == (True, False, True)  # untouched

    like = {"post_id": post_id, "post_author_id": corner.id("eve"), "liker_id": corner.id("cat")}
    publish(content_db, "post_liked", like, corner.id("cat"))
    sms = content_events.wait_for(
        lambda m: (
            m["type"] == "notification_created" and m["data"]["kind"] == "like" and m["data"]["ref"].endswith(post_id)
        )
    )
    assert sms["data"]["channels"] == ["sms"]

    other_id, event_id = post(corner, content_db, "cat", mentions=("eve",))
    content_events.wait_for(lambda m: m["type"] == "notification_created" and m["data"]["ref"] == f"post:{other_id}")
    handled(event_id, "post_published")
    assert not [n for n in inbox(corner, "eve", page_size=200) if n["ref_id"] == other_id]  # in-app off

    error(
        corner.put("eve", "/notifications/preferences", {"kinds": [{"kind": "poke"}]}),
        400,
        "invalid_argument",
        "preferences.kind",
    )
    error(corner.put("eve", "/notifications/preferences", {"kinds": []}), 400, "invalid_argument", "kinds")


def test_reading_marking_and_paging(corner, content_db):
    kept = corner.put("eve", "/notifications/preferences", {"kinds": [{"kind": "mention", "in_app": True}]})
    assert kept.status_code == 200
    for _ in range(5):
        post(corner, content_db, "ann", mentions=("eve",))
    deadline = time.monotonic() + 30
    while corner.get("eve", "/notifications/unread-count").json()["unread"] < 5:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    everything = inbox(corner, "eve", page_size=200)
    seen, cursor = [], ""
    while True:
        page = corner.get("eve", "/notifications", page_size=2, cursor=cursor).json()
        assert len(page["notifications"]) <= 2
        seen += [n["id"] for n in page["notifications"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [n["id"] for n in everything]  # latest first, pages disjoint and complete

    unread = corner.get("eve", "/notifications/unread-count").json()["unread"]
    first = inbox(corner, "eve", unread_only="true")[0]
    assert corner.post("eve", f"/notifications/{first['id']}/read").status_code == 200
    assert corner.get("eve", "/notifications/unread-count").json() == {"unread": unread - 1, "capped": False}
    assert corner.post("eve", "/notifications/read-all").json()["marked"] == unread - 1
    assert corner.get("eve", "/notifications/unread-count").json()["unread"] == 0
    assert inbox(corner, "eve", unread_only="true") == []

    error(corner.post("ann", f"/notifications/{first['id']}/read"), 404, "not_found", "notification_id")  # eve's
    error(corner.post("eve", "/notifications/not-an-id/read"), 404, "not_found", "notification_id")
    error(corner.get("eve", "/notifications", cursor="garbage"), 400, "invalid_argument", "cursor")


def test_new_notifications_are_pushed_live(corner, content_db):
    live = corner.live("gus")
    try:
        live.sync()
        post_id, _ = post(corner, content_db, "ann", mentions=("gus",))
        frame = live.wait_for(lambda f: f["type"] == "notification" and f["notification"]["ref_id"] == post_id)
        assert frame["notification"]["kind"] == "mention" and frame["notification"]["title"] == "ann 提到了你"
    finally:
        live.close()


def test_nothing_is_lost_across_a_worker_restart(stack, corner, content_db):
    worker = stack.process("content-worker")
    stack.stop(worker)
    try:
        post_id, _ = post(corner, content_db, "cat", mentions=("bob",))
        cid = corner.direct("cat", "bob")
        corner.send("cat", cid, "工作日志已提交")
    finally:
        stack.start(worker)
    entry(corner, "bob", lambda n: n["ref_id"] == post_id, timeout=30)
    entry(corner, "bob", lambda n: n["kind"] == "chat" and n["ref_id"] == cid, timeout=30)
