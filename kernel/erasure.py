"""What a service holds about a person, declared once per service (its `privacy.py`), for the member's data
export (PIPL art. 45: access and copy) and the erasure after the account is deleted (art. 47).

Each `Holding` names a collection and the field that points at the person, and what deletion does to it:
- delete     the rows go (social data, devices, locations, consents, the person's own settings);
- anonymize  the rows stay (records the law or the other participants need: a chat message, a membership's
             dossier, a dues payment, an attendance) with `replace` applied: names become ERASED_NAME, texts of
             their own emptied, phones masked. The account id itself stays: once identity has erased the
             account it points at nobody, a pseudonym that keeps the record's links (docs/privacy.md);
- pull       the id is taken out of a list of people (a send's recipients, an inbox entry's actors);
- keep       exported, not changed (a record that holds no more than the pseudonymous id).

Erasure is idempotent: it runs again on a redelivered event and changes nothing more. Queries filter on
(tenant, field); where no index holds both the database scans the collection — deletion is rare, and a
worker, not a caller, waits for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

ERASED_NAME = "已注销用户"
EXPORT_LIMIT = 5_000  # rows per holding in one export: bounds its size (a member's own rows are far fewer)


@dataclass(frozen=True)
class Holding:
    collection: str
    field: str  # the field naming the person (a string, or a list of strings for `pull`)
    erase: str  # delete | anonymize | pull | keep
    replace: Mapping[str, Any] = field(default_factory=dict)  # anonymize: {field: new value}
    omit: tuple[str, ...] = ()  # never exported (secrets, key material)
    export: bool = True
    why: str = ""  # the reason a row is kept (docs/privacy.md)

    def __post_init__(self) -> None:
        if self.erase not in ("delete", "anonymize", "pull", "keep"):
            raise ValueError(f"unknown erasure {self.erase!r} for {self.collection}.{self.field}")


def plain(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, bytes):
        return None  # sealed or binary fields are not part of a copy
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _key(holding: Holding, holdings: Iterable[Holding]) -> str:
    twice = sum(1 for h in holdings if h.collection == holding.collection) > 1
    return f"{holding.collection}.{holding.field}" if twice else holding.collection


def export(db, tenant: str, account_id: str, holdings: list[Holding]) -> dict[str, list[dict]]:
    """Every exported row naming the person, by collection, as JSON-ready dicts."""
    out: dict[str, list[dict]] = {}
    for h in holdings:
        if not h.export:
            continue
        projection = {name: 0 for name in ("tenant", *h.omit)}
        rows = db[h.collection].find({"tenant": tenant, h.field: account_id}, projection).limit(EXPORT_LIMIT)
        out[_key(h, holdings)] = [plain(r) for r in rows]
    return out


def erase(db, tenant: str, account_id: str, holdings: list[Holding]) -> dict[str, int]:
    """Apply each holding's erasure; returns rows changed per holding (0 on a second run, mostly)."""
    changed: dict[str, int] = {}
    for h in holdings:
        where = {"tenant": tenant, h.field: account_id}
        collection = db[h.collection]
        if h.erase == "delete":
            n = collection.delete_many(where).deleted_count
        elif h.erase == "anonymize":
            n = collection.update_many(where, {"$set": dict(h.replace)}).modified_count if h.replace else 0
        elif h.erase == "pull":
            n = collection.update_many(where, {"$pull": {h.field: account_id}}).modified_count
        else:
            n = 0
        changed[_key(h, holdings)] = n
    changed["outbox"] = forget_events(db, tenant, account_id)
    return changed


def forget_events(db, tenant: str, account_id: str, extra: Mapping[str, Any] | None = None) -> int:
    """Drop the published events about the person the outbox keeps for a week (they carry names, phones),
    and the parked ones. Events still pending stay: their consumers need them."""
    about = [{"actor_id": account_id}, {"data.account_id": account_id}, *([dict(extra)] if extra else [])]
    gone = db["outbox"].delete_many({"tenant": tenant, "pending": {"$exists": False}, "$or": about}).deleted_count
    parked = [{"envelope.actor_id": account_id}, {"envelope.data.account_id": account_id}]
    if extra:
        parked += [{f"envelope.{k}": v} for k, v in extra.items()]
    gone += db["dead_letters"].delete_many({"$or": parked}).deleted_count
    return gone


def section(db, tenant: str, account_id: str, holdings: list[Holding], **more: Any) -> dict[str, Any]:
    """A service's part of the export: its rows, and anything it adds (presigned links, counts)."""
    return {"account_id": account_id, "records": export(db, tenant, account_id, holdings), **more}
