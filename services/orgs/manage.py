"""Operator commands for orgs.

python -m services.orgs.manage seed-demo    # the demo org tree, memberships and a secretary
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
from services.orgs import members, tree
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
            tree.create(parent, name, org_type, category, slug, org_id=org_id)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.orgs.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed-demo")
    args = parser.parse_args(argv)
    config = kconfig.load(StoreConfig)
    store.connect(config, "orgs")
    orgs_store.ensure_indexes()
    operator = context.Actor(account_id="manage", platform_roles=(REGION_ADMIN,))
    context.bind(context.CallContext(tenant=config.region, request_id="manage", actor=operator))
    try:
        if args.command == "seed-demo":
            seed_demo(config.region)
    except DomainError as err:
        print(f"seed failed: {err} ({err.code.code}, field {err.field})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
