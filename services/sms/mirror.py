"""What sms knows of people: the org tree and home orgs (kernel/home_orgs.py, from orgs' events) and each
account's phone (from identity's phone_registered). Phones leave sms only to the provider; whoever sends
sees them masked."""

from __future__ import annotations

import mongoengine as me

from kernel.home_orgs import DOCUMENTS as HOME_ORG_DOCUMENTS
from kernel.home_orgs import HomeOrg, MirrorLag, OrgNode
from kernel.store import TenantDocument

IN_CHUNK = 1000


class Phone(TenantDocument):
    account_id = me.StringField(required=True)
    phone = me.StringField(required=True)  # 11-digit national form

    meta = {
        "collection": "mirror_phones",
        "indexes": [{"fields": ["tenant", "account_id"], "unique": True}, ("tenant", "phone", "account_id")],
    }


DOCUMENTS = (*HOME_ORG_DOCUMENTS, Phone)


def phone_registered(tenant: str, account_id: str, phone: str) -> None:
    Phone.in_tenant(tenant).filter(account_id=account_id).update_one(upsert=True, set__phone=phone)


def phones_of(tenant: str, account_ids: list[str]) -> dict[str, str]:
    """account id -> phone, for those whose phone is known."""
    found: dict[str, str] = {}
    for start in range(0, len(account_ids), IN_CHUNK):
        chunk = account_ids[start : start + IN_CHUNK]
        for row in Phone.in_tenant(tenant).filter(account_id__in=chunk).only("account_id", "phone").as_pymongo():
            found[row["account_id"]] = row["phone"]
    return found


def account_of(tenant: str, phone: str) -> str:
    row = Phone.in_tenant(tenant).filter(phone=phone).only("account_id").first()
    return row.account_id if row else ""


def org_name(tenant: str, org_id: str) -> str:
    node = OrgNode.in_tenant(tenant).filter(org_id=org_id).only("name").first()
    return node.name if node else ""


def subtree_members(tenant: str, org_id: str) -> list[str]:
    """Account ids of the people whose home org is org_id or below, in account order (one query: on this
    database a query costs what it matches, so paging a 100,000-member subtree would cost it again a page)."""
    rows = HomeOrg.in_tenant(tenant).filter(org_path=org_id).only("account_id").as_pymongo()
    return sorted(r["account_id"] for r in rows)


def subtree_size(tenant: str, org_id: str) -> int:
    return HomeOrg.in_tenant(tenant).filter(org_path=org_id).count()


__all__ = ["DOCUMENTS", "MirrorLag", "Phone", "account_of", "org_name", "phones_of", "subtree_members"]
