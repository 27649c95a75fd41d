"""content's copy of what it needs from orgs and identity to decide who reads what and who hears of it.

orgs is the system of record for the tree, memberships, friendships and follows; content keeps a copy,
fed by their events (worker.py), so that a visibility decision or a fan-out costs no call to another
service. Every function here is idempotent: an event delivered twice changes nothing the second time.
An event that refers to an org the copy does not hold yet (events of different types travel on
different queues) raises MirrorLag, and the worker retries it with backoff.
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.content import cache
from services.content.domain.visibility import Reader

PRESENT = ("applicant", "activist", "development_target", "probationary", "full", "suspended")
PERSON, ORG = "person", "org"


class MirrorLag(RuntimeError):
    """The copy lacks something an event refers to; retried by the worker until it arrives."""


class OrgNode(TenantDocument):
    org_id = me.StringField(required=True)
    name = me.StringField(default="")
    path = me.ListField(me.StringField())  # root … the org itself
    dissolved = me.BooleanField(default=False)

    meta = {
        "collection": "mirror_orgs",
        "indexes": [{"fields": ["tenant", "org_id"], "unique": True}, ("tenant", "path", "org_id")],
    }


class Person(TenantDocument):
    """An account, and its home org while its membership is present (not transferred out or deceased)."""

    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    org_id = me.StringField(default="")  # "" while the person belongs to no org here
    org_path = me.ListField(me.StringField())

    meta = {
        "collection": "mirror_people",
        "indexes": [
            {"fields": ["tenant", "account_id"], "unique": True},
            ("tenant", "org_id", "account_id"),
            ("tenant", "org_path", "account_id"),
        ],
    }


class FriendEdge(TenantDocument):
    """One direction of a friendship: both directions are stored."""

    owner_id = me.StringField(required=True)
    friend_id = me.StringField(required=True)

    meta = {
        "collection": "mirror_friends",
        "indexes": [{"fields": ["tenant", "owner_id", "friend_id"], "unique": True}],
    }


class FollowEdge(TenantDocument):
    follower_id = me.StringField(required=True)
    target_kind = me.StringField(required=True)  # person or org
    target_id = me.StringField(required=True)
    since = me.DateTimeField(required=True)

    meta = {
        "collection": "mirror_follows",
        "indexes": [
            {"fields": ["tenant", "follower_id", "target_kind", "target_id"], "unique": True},
            ("tenant", "target_kind", "target_id", "follower_id"),
        ],
    }


class FollowerCount(TenantDocument):
    """How many follow a person or an org: fan-out chooses push or pull by it."""

    target_kind = me.StringField(required=True)
    target_id = me.StringField(required=True)
    followers = me.IntField(default=0)

    meta = {
        "collection": "mirror_follower_counts",
        "indexes": [{"fields": ["tenant", "target_kind", "target_id"], "unique": True}],
    }


DOCUMENTS = (OrgNode, Person, FriendEdge, FollowEdge, FollowerCount)


# -- reading the copy -----------------------------------------------------------------------------


def people(tenant: str, account_ids: list[str]) -> dict[str, dict]:
    """What content knows of each account, read through the cache (cache.py): {"known": registered or a
    member here, "name", "org_id", "org_path", "friends"}. Every account gets a record."""
    return cache.people(tenant, account_ids, lambda ids: _load_people(tenant, ids))


def _load_people(tenant: str, account_ids: list[str]) -> dict[str, dict]:
    records = {a: {"known": False, "name": "", "org_id": "", "org_path": [], "friends": []} for a in account_ids}
    rows = Person.in_tenant(tenant).filter(account_id__in=account_ids)
    for account_id, name, org_id, path in rows.scalar("account_id", "display_name", "org_id", "org_path"):
        records[account_id].update(known=True, name=name, org_id=org_id, org_path=list(path))
    edges = FriendEdge.in_tenant(tenant).filter(owner_id__in=account_ids)
    for owner_id, friend_id in edges.scalar("owner_id", "friend_id"):
        records[owner_id]["friends"].append(friend_id)
    return records


def reader_of(account_id: str, record: dict) -> Reader:
    return Reader(
        account_id=account_id,
        org_id=record["org_id"],
        org_path=tuple(record["org_path"]),
        friend_ids=frozenset(record["friends"]),
    )


def reader(tenant: str, account_id: str) -> Reader:
    """The reader's home org path and friends (from the cache, or two indexed reads)."""
    return reader_of(account_id, people(tenant, [account_id])[account_id])


def org_path(tenant: str, org_id: str) -> list[str]:
    """Root … org from the copy; MirrorLag while orgs' org_created has not arrived."""
    node = OrgNode.in_tenant(tenant).filter(org_id=org_id).only("path").first()
    if node is None:
        raise MirrorLag(f"org {org_id} not mirrored yet")
    return list(node.path)


def followers_of(tenant: str, kind: str, target_id: str) -> int:
    count = FollowerCount.in_tenant(tenant).filter(target_kind=kind, target_id=target_id).only("followers").first()
    return count.followers if count else 0


# -- applying orgs' and identity's events ------------------------------------------------------------


def account_registered(tenant: str, account_id: str, display_name: str) -> None:
    Person.in_tenant(tenant).filter(account_id=account_id).update_one(upsert=True, set__display_name=display_name)
    cache.forget_people(tenant, [account_id])


def org_created(tenant: str, org_id: str, name: str, path: list[str]) -> None:
    if not path or path[-1] != org_id:
        raise ValueError(f"org_created for {org_id}: path must end with the org itself")
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(
        upsert=True, set__name=name, set__path=path, set__dissolved=False
    )


def org_renamed(tenant: str, org_id: str, name: str) -> None:
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(set__name=name)


def org_moved(tenant: str, org_id: str, old_path: list[str], new_path: list[str]) -> None:
    """Re-root the moved subtree's orgs, then give their members the new paths (one update per org)."""
    for node in OrgNode.in_tenant(tenant).filter(path=org_id).only("org_id", "path"):
        path = list(node.path)
        if path[: len(old_path)] == old_path:
            path = new_path + path[len(old_path) :]
            OrgNode.in_tenant(tenant).filter(org_id=node.org_id).update_one(set__path=path)
        members = Person.in_tenant(tenant).filter(org_id=node.org_id)
        members.update(set__org_path=path)
        cache.forget_people(tenant, members.scalar("account_id"))


def org_merged(tenant: str, source_id: str, target_id: str) -> None:
    """The source's own members now belong to the target (its child orgs arrive as org_moved)."""
    path = org_path(tenant, target_id)
    members = list(Person.in_tenant(tenant).filter(org_id=source_id).scalar("account_id"))
    Person.in_tenant(tenant).filter(org_id=source_id).update(set__org_id=target_id, set__org_path=path)
    cache.forget_people(tenant, members)


def org_dissolved(tenant: str, org_id: str) -> None:
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(set__dissolved=True)


def home_org(tenant: str, account_id: str, org_id: str, present: bool) -> None:
    """A membership added, moved or changed status: the person's home org while it is present."""
    path = org_path(tenant, org_id) if present else []
    Person.in_tenant(tenant).filter(account_id=account_id).update_one(
        upsert=True, set__org_id=org_id if present else "", set__org_path=path
    )
    cache.forget_people(tenant, [account_id])


def friendship(tenant: str, a: str, b: str, formed: bool) -> None:
    for owner, friend in ((a, b), (b, a)):
        edge = FriendEdge.in_tenant(tenant).filter(owner_id=owner, friend_id=friend)
        if formed:
            edge.update_one(upsert=True, set__owner_id=owner)
        else:
            edge.delete()
    cache.forget_people(tenant, [a, b])


def follow(tenant: str, follower_id: str, kind: str, target_id: str, since: dt.datetime | None = None) -> None:
    """Record the edge and count it, in one transaction; a redelivery finds the edge and counts nothing."""
    edge = {"tenant": tenant, "follower_id": follower_id, "target_kind": kind, "target_id": target_id}

    def write(uow: UnitOfWork) -> None:
        result = FollowEdge._get_collection().update_one(
            edge, {"$setOnInsert": {"since": since or utcnow()}}, upsert=True, session=uow.session
        )
        if result.upserted_id is not None:
            _count(uow, kind, target_id, 1)

    atomically(tenant, write)
    cache.forget_pulled(tenant, follower_id)


def unfollow(tenant: str, follower_id: str, kind: str, target_id: str) -> None:
    edge = {"tenant": tenant, "follower_id": follower_id, "target_kind": kind, "target_id": target_id}

    def write(uow: UnitOfWork) -> None:
        if FollowEdge._get_collection().delete_one(edge, session=uow.session).deleted_count:
            _count(uow, kind, target_id, -1)

    atomically(tenant, write)
    cache.forget_pulled(tenant, follower_id)


def _count(uow: UnitOfWork, kind: str, target_id: str, delta: int) -> None:
    FollowerCount._get_collection().update_one(
        {"tenant": uow.tenant, "target_kind": kind, "target_id": target_id},
        {"$inc": {"followers": delta}},
        upsert=True,
        session=uow.session,
    )
