"""The microblog through the gateway, on the real stack (CONTENT_PUSH_LIMIT=3 in tests/conftest.py).

The module builds its own corner of the region (as the admin, under demo-committee):

    demo-committee
    └── A  (general branch): above
        ├── B1 (branch): author, mate, sec (secretary of B1)
        │   └── G1 (group): below
        └── B2 (branch): sibling (secretary of B2)
    (no org) friend (the author's friend), follower, stranger, celeb, small, fan

Follows: follower, friend and mate follow the author (3 followers: pushed, and pulled too since 3 is
above the pull threshold); fan follows small (1 follower: pushed only); follower, friend, mate, stranger
and fan follow celeb (5 followers: above the push limit, so pulled at read time).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import time
from dataclasses import dataclass

import httpx
import pymongo
import pytest
from bson import ObjectId

from devstack import demo
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import Person, login, register, tap_events
from tests.e2e.corner import add_member, create_org
from tests.e2e.test_org_life import relogin

pytestmark = pytest.mark.e2e

API = "/api/v1"
POLL = 20.0  # seconds a test waits for the worker (fan-out) or content's copy of orgs to catch up
_addresses = itertools.count(1 + secrets.randbelow(2**16))


def client_for(gateway_url: str) -> httpx.Client:
    address = f"2001:db8:3b::{next(_addresses):x}, 10.0.0.1"
    return httpx.Client(base_url=gateway_url, headers={"X-Forwarded-For": address}, timeout=15)


def eventually(check, what: str, timeout: float = POLL):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)
    return result


def refused(reply: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code and error["message"], error
    if field is not None:
        assert error["field"] == field, error


@dataclass
class World:
    http: httpx.Client
    admin: Person
    orgs: dict[str, dict]
    people: dict[str, Person]
    db: pymongo.database.Database  # content's database, to wait for its copy of orgs' events

    def _auth(self, who: str) -> dict[str, str]:
        return (self.admin if who == "admin" else self.people[who]).auth

    def get(self, who: str, url: str, **params) -> httpx.Response:
        return self.http.get(API + url, params=params or None, headers=self._auth(who))

    def post(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.post(API + url, json=body or {}, headers=self._auth(who))

    def put(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.put(API + url, json=body or {}, headers=self._auth(who))

    def patch(self, who: str, url: str, body: dict) -> httpx.Response:
        return self.http.patch(API + url, json=body, headers=self._auth(who))

    def delete(self, who: str, url: str) -> httpx.Response:
        return self.http.delete(API + url, headers=self._auth(who))

    def id(self, name: str) -> str:
        return self.people[name].account_id

    def publish(self, who: str, text: str, visibility: str = "public", **extra) -> dict:
        reply = self.post(who, "/posts", {"text": text, "visibility": visibility, **extra})
        assert reply.status_code == 201, reply.text
        return reply.json()

    def follow(self, who: str, kind: str, target_id: str) -> None:
        reply = self.post(who, "/network/follows", {"target_kind": kind, "target_id": target_id})
        assert reply.status_code == 201, reply.text
        eventually(
            lambda: self.db["mirror_follows"].find_one(
                {"follower_id": self.id(who), "target_kind": kind, "target_id": target_id}
            ),
            f"content's copy of {who}'s follow",
        )

    def unfollow(self, who: str, kind: str, target_id: str) -> None:
        reply = self.delete(who, f"/network/follows/{kind}/{target_id}")
        assert reply.status_code == 200, reply.text
        eventually(
            lambda: (
                not self.db["mirror_follows"].find_one(
                    {"follower_id": self.id(who), "target_kind": kind, "target_id": target_id}
                )
            ),
            f"content's copy of {who}'s unfollow",
        )

    def timeline(self, who: str, url: str, page_size: int = 50) -> list[str]:
        """Every post id of a timeline, page by page; asserts the pages are disjoint."""
        seen: list[str] = []
        cursor = ""
        while True:
            reply = self.get(who, url, page_size=page_size, cursor=cursor)
            assert reply.status_code == 200, reply.text
            page = [item["post"]["id"] for item in reply.json()["items"]]
            assert len(page) <= page_size
            assert not set(page) & set(seen), "pages overlap"
            seen += page
            cursor = reply.json()["next_cursor"]
            if not cursor:
                return seen

    def home(self, who: str) -> list[str]:
        return self.timeline(who, "/timelines/home")


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack) -> World:
    http = client_for(gateway_url)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)
    a = create_org(http, admin, "demo-committee", f"微博测试总支 {tag}", "general_branch")
    b1 = create_org(http, admin, a["id"], f"微博测试一支部 {tag}", "branch")
    b2 = create_org(http, admin, a["id"], f"微博测试二支部 {tag}", "branch")
    g1 = create_org(http, admin, b1["id"], f"微博测试小组 {tag}", "group")
    orgs = {"A": a, "B1": b1, "B2": b2, "G1": g1}
    homes = {
        "author": "B1",
        "mate": "B1",
        "sec": "B1",
        "below": "G1",
        "above": "A",
        "sibling": "B2",
        "friend": None,
        "follower": None,
        "stranger": None,
        "celeb": None,
        "small": None,
        "fan": None,
    }
    people: dict[str, Person] = {}
    for name in homes:
        with client_for(gateway_url) as own:
            people[name] = register(own, identity_events, name)
    roles = {"sec": "B1", "sibling": "B2"}
    for name, home in homes.items():
        if home:
            membership = add_member(http, admin, orgs[home]["id"], people[name], name)
            if name in roles:
                reply = http.post(
                    f"{API}/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=admin.auth
                )
                assert reply.status_code == 200, reply.text
    for name, org in roles.items():
        relogin(http, people[name], "secretary", orgs[org]["id"])
    client = pymongo.MongoClient(stack.env["MONGO_URI"])
    w = World(http, admin, orgs, people, client[f"{stack.layout.region}_content"])
    sent = w.post("author", "/network/friend-requests", {"account_id": w.id("friend")})
    assert sent.status_code == 201, sent.text
    assert w.post("friend", f"/network/friend-requests/{w.id('author')}/accept").status_code == 200
    for name in ("follower", "friend", "mate"):
        w.follow(name, "person", w.id("author"))
    w.follow("fan", "person", w.id("small"))
    for name in ("follower", "friend", "mate", "stranger", "fan"):
        w.follow(name, "person", w.id("celeb"))
    # content's copy must know every home org and the friendship before posts are read against them
    for name, home in homes.items():
        if home:
            eventually(
                lambda n=name, h=home: w.db["mirror_people"].find_one({"account_id": w.id(n), "org_id": orgs[h]["id"]}),
                f"content's copy of {name}'s membership",
            )
    eventually(lambda: w.db["mirror_friends"].find_one({"owner_id": w.id("author"), "friend_id": w.id("friend")}), "")
    yield w
    client.close()
    http.close()


# -- the visibility matrix ---------------------------------------------------------------------------------

READERS = ("author", "mate", "sec", "below", "above", "sibling", "friend", "follower", "stranger")
# visibility (and the audience org) → who reads it
MATRIX = {
    ("public", ""): set(READERS),
    ("org", ""): {"author", "mate", "sec", "below"},  # the author's home org B1 and its subtree
    ("org", "A"): {"author", "mate", "sec", "below", "above", "sibling"},  # an ancestor chosen
    ("friends", ""): {"author", "friend"},
    ("private", ""): {"author"},
}


@pytest.fixture(scope="module")
def matrix_posts(world) -> dict[tuple[str, str], dict]:
    made = {}
    for visibility, org in MATRIX:
        extra = {"audience_org_id": world.orgs[org]["id"]} if org else {}
        made[(visibility, org)] = world.publish("author", f"矩阵 {visibility} {org} #可见范围#", visibility, **extra)
    return made


@pytest.mark.parametrize("case", list(MATRIX), ids=lambda c: "-".join(filter(None, c)))
def test_who_reads_and_comments_on_a_post(world, matrix_posts, case):
    post = matrix_posts[case]
    assert post["hashtags"] == ["可见范围"]
    for reader in READERS:
        reply = world.get(reader, f"/posts/{post['id']}")
        comment = world.post(reader, f"/posts/{post['id']}/comments", {"text": f"{reader} 评论"})
        if reader in MATRIX[case]:
            assert reply.status_code == 200, (reader, reply.text)
            assert comment.status_code == 201, (reader, comment.text)
        else:
            refused(reply, 404, "not_found", "post_id")
            refused(comment, 404, "not_found", "post_id")
    # comments are read like their post: a reader sees them only where they see the post
    listed = world.get("author", f"/posts/{post['id']}/comments").json()["comments"]
    assert {c["author_name"] for c in listed} == {f"{r}" for r in MATRIX[case]}


def test_a_persons_timeline_shows_what_the_reader_may_read(world, matrix_posts):
    ids = {case: p["id"] for case, p in matrix_posts.items()}
    for reader in READERS:
        shown = set(world.timeline(reader, f"/accounts/{world.id('author')}/posts", page_size=2))
        expected = {ids[case] for case, readers in MATRIX.items() if reader in readers}
        assert shown & set(ids.values()) == expected, reader


def test_followers_home_timelines_hold_what_they_may_read(world, matrix_posts):
    ids = {case: p["id"] for case, p in matrix_posts.items()}
    for reader in ("follower", "friend", "mate"):  # the author's followers
        expected = {ids[case] for case, readers in MATRIX.items() if reader in readers}
        eventually(lambda r=reader, e=expected: set(world.home(r)) & set(ids.values()) == e, f"{reader}'s home")
    # nothing unreadable was pushed: entries exist only for readers of each post
    for case, post in matrix_posts.items():
        owners = {e["owner_id"] for e in world.db["timeline_entries"].find({"post_id": ObjectId(post["id"])})}
        allowed = {world.id(r) for r in MATRIX[case]}
        assert owners <= allowed, case


def test_another_regions_token_reads_nothing(world, stack, matrix_posts):
    token = TokenIssuer(stack.layout.keys_dir, "beijing", 600).issue(Actor(account_id=world.id("mate"))).token
    post_id = matrix_posts[("public", "")]["id"]
    for url in (f"/posts/{post_id}", "/timelines/home", f"/accounts/{world.id('author')}/posts"):
        refused(world.http.get(API + url, headers={"Authorization": f"Bearer {token}"}), 403, "wrong_region")


# -- fan-out ------------------------------------------------------------------------------------------


def test_a_small_authors_post_is_pushed_and_a_big_ones_is_pulled(world):
    small = world.publish("small", "小号发帖")
    eventually(lambda: small["id"] in world.home("fan"), "the small author's post in the fan's home")
    entry = world.db["timeline_entries"].find_one({"owner_id": world.id("fan"), "post_id": ObjectId(small["id"])})
    assert entry is not None and entry["via"] == f"person:{world.id('small')}"

    big = world.publish("celeb", "大号发帖")
    for reader in ("follower", "friend", "mate", "stranger", "fan"):
        assert big["id"] in world.home(reader), reader  # at once: read from the author's posts
    time.sleep(1.0)  # give the worker the time it would need to push
    pushed = {e["owner_id"] for e in world.db["timeline_entries"].find({"post_id": ObjectId(big["id"])})}
    assert pushed == {world.id("celeb")}  # only the author's own inbox
    assert big["id"] not in world.home("sibling")  # does not follow


def test_pages_are_disjoint_and_complete(world):
    made = [world.publish("small", f"分页 {i}")["id"] for i in range(7)]
    eventually(lambda: set(made) <= set(world.home("fan")), "every post in the fan's home")
    for page_size in (1, 3, 50):
        shown = world.timeline("fan", "/timelines/home", page_size=page_size)
        mine = [p for p in shown if p in made]
        assert mine == list(reversed(made)), page_size  # newest first, each once
        assert world.timeline("fan", f"/accounts/{world.id('small')}/posts", page_size=page_size)[:7] == mine


def test_older_posts_are_reached_by_widening_windows(world):
    """Posts of days, months and years ago (written directly, as an old region's data) page in order."""
    now = dt.datetime.now(dt.UTC)
    ages = [dt.timedelta(hours=2), dt.timedelta(days=3), dt.timedelta(days=40), dt.timedelta(days=700)]
    ids = [ObjectId(ObjectId.from_datetime(now - age).binary[:4] + os.urandom(8)) for age in ages]
    source = f"person:{world.id('stranger')}"
    world.db["posts"].insert_many(
        [
            {
                "_id": i,
                "tenant": "testregion",
                "author_id": world.id("stranger"),
                "author_name": "stranger",
                "as_org_id": "",
                "source": source,
                "org_id": "",
                "org_path": [],
                "visibility": "public",
                "audience_org_id": "",
                "audience": [f"author:{world.id('stranger')}", "public"],
                "text": "旧帖",
                "state": "live",
                "created_at": i.generation_time,
            }
            for i in ids
        ]
    )
    # its source's newest post, as backfill_heads writes it for such data when the server starts
    world.db["post_source_heads"].update_one(
        {"tenant": "testregion", "source": source}, {"$max": {"newest": max(ids)}}, upsert=True
    )
    shown = world.timeline("mate", f"/accounts/{world.id('stranger')}/posts", page_size=1)
    assert shown == [str(i) for i in ids]


def test_unfollowing_stops_future_fan_out(world):
    world.follow("stranger", "person", world.id("small"))  # small now has 2 followers: pushed
    before = world.publish("small", "取消关注之前")
    eventually(lambda: before["id"] in world.home("stranger"), "the post before the unfollow")
    world.unfollow("stranger", "person", world.id("small"))
    after = world.publish("small", "取消关注之后")
    eventually(lambda: after["id"] in world.home("fan"), "the post in the remaining follower's home")
    # the unfollow reaches content's timelines and its copy of follows through two queues: under load the
    # earlier entries may leave a little after the later post reached the remaining follower
    eventually(
        lambda: not {after["id"], before["id"]} & set(world.home("stranger")),
        "the unfollowed one's posts left the former follower's home",
    )


def test_deleted_and_hidden_posts_leave_timelines(world):
    gone = world.publish("author", "将被删除")
    hidden = world.publish("author", "将被隐藏")
    eventually(lambda: {gone["id"], hidden["id"]} <= set(world.home("follower")), "both posts pushed")
    assert world.delete("author", f"/posts/{gone['id']}").status_code == 200
    assert world.put("sec", f"/posts/{hidden['id']}/hidden", {"hidden": True}).status_code == 200
    home = world.home("follower")
    assert gone["id"] not in home and hidden["id"] not in home
    refused(world.get("follower", f"/posts/{gone['id']}"), 404, "not_found", "post_id")
    refused(world.get("author", f"/posts/{gone['id']}"), 404, "not_found", "post_id")
    eventually(lambda: not world.db["timeline_entries"].find_one({"post_id": ObjectId(gone["id"])}), "entries gone")
    # the author still sees the hidden one, marked, in their own timeline; restored, it is back for all
    own = world.get("author", "/accounts/me/posts").json()["items"]
    assert any(i["post"]["id"] == hidden["id"] and i["post"]["hidden"] for i in own)
    assert world.put("sec", f"/posts/{hidden['id']}/hidden", {"hidden": False}).status_code == 200
    assert hidden["id"] in world.home("follower")


# -- posts: reposts, edits, likes, comments, mentions, official accounts ----------------------------------


def test_reposts_keep_the_original_and_need_to_read_it(world):
    original = world.publish("author", "原创 #转发测试#")
    first = world.publish("mate", "转发理由", repost_of=original["id"])
    assert first["repost_of"] == original["id"] and first["original"]["text"] == "原创 #转发测试#"
    second = world.publish("follower", "", repost_of=first["id"])  # a repost of a repost: same original
    assert second["repost_of"] == original["id"]
    assert world.get("stranger", f"/posts/{original['id']}").json()["reposts"] == 2
    secret = world.publish("author", "好友可见", "friends")
    refused(world.post("stranger", "/posts", {"text": "转", "repost_of": secret["id"]}), 404, "not_found", "repost_of")
    shared = world.publish("friend", "转给大家", repost_of=secret["id"])
    # a reader of the repost who may not read the original sees that it is unavailable
    seen = world.get("stranger", f"/posts/{shared['id']}").json()
    assert seen["original"] is None and seen["original_unavailable"]


def test_edits_keep_their_history(world):
    post = world.publish("author", "初稿 #旧话题#")
    edited = world.patch("author", f"/posts/{post['id']}", {"text": "定稿 #新话题#"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["hashtags"] == ["新话题"] and edited.json()["edit_count"] == 1
    history = world.get("mate", f"/posts/{post['id']}/edits").json()["edits"]
    assert [(e["editor_id"], e["text_before"]) for e in history] == [(world.id("author"), "初稿 #旧话题#")]
    refused(world.patch("mate", f"/posts/{post['id']}", {"text": "篡改"}), 403, "permission_denied", "post_id")


def test_a_post_sent_again_with_its_client_key_is_made_once(world):
    """A client whose answer was lost sends the post again with the same client_post_id: the post it made comes
    back, once; another author's same key is theirs; a deleted post's key makes nothing; a bad key is refused."""
    key = "k-" + secrets.token_hex(8)
    first = world.publish("author", "只发一次", client_post_id=key)
    again = world.post("author", "/posts", {"text": "只发一次", "visibility": "public", "client_post_id": key})
    assert again.status_code == 201 and again.json()["id"] == first["id"], again.text
    theirs = world.publish("mate", "只发一次", client_post_id=key)
    assert theirs["id"] != first["id"]
    assert world.db["posts"].count_documents({"author_id": world.id("author"), "text": "只发一次"}) == 1
    assert world.delete("author", f"/posts/{first['id']}").status_code == 200
    gone = world.post("author", "/posts", {"text": "只发一次", "visibility": "public", "client_post_id": key})
    refused(gone, 404, "not_found", "client_post_id")
    bad = world.post("author", "/posts", {"text": "坏标识", "visibility": "public", "client_post_id": "不可以"})
    refused(bad, 400, "invalid_argument", "client_post_id")


def test_likes_are_counted_once(world):
    post = world.publish("author", "点赞")
    for _ in range(2):
        liked = world.put("mate", f"/posts/{post['id']}/like")
        assert liked.json() == {"liked": True, "likes": 1}, liked.text
    assert world.get("mate", f"/posts/{post['id']}").json()["liked"]
    assert world.delete("mate", f"/posts/{post['id']}/like").json() == {"liked": False, "likes": 0}


def test_comments_have_one_level_of_replies(world):
    post = world.publish("author", "评论区")
    top = world.post("mate", f"/posts/{post['id']}/comments", {"text": "顶"}).json()
    reply = world.post("author", f"/posts/{post['id']}/comments", {"text": "谢", "reply_to_comment_id": top["id"]})
    deeper = world.post(
        "mate", f"/posts/{post['id']}/comments", {"text": "客气", "reply_to_comment_id": reply.json()["id"]}
    )
    assert deeper.json()["parent_id"] == top["id"] and deeper.json()["reply_to_author_id"] == world.id("author")
    tops = world.get("sibling", f"/posts/{post['id']}/comments").json()["comments"]
    assert [(c["id"], c["replies"]) for c in tops] == [(top["id"], 2)]
    replies = world.get("sibling", f"/posts/{post['id']}/comments", parent_id=top["id"]).json()["comments"]
    assert [c["text"] for c in replies] == ["谢", "客气"]
    assert world.get("author", f"/posts/{post['id']}").json()["comments"] == 3


def test_events_tell_only_readers_of_their_mentions(world, stack):
    with tap_events(stack.env["AMQP_URI"], "content") as tap:
        post = world.publish(
            "author", "@friend @stranger 看看", "friends", mentions=[world.id("friend"), world.id("stranger")]
        )
        published = tap.wait_for(lambda m: m["type"] == "post_published" and m["data"]["post_id"] == post["id"])
        assert published["data"]["mentions"] == [world.id("friend")]
        assert published["data"]["audience"] == [f"author:{world.id('author')}", f"friends-of:{world.id('author')}"]
        world.put("friend", f"/posts/{post['id']}/like")
        world.put("friend", f"/posts/{post['id']}/like")
        world.post("friend", f"/posts/{post['id']}/comments", {"text": "好", "mentions": [world.id("author")]})
        world.patch("author", f"/posts/{post['id']}", {"text": "改过"})
        world.delete("author", f"/posts/{post['id']}")
        for kind in ("post_liked", "comment_added", "post_edited", "post_deleted"):
            tap.wait_for(lambda m, k=kind: m["type"] == k and m["data"]["post_id"] == post["id"])
        comment = tap.wait_for(lambda m: m["type"] == "comment_added" and m["data"]["post_id"] == post["id"])
        assert comment["data"]["post_author_id"] == world.id("author") and comment["data"]["mentions"] == [
            world.id("author")
        ]
        likes = [m for m in tap.messages if m["type"] == "post_liked" and m["data"]["post_id"] == post["id"]]
        assert len(likes) == 1


def test_official_posts_reach_the_orgs_members(world):
    b1 = world.orgs["B1"]["id"]
    official = world.publish("sec", "支部通知：周五主题党日", "org", as_org_id=b1)
    assert official["as_org_id"] == b1 and official["author_name"].startswith("微博测试一支部")
    for member in ("mate", "below", "author"):
        assert official["id"] in world.home(member), member
    assert official["id"] not in world.home("sibling")
    assert world.timeline("below", f"/orgs/{b1}/posts") == [official["id"]]
    assert world.timeline("sibling", f"/orgs/{b1}/posts") == []
    refused(world.post("mate", "/posts", {"text": "冒充", "as_org_id": b1}), 403, "permission_denied", "as_org_id")
    refused(
        world.post("sec", "/posts", {"text": "x", "as_org_id": b1, "visibility": "friends"}), 400, "invalid_argument"
    )


# -- moderation ---------------------------------------------------------------------------------------------


def test_moderators_hide_what_their_subtree_posted(world):
    post = world.publish("author", "待审核", "org", audience_org_id=world.orgs["A"]["id"])
    refused(world.put("sibling", f"/posts/{post['id']}/hidden", {"hidden": True}), 403, "permission_denied")
    refused(world.put("mate", f"/posts/{post['id']}/hidden", {"hidden": True}), 403, "permission_denied")
    hidden = world.put("sec", f"/posts/{post['id']}/hidden", {"hidden": True})
    assert hidden.status_code == 200 and hidden.json()["hidden"], hidden.text
    refused(world.get("mate", f"/posts/{post['id']}"), 404, "not_found", "post_id")
    assert world.get("author", f"/posts/{post['id']}").json()["hidden"]
    assert world.get("admin", f"/posts/{post['id']}").json()["hidden"]  # a region admin moderates everywhere
    refused(world.post("mate", f"/posts/{post['id']}/comments", {"text": "x"}), 404, "not_found", "post_id")


def test_reports_wait_in_the_subtrees_queue_until_resolved(world):
    post = world.publish("author", "有争议的内容")
    comment = world.post("above", f"/posts/{post['id']}/comments", {"text": "不当评论"}).json()
    assert (
        world.post("mate", "/reports", {"target_kind": "post", "target_id": post["id"], "reason": "rumor"}).status_code
        == 201
    )
    again = world.post("mate", "/reports", {"target_kind": "post", "target_id": post["id"], "reason": "spam"})
    refused(again, 409, "already_exists", "target_id")
    second = world.post("sibling", "/reports", {"target_kind": "post", "target_id": post["id"], "reason": "spam"})
    assert second.status_code == 201, second.text
    on_comment = world.post(
        "mate", "/reports", {"target_kind": "comment", "target_id": comment["id"], "reason": "abuse"}
    )
    assert on_comment.status_code == 201, on_comment.text
    refused(
        world.post("mate", "/reports", {"target_kind": "post", "target_id": post["id"], "reason": "meh"}),
        400,
        "invalid_argument",
        "reason",
    )

    b1, a = world.orgs["B1"]["id"], world.orgs["A"]["id"]
    queue = world.get("sec", f"/orgs/{b1}/reports").json()["reports"]
    assert [r["target_id"] for r in queue] == [post["id"], post["id"]]  # oldest first; the comment's author is in A
    refused(world.get("sec", f"/orgs/{a}/reports"), 403, "permission_denied")
    refused(world.get("mate", f"/orgs/{b1}/reports"), 403, "permission_denied")
    above = [r["target_id"] for r in world.get("admin", f"/orgs/{a}/reports").json()["reports"]]
    assert post["id"] in above and comment["id"] in above

    refused(world.post("sibling", f"/reports/{queue[0]['id']}/resolve", {"action": "hide"}), 403, "permission_denied")
    resolved = world.post("sec", f"/reports/{queue[0]['id']}/resolve", {"action": "hide"})
    assert resolved.status_code == 200 and resolved.json()["state"] == "hidden", resolved.text
    assert world.get("sec", f"/orgs/{b1}/reports").json()["reports"] == []  # both reports of the post
    refused(world.get("mate", f"/posts/{post['id']}"), 404, "not_found")
    refused(world.post("sec", f"/reports/{queue[0]['id']}/resolve", {"action": "hide"}), 409, "failed_precondition")

    dismissed = world.post("admin", f"/reports/{on_comment.json()['id']}/resolve", {"action": "dismiss"})
    assert dismissed.json()["state"] == "dismissed", dismissed.text


# -- bad input ---------------------------------------------------------------------------------------------


def test_bad_input_is_refused_naming_the_field(world):
    refused(world.post("author", "/posts", {"text": "党" * 2001}), 400, "invalid_argument", "text")
    assert world.post("author", "/posts", {"text": "党" * 2000}).status_code == 201
    refused(world.post("author", "/posts", {"text": "", "media_ids": []}), 400, "invalid_argument", "text")
    assert world.post("author", "/posts", {"text": "", "media_ids": ["img_1"]}).status_code == 201
    many = {"text": "图", "media_ids": [f"m{i}" for i in range(10)]}
    refused(world.post("author", "/posts", many), 400, "invalid_argument", "media_ids")
    refused(
        world.post("author", "/posts", {"text": "x", "media_ids": ["a/b"]}), 400, "invalid_argument", "media_ids[0]"
    )
    refused(world.post("author", "/posts", {"text": "x", "visibility": "world"}), 400, "invalid_argument", "visibility")
    other = world.orgs["B2"]["id"]
    refused(
        world.post("author", "/posts", {"text": "x", "visibility": "org", "audience_org_id": other}),
        400,
        "invalid_argument",
        "audience_org_id",
    )
    refused(world.post("friend", "/posts", {"text": "x", "visibility": "org"}), 400, "invalid_argument", "visibility")
    refused(world.post("author", "/posts", {"text": "x", "mentions": ["nobody-here"]}), 404, "not_found", "mentions[0]")
    refused(world.post("author", "/posts", {"text": "x", "extra": 1}), 400, "invalid_argument")
    for unknown in (str(ObjectId()), "not-an-id"):
        refused(world.get("author", f"/posts/{unknown}"), 404, "not_found", "post_id")
        refused(world.put("author", f"/posts/{unknown}/like"), 404, "not_found", "post_id")
        refused(world.post("author", f"/posts/{unknown}/comments", {"text": "x"}), 404, "not_found", "post_id")
    refused(world.post("author", "/posts", {"text": "x", "repost_of": str(ObjectId())}), 404, "not_found", "repost_of")
    refused(world.get("author", "/accounts/nobody-here/posts"), 404, "not_found", "account_id")
    refused(world.get("author", "/orgs/no-such-org/posts"), 404, "not_found", "org_id")
    for cursor in ("garbage", "Zm9vLmJhcg"):
        refused(world.get("author", "/timelines/home", cursor=cursor), 400, "invalid_argument", "cursor")
    refused(
        world.post("author", "/reports", {"target_kind": "user", "target_id": "x", "reason": "spam"}),
        400,
        "invalid_argument",
        "target_kind",
    )


def test_another_tenants_post_is_unknown(world):
    """A post of another region in the same database is never found by this region's callers."""
    foreign = ObjectId()
    world.db["posts"].insert_one(
        {
            "_id": foreign,
            "tenant": "otherregion",
            "author_id": "x",
            "source": "person:x",
            "visibility": "public",
            "audience": ["public"],
            "text": "外地",
            "state": "live",
            "created_at": dt.datetime.now(dt.UTC),
        }
    )
    refused(world.get("author", f"/posts/{foreign}"), 404, "not_found", "post_id")
    refused(world.post("author", "/posts", {"text": "转", "repost_of": str(foreign)}), 404, "not_found", "repost_of")
    refused(world.put("author", f"/posts/{foreign}/hidden", {"hidden": True}), 404, "not_found", "post_id")
