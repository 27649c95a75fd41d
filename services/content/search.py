"""Search's record of every searchable item (content's database), kept by events, read by the indexer.

The worker (worker_search.py) applies each event to the item's entry here — a durable, idempotent write
in MongoDB, which is what the event's inbox claim protects. The entry is then marked `dirty`, and the
search indexer (search_indexer.py), the index's one writer, moves dirty entries into tantivy and clears
the mark. Keeping the entries here, rather than only in the index, means:
- a worker never touches the index (a nameko worker is an eventlet process, and tantivy allows one
  writer), and an event is safe once its entry is written, whatever happens to the index afterwards;
- rules that need the item's current state (is this reply new? is this edit newer?) read it here;
- the index can be rebuilt from scratch at any time (a new schema, a lost disk): mark everything dirty.

Writes are optimistic: read the entry, apply the rule (domain/search.py), write it back only if its
`version` is unchanged, retry otherwise. No find_one_and_update (slow on the local database server).
"""

from __future__ import annotations

import uuid

import mongoengine as me
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from kernel.store import TenantDocument, utcnow
from services.content.domain import search as rules

ATTEMPTS = 8


class SearchEntry(TenantDocument):
    key = me.StringField(required=True)  # "<kind>:<item id>"
    kind = me.StringField(required=True, choices=rules.KINDS)
    item_id = me.StringField(required=True)
    title = me.StringField(default="")
    body = me.StringField(default="")
    replies = me.ListField(me.DictField())  # a thread's replies: {id, text}
    audience = me.ListField(me.StringField())  # audience_keys (domain/visibility.py)
    author_id = me.StringField(default="")
    org_id = me.StringField(default="")  # the post's or notice's org, a thread's org, a person's home org
    parent_id = me.StringField(default="")  # a thread's board, an org's parent
    created_at = me.DateTimeField()
    stamps = me.DictField()  # group of fields → time of the event that last set it
    ready = me.BooleanField(default=False)
    hidden = me.BooleanField(default=False)
    gone = me.BooleanField(default=False)
    version = me.IntField(default=1)
    dirty = me.BooleanField()  # present (True) until the indexer has written this version
    updated_at = me.DateTimeField()
    written_by = me.StringField()  # the last write's mark (see apply_many)

    meta = {
        "collection": "search_entries",
        "indexes": [
            {"fields": ["tenant", "key"], "unique": True},
            ("tenant", "key", "version"),  # the conditional write and the indexer's clearing of the mark
            {"fields": ["dirty"], "sparse": True},  # the indexer's backlog
        ],
    }


DOCUMENTS = (SearchEntry,)

_FIELDS = tuple(rules.new_entry("post", "").keys())


def key(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def _entry(row: dict) -> rules.Entry:
    entry = rules.new_entry(row["kind"], row["item_id"])
    entry.update({f: row[f] for f in _FIELDS if f in row})
    return entry


def apply(tenant: str, kind: str, item_id: str, rule: rules.Rule) -> None:
    """Apply one event's rule to one item's entry."""
    apply_many(tenant, kind, {item_id: rule})


def apply_many(tenant: str, kind: str, changes: dict[str, rules.Rule]) -> None:
    """Apply rules to many items of one kind: one read, one bulk write, then retries for the few that
    changed meanwhile. Raises after ATTEMPTS rounds of contention (the worker retries the event)."""
    coll = SearchEntry._get_collection()
    pending = dict(changes)
    for _ in range(ATTEMPTS):
        if not pending:
            return
        keys = {key(kind, item_id): item_id for item_id in pending}
        rows = {r["key"]: r for r in coll.find({"tenant": tenant, "key": {"$in": list(keys)}})}
        inserts, updates = [], []
        mark = uuid.uuid4().hex  # written with this round's changes: tells which of them landed
        for k, item_id in keys.items():
            row = rows.get(k)
            current = _entry(row) if row else rules.new_entry(kind, item_id)
            new = pending[item_id](current)
            if new is None:
                del pending[item_id]
                continue
            fields = {**new, "dirty": True, "updated_at": utcnow(), "written_by": mark}
            if row is None:
                inserts.append({"tenant": tenant, "key": k, "version": 1, **fields})
            else:
                updates.append(
                    (item_id, UpdateOne({"tenant": tenant, "key": k, "version": row["version"]}, _update(fields)))
                )
        lost = set()  # items another writer changed first: read again and retry
        if inserts:
            try:
                coll.insert_many(inserts, ordered=False)
            except BulkWriteError as err:
                failed = {inserts[e["index"]]["item_id"] for e in err.details["writeErrors"] if e["code"] == 11000}
                if len(failed) != len(err.details["writeErrors"]):
                    raise
                lost |= failed
        if updates:  # one round trip for all; only when some missed, find which (by this round's mark)
            result = coll.bulk_write([op for _, op in updates], ordered=False)
            if result.matched_count < len(updates):
                lost |= _unmatched(coll, tenant, kind, mark, [item_id for item_id, _ in updates])
        pending = {item_id: rule for item_id, rule in pending.items() if item_id in lost}
    if pending:
        raise RuntimeError(f"search entries changed concurrently too often: {sorted(pending)[:5]}")


def _update(fields: dict) -> dict:
    return {"$set": fields, "$inc": {"version": 1}}


def _unmatched(coll, tenant: str, kind: str, mark: str, item_ids: list[str]) -> set[str]:
    """Which conditional updates did not land (bulk_write reports only a total). One that landed and was
    overwritten since is retried too: harmless, the rules are idempotent."""
    keys = {key(kind, item_id): item_id for item_id in item_ids}
    rows = coll.find({"tenant": tenant, "key": {"$in": list(keys)}}, {"key": 1, "written_by": 1})
    landed = {row["key"] for row in rows if row.get("written_by") == mark}
    return {item_id for k, item_id in keys.items() if k not in landed}
