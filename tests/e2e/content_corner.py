"""A corner of the region for the content tests of forums, notices, polls and education (built through the
gateway, as the admin, under demo-committee; each test module builds its own):

    demo-committee
    ├── R  (general branch): secR (secretary)
    │   ├── B1 (branch): sec1 (secretary), m1, m2
    │   │   └── G1 (group): m3
    │   ├── B2 (branch): sec2 (secretary), m4
    │   └── B3 (branch): m5
    └── S  (general branch, a sibling of R): secS (secretary), s1
    (nobody) loner: registered, in no org

A permission matrix asks the secretary of the org, of an ancestor, of a sibling, a plain member, someone in
no org, and a token of another region ("other").
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pymongo

from devstack import demo
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import EventTap, Person, login, register, tap_events
from tests.e2e.corner import client_for
from tests.e2e.test_transfers import join, may, ok, poll

API = "/api/v1"


@dataclass
class World:
    http: httpx.Client
    admin: Person
    orgs: dict[str, str]
    people: dict[str, Person]
    content_db: pymongo.database.Database
    events: EventTap
    other_region_token: str

    def _auth(self, who: str) -> dict[str, str]:
        if who == "other":
            return {"Authorization": f"Bearer {self.other_region_token}"}
        return (self.admin if who == "admin" else self.people[who]).auth

    def get(self, who: str, url: str, **params) -> httpx.Response:
        return self.http.get(API + url, params=params or None, headers=self._auth(who))

    def post(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.post(API + url, json=body if body is not None else {}, headers=self._auth(who))

    def put(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.put(API + url, json=body if body is not None else {}, headers=self._auth(who))

    def patch(self, who: str, url: str, body: dict) -> httpx.Response:
        return self.http.patch(API + url, json=body, headers=self._auth(who))

    def delete(self, who: str, url: str) -> httpx.Response:
        return self.http.delete(API + url, headers=self._auth(who))

    def id(self, name: str) -> str:
        return self.people[name].account_id

    def ids(self, *names: str) -> set[str]:
        return {self.id(n) for n in names}


HOMES = {
    "secR": ("R", "secretary"),
    "sec1": ("B1", "secretary"),
    "m1": ("B1", "member"),
    "m2": ("B1", "member"),
    "m3": ("G1", "member"),
    "sec2": ("B2", "secretary"),
    "m4": ("B2", "member"),
    "m5": ("B3", "member"),
    "secS": ("S", "secretary"),
    "s1": ("S", "member"),
    "loner": (None, None),
}


def eventually(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)
    return result


def build(gateway_url, identity_events, stack) -> Iterator[World]:
    """The corner (module docstring), its people registered and content's mirror caught up; yields the World."""
    http = client_for(gateway_url, timeout=30)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)

    def org(parent: str, name: str, kind: str) -> str:
        reply = http.post(
            f"{API}/orgs", json={"parent_id": parent, "name": f"{name}{tag}", "type": kind}, headers=admin.auth
        )
        return ok(reply, 201)["id"]

    orgs = {"R": org("demo-committee", "论坛测试党总支", "general_branch")}
    orgs["B1"] = org(orgs["R"], "论坛一支部", "branch")
    orgs["G1"] = org(orgs["B1"], "论坛一支部小组", "group")
    orgs["B2"] = org(orgs["R"], "论坛二支部", "branch")
    orgs["B3"] = org(orgs["R"], "论坛三支部", "branch")
    orgs["S"] = org("demo-committee", "论坛兄弟党总支", "general_branch")

    people: dict[str, Person] = {}
    for name, (home, role) in HOMES.items():
        with client_for(gateway_url, timeout=30) as own:
            person = register(own, identity_events, name)
        if home:
            membership = join(http, admin, orgs[home], person)
            if role == "secretary":
                ok(http.post(f"{API}/memberships/{membership['id']}/roles", json={"role": role}, headers=admin.auth))
                assert poll(lambda p=person, h=home: may(http, admin, p.account_id, "forum.manage", orgs[h]))
                fresh = login(http, person.phone, person.password)
                person = Person(person.phone, person.password, person.account_id, fresh["access_token"], "")
        people[name] = person

    client = pymongo.MongoClient(stack.env["MONGO_URI"])
    db = client[f"{stack.layout.region}_content"]
    # content's copy of people and roles catches up with orgs' events
    for name, (home, role) in HOMES.items():
        if home:
            eventually(
                lambda n=name, h=home: db["mirror_people"].find_one(
                    {"account_id": people[n].account_id, "org_id": orgs[h]}
                ),
                f"{name} in content's mirror",
            )
        if role == "secretary":
            eventually(
                lambda n=name: db["role_holders"].find_one({"account_id": people[n].account_id, "role": "secretary"}),
                f"{name}'s role in content's copy",
            )
    other = TokenIssuer(stack.layout.keys_dir, "beijing", 600).issue(Actor(account_id=people["m1"].account_id)).token
    with tap_events(stack.env["AMQP_URI"], "content") as tap:
        yield World(http, admin, orgs, people, db, tap, other)
    client.close()
    http.close()
