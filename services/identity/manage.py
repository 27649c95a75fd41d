"""Operator commands for identity: keys, the first admin, demo data.

python -m services.identity.manage init-keys          # first signing key + jwks.json (idempotent)
python -m services.identity.manage rotate-key         # a new signing key; old ones keep verifying
python -m services.identity.manage create-admin --phone 13800000000 --password '...'
python -m services.identity.manage seed-demo          # demo org tree, secretary and members
python -m services.identity.manage announce           # account_registered and phone_registered again for every account
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bson import ObjectId

from kernel import config as kconfig
from kernel import context, store
from kernel.authz import PLATFORM_ROLES, REGION_ADMIN
from kernel.config import BusConfig, StoreConfig
from kernel.store import UnitOfWork, atomically, utcnow
from kernel.tokens import generate_signing_key, write_jwks
from services.identity import events
from services.identity import store as identity_store
from services.identity.domain import passwords
from services.identity.domain import phone as phones
from services.identity.store import Account, RoleGrant


class ManageConfig(StoreConfig, BusConfig):
    keys_dir: Path = Path(".")
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024


# The demo people (the org tree and their memberships are seeded by orgs' manage command).
DEMO_PASSWORD = "Jiceng-demo-2026"  # noqa: S105 - demo data, printed by `make up`
DEMO_PEOPLE = [
    ("13800000001", "王芳"),
    ("13800000002", "李娜"),
    ("13800000003", "刘洋"),
    ("13800000004", "张伟"),
    ("13800000005", "陈静"),
]


def init_keys(keys_dir: Path) -> None:
    if any((keys_dir / "signing").glob("*.pem")):
        write_jwks(keys_dir)
        print(f"signing keys already in {keys_dir / 'signing'}")
        return
    print(f"created signing key {generate_signing_key(keys_dir)} in {keys_dir}")


def ensure_account(tenant: str, phone: str, display_name: str, password: str, hasher) -> Account:
    """The account of phone, created (and announced, like any registration) if it doesn't exist."""
    phone = phones.normalize(phone)
    account = Account.in_tenant(tenant).filter(phone=phone).first()
    if account is not None:
        return account
    account = Account(
        tenant=tenant, phone=phone, display_name=display_name, password_hash=hasher.hash(password), created_at=utcnow()
    )

    def write(uow: UnitOfWork) -> Account:
        uow.insert(account)
        uow.emit_many(events.SOURCE, events.registered(str(account.id), phone, display_name), actor_id="manage")
        return account

    return atomically(tenant, write)


def ensure_grant(tenant: str, account: Account, role: str, org_id: str = "") -> None:
    RoleGrant.in_tenant(tenant).filter(account_id=str(account.id), role=role, org_id=org_id).update_one(
        upsert=True, set_on_insert__granted_by="manage", set_on_insert__granted_at=utcnow()
    )


def seed_people(config: ManageConfig, hasher, prefix: str = "1380000000") -> None:
    """The demo people; prefix: their phones' first ten digits (federated regions on one machine differ, or
    a member moving between them would meet a namesake account of the same phone)."""
    for phone, name in DEMO_PEOPLE:
        ensure_account(config.region, prefix + phone[-1], name, DEMO_PASSWORD, hasher)
    print(f"demo people: {len(DEMO_PEOPLE)} accounts {prefix}1…5, password {DEMO_PASSWORD}")


def announce(tenant: str, account_ids: list[str] | None = None, chunk: int = 500) -> int:
    """Publish account_registered and phone_registered again for every account (or the ones named), for a
    consumer that joined late (a new service's copy of people); consumers are idempotent. Returns how many
    accounts were announced."""
    query: dict = {"tenant": tenant}
    if account_ids is not None:
        query["_id"] = {"$in": [ObjectId(a) for a in account_ids if ObjectId.is_valid(a)]}
    accounts = list(Account._get_collection().find(query, {"phone": 1, "display_name": 1}))
    for start in range(0, len(accounts), chunk):
        part = [
            e
            for a in accounts[start : start + chunk]
            for e in events.registered(str(a["_id"]), a["phone"], a["display_name"])
        ]
        atomically(tenant, lambda uow, part=part: uow.emit_many(events.SOURCE, part, "manage"))
    return len(accounts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-keys")
    sub.add_parser("rotate-key")
    admin = sub.add_parser("create-admin")
    admin.add_argument("--phone", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="区域管理员")
    admin.add_argument("--role", default=REGION_ADMIN, choices=PLATFORM_ROLES, help="central_auditor: the centre's")
    demo = sub.add_parser("seed-demo")
    demo.add_argument("--phone-prefix", default="1380000000", help="the demo phones' first ten digits")
    announcing = sub.add_parser("announce")
    announcing.add_argument("--account", action="append", help="only this account id (repeatable)")
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
        ensure_grant(config.region, account, args.role)
        print(f"{args.role} {phones.mask(account.phone)} ({account.id}) in {config.region}")
    elif args.command == "seed-demo":
        if not (len(args.phone_prefix) == 10 and args.phone_prefix.isdigit()):
            parser.error("--phone-prefix: ten digits")
        seed_people(config, hasher, args.phone_prefix)
    elif args.command == "announce":
        print(f"identity announced {announce(config.region, args.account)} accounts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
