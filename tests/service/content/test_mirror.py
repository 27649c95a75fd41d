"""content's copy of people, orgs, friendships and follows (services/content/mirror.py).

Directly on content's database: every function is idempotent (an event delivered twice changes nothing),
and an event ahead of the org it names waits (MirrorLag) instead of recording a wrong path.
Through the real stack: orgs' events reach the copy.
"""

from __future__ import annotations

import secrets
import time
import uuid

import mongoengine as me
import pymongo
import pytest

from kernel import store
from kernel.config import StoreConfig
from services.content import mirror

pytestmark = pytest.mark.service

API = "/api/v1"


@pytest.fixture(scope="module")
def content_db(stack):
    """One connection for the module: mongoengine caches each model's collection with its client."""
    me.disconnect(alias="default")
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "content")
    yield
    me.disconnect(alias="default")


@pytest.fixture
def tenant(content_db):
    return f"mirror-{uuid.uuid4().hex[:8]}"  # a tenant of its own: the region's data stays apart


def test_follows_are_counted_once_however_often_they_arrive(tenant):
    for _ in range(2):
        mirror.follow(tenant, "a1", mirror.ORG, "o1")
    mirror.follow(tenant, "a2", mirror.ORG, "o1")
    assert mirror.followers_of(tenant, mirror.ORG, "o1") == 2

    for _ in range(2):
        mirror.unfollow(tenant, "a1", mirror.ORG, "o1")
    assert mirror.followers_of(tenant, mirror.ORG, "o1") == 1
    assert mirror.followers_of(tenant, mirror.PERSON, "o1") == 0  # kinds are apart


def test_a_membership_ahead_of_its_org_waits_then_takes_the_path(tenant):
    with pytest.raises(mirror.MirrorLag):
        mirror.home_org(tenant, "a1", "b1", present=True)

    mirror.org_created(tenant, "root", "党委", ["root"])
    mirror.org_created(tenant, "b1", "一支部", ["root", "b1"])
    mirror.home_org(tenant, "a1", "b1", present=True)
    mirror.home_org(tenant, "a1", "b1", present=True)
    assert mirror.reader(tenant, "a1").org_path == ("root", "b1")

    mirror.home_org(tenant, "a1", "b1", present=False)  # transferred out, deceased
    assert mirror.reader(tenant, "a1").org_path == ()


def test_a_moved_subtree_takes_its_members_along(tenant):
    for org_id, path in (("r", ["r"]), ("g1", ["r", "g1"]), ("g2", ["r", "g2"]), ("b", ["r", "g1", "b"])):
        mirror.org_created(tenant, org_id, org_id, path)
    mirror.home_org(tenant, "a1", "b", present=True)

    for _ in range(2):
        mirror.org_moved(tenant, "b", ["r", "g1", "b"], ["r", "g2", "b"])
    assert mirror.reader(tenant, "a1").org_path == ("r", "g2", "b")

    mirror.org_merged(tenant, "b", "g1")
    assert mirror.reader(tenant, "a1").org_path == ("r", "g1")


def test_friendships_are_both_ways(tenant):
    mirror.friendship(tenant, "a1", "a2", formed=True)
    mirror.friendship(tenant, "a1", "a2", formed=True)
    assert mirror.reader(tenant, "a1").friend_ids == {"a2"}
    assert mirror.reader(tenant, "a2").friend_ids == {"a1"}
    mirror.friendship(tenant, "a2", "a1", formed=False)
    assert mirror.reader(tenant, "a1").friend_ids == frozenset()


def _eventually(check, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"content's copy never showed {what}"
        time.sleep(0.1)
    return result


def test_orgs_events_reach_the_copy(stack, api, admin, identity_events):
    from tests.conftest import register
    from tests.e2e.corner import add_member, create_org

    tag = secrets.token_hex(3)
    general = create_org(api, admin, "demo-committee", f"镜像总支 {tag}", "general_branch")
    branch = create_org(api, admin, general["id"], f"镜像支部 {tag}", "branch")
    person = register(api, identity_events, "镜像成员")
    add_member(api, admin, branch["id"], person, "镜像成员")
    follow = api.post(
        f"{API}/network/follows", json={"target_kind": "org", "target_id": branch["id"]}, headers=person.auth
    )
    assert follow.status_code in (200, 201), follow.text

    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        db = client[f"{stack.layout.region}_content"]

        def person_row():
            return db["mirror_people"].find_one({"account_id": person.account_id, "org_id": branch["id"]})

        row = _eventually(person_row, "the new member")
        assert row["org_path"] == ["demo-committee", general["id"], branch["id"]]
        assert row["display_name"] == "镜像成员"
        _eventually(
            lambda: db["mirror_follower_counts"].find_one({"target_id": branch["id"], "followers": 1}),
            "the follow",
        )

        moved = api.post(
            f"{API}/orgs/{branch['id']}/move", json={"new_parent_id": "demo-community"}, headers=admin.auth
        )
        assert moved.status_code == 200, moved.text
        _eventually(
            lambda: (person_row() or {}).get("org_path") == ["demo-committee", "demo-community", branch["id"]],
            "the moved member's new path",
        )


def test_a_copy_lost_or_made_late_is_rebuilt_by_announcing_the_state_again(stack, api, admin, identity_events):
    """`manage announce` (identity and orgs) republishes the current state; the copy takes it idempotently."""
    from tests.conftest import register
    from tests.e2e.corner import add_member, create_org

    branch = create_org(api, admin, "demo-committee", f"重播支部 {secrets.token_hex(3)}", "branch")
    ann, bob = (register(api, identity_events, name) for name in ("重播甲", "重播乙"))
    add_member(api, admin, branch["id"], ann, "重播甲")
    sent = api.post(f"{API}/network/friend-requests", json={"account_id": bob.account_id}, headers=ann.auth)
    assert sent.status_code == 201, sent.text
    accepted = api.post(f"{API}/network/friend-requests/{ann.account_id}/accept", headers=bob.auth)
    assert accepted.status_code == 200, accepted.text

    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        db = client[f"{stack.layout.region}_content"]
        ours = {"$in": [ann.account_id, bob.account_id]}
        _eventually(lambda: db["mirror_friends"].count_documents({"owner_id": ours}) == 2, "the friendship")
        _eventually(lambda: db["mirror_people"].find_one({"account_id": ann.account_id, "org_id": branch["id"]}), "ann")
        db["mirror_people"].delete_many({"account_id": ours})  # as if content had joined the region late
        db["mirror_friends"].delete_many({"owner_id": ours})

        for service in ("identity", "orgs"):  # only these two: other tests' people are left alone
            stack.run_tool(
                "-m", f"services.{service}.manage", "announce", "--account", ann.account_id, "--account", bob.account_id
            )

        row = _eventually(
            lambda: db["mirror_people"].find_one({"account_id": ann.account_id, "org_id": branch["id"]}), "ann again"
        )
        assert row["display_name"] == "重播甲" and row["org_path"] == ["demo-committee", branch["id"]]
        _eventually(lambda: db["mirror_people"].find_one({"account_id": bob.account_id}), "bob again")
        _eventually(lambda: db["mirror_friends"].count_documents({"owner_id": ours}) == 2, "the friendship again")
