"""An org's followers, listed for its officers, through the gateway on the real stack.

The module's own corner of the region (as the admin, under demo-committee):

    demo-committee
    └── A  (general branch): sec_a (secretary)
        ├── B (branch): sec_b (secretary), officer (organization_officer), committee (committee_member), plain
        └── S (branch): sec_s (secretary)

and three people outside them (f1, f2, f3) who follow B.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import pytest

from devstack import demo
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import Person, login, register
from tests.e2e.corner import client_for
from tests.e2e.test_transfers import join, may, ok, poll

pytestmark = pytest.mark.e2e

API = "/api/v1"


@dataclass
class Corner:
    a: str
    b: str
    s: str
    people: dict[str, Person]


def _org(api, admin: Person, parent: str, name: str, org_type: str) -> str:
    body = {"parent_id": parent, "name": f"{name}{secrets.token_hex(3)}", "type": org_type}
    return ok(api.post(f"{API}/orgs", json=body, headers=admin.auth), 201)["id"]


def _with_role(api, admin: Person, org_id: str, person: Person, role: str, action: str) -> Person:
    """Person joins org_id with role; returns them with a token that carries the grant."""
    membership = join(api, admin, org_id, person)
    if role != "member":
        ok(api.post(f"{API}/memberships/{membership['id']}/roles", json={"role": role}, headers=admin.auth))
    assert poll(lambda: may(api, admin, person.account_id, action, org_id))
    fresh = login(api, person.phone, person.password)
    return Person(person.phone, person.password, person.account_id, fresh["access_token"], fresh["refresh_token"])


def _follow(api, who: Person, kind: str, target_id: str) -> None:
    """Follow, once orgs has heard of the follower's account (identity's event)."""
    body = {"target_kind": kind, "target_id": target_id}
    deadline = time.monotonic() + 15
    while True:
        reply = api.post(f"{API}/network/follows", json=body, headers=who.auth)
        if reply.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert reply.status_code == 201, reply.text


def _newcomer(gateway_url: str, identity_events, name: str) -> Person:
    with client_for(gateway_url) as own:
        return register(own, identity_events, name)


@pytest.fixture(scope="module")
def corner(gateway_url, identity_events) -> Corner:
    with client_for(gateway_url) as api:
        body = login(api, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
        admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
        a = _org(api, admin, "demo-committee", "关注测试党总支", "general_branch")
        b = _org(api, admin, a, "关注测试支部", "branch")
        s = _org(api, admin, a, "关注测试兄弟支部", "branch")
        roles = {
            "sec_a": (a, "secretary", "member.manage"),
            "sec_b": (b, "secretary", "member.manage"),
            "sec_s": (s, "secretary", "member.manage"),
            "officer": (b, "organization_officer", "member.manage"),
            "committee": (b, "committee_member", "member.read"),
            "plain": (b, "member", "org.read"),
        }
        people = {
            key: _with_role(api, admin, org_id, _newcomer(gateway_url, identity_events, key), role, action)
            for key, (org_id, role, action) in roles.items()
        }
        for key in ("f1", "f2", "f3"):
            people[key] = _newcomer(gateway_url, identity_events, f"关注者{key}")
            _follow(api, people[key], "org", b)
        _follow(api, people["f1"], "org", a)  # A's follower, not B's
        _follow(api, people["f2"], "person", people["sec_b"].account_id)  # follows a person, not the org
    return Corner(a, b, s, people)


def followers(api, who: Person, org_id: str, **params):
    return api.get(f"{API}/orgs/{org_id}/followers", params=params or None, headers=who.auth)


def test_the_orgs_officers_and_those_above_page_its_followers(api, admin, corner):
    p = corner.people
    expected = [p[k].account_id for k in ("f1", "f2", "f3")]  # oldest follow first
    for reader in (p["sec_b"], p["officer"], p["sec_a"], admin):
        first = ok(followers(api, reader, corner.b, page_size=2))
        assert [e["id"] for e in first["entries"]] == expected[:2] and first["next_cursor"]
        rest = ok(followers(api, reader, corner.b, page_size=2, cursor=first["next_cursor"]))
        assert [e["id"] for e in rest["entries"]] == expected[2:] and rest["next_cursor"] == ""
    entry = first["entries"][0]
    assert (entry["kind"], entry["display_name"], entry["org_id"], entry["roles"]) == ("person", "关注者f1", "", [])
    assert entry["since"]
    # A's own followers are A's: f1 only.
    assert [e["id"] for e in ok(followers(api, p["sec_a"], corner.a))["entries"]] == [p["f1"].account_id]
    # The count the org's page shows agrees.
    assert ok(api.get(f"{API}/orgs/{corner.b}/network-counts", headers=p["plain"].auth))["followers"] == 3


@pytest.mark.parametrize("who", ["plain", "committee", "sec_s", "f1"])
def test_members_sibling_secretaries_and_followers_are_refused(api, corner, who):
    """A plain member and a committee member of B (member.read, not member.manage), the secretary of a
    sibling, and a follower: the list is for the org's officers and those above it."""
    reply = followers(api, corner.people[who], corner.b)
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"]["code"] == "permission_denied"


def test_the_secretary_of_a_branch_cannot_read_the_followers_of_the_org_above(api, corner):
    reply = followers(api, corner.people["sec_b"], corner.a)
    assert reply.status_code == 403, reply.text


def test_an_unfollow_leaves_the_list(api, corner, gateway_url, identity_events):
    p = corner.people
    late = _newcomer(gateway_url, identity_events, "后来的关注者")
    _follow(api, late, "org", corner.s)
    assert [e["id"] for e in ok(followers(api, p["sec_s"], corner.s))["entries"]] == [late.account_id]
    ok(api.delete(f"{API}/network/follows/org/{corner.s}", headers=late.auth))
    assert ok(followers(api, p["sec_s"], corner.s)) == {"entries": [], "next_cursor": ""}


@pytest.mark.parametrize(
    ("org_id", "params", "status", "field"),
    [
        ("no-such-org", {}, 404, "org_id"),
        (None, {"cursor": "zzz"}, 400, "cursor"),
        (None, {"page_size": 0}, 400, "page_size"),
    ],
)
def test_bad_input_names_the_field(api, corner, org_id, params, status, field):
    reply = followers(api, corner.people["sec_b"], org_id or corner.b, **params)
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["field"] == field, reply.text


def test_another_regions_token_sees_nothing(api, corner, stack):
    """Even a token naming another region (signed with a key this region trusts) reads no follower."""
    token = (
        TokenIssuer(stack.layout.keys_dir, "beijing", 600)
        .issue(Actor(account_id=corner.people["sec_b"].account_id, session_id="s"))
        .token
    )
    reply = api.get(f"{API}/orgs/{corner.b}/followers", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"]["code"] == "wrong_region"
