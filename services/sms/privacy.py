"""What sms holds about a person (kernel/erasure.py; the table is in docs/privacy.md).

Messages sent to them are billing records (cost per org and month): kept with their time, parts and cost,
the phone masked. Their replies keep their outcome without the text; opt-outs and sms's copy of their phone
go. Everything here is found by the phone too (a login code names no account), so the phone is read from
sms's copy first and that copy deleted last: a retried erasure still finds it."""

from __future__ import annotations

from kernel.erasure import Holding, forget_events, plain
from kernel.erasure import erase as erase_holdings
from kernel.identifiers import mask_mobile
from kernel.person_data import database

HOLDINGS = [
    Holding("mirror_phones", "account_id", "keep"),  # deleted last, by erase()
    Holding("messages", "account_id", "keep", omit=("lease", "provider_ids"), why="billing: time, parts, cost"),
    Holding("replies", "account_id", "keep"),
]


def export_by_phone(tenant: str, account_id: str) -> dict:
    """Rows found by the phone alone: login codes sent to it, its opt-out."""
    db = database()
    mine = db["mirror_phones"].find_one({"tenant": tenant, "account_id": account_id}, {"phone": 1})
    if mine is None:
        return {}
    phone = mine["phone"]
    rows = {
        "messages_to_phone": db["messages"].find(
            {"tenant": tenant, "phone": phone, "account_id": ""}, {"tenant": 0, "lease": 0, "provider_ids": 0}
        ),
        "optouts": db["optouts"].find({"tenant": tenant, "phone": phone}, {"tenant": 0}),
    }

    return {"by_phone": {k: [plain(r) for r in v.limit(5000)] for k, v in rows.items()}}


def erase(tenant: str, account_id: str) -> dict[str, int]:
    db = database()
    changed: dict[str, int] = {}
    for row in db["mirror_phones"].find({"tenant": tenant, "account_id": account_id}, {"phone": 1}):
        phone, masked = row["phone"], mask_mobile(row["phone"])
        changed["messages"] = (
            db["messages"].update_many({"tenant": tenant, "phone": phone}, {"$set": {"phone": masked}}).modified_count
        )
        changed["replies"] = (
            db["replies"]
            .update_many({"tenant": tenant, "phone": phone}, {"$set": {"phone": masked, "text": ""}})
            .modified_count
        )
        changed["optouts"] = db["optouts"].delete_many({"tenant": tenant, "phone": phone}).deleted_count
        changed["sends"] = (
            db["sends"].update_many({"tenant": tenant, "phones": phone}, {"$pull": {"phones": phone}}).modified_count
        )
        changed["outbox_by_phone"] = forget_events(db, tenant, account_id, {"data.phone": phone})
    changed |= erase_holdings(db, tenant, account_id, HOLDINGS)
    gone = db["mirror_phones"].delete_many({"tenant": tenant, "account_id": account_id})
    changed["mirror_phones"] = gone.deleted_count
    return changed
