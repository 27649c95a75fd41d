"""Operator commands for orgs.

python -m services.orgs.manage seed-demo    # the demo org tree, memberships and a secretary
python -m services.orgs.manage announce     # re-announce the current state for a consumer that joined late
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from kernel import config as kconfig
from kernel import context, store
from kernel.authz import REGION_ADMIN
from kernel.config import StoreConfig
from kernel.errors import DomainError
from services.orgs import events, members, network, tree
from services.orgs import store as orgs_store
from services.orgs.domain import pipeline
from services.orgs.store import Membership, Org, Person

# id, name, type, category, parent, slug
DEMO_ORGS = [
    ("demo-committee", "中共示范街道工作委员会", "committee", "community", "", "demo-committee"),
    ("demo-community", "示范社区党总支", "general_branch", "community", "demo-committee", "demo-community"),
    ("demo-branch-1", "示范社区第一党支部", "branch", "community", "demo-community", "demo-branch-1"),
    ("demo-branch-2", "示范社区第二党支部", "branch", "community", "demo-community", "demo-branch-2"),
    ("demo-group-2a", "第二党支部第一党小组", "group", "community", "demo-branch-2", "demo-group-2a"),
    ("demo-tower", "光华大厦联合党支部", "branch", "office_tower", "demo-committee", "demo-tower"),
]
# Where the demo orgs are (WGS-84), for geo's "find a branch near me": a street in Tianjin's Heping district;
# 李娜's branch is about 800 m from the office tower's joint branch (STORIES.md story 2).
DEMO_PLACES = {
    "demo-committee": ("天津市和平区示范街道办事处", (117.2006, 39.1172)),
    "demo-community": ("示范社区党群服务中心", (117.2041, 39.1203)),
    "demo-branch-1": ("示范社区一号楼活动室", (117.2064, 39.1231)),
    "demo-branch-2": ("示范社区二号楼活动室", (117.2019, 39.1188)),
    "demo-tower": ("光华大厦 18 层党员之家", (117.2157, 39.1208)),
}
_TODAY = dt.date.today()
# display name (as registered in identity), org, status, since, roles
DEMO_MEMBERS = [
    ("王芳", "demo-branch-2", pipeline.FULL, "2010-07-01", ["secretary"]),
    ("李娜", "demo-branch-1", pipeline.PROBATIONARY, (_TODAY - dt.timedelta(days=400)).isoformat(), []),
    ("刘洋", "demo-branch-2", pipeline.FULL, "2015-06-30", []),
    ("张伟", "demo-group-2a", pipeline.ACTIVIST, (_TODAY - dt.timedelta(days=200)).isoformat(), []),
    ("陈静", "demo-tower", pipeline.FULL, "2018-07-01", ["organization_officer"]),
]


def seed_demo(tenant: str, wait_seconds: float = 30.0) -> None:
    for org_id, name, org_type, category, parent, slug in DEMO_ORGS:
        if Org.in_tenant(tenant).filter(id=org_id).first() is None:
            address, location = DEMO_PLACES.get(org_id, ("", None))
            tree.create(parent, name, org_type, category, slug, address, location, org_id=org_id)
    deadline = time.monotonic() + wait_seconds
    names = [m[0] for m in DEMO_MEMBERS]
    while Person.in_tenant(tenant).filter(display_name__in=names).count() < len(names):
        if time.monotonic() > deadline:
            raise SystemExit("orgs has not heard of the demo people yet: is the orgs worker running?")
        time.sleep(0.1)
    for name, org_id, status, since, roles in DEMO_MEMBERS:
        person = Person.in_tenant(tenant).filter(display_name=name).first()
        membership = Membership.in_tenant(tenant).filter(account_id=person.account_id).first()
        if membership is None:
            membership = members.add(org_id, person.account_id, status, since, name)
        for role in roles:
            members.assign_role(str(membership.id), role)
    print(f"demo org tree: {len(DEMO_ORGS)} orgs, {len(DEMO_MEMBERS)} members; 王芳 is secretary of 示范社区第二党支部")


ANNOUNCE_CHUNK = 500  # events a transaction adds to the outbox


def announce(tenant: str, account_ids: list[str] | None = None) -> dict[str, int]:
    """Publish orgs' current state again as its usual events, for a consumer that joined late (a new
    service, a rebuilt copy): every org (parents first, then the dissolved ones' dissolution), every
    membership with its roles (memberships_imported chunks marked `replay`), every friendship and follow.
    With account_ids, only those people's memberships, friendships and follows and their orgs' paths.

    Consumers are idempotent, so announcing twice is harmless. The events carry a snapshot: a change to
    the same person made while the announcement travels may be overtaken by it in a copy (announce in a
    quiet hour, or again); identity ignores replays (its grants follow role events from the start).
    Returns how many of each were sent."""
    who = {"$in": account_ids} if account_ids is not None else None
    member_filter = {"tenant": tenant, **({"account_id": who} if who else {})}
    memberships = list(
        Membership._get_collection().find(
            member_filter, {"account_id": 1, "org_id": 1, "org_path": 1, "status": 1, "roles": 1}
        )
    )
    org_filter: dict = {"tenant": tenant}
    if who:
        org_filter["_id"] = {"$in": sorted({o for m in memberships for o in m.get("org_path") or []})}
    fields = {
        "name": 1,
        "type": 1,
        "category": 1,
        "parent_id": 1,
        "path": 1,
        "dissolved": 1,
        "location": 1,
        "address": 1,
    }
    orgs = sorted(Org._get_collection().find(org_filter, fields), key=lambda o: len(o.get("path") or []))
    created = [
        (
            events.ORG_CREATED,
            {
                "org_id": o["_id"],
                "parent_id": o.get("parent_id", ""),
                "name": o["name"],
                "type": o["type"],
                "category": o.get("category", ""),
                "path": list(o["path"]),
                "location": list((o.get("location") or {}).get("coordinates") or []) or None,
                "address": o.get("address") or "",
            },
        )
        for o in orgs
    ]
    dissolved = [(events.ORG_DISSOLVED, {"org_id": o["_id"]}) for o in orgs if o.get("dissolved")]
    members = [
        {
            "membership_id": str(m["_id"]),
            "account_id": m["account_id"],
            "org_id": m["org_id"],
            "status": m["status"],
            "roles": list(m.get("roles") or []),
        }
        for m in memberships
    ]
    imported = [
        (events.MEMBERSHIPS_IMPORTED, {"org_id": "", "members": members[i : i + events.IMPORT_CHUNK], "replay": True})
        for i in range(0, len(members), events.IMPORT_CHUNK)
    ]
    pairs = network.Friendship._get_collection().find(
        {"tenant": tenant, **({"owner_id": who} if who else {})}, {"owner_id": 1, "friend_id": 1}
    )
    friendships = {tuple(sorted((f["owner_id"], f["friend_id"]))) for f in pairs}  # stored both ways: once each
    formed = [(events.FRIENDSHIP_FORMED, {"requester_id": a, "accepter_id": b}) for a, b in sorted(friendships)]
    edges = network.Follow._get_collection().find(
        {"tenant": tenant, **({"follower_id": who} if who else {})},
        {"follower_id": 1, "target_kind": 1, "target_id": 1},
    )
    follows = [
        (
            events.FOLLOWED,
            {"follower_id": f["follower_id"], "target_kind": f["target_kind"], "target_id": f["target_id"]},
        )
        for f in edges
    ]
    batch = [*created, *dissolved, *imported, *formed, *follows]
    for start in range(0, len(batch), ANNOUNCE_CHUNK):
        chunk = batch[start : start + ANNOUNCE_CHUNK]
        store.atomically(tenant, lambda uow, chunk=chunk: uow.emit_many(events.SOURCE, chunk, "manage"))
    return {"orgs": len(created), "memberships": len(members), "friendships": len(formed), "follows": len(follows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.orgs.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed-demo")
    announcing = sub.add_parser("announce")
    announcing.add_argument("--account", action="append", help="only this person (repeatable)")
    args = parser.parse_args(argv)
    config = kconfig.load(StoreConfig)
    store.connect(config, "orgs")
    orgs_store.ensure_indexes()
    operator = context.Actor(account_id="manage", platform_roles=(REGION_ADMIN,))
    context.bind(context.CallContext(tenant=config.region, request_id="manage", actor=operator))
    try:
        if args.command == "seed-demo":
            seed_demo(config.region)
        elif args.command == "announce":
            sent = announce(config.region, args.account)
            print("orgs announced: " + ", ".join(f"{n} {what}" for what, n in sent.items()))
    except DomainError as err:
        print(f"seed failed: {err} ({err.code.code}, field {err.field})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
