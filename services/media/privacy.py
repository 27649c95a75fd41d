"""What media holds about a person (kernel/erasure.py; the table is in docs/privacy.md).

Their private uploads (a service request's attachment, a draft) are deleted with their bytes; uploads
shared with members or the public are attached to posts, sites or channels that stay, so they are kept
under the pseudonymous account id, the file name replaced. Their place in call rooms goes."""

from __future__ import annotations

from kernel.erasure import Holding
from kernel.erasure import erase as erase_holdings
from kernel.person_data import database
from services.media import blobs
from services.media.domain import files as rules

HOLDINGS = [
    Holding("media", "owner_id", "anonymize", {"filename": "upload"}, why="attached to records that are kept"),
    Holding("call_participants", "account_id", "delete"),
    Holding("private_reads", "reader", "keep", why="the audit of reads of private files"),
]
LINK_SECONDS = 3600


def export_links(tenant: str, account_id: str) -> dict:
    """Presigned links to the originals of the person's ready uploads (an hour each)."""
    store = blobs.current()
    rows = database()["media"].find({"tenant": tenant, "owner_id": account_id, "status": "ready"}, {"_id": 1})
    return {
        "download_links": {
            str(r["_id"]): store.get_url(store.key(tenant, str(r["_id"]), blobs.ORIGINAL), LINK_SECONDS) for r in rows
        }
    }


def erase(tenant: str, account_id: str) -> dict[str, int]:
    db = database()
    store = blobs.current()
    private = list(
        db["media"].find(
            {"tenant": tenant, "owner_id": account_id, "visibility": rules.PRIVATE}, {"org_id": 1, "charged": 1}
        )
    )
    for item in private:  # bytes first: a crash between the two leaves a row to retry, never orphaned bytes
        store.delete_prefix(store.prefix(tenant, str(item["_id"])))
        if db["media"].delete_one({"_id": item["_id"]}).deleted_count:
            db["media_usage"].update_one(
                {"_id": f"{tenant}:{item['org_id']}"}, {"$inc": {"used": -int(item.get("charged") or 0), "items": -1}}
            )
    changed = erase_holdings(db, tenant, account_id, HOLDINGS)
    changed["media.private_deleted"] = len(private)
    return changed
