"""Search through the gateway on the real stack: events in, GET /api/v1/search out.

content's own events (posts, threads, notices) are published the real way: written to content's outbox
with source "content", relayed to the broker by content's server, consumed by content's worker, written
into the index by the search indexer, read by content's SearchService. People and orgs come from the
real identity and orgs services. Each test's words carry a tag of its own, so runs never see each other.

    demo-committee
    ├── G  (general branch)
    │   └── B (branch): author, member
    └── S  (branch): friend, stranger        friendship: author–friend
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid

import httpx
import mongoengine as me
import pytest

from devstack import demo
from kernel import store
from kernel.config import StoreConfig
from kernel.outbox import Publisher
from tests.conftest import Person, login, register
from tests.e2e.corner import add_member, client_for, create_org, error

pytestmark = pytest.mark.e2e

API = "/api/v1"
WAIT = 30.0


def _tag() -> str:
    return "zq" + secrets.token_hex(4)  # one token for jieba (letters and digits): matches only this test's items


class Corner:
    def __init__(self, stack, http: httpx.Client, admin: Person, orgs: dict, people: dict[str, Person]):
        self.stack, self.http, self.admin, self.orgs, self.people = stack, http, admin, orgs, people

    @property
    def tenant(self) -> str:
        return self.stack.layout.region

    def id(self, name: str) -> str:
        return self.people[name].account_id

    def search(self, who: str, q: str, **params) -> httpx.Response:
        auth = (self.admin if who == "admin" else self.people[who]).auth
        return self.http.get(f"{API}/search", params={"q": q, **params}, headers=auth)

    def found(self, who: str, q: str, **params) -> list[str]:
        reply = self.search(who, q, **params)
        assert reply.status_code == 200, reply.text
        return [h["id"] for h in reply.json()["hits"]]

    def eventually(self, who: str, q: str, check, what: str, **params) -> list[str]:
        deadline = time.monotonic() + WAIT
        while not check(found := self.found(who, q, **params)):
            assert time.monotonic() < deadline, f"{who} searching {q!r}: never {what}; last {found}"
            time.sleep(0.2)
        return found

    def emit(self, event_type: str, data: dict, tenant: str | None = None) -> None:
        """Publish one of content's events the real way: through content's outbox."""
        store.atomically(
            tenant or self.tenant, lambda uow: uow.emit("content", event_type, data, data.get("author_id", ""))
        )

    def deliver(self, event_type: str, data: dict, occurred_at: dt.datetime, event_id: str) -> None:
        """Put an envelope on the broker directly: a redelivery (same id) or a late, older event."""
        publisher = Publisher(self.stack.env["AMQP_URI"])
        try:
            publisher.publish(
                {
                    "id": event_id,
                    "source": "content",
                    "type": event_type,
                    "tenant": self.tenant,
                    "occurred_at": occurred_at.isoformat(),
                    "actor_id": "",
                    "request_id": "",
                    "data": data,
                }
            )
        finally:
            publisher.close()

    def post(self, text: str, author: str = "author", audience: list[str] | None = None) -> str:
        post_id = uuid.uuid4().hex
        author_id = self.id(author)
        self.emit(
            "post_published",
            {
                "post_id": post_id,
                "author_id": author_id,
                "as_org_id": "",
                "visibility": "public",
                "audience_org_id": "",
                "audience": audience or [f"author:{author_id}", "public"],
                "text": text,
                "hashtags": [],
                "mentions": [],
                "media_ids": [],
                "repost_of": "",
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )
        return post_id


@pytest.fixture(scope="module")
def corner(stack, gateway_url, identity_events):
    me.disconnect(alias="default")
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "content")
    http = client_for(gateway_url)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, "", body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)
    g = create_org(http, admin, "demo-committee", f"检索测试总支 {tag}", "general_branch")
    b = create_org(http, admin, g["id"], f"检索测试支部 {tag}", "branch")
    s = create_org(http, admin, "demo-committee", f"检索测试旁支部 {tag}", "branch")
    homes = {"author": b, "member": b, "friend": s, "stranger": s}
    people = {}
    for name, org in homes.items():
        with client_for(gateway_url) as own:
            people[name] = register(own, identity_events, f"检索{name}")
        add_member(http, admin, org["id"], people[name], f"检索{name}")
    sent = http.post(
        f"{API}/network/friend-requests",
        json={"account_id": people["friend"].account_id},
        headers=people["author"].auth,
    )
    assert sent.status_code == 201, sent.text
    accepted = http.post(
        f"{API}/network/friend-requests/{people['author'].account_id}/accept", headers=people["friend"].auth
    )
    assert accepted.status_code == 200, accepted.text
    yield Corner(stack, http, admin, {"G": g, "B": b, "S": s}, people)
    http.close()
    me.disconnect(alias="default")


def test_a_friends_only_post_is_found_by_friends_only(corner):
    tag = _tag()
    author = corner.id("author")
    post = corner.post(f"好友可见的党费收据 {tag}", audience=[f"author:{author}", f"friends-of:{author}"])
    corner.eventually("friend", f"党费 {tag}", lambda f: f == [post], "found the friends-only post")
    assert corner.found("author", f"党费 {tag}") == [post]
    assert corner.found("stranger", f"党费 {tag}") == []
    assert corner.found("member", f"党费 {tag}") == []


def test_an_org_subtree_post_is_found_in_the_subtree_only(corner):
    tag = _tag()
    post = corner.post(
        f"总支内部的主题党日安排 {tag}", audience=[f"author:{corner.id('author')}", f"org:{corner.orgs['G']['id']}"]
    )
    corner.eventually("member", f"主题党日 {tag}", lambda f: f == [post], "found the subtree's post")
    assert corner.found("stranger", f"主题党日 {tag}") == []
    assert corner.found("friend", f"主题党日 {tag}") == []


def test_an_edit_replaces_hiding_and_deleting_remove(corner):
    tag = _tag()
    post = corner.post(f"旧的说法 {tag}")
    corner.eventually("stranger", f"说法 {tag}", lambda f: f == [post], "found the post")
    corner.emit(
        "post_edited",
        {
            "post_id": post,
            "author_id": corner.id("author"),
            "text": f"新的表述 {tag}",
            "hashtags": [],
            "mentions": [],
            "audience": [f"author:{corner.id('author')}", "public"],
        },
    )
    corner.eventually("stranger", f"表述 {tag}", lambda f: f == [post], "found the edited text")
    assert corner.found("stranger", f"说法 {tag}") == []

    corner.emit("post_hidden", {"post_id": post, "hidden": True, "by": corner.admin.account_id})
    corner.eventually("stranger", f"表述 {tag}", lambda f: f == [], "lost the hidden post")
    corner.emit("post_hidden", {"post_id": post, "hidden": False, "by": corner.admin.account_id})
    corner.eventually("stranger", f"表述 {tag}", lambda f: f == [post], "found the restored post")

    corner.emit("post_deleted", {"post_id": post, "author_id": corner.id("author")})
    corner.eventually("author", f"表述 {tag}", lambda f: f == [], "lost the deleted post")


def test_redelivered_and_late_events_change_nothing(corner):
    tag = _tag()
    author = corner.id("author")
    post_id, event_id = uuid.uuid4().hex, uuid.uuid4().hex
    data = {
        "post_id": post_id,
        "author_id": author,
        "as_org_id": "",
        "visibility": "public",
        "audience_org_id": "",
        "audience": [f"author:{author}", "public"],
        "text": f"第一版文字 {tag}",
        "hashtags": [],
        "mentions": [],
        "media_ids": [],
        "repost_of": "",
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    published_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    corner.emit(
        "post_edited",
        {
            "post_id": post_id,
            "author_id": author,
            "text": f"第二版文字 {tag}",
            "hashtags": [],
            "mentions": [],
            "audience": [f"author:{author}", "public"],
        },
    )
    for _ in range(2):  # the same event twice, older than the edit (it overtook nothing: it was late)
        corner.deliver("post_published", data, published_at, event_id)
    corner.eventually("stranger", f"第二版 {tag}", lambda f: f == [post_id], "found the edit's text")
    assert corner.found("stranger", f"第一版 {tag}") == []
    assert corner.found("stranger", f"文字 {tag}") == [post_id]  # one document, not two


def test_a_thread_is_found_by_its_replies_until_removed(corner):
    tag = _tag()
    thread_id, board = uuid.uuid4().hex, uuid.uuid4().hex
    audience = [f"author:{corner.id('author')}", "public"]
    corner.emit(
        "thread_created",
        {
            "thread_id": thread_id,
            "board_id": board,
            "org_id": corner.orgs["B"]["id"],
            "author_id": corner.id("author"),
            "title": f"组织关系转接怎么办 {tag}",
            "text": "下月调动工作",
            "audience": audience,
        },
    )
    corner.emit(
        "thread_replied",
        {
            "thread_id": thread_id,
            "reply_id": uuid.uuid4().hex,
            "board_id": board,
            "thread_author_id": corner.id("author"),
            "author_id": corner.id("member"),
            "text": f"先开具介绍信 {tag}",
            "mentions": [],
            "audience": audience,
        },
    )
    corner.eventually("stranger", f"介绍信 {tag}", lambda f: f == [thread_id], "found the thread by its reply")
    hit = corner.search("stranger", f"组织关系转接 {tag}", kind="thread").json()["hits"][0]
    assert hit["kind"] == "thread" and "<em>组织关系转接</em>" in hit["title_html"]
    assert hit["org_name"] == corner.orgs["B"]["name"] and hit["author_name"] == "检索author"
    corner.emit("thread_removed", {"thread_id": thread_id, "board_id": board})
    corner.eventually("stranger", f"介绍信 {tag}", lambda f: f == [], "lost the removed thread")


def test_a_notice_reaches_its_audience_with_highlights(corner):
    tag = _tag()
    notice_id = uuid.uuid4().hex
    corner.emit(
        "notice_published",
        {
            "notice_id": notice_id,
            "org_id": corner.orgs["G"]["id"],
            "author_id": corner.id("author"),
            "title": f"关于缴纳党费的通知 {tag}",
            "text": "请于月底前缴纳<b>党费</b>。",
            "audience": [f"org:{corner.orgs['G']['id']}"],
            "recipient_count": 2,
        },
    )
    corner.eventually("member", f"党费 {tag}", lambda f: f == [notice_id], "found the notice")
    hit = corner.search("member", f"党费 {tag}").json()["hits"][0]
    assert hit["title_html"].startswith("关于缴纳<em>党费</em>的通知")
    assert hit["snippet_html"] == "请于月底前缴纳&lt;b&gt;<em>党费</em>&lt;/b&gt;。"
    assert corner.found("stranger", f"党费 {tag}") == []


def test_another_tenants_items_are_never_found(corner):
    tag = _tag()
    corner.emit(
        "post_published",
        {
            "post_id": uuid.uuid4().hex,
            "author_id": "elsewhere",
            "as_org_id": "",
            "visibility": "public",
            "audience_org_id": "",
            "audience": ["public"],
            "text": f"别的地区的党费 {tag}",
            "hashtags": [],
            "mentions": [],
            "media_ids": [],
            "repost_of": "",
            "created_at": "",
        },
        tenant="other-region",
    )
    mine = corner.post(f"本地区的党费 {tag}")
    corner.eventually("stranger", f"党费 {tag}", lambda f: mine in f, "found this region's post")
    time.sleep(1.0)  # both went through the same worker and indexer: the other is as far along
    assert corner.found("stranger", f"党费 {tag}") == [mine]


def test_people_are_found_by_part_of_their_name(corner, gateway_url, identity_events):
    given = chr(0x9F00 + secrets.randbelow(0x90))  # a rare character: only this person has it
    with client_for(gateway_url) as own:
        person = register(own, identity_events, f"王{given}")
    add_member(corner.http, corner.admin, corner.orgs["B"]["id"], person, f"王{given}")
    corner.eventually("stranger", given, lambda f: f == [person.account_id], "found the person by the given name")
    hit = corner.search("stranger", given).json()["hits"][0]
    assert hit["kind"] == "person" and hit["title_html"] == f"王<em>{given}</em>"
    corner.eventually(
        "stranger", given, lambda f: corner.search("stranger", given).json()["hits"][0]["org_id"], "saw the home org"
    )
    hit = corner.search("stranger", given).json()["hits"][0]
    assert hit["org_id"] == corner.orgs["B"]["id"] and hit["org_name"] == corner.orgs["B"]["name"]
    assert corner.found("stranger", f"王{given}", kind="person") == [person.account_id]
    assert person.account_id in corner.found("stranger", "王", kind="person", page_size=50)
    assert corner.found("stranger", given, kind="post") == []


def test_orgs_are_found_by_name_and_rename(corner):
    tag = secrets.token_hex(3)
    org = create_org(corner.http, corner.admin, "demo-committee", f"检索新建党支部 {tag}", "branch")
    corner.eventually("stranger", f"党支部 {tag}", lambda f: f == [org["id"]], "found the new org", kind="org")
    renamed = corner.http.patch(
        f"{API}/orgs/{org['id']}", json={"name": f"检索更名联合党支部 {tag}"}, headers=corner.admin.auth
    )
    assert renamed.status_code == 200, renamed.text
    corner.eventually("stranger", f"联合 {tag}", lambda f: f == [org["id"]], "found the renamed org")
    assert corner.found("stranger", f"新建 {tag}") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "党" * 201}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "，。！？"}, "q"),
        ({"q": "党费", "kind": "posts"}, "kind"),
        ({"q": "党费", "cursor": "abc"}, "cursor"),
        ({"q": "党费", "cursor": "9999"}, "cursor"),
        ({"q": "党费", "page_size": "500"}, "page_size"),
    ],
)
def test_bad_input_names_the_field(corner, params, field):
    reply = corner.http.get(f"{API}/search", params=params, headers=corner.people["stranger"].auth)
    error(reply, 400, "invalid_argument", field)


def test_search_needs_a_login(corner):
    error(corner.http.get(f"{API}/search", params={"q": "党费"}), 401, "unauthenticated")


def test_pages_follow_each_other(corner):
    tag = _tag()
    posts = {corner.post(f"第{i}条学习心得 {tag}") for i in range(5)}
    corner.eventually("stranger", f"心得 {tag}", lambda f: set(f) == posts, "found all five")
    seen, cursor = [], ""
    while True:
        reply = corner.search("stranger", f"心得 {tag}", page_size=2, cursor=cursor)
        assert reply.status_code == 200, reply.text
        seen += [h["id"] for h in reply.json()["hits"]]
        cursor = reply.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(posts)
