"""The in-app notification inbox: one per person, fed by the worker from content's own events.

What arrives (worker.py, class Inbox): mentions in posts, comments and forum replies; comments on my post
or replies in my thread; replies to my comment; likes of my post (one entry per post, counted); notices
addressed to me (resolved from the notice's audience through the mirror's org paths); chat messages while
I have not read them (one entry per conversation, cleared when my read marker passes it).

Idempotent: each entry has a key (domain/inbox.py), unique per person, so an event delivered again finds
its entries and adds nothing. Counted entries (likes, chat) would count twice, so their events also leave
a marker (`InboxMarker`) in the same transaction; a second delivery finds the marker and does nothing.

Each time an entry becomes unread (new, or read and then counted again) the same transaction emits
`inbox_updated` (the gateway pushes it to the person's open sockets) and, if the person's preferences
forward the kind to sms or push, `notification_created` for those consumers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import InsertOne, UpdateOne
from pymongo.errors import DuplicateKeyError

from kernel import messages
from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.paging import time_cursor
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from kernel.turns import Turns
from services.content import access, cache, events, mirror
from services.content.domain import inbox as rules
from services.content.domain.visibility import reader_keys

UNREAD_COUNT_CAP = 999  # "999+" beyond: a count is bounded work
KEEP_MARKERS = dt.timedelta(days=30)
NOTICE_BATCH = 100  # recipients a transaction: big transactions stall SecantusDB (see README)
_TURNS = Turns()  # deliveries to the same counted entries wait for each other in this process (deliver)


class InboxEntry(TenantDocument):
    account_id = me.StringField(required=True)
    kind = me.StringField(required=True, choices=rules.KINDS)
    key = me.StringField(required=True)  # what collapses into this entry (domain/inbox.py)
    ref_kind = me.StringField(default="")  # what a client opens: post, thread, notice, conversation
    ref_id = me.StringField(default="")
    actor_ids = me.ListField(me.StringField())  # the latest few, newest first
    count = me.IntField(default=1)
    subject = me.StringField(default="")  # a notice's or a group's title
    body = me.StringField(default="")
    seq = me.IntField(default=0)  # chat: the latest message counted
    read = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)

    meta = {
        "collection": "notifications",
        "indexes": [
            {"fields": ["tenant", "key", "account_id"], "unique": True},  # key first: holders of a key by $in
            ("tenant", "account_id", "updated_at"),
            ("tenant", "account_id", "read", "updated_at"),
            ("tenant", "ref_kind", "ref_id"),
        ],
    }


class InboxPreference(TenantDocument):
    account_id = me.StringField(required=True)
    kinds = me.DictField()  # kind -> {in_app, sms, push}; a kind absent takes domain/inbox.py's default

    meta = {"collection": "notification_preferences", "indexes": [{"fields": ["tenant", "account_id"], "unique": True}]}


class InboxMarker(TenantDocument):
    """An event whose counted entries were written (in the same transaction): a redelivery skips it."""

    marker = me.StringField(required=True)
    applied_at = me.DateTimeField(required=True)

    meta = {
        "collection": "notification_markers",
        "indexes": [
            {"fields": ["tenant", "marker"], "unique": True},
            {"fields": ["applied_at"], "expireAfterSeconds": int(KEEP_MARKERS.total_seconds())},
        ],
    }


class InboxPostAudience(TenantDocument):
    """Who may read a post (its audience keys), kept from post events: a mention in a comment notifies
    only someone who may read the post (comment_added carries no audience of its own)."""

    post_id = me.StringField(required=True)
    author_id = me.StringField(default="")
    audience = me.ListField(me.StringField())

    meta = {"collection": "notification_post_audiences", "indexes": [{"fields": ["tenant", "post_id"], "unique": True}]}


DOCUMENTS = (InboxEntry, InboxPreference, InboxMarker, InboxPostAudience)


@dataclass(frozen=True)
class Item:
    """One notification to write for one person."""

    account_id: str
    kind: str
    key: str
    ref_kind: str
    ref_id: str
    actor_id: str = ""
    body: str = ""
    subject: str = ""
    seq: int = 0


# -- writing (the worker) ---------------------------------------------------------------------------------


def deliver(tenant: str, items: list[Item], marker: str = "") -> int:
    """Write items in one transaction; returns how many entries became unread. With a marker, a second call
    with the same marker writes nothing (for counted entries)."""
    items = [i for i in items if i.account_id and i.account_id != i.actor_id]
    if not items:
        return 0
    accounts = sorted({i.account_id for i in items})
    names = _names(tenant, sorted({i.actor_id for i in items if i.actor_id}))
    prefs = _preferences(tenant, accounts)

    def write(uow: UnitOfWork) -> int:
        if marker:
            uow.insert(InboxMarker(tenant=tenant, marker=marker, applied_at=utcnow()))
        existing = {}
        for key in sorted({i.key for i in items}):  # one key per event, as a rule: one $in per query
            holders = sorted({i.account_id for i in items if i.key == key})
            for n in InboxEntry._get_collection().find(
                {"tenant": tenant, "key": key, "account_id": {"$in": holders}}, session=uow.session
            ):
                existing[(n["account_id"], n["key"])] = n
        ops, announced = [], []
        now = utcnow()
        for item in items:
            pref = rules.preference(prefs.get(item.account_id), item.kind)
            found = existing.get((item.account_id, item.key))
            if not pref.in_app:
                if found is None and pref.channels():
                    announced.append((item, uuid.uuid4().hex, 1, pref.channels(), False))
                continue
            if found is None:
                doc = _new(tenant, item, now)
                existing[(item.account_id, item.key)] = doc
                ops.append(InsertOne(doc))
                announced.append((item, str(doc["_id"]), 1, pref.channels(), True))
            elif item.kind in rules.AGGREGATED:
                ops.append(UpdateOne({"_id": found["_id"]}, _counted(found, item, now)))
                if found.get("read"):
                    count = found.get("count", 1) + 1
                    announced.append((item, str(found["_id"]), count, pref.channels(), True))
                found["read"] = False
                found["count"] = found.get("count", 1) + 1
                found["actor_ids"] = rules.latest_actors(found.get("actor_ids", []), item.actor_id)
        if ops:
            InboxEntry._get_collection().bulk_write(ops, ordered=True, session=uow.session)
        _announce(uow, announced, names)
        return len(announced)

    try:
        # counted entries of one thing (a conversation, a post's likes) take turns: the same documents
        with _TURNS.of(*{f"{tenant}:{i.key}" for i in items if i.kind in rules.AGGREGATED}):
            return atomically(tenant, write)
    except DuplicateKeyError:
        if marker and InboxMarker.in_tenant(tenant).filter(marker=marker).first() is not None:
            return 0  # delivered before
        raise


def _new(tenant: str, item: Item, now: dt.datetime) -> dict:
    return {
        "_id": ObjectId(),
        "tenant": tenant,
        "account_id": item.account_id,
        "kind": item.kind,
        "key": item.key,
        "ref_kind": item.ref_kind,
        "ref_id": item.ref_id,
        "actor_ids": [item.actor_id] if item.actor_id else [],
        "count": 1,
        "subject": item.subject,
        "body": item.body,
        "seq": item.seq,
        "read": False,
        "created_at": now,
        "updated_at": now,
    }


def _counted(found: dict, item: Item, now: dt.datetime) -> dict:
    return {
        "$inc": {"count": 1},
        "$max": {"seq": item.seq},
        "$set": {
            "read": False,
            "updated_at": now,
            "body": item.body,
            "subject": item.subject or found.get("subject", ""),
            "actor_ids": rules.latest_actors(found.get("actor_ids", []), item.actor_id),
        },
    }


def _names(tenant: str, account_ids: list[str]) -> dict[str, str]:
    return {a: record["name"] for a, record in mirror.people(tenant, account_ids).items()} if account_ids else {}


def _preferences(tenant: str, account_ids: list[str]) -> dict[str, dict]:
    """Each account's stored preferences (kind -> channels; {} for none), through the cache."""

    def stored(ids: list[str]) -> dict[str, dict]:
        rows = InboxPreference._get_collection().find(
            {"tenant": tenant, "account_id": {"$in": ids}}, {"account_id": 1, "kinds": 1}
        )
        return {p["account_id"]: p.get("kinds") or {} for p in rows}

    return cache.preferences(tenant, account_ids, stored)


def _announce(uow: UnitOfWork, announced: list, names: dict[str, str]) -> None:
    out: list[tuple[str, dict]] = []
    for item, notification_id, count, channels, stored in announced:
        actor = names.get(item.actor_id, "")
        if stored:
            out.append(
                (
                    events.INBOX_UPDATED,
                    {
                        "account_id": item.account_id,
                        "notification_id": notification_id,
                        "kind": item.kind,
                        "ref_kind": item.ref_kind,
                        "ref_id": item.ref_id,
                        "actor_name": actor,
                        "count": count,
                        "subject": item.subject,
                        "body": item.body,
                    },
                )
            )
        if channels:
            params = {"actor": actor, "count": count, "subject": item.subject}
            out.append(
                (
                    events.NOTIFICATION_CREATED,
                    {
                        "notification_id": notification_id,
                        "account_id": item.account_id,
                        "kind": item.kind,
                        "title": messages.render(rules.title_key(item.kind, count), messages.DEFAULT_LOCALE, params),
                        "body": item.body,
                        "ref": f"{item.ref_kind}:{item.ref_id}",
                        "channels": channels,
                    },
                )
            )
    if out:
        uow.emit_many(events.SOURCE, out)


def readers_among(tenant: str, account_ids: list[str], audience: list[str]) -> list[str]:
    """Those of account_ids who may read content with these audience keys (the visibility rule)."""
    keys = set(audience)
    return [a for a in account_ids if keys.intersection(reader_keys(mirror.reader(tenant, a)))]


def remember_post(tenant: str, post_id: str, author_id: str, audience: list[str]) -> None:
    InboxPostAudience.in_tenant(tenant).filter(post_id=post_id).update_one(
        upsert=True, set__author_id=author_id, set__audience=list(audience)
    )


def post_audience(tenant: str, post_id: str) -> list[str] | None:
    known = InboxPostAudience.in_tenant(tenant).filter(post_id=post_id).only("audience").first()
    return list(known.audience) if known else None


def forget(tenant: str, ref_kind: str, ref_id: str) -> int:
    """Remove the entries that point at something deleted or removed."""
    return InboxEntry.in_tenant(tenant).filter(ref_kind=ref_kind, ref_id=ref_id).delete()


def clear_chat(tenant: str, account_id: str, conversation_id: str, read_seq: int) -> int:
    """The chat entry of a conversation goes once the person has read past its latest message."""
    key = rules.key(rules.CHAT, "conversation", conversation_id)
    found = InboxEntry.in_tenant(tenant).filter(account_id=account_id, key=key).only("seq").first()
    if found is None or found.seq > read_seq:
        return 0
    # Conditional on seq: a message counted meanwhile keeps the entry.
    return InboxEntry._get_collection().delete_one({"_id": found.id, "seq": {"$lte": read_seq}}).deleted_count


def notice_recipients(tenant: str, audience: list[str], after: str, limit: int) -> list[str]:
    """People whose home org is in the subtree of an `org:<id>` audience key, by account id after `after`."""
    orgs = [k.removeprefix("org:") for k in audience if k.startswith("org:")]
    found: set[str] = set()
    for org_id in orgs:
        query = mirror.Person.in_tenant(tenant).filter(org_path=org_id)
        if after:
            query = query.filter(account_id__gt=after)
        found.update(query.order_by("account_id").limit(limit).scalar("account_id"))
    return sorted(found)[:limit]


def deliver_notice(
    tenant: str, notice_id: str, author_id: str, title: str, text: str, audience: list[str], recipients=None
) -> int:
    """A notice to everyone of its audience, in batches (each one transaction; entries keyed per notice).
    recipients(after, limit) -> account ids, by id, instead of the audience's org subtrees (a notice to
    roles: its receipts name its recipients)."""
    after, delivered = "", 0
    recipients = recipients or (lambda after_, limit: notice_recipients(tenant, audience, after_, limit))
    while True:
        batch = recipients(after, NOTICE_BATCH)
        if not batch:
            return delivered
        delivered += deliver(tenant, notice_items(notice_id, author_id, title, text, batch))
        after = batch[-1]


def notice_items(notice_id: str, author_id: str, title: str, text: str, account_ids: list[str]) -> list[Item]:
    """A notice's entries for some of its recipients (its author is not told of it)."""
    key = rules.key(rules.NOTICE, "notice", notice_id)
    body = rules.body(text)
    return [
        Item(a, rules.NOTICE, key, "notice", notice_id, author_id, body, title) for a in account_ids if a != author_id
    ]


# -- reading and marking (the API) ---------------------------------------------------------------------


@dataclass
class Entry:
    notification: InboxEntry
    actor_name: str


def _parse_cursor(cursor: str) -> tuple[dt.datetime, ObjectId]:
    ms, _, row_id = cursor.partition(".")
    if not (ms.isascii() and ms.isdigit() and len(ms) <= 15):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")
    try:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(ms)), ObjectId(row_id)
    except (InvalidId, TypeError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor") from None


def list_mine(page_size: int, cursor: str, unread_only: bool) -> tuple[list[Entry], str]:
    """My notifications, the most recently updated first. A counted entry updated while paging moves to the
    top (it may then be seen again on page one, never lost from the pages after the cursor)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    size = page_size or 50
    if not 1 <= size <= 200:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    query = InboxEntry.in_tenant(tenant).filter(account_id=me_id)
    if unread_only:
        query = query.filter(read=False)
    last = _parse_cursor(cursor) if cursor else None
    if last is not None:
        query = query.filter(updated_at__lte=last[0])
    batch = size + 1 + (8 if last else 0)
    while True:
        raw = list(query.order_by("-updated_at", "-id").limit(batch))
        rows = [r for r in raw if last is None or (aware(r.updated_at), r.id) < last]
        if len(rows) > size or len(raw) < batch:
            break
        batch *= 2  # entries sharing the cursor's millisecond filled the batch
    next_cursor = time_cursor(rows[size - 1].updated_at, rows[size - 1].id) if len(rows) > size else ""
    rows = rows[:size]
    names = _names(tenant, sorted({r.actor_ids[0] for r in rows if r.actor_ids}))
    return [Entry(r, names.get(r.actor_ids[0], "") if r.actor_ids else "") for r in rows], next_cursor


def unread_count() -> int:
    tenant, me_id = access.tenant(), access.actor().account_id
    query = {"tenant": tenant, "account_id": me_id, "read": False}
    return InboxEntry._get_collection().count_documents(query, limit=UNREAD_COUNT_CAP + 1)


def mark_read(notification_id: str) -> None:
    tenant, me_id = access.tenant(), access.actor().account_id
    missing = DomainError(ErrorCode.NOT_FOUND, "inbox_not_found", "notification_id", id=notification_id)
    try:
        oid = ObjectId(notification_id)
    except (InvalidId, TypeError):
        raise missing from None
    mine = InboxEntry.in_tenant(tenant).filter(id=oid, account_id=me_id)
    found = mine.only("read").first()
    if found is None:
        raise missing
    if not found.read:
        mine.update_one(set__read=True)


def mark_all_read() -> int:
    tenant, me_id = access.tenant(), access.actor().account_id
    return InboxEntry.in_tenant(tenant).filter(account_id=me_id, read=False).update(set__read=True)


def preferences() -> dict[str, rules.KindPreference]:
    tenant, me_id = access.tenant(), access.actor().account_id
    stored = _preferences(tenant, [me_id])[me_id]
    return {kind: rules.preference(stored, kind) for kind in rules.KINDS}


def set_preferences(changes: dict[str, rules.KindPreference]) -> dict[str, rules.KindPreference]:
    tenant, me_id = access.tenant(), access.actor().account_id
    for kind in changes:
        rules.check_kind(kind, "preferences.kind")
    updates = {f"set__kinds__{kind}": {"in_app": p.in_app, "sms": p.sms, "push": p.push} for kind, p in changes.items()}
    if updates:
        InboxPreference.in_tenant(tenant).filter(account_id=me_id).update_one(upsert=True, **updates)
        cache.forget_preferences(tenant, me_id)
    return preferences()


def chat_item(account_id: str, data: dict) -> Item:
    """A chat message as an entry of one recipient's inbox (collapsed per conversation)."""
    cid = data["conversation_id"]
    return Item(
        account_id,
        rules.CHAT,
        rules.key(rules.CHAT, "conversation", cid),
        "conversation",
        cid,
        data["sender_id"],
        rules.body(data.get("preview", "")),
        data.get("title", ""),
        int(data.get("seq", 0)),
    )
