"""Operator commands for identity: keys, the first admin, demo data.

python -m services.identity.manage init-keys          # first signing key + jwks.json (idempotent)
python -m services.identity.manage rotate-key         # a new signing key; old ones keep verifying
python -m services.identity.manage create-admin --phone 13800000000 --password '...'
python -m services.identity.manage seed-demo          # demo org tree, secretary and members
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kernel import config as kconfig
from kernel import context, store
from kernel.authz import REGION_ADMIN
from kernel.config import BusConfig, StoreConfig
from kernel.outbox import Publisher, new_event
from kernel.store import utcnow
from kernel.tokens import generate_signing_key, write_jwks
from services.identity import events
from services.identity import store as identity_store
from services.identity.domain import passwords
from services.identity.domain import phone as phones
from services.identity.store import Account, OrgNode, RoleGrant


class ManageConfig(StoreConfig, BusConfig):
    keys_dir: Path = Path(".")
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024


# The demo region: a street working committee with a community general branch, its branches and a
# group, and an office tower's joint branch. Until the orgs service exists, the seed announces this
# tree on orgs' exchange exactly as orgs will (identity mirrors it for permission decisions).
DEMO_ORGS = [
    ("demo-committee", "中共示范街道工作委员会", None),
    ("demo-community", "示范社区党总支", "demo-committee"),
    ("demo-branch-1", "示范社区第一党支部", "demo-community"),
    ("demo-branch-2", "示范社区第二党支部", "demo-community"),
    ("demo-group-2a", "第二党支部第一党小组", "demo-branch-2"),
    ("demo-tower", "光华大厦联合党支部", "demo-committee"),
]
DEMO_PASSWORD = "Jiceng-demo-2026"  # noqa: S105 - demo data, printed by `make up`
DEMO_PEOPLE = [
    # phone, display name, role, org
    ("13800000001", "王芳", "secretary", "demo-branch-2"),
    ("13800000002", "李娜", "member", "demo-branch-1"),
    ("13800000003", "刘洋", "member", "demo-branch-2"),
    ("13800000004", "张伟", "member", "demo-group-2a"),
    ("13800000005", "陈静", "member", "demo-tower"),
]


def _paths() -> dict[str, list[str]]:
    parents = {org: parent for org, _, parent in DEMO_ORGS}
    paths = {}
    for org in parents:
        path, node = [], org
        while node:
            path.insert(0, node)
            node = parents[node]
        paths[org] = path
    return paths


def init_keys(keys_dir: Path) -> None:
    if any((keys_dir / "signing").glob("*.pem")):
        write_jwks(keys_dir)
        print(f"signing keys already in {keys_dir / 'signing'}")
        return
    print(f"created signing key {generate_signing_key(keys_dir)} in {keys_dir}")


def ensure_account(tenant: str, phone: str, display_name: str, password: str, hasher) -> Account:
    phone = phones.normalize(phone)
    account = Account.in_tenant(tenant).filter(phone=phone).first()
    if account is None:
        account = Account(
            tenant=tenant,
            phone=phone,
            display_name=display_name,
            password_hash=hasher.hash(password),
            created_at=utcnow(),
        )
        account.save()
    return account


def ensure_grant(tenant: str, account: Account, role: str, org_id: str = "") -> None:
    RoleGrant.in_tenant(tenant).filter(account_id=str(account.id), role=role, org_id=org_id).update_one(
        upsert=True, set_on_insert__granted_by="seed", set_on_insert__granted_at=utcnow()
    )


def seed_demo(config: ManageConfig, hasher) -> None:
    tenant = config.region
    publisher = Publisher(config.amqp_uri)
    paths = _paths()
    for org_id, name, parent in DEMO_ORGS:
        if OrgNode.in_tenant(tenant).filter(org_id=org_id).first() is None:
            data = {"org_id": org_id, "parent_id": parent or "", "name": name, "path": paths[org_id]}
            publisher.publish(new_event(tenant, events.ORGS, events.ORG_CREATED, data, "seed").envelope())
    publisher.close()
    for phone, name, role, org_id in DEMO_PEOPLE:
        ensure_grant(tenant, ensure_account(tenant, phone, name, DEMO_PASSWORD, hasher), role, org_id)
    print(
        f"demo region {tenant}: {len(DEMO_ORGS)} orgs announced, {len(DEMO_PEOPLE)} people "
        f"(password {DEMO_PASSWORD}); secretary 王芳 13800000001 of 示范社区第二党支部"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-keys")
    sub.add_parser("rotate-key")
    admin = sub.add_parser("create-admin")
    admin.add_argument("--phone", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="区域管理员")
    sub.add_parser("seed-demo")
    args = parser.parse_args(argv)

    config = kconfig.load(ManageConfig)
    if args.command == "init-keys":
        init_keys(config.keys_dir)
        return 0
    if args.command == "rotate-key":
        print(f"new signing key {generate_signing_key(config.keys_dir)}; restart identity to sign with it")
        return 0

    store.connect(config, "identity")
    identity_store.ensure_indexes()
    context.bind(context.CallContext(tenant=config.region, request_id="manage"))
    hasher = passwords.PasswordHasher(config.argon2_time_cost, config.argon2_memory_kib)
    if args.command == "create-admin":
        passwords.check_policy(args.password)
        account = ensure_account(config.region, args.phone, args.name, args.password, hasher)
        ensure_grant(config.region, account, REGION_ADMIN)
        print(f"region admin {phones.mask(account.phone)} ({account.id}) in {config.region}")
    elif args.command == "seed-demo":
        seed_demo(config, hasher)
    return 0


if __name__ == "__main__":
    sys.exit(main())
