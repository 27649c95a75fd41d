"""What orgs holds about a person (kernel/erasure.py; the table is in docs/privacy.md).

Party records are official records: the membership with its dossier (history of status steps), dues paid,
attendance, transfers and mobile registrations are kept after the account is deleted, pointing at the
account id (a pseudonym once identity has erased the account) with the name replaced. The relationship
network is social data and goes."""

from __future__ import annotations

from kernel.erasure import ERASED_NAME, Holding
from kernel.erasure import erase as erase_holdings
from kernel.person_data import Blocker, database
from services.orgs.domain import transfer as transfer_rules

OFFICIAL = "an official party record (党员档案): kept, the name replaced"

HOLDINGS = [
    Holding("memberships", "account_id", "anonymize", {"display_name": ERASED_NAME}, why=OFFICIAL),
    Holding("dues", "account_id", "keep", why="dues paid (党费) are accounting records"),
    Holding("meeting_attendance", "account_id", "anonymize", {"display_name": ERASED_NAME}, why=OFFICIAL),
    Holding(
        "transfers",
        "account_id",
        "anonymize",
        {"display_name": ERASED_NAME, "dossier.display_name": ERASED_NAME, "dossier.phone": ""},
        why=OFFICIAL,
    ),
    Holding(
        "mobile_registrations",
        "account_id",
        "anonymize",
        {"display_name": ERASED_NAME, "contact_phone": ""},
        why=OFFICIAL,
    ),
    Holding("mobile_reports", "account_id", "keep", why="a mobile member's reports to the host org"),
    Holding("people", "account_id", "delete"),
    Holding("network_settings", "account_id", "delete"),
    Holding("friend_requests", "from_id", "delete"),
    Holding("friend_requests", "to_id", "delete"),
    Holding("friendships", "owner_id", "delete"),
    Holding("friendships", "friend_id", "delete"),
    Holding("follows", "follower_id", "delete"),
    Holding("follows", "target_id", "delete", export=False),  # who follows them is the followers' data
    Holding("network_contacts", "owner_id", "delete"),
]


def erase(tenant: str, account_id: str) -> dict[str, int]:
    db = database()
    # The other side of each edge loses a friend / a follower / a followed one: their counters follow.
    counters = db["network_counters"]
    for row in db["friendships"].find({"tenant": tenant, "owner_id": account_id}, {"friend_id": 1}):
        counters.update_one({"tenant": tenant, "subject": f"p:{row['friend_id']}"}, {"$inc": {"friends": -1}})
    for row in db["follows"].find({"tenant": tenant, "follower_id": account_id}, {"target_id": 1, "target_kind": 1}):
        subject = f"{'p' if row['target_kind'] == 'person' else 'o'}:{row['target_id']}"
        counters.update_one({"tenant": tenant, "subject": subject}, {"$inc": {"followers": -1}})
    for row in db["follows"].find({"tenant": tenant, "target_id": account_id}, {"follower_id": 1}):
        counters.update_one({"tenant": tenant, "subject": f"p:{row['follower_id']}"}, {"$inc": {"following": -1}})
    counters.delete_many({"tenant": tenant, "subject": f"p:{account_id}"})
    return erase_holdings(db, tenant, account_id, HOLDINGS)


def blockers(tenant: str, account_id: str) -> list[Blocker]:
    """An office held in an org, or an open transfer: hand over / finish first (docs/privacy.md)."""
    db = database()
    found: list[Blocker] = []
    membership = db["memberships"].find_one({"tenant": tenant, "account_id": account_id}, {"roles": 1})
    offices = [r for r in (membership or {}).get("roles", []) if r != "member"]
    if offices:
        found.append(("account_holds_office", {"roles": ", ".join(offices)}))
    open_transfer = db["transfers"].find_one(
        {"tenant": tenant, "account_id": account_id, "state": {"$in": list(transfer_rules.OPEN)}}, {"_id": 1}
    )
    if open_transfer is not None:
        found.append(("account_in_transfer", {}))
    return found
