"""The relationship network through the gateway, on the real stack.

The module builds its own corner of the region (as the admin, under demo-committee):

    demo-committee
    ├── A  (general branch)
    │   ├── B1 (branch): sec (secretary), ann, bob, gus
    │   │   └── G1 (group): cat
    │   └── B2 (branch): dan
    └── T  (branch): eve
    (nobody) loner: registered, in no org

and these friendships: ann–bob, ann–sec, bob–cat, sec–cat, bob–dan, dan–eve.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import httpx
import pytest

from devstack import demo
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import Person, login, register
from tests.e2e.corner import add_member, client_for, create_org, error

pytestmark = pytest.mark.e2e

API = "/api/v1"


@dataclass
class World:
    http: httpx.Client
    admin: Person
    orgs: dict[str, dict]
    people: dict[str, Person]

    def get(self, who: str, url: str, **params) -> httpx.Response:
        return self.http.get(API + url, params=params or None, headers=self._auth(who))

    def post(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.post(API + url, json=body or {}, headers=self._auth(who))

    def put(self, who: str, url: str, body: dict) -> httpx.Response:
        return self.http.put(API + url, json=body, headers=self._auth(who))

    def patch(self, who: str, url: str, body: dict) -> httpx.Response:
        return self.http.patch(API + url, json=body, headers=self._auth(who))

    def delete(self, who: str, url: str) -> httpx.Response:
        return self.http.delete(API + url, headers=self._auth(who))

    def _auth(self, who: str) -> dict[str, str]:
        return (self.admin if who == "admin" else self.people[who]).auth

    def id(self, name: str) -> str:
        return self.people[name].account_id

    def befriend(self, a: str, b: str) -> None:
        sent = self.post(a, "/network/friend-requests", {"account_id": self.id(b)})
        assert sent.status_code == 201, sent.text
        accepted = self.post(b, f"/network/friend-requests/{self.id(a)}/accept")
        assert accepted.status_code == 200, accepted.text

    def ids(self, reply: httpx.Response, key: str = "entries", field: str = "id") -> list[str]:
        assert reply.status_code == 200, reply.text
        return [e[field] for e in reply.json()[key]]

    def names(self, *names: str) -> set[str]:
        return {self.id(n) for n in names}


@pytest.fixture(scope="module")
def world(gateway_url, identity_events) -> World:
    http = client_for(gateway_url)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)
    a = create_org(http, admin, "demo-committee", f"网络测试总支 {tag}", "general_branch")
    b1 = create_org(http, admin, a["id"], f"网络测试一支部 {tag}", "branch")
    b2 = create_org(http, admin, a["id"], f"网络测试二支部 {tag}", "branch")
    g1 = create_org(http, admin, b1["id"], f"网络测试小组 {tag}", "group")
    t = create_org(http, admin, "demo-committee", f"网络测试楼宇支部 {tag}", "branch")
    orgs = {"A": a, "B1": b1, "B2": b2, "G1": g1, "T": t}
    homes = {"sec": "B1", "ann": "B1", "bob": "B1", "gus": "B1", "cat": "G1", "dan": "B2", "eve": "T", "loner": None}
    people: dict[str, Person] = {}
    for name in homes:
        with client_for(gateway_url) as own:
            people[name] = register(own, identity_events, name)
    for name, home in homes.items():
        if home:
            membership = add_member(http, admin, orgs[home]["id"], people[name], name)
            if name == "sec":
                reply = http.post(
                    f"{API}/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=admin.auth
                )
                assert reply.status_code == 200, reply.text
    w = World(http, admin, orgs, people)
    for x, y in [("ann", "bob"), ("ann", "sec"), ("bob", "cat"), ("sec", "cat"), ("bob", "dan"), ("dan", "eve")]:
        w.befriend(x, y)
    yield w
    http.close()


# -- relations from the tree ---------------------------------------------------------------------------


def test_superiors_are_the_leaders_above(world):
    assert world.names("sec") <= set(world.ids(world.get("ann", "/accounts/me/network/superiors")))
    assert world.names("sec") <= set(world.ids(world.get("cat", "/accounts/me/network/superiors")))
    assert not world.names("sec") & set(world.ids(world.get("dan", "/accounts/me/network/superiors")))
    entry = next(
        e for e in world.get("ann", "/accounts/me/network/superiors").json()["entries"] if e["id"] == world.id("sec")
    )
    assert "secretary" in entry["roles"] and entry["display_name"] == "sec"


def test_a_leaders_subordinates_are_the_subtree_paged(world):
    seen, cursor = [], ""
    while True:
        reply = world.get("sec", "/accounts/me/network/subordinates", page_size=2, cursor=cursor)
        page = world.ids(reply)
        assert len(page) <= 2
        seen += page
        cursor = reply.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(world.names("ann", "bob", "gus", "cat"))
    assert world.ids(world.get("ann", "/accounts/me/network/subordinates")) == []  # not a leader


def test_colleagues_share_the_home_org(world):
    colleagues = set(world.ids(world.get("ann", "/accounts/me/network/colleagues")))
    assert colleagues == world.names("sec", "bob", "gus")


# -- friends -------------------------------------------------------------------------------------------


def test_friend_lists(world):
    assert set(world.ids(world.get("ann", "/accounts/me/network/friends"))) == world.names("bob", "sec")
    assert set(world.ids(world.get("bob", "/accounts/me/network/friends"))) == world.names("ann", "cat", "dan")
    # a friend may see a friend's list (the default), a stranger may not
    assert set(world.ids(world.get("ann", f"/accounts/{world.id('bob')}/network/friends"))) == world.names(
        "ann", "cat", "dan"
    )
    error(world.get("eve", f"/accounts/{world.id('bob')}/network/friends"), 403, "permission_denied", "account_id")
    # nobody else's colleagues, superiors or follows
    error(world.get("ann", f"/accounts/{world.id('bob')}/network/colleagues"), 403, "permission_denied")
    counts = world.get("ann", "/accounts/me/network-counts").json()
    assert counts["friends"] == 2 and counts["friends_visible"]


def test_request_accept_decline_and_remove(world, gateway_url, identity_events):
    with client_for(gateway_url) as own:
        fay, hal = register(own, identity_events, "fay"), register(own, identity_events, "hal")
    world.people.update(fay=fay, hal=hal)
    sent = world.post("fay", "/network/friend-requests", {"account_id": hal.account_id})
    assert sent.status_code == 201 and sent.json()["state"] == "pending", sent.text
    # no duplicate requests
    error(world.post("fay", "/network/friend-requests", {"account_id": hal.account_id}), 409, "already_exists")
    incoming = world.get("hal", "/network/friend-requests", direction="incoming").json()["requests"]
    assert [(r["from_id"], r["from_display_name"]) for r in incoming] == [(fay.account_id, "fay")]
    assert world.ids(world.get("fay", "/network/friend-requests", direction="outgoing"), "requests", "to_id") == [
        hal.account_id
    ]
    declined = world.post("hal", f"/network/friend-requests/{fay.account_id}/decline")
    assert declined.json()["state"] == "declined"
    # declined: not again for a while, and nothing left to accept
    error(world.post("fay", "/network/friend-requests", {"account_id": hal.account_id}), 409, "failed_precondition")
    error(world.post("hal", f"/network/friend-requests/{fay.account_id}/accept"), 404, "not_found", "account_id")
    # the other way round: a request to someone who already asked you accepts theirs
    assert world.post("hal", "/network/friend-requests", {"account_id": fay.account_id}).json()["state"] == "pending"
    crossed = world.post("fay", "/network/friend-requests", {"account_id": hal.account_id})
    assert crossed.status_code == 201 and crossed.json()["state"] == "accepted", crossed.text
    assert world.ids(world.get("fay", "/accounts/me/network/friends")) == [hal.account_id]
    error(world.post("fay", "/network/friend-requests", {"account_id": hal.account_id}), 409, "already_exists")
    # remove: both sides lose the friendship
    assert world.delete("hal", f"/network/friends/{fay.account_id}").status_code == 200
    assert world.ids(world.get("fay", "/accounts/me/network/friends")) == []
    assert world.get("hal", "/accounts/me/network-counts").json()["friends"] == 0
    error(world.delete("hal", f"/network/friends/{fay.account_id}"), 404, "not_found")


# -- privacy -------------------------------------------------------------------------------------------


def test_who_may_send_friend_requests(world):
    settings = world.get("eve", "/network/settings").json()
    assert settings == {"friend_requests_from": "everyone", "org_levels": 2, "friends_visible_to": "friends"}
    assert world.put("eve", "/network/settings", {"friend_requests_from": "nobody"}).status_code == 200
    error(world.post("gus", "/network/friend-requests", {"account_id": world.id("eve")}), 403, "permission_denied")
    # within one level: gus (B1) and dan (B2) share A one level up; cat (G1, below B1) is two levels from A
    world.put("dan", "/network/settings", {"friend_requests_from": "org_within", "org_levels": 1})
    reply = world.post("cat", "/network/friend-requests", {"account_id": world.id("dan")})
    error(reply, 403, "permission_denied", "account_id")
    assert world.post("gus", "/network/friend-requests", {"account_id": world.id("dan")}).status_code == 201
    error(world.post("loner", "/network/friend-requests", {"account_id": world.id("dan")}), 403, "permission_denied")
    world.put("dan", "/network/settings", {"friend_requests_from": "everyone"})
    world.put("eve", "/network/settings", {})


def test_friend_list_only_me(world):
    assert world.put("sec", "/network/settings", {"friends_visible_to": "only_me"}).status_code == 200
    try:
        error(world.get("ann", f"/accounts/{world.id('sec')}/network/friends"), 403, "permission_denied")
        counts = world.get("ann", f"/accounts/{world.id('sec')}/network-counts").json()
        assert counts["friends"] == 0 and not counts["friends_visible"]
        assert set(world.ids(world.get("sec", "/accounts/me/network/friends"))) == world.names("ann", "cat")
    finally:
        world.put("sec", "/network/settings", {})


# -- people you may know, shortest path ----------------------------------------------------------------


def test_people_you_may_know_ranked(world):
    reply = world.get("ann", "/network/people-you-may-know")
    assert reply.status_code == 200, reply.text
    suggestions = reply.json()["suggestions"]
    ranked = [s["account_id"] for s in suggestions]
    # cat: two mutual friends (bob, sec); dan: one (bob); gus: none, but same org
    assert ranked[:3] == [world.id("cat"), world.id("dan"), world.id("gus")], suggestions
    assert [s["mutual_friends"] for s in suggestions[:3]] == [2, 1, 0]
    assert suggestions[2]["same_org"] and suggestions[2]["display_name"] == "gus"
    assert not ({world.id("ann"), world.id("bob"), world.id("sec")} & set(ranked))  # me and my friends


def test_people_you_may_know_leave_out_declined_and_pending(world):
    cat_suggests = [s["account_id"] for s in world.get("cat", "/network/people-you-may-know").json()["suggestions"]]
    assert world.id("dan") in cat_suggests and world.id("ann") in cat_suggests
    assert world.post("cat", "/network/friend-requests", {"account_id": world.id("dan")}).status_code == 201
    assert world.post("dan", f"/network/friend-requests/{world.id('cat')}/decline").status_code == 200
    cat_suggests = [s["account_id"] for s in world.get("cat", "/network/people-you-may-know").json()["suggestions"]]
    dan_suggests = [s["account_id"] for s in world.get("dan", "/network/people-you-may-know").json()["suggestions"]]
    assert world.id("dan") not in cat_suggests and world.id("cat") not in dan_suggests
    assert world.post("cat", "/network/friend-requests", {"account_id": world.id("ann")}).status_code == 201
    cat_suggests = [s["account_id"] for s in world.get("cat", "/network/people-you-may-know").json()["suggestions"]]
    assert world.id("ann") not in cat_suggests  # pending
    world.post("ann", f"/network/friend-requests/{world.id('cat')}/decline")


def test_shortest_path_found(world):
    reply = world.get("ann", "/network/path", to_account_id=world.id("eve"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["found"]
    steps = body["steps"]
    assert [s["account_id"] for s in steps] == [world.id(n) for n in ("ann", "bob", "dan", "eve")]
    assert [s["via"] for s in steps] == ["", "friend", "friend", "friend"]
    assert steps[-1]["display_name"] == "eve"
    colleague = world.get("ann", "/network/path", to_account_id=world.id("gus")).json()
    assert [s["via"] for s in colleague["steps"]] == ["", "colleague"]


def test_shortest_path_not_found(world):
    too_far = world.get("ann", "/network/path", to_account_id=world.id("eve"), max_depth=2).json()
    assert not too_far["found"] and too_far["steps"] == []
    nobody = world.get("ann", "/network/path", to_account_id=world.id("loner")).json()
    assert not nobody["found"] and not nobody["truncated"]


# -- follows -------------------------------------------------------------------------------------------


def test_follows_people_and_orgs(world):
    a = world.orgs["A"]
    assert (
        world.post("gus", "/network/follows", {"target_kind": "person", "target_id": world.id("eve")}).status_code
        == 201
    )
    followed = world.post("gus", "/network/follows", {"target_kind": "org", "target_id": a["id"]})
    assert followed.status_code == 201 and followed.json()["target_kind"] == "org", followed.text
    error(world.post("gus", "/network/follows", {"target_kind": "org", "target_id": a["id"]}), 409, "already_exists")
    following = world.get("gus", "/accounts/me/network/following").json()["entries"]
    assert {(e["kind"], e["id"]) for e in following} == {("person", world.id("eve")), ("org", a["id"])}
    assert next(e for e in following if e["kind"] == "org")["display_name"] == a["name"]
    assert world.ids(world.get("eve", "/accounts/me/network/followers")) == [world.id("gus")]
    # counts are public within the region
    assert world.get("ann", f"/accounts/{world.id('eve')}/network-counts").json()["followers"] == 1
    assert world.get("ann", f"/orgs/{a['id']}/network-counts").json()["followers"] == 1
    assert world.get("gus", "/accounts/me/network-counts").json()["following"] == 2
    error(world.get("ann", f"/accounts/{world.id('eve')}/network/followers"), 403, "permission_denied")
    assert world.delete("gus", f"/network/follows/org/{a['id']}").status_code == 200
    assert world.get("ann", f"/orgs/{a['id']}/network-counts").json()["followers"] == 0
    error(world.delete("gus", f"/network/follows/org/{a['id']}"), 404, "not_found", "target_id")


# -- external contacts and reach -----------------------------------------------------------------------


def test_contacts_are_private_and_masked_for_others(world):
    added = world.post("ann", "/network/contacts", {"name": "老王", "phone": "+86 139-1111-2222", "note": "邻居"})
    assert added.status_code == 201, added.text
    contact = added.json()
    assert contact["phone"] == "13911112222" and contact["note"] == "邻居" and not contact["masked"]
    error(world.post("ann", "/network/contacts", {"name": "又是老王", "phone": "13911112222"}), 409, "already_exists")
    mine = world.get("ann", "/accounts/me/contacts").json()["contacts"]
    assert [(c["name"], c["phone"]) for c in mine] == [("老王", "13911112222")]
    # the region admin (personal-data reader) sees them masked, without notes; a fellow member not at all
    shown = world.get("admin", f"/accounts/{world.id('ann')}/contacts").json()["contacts"]
    assert [(c["name"], c["phone"], c["note"], c["masked"]) for c in shown] == [("老王", "139****2222", "", True)]
    error(world.get("bob", f"/accounts/{world.id('ann')}/contacts"), 403, "permission_denied")
    # only the owner edits or deletes
    error(world.patch("bob", f"/network/contacts/{contact['id']}", {"note": "x"}), 404, "not_found", "contact_id")
    patched = world.patch("ann", f"/network/contacts/{contact['id']}", {"note": "楼下邻居"})
    assert patched.json()["note"] == "楼下邻居" and patched.json()["phone"] == "13911112222"
    assert world.get("ann", "/accounts/me/network-counts").json()["contacts"] == 1
    assert world.get("bob", f"/accounts/{world.id('ann')}/network-counts").json()["contacts"] == 0


def test_org_reach_counts_distinct_members_and_contacts(world):
    world.post("ann", "/network/contacts", {"name": "老王", "phone": "13911112222"})  # may exist already
    for owner, phone in [
        ("bob", "13911112222"),
        ("bob", "13933334444"),
        ("dan", "13955556666"),
        ("eve", "139 7777 8888"),
    ]:
        assert world.post(owner, "/network/contacts", {"name": "群众", "phone": phone}).status_code == 201
    temp = world.post("cat", "/network/contacts", {"name": "临时", "phone": "13999990000"}).json()
    assert world.delete("cat", f"/network/contacts/{temp['id']}").status_code == 200
    a = world.get("admin", f"/orgs/{world.orgs['A']['id']}/reach")
    assert a.status_code == 200, a.text
    # A: sec, ann, bob, gus, cat, dan; contacts 13911112222 (twice), 13933334444, 13955556666
    assert a.json() == {"org_id": world.orgs["A"]["id"], "members": 6, "contacts": 3, "total": 9}
    b1 = world.get("admin", f"/orgs/{world.orgs['B1']['id']}/reach").json()
    assert (b1["members"], b1["contacts"]) == (5, 2)
    t = world.get("admin", f"/orgs/{world.orgs['T']['id']}/reach").json()
    assert (t["members"], t["contacts"]) == (1, 1)
    error(world.get("ann", f"/orgs/{world.orgs['A']['id']}/reach"), 403, "permission_denied")


def _reach_becomes(world: World, org_id: str, expected: tuple[int, int]) -> None:
    """Contacts follow their owner's org through orgs' worker: wait briefly for it."""
    deadline = time.monotonic() + 10
    while True:
        body = world.get("admin", f"/orgs/{org_id}/reach").json()
        if (body["members"], body["contacts"]) == expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (body["members"], body["contacts"]) == expected, body


def test_reach_follows_members_and_orgs_as_they_move(world, gateway_url, identity_events):
    x = create_org(world.http, world.admin, "demo-committee", "网络测试迁移支部", "branch")
    y = create_org(world.http, world.admin, "demo-committee", "网络测试新总支", "general_branch")
    with client_for(gateway_url) as own:
        kay = register(own, identity_events, "kay")
    world.people["kay"] = kay
    # a contact made before its owner joins any org counts once they join
    assert world.post("kay", "/network/contacts", {"name": "老赵", "phone": "13800001111"}).status_code == 201
    membership = add_member(world.http, world.admin, x["id"], kay, "kay")
    _reach_becomes(world, x["id"], (1, 1))
    _reach_becomes(world, y["id"], (0, 0))
    moved = world.post("admin", f"/orgs/{x['id']}/move", {"new_parent_id": y["id"]})
    assert moved.status_code == 200, moved.text
    _reach_becomes(world, y["id"], (1, 1))
    # once gone from the org's life, neither they nor their contacts count
    changed = world.post("admin", f"/memberships/{membership['id']}/status", {"to_status": "deceased"})
    assert changed.status_code == 200, changed.text
    _reach_becomes(world, y["id"], (0, 0))


# -- bad input, other regions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "field"),
    [
        ("get", "/accounts/me/network/enemies", None, 400, "relation"),
        ("post", "/network/friend-requests", {"account_id": "<self>"}, 400, "account_id"),
        ("post", "/network/friend-requests", {"account_id": "000000000000000000000000"}, 404, "account_id"),
        ("post", "/network/friend-requests", {"account_id": ""}, 400, "account_id"),
        ("post", "/network/contacts", {"name": "老李", "phone": "12345"}, 400, "phone"),
        ("post", "/network/contacts", {"name": "  ", "phone": "13912345678"}, 400, "name"),
        ("post", "/network/contacts", {"name": "老李", "phone": "13912345678", "owner_id": "x"}, 400, "owner_id"),
        ("patch", "/network/contacts/not-an-id", {"note": ""}, 404, "contact_id"),
        ("post", "/network/follows", {"target_kind": "group", "target_id": "x"}, 400, "target_kind"),
        ("post", "/network/follows", {"target_kind": "person", "target_id": "<self>"}, 400, "target_id"),
        ("post", "/network/follows", {"target_kind": "org", "target_id": "no-such-org"}, 404, "target_id"),
        ("put", "/network/settings", {"friend_requests_from": "anyone"}, 400, "friend_requests_from"),
        ("put", "/network/settings", {"org_levels": 11}, 400, "org_levels"),
        ("put", "/network/settings", {"friends_visible_to": "public"}, 400, "friends_visible_to"),
        ("get", "/network/people-you-may-know?limit=0", None, 400, "limit"),
        ("get", "/network/path?to_account_id=<self>", None, 400, "to_account_id"),
        ("get", "/network/path?to_account_id=<self>&max_depth=7", None, 400, "max_depth"),
        ("get", "/network/path", None, 400, "to_account_id"),
        ("get", "/network/friend-requests?direction=sideways", None, 400, "direction"),
        ("get", "/accounts/me/network/friends?cursor=zzz", None, 400, "cursor"),
        ("get", "/orgs/no-such-org/reach", None, 404, "org_id"),
    ],
)
def test_bad_input_names_the_field(world, method, url, body, status, field):
    me = world.id("gus")
    url = url.replace("<self>", me)
    if body is not None:
        body = {k: (me if v == "<self>" else v) for k, v in body.items()}
        reply = getattr(world, method)("gus", url, body)
    else:
        reply = getattr(world, method)("gus", url)
    assert 400 <= reply.status_code < 500, reply.text
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["field"] == field, reply.text


def test_another_regions_token_sees_nothing(world, stack):
    """A token naming another region is refused before any network data is read."""
    token = (
        TokenIssuer(stack.layout.keys_dir, "beijing", 600)
        .issue(Actor(account_id=world.id("ann"), session_id="s"))
        .token
    )
    for url in ("/network/people-you-may-know", "/accounts/me/network/friends", "/accounts/me/contacts"):
        reply = world.http.get(API + url, headers={"Authorization": f"Bearer {token}"})
        error(reply, 403, "wrong_region")
