"""One text message to one phone, and its life: queued → submitting (leased by a sender) → submitted (the
provider took it; provider ids per part) → delivered | failed | expired, by its receipts; or cancelled.

The sender's side of the queue lives here: lease due messages (priority first), record what the provider
said, requeue transient failures with backoff, give up on messages past their validity, apply receipts
(stored first, so a receipt that overtakes its submit's record is applied by the next sweep), and return the
leases of a sender that died."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import mongoengine as me
import pymongo
from bson import ObjectId

from kernel.clock import aware
from kernel.store import TenantDocument, utcnow
from services.sms.domain import rules
from services.sms.providers.base import DELIVERED


class Message(TenantDocument):
    send_id = me.StringField(required=True)
    org_id = me.StringField(default="")  # who pays ("" for the region: one-time codes)
    month = me.StringField(required=True)  # the billing month its parts were reserved in
    account_id = me.StringField(default="")
    phone = me.StringField(required=True)
    parts = me.IntField(required=True)
    priority = me.IntField(default=2)
    status = me.StringField(required=True)
    due_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)
    attempts = me.IntField(default=0)
    lease = me.StringField(default="")
    lease_until = me.DateTimeField()
    provider_ids = me.ListField(me.StringField())
    delivered_ids = me.ListField(me.StringField())  # parts whose receipt said delivered
    error = me.StringField(default="")
    submitted_at = me.DateTimeField()
    final_at = me.DateTimeField()
    reply_feature = me.StringField(default="")  # a reply to it goes to this feature (domain: "meeting")
    reply_ref = me.StringField(default="")

    meta = {
        "collection": "messages",
        "indexes": [
            {"fields": ["tenant", "send_id", "phone"], "unique": True},  # a resolve run twice adds nobody twice
            # Few indexes hold the status: each one is rewritten at every move of every message (3 a message).
            ("tenant", "send_id", "id"),  # a send's messages (its statuses are filtered in Python)
            ("tenant", "status", "priority", "due_at"),  # the sender's lease; what is being submitted
            ("tenant", "provider_ids"),  # receipts
            ("tenant", "phone", "due_at"),  # replies: the latest messages to a phone
        ],
    }


class PendingReceipt(TenantDocument):
    """A receipt received and not applied yet (its message is not known by its provider id yet, or the sender
    is applying it now): applied by the sweep."""

    provider_id = me.StringField(required=True)
    state = me.StringField(required=True)
    error = me.StringField(default="")
    received_at = me.DateTimeField(required=True)

    meta = {
        "collection": "pending_receipts",
        "indexes": [("tenant", "received_at"), {"fields": ["received_at"], "expireAfterSeconds": 2 * 86400}],
    }


DOCUMENTS = (Message, PendingReceipt)


@dataclass(frozen=True)
class Leased:
    id: str
    send_id: str
    org_id: str
    month: str
    phone: str
    parts: int
    attempts: int
    expires_at: dt.datetime


# The lease reads the queue through narrow windows of due times: on this database a query costs what it
# matches, whatever its limit, so "the first 128 of 100,000 queued" must not match 100,000. Resolving spreads
# a send's messages a millisecond apart (sends.py), so a window holds a few hundred at most.
WINDOW = dt.timedelta(milliseconds=250)
# A window is never closed for good until this long after its end: a message due a little in the past
# (another machine's clock, a lease given back) is still found.
LAG = dt.timedelta(seconds=10)


class Lanes:
    """Where one sender's lease looks next in each priority lane (a due time): everything queued in a lane is
    due at or after its cursor. A new sender starts at each lane's earliest queued message."""

    def __init__(self) -> None:
        self.cursors: dict[int, dt.datetime] = {}

    def cursor(self, tenant: str, priority: int, now: dt.datetime) -> dt.datetime:
        if priority not in self.cursors:
            first = (
                Message.in_tenant(tenant)
                .filter(status=rules.M_QUEUED, priority=priority)
                .order_by("due_at")
                .only("due_at")
                .first()
            )
            self.cursors[priority] = min(aware(first.due_at), now) if first else now - LAG
        return self.cursors[priority]


def _due_ids(tenant: str, lanes: Lanes, limit: int, now: dt.datetime) -> list:
    ids: list = []
    for priority in sorted(set(rules.PRIORITY.values())):  # the most urgent lane first
        cursor = lanes.cursor(tenant, priority, now)
        while len(ids) < limit and cursor <= now:
            # far behind: window by window; within LAG of now: the rest at once (few match)
            end = now if now - cursor <= LAG else cursor + WINDOW
            wanted = limit - len(ids)
            rows = (
                Message.in_tenant(tenant)
                .filter(status=rules.M_QUEUED, priority=priority, due_at__gte=cursor, due_at__lte=end)
                .order_by("due_at")
                .only("id")
                .limit(wanted)
                .as_pymongo()
            )
            found = [r["_id"] for r in rows]
            ids += found
            if len(found) == wanted:
                break  # the window may hold more: look here again next time
            if end == now:
                cursor = max(cursor, now - LAG)
                break
            cursor = end
        lanes.cursors[priority] = cursor
        if len(ids) >= limit:
            break
    return ids


def lease(
    tenant: str, limit: int, lease_seconds: int, now: dt.datetime | None = None, lanes: Lanes | None = None
) -> list[Leased]:
    """Claim up to limit due messages, the most urgent lane first; each is this sender's for lease_seconds."""
    now = now or utcnow()
    ids = _due_ids(tenant, lanes or Lanes(), limit, now)
    if not ids:
        return []
    token = uuid.uuid4().hex
    Message.in_tenant(tenant).filter(id__in=ids, status=rules.M_QUEUED).update(
        set__status=rules.M_SUBMITTING,
        set__lease=token,
        set__lease_until=now + dt.timedelta(seconds=lease_seconds),
    )
    claimed = (
        Message.in_tenant(tenant)
        .filter(id__in=ids)
        .only(
            "id",
            "send_id",
            "org_id",
            "month",
            "phone",
            "parts",
            "attempts",
            "expires_at",
            "lease",
            "priority",
            "due_at",
        )
    )
    found = [m for m in claimed if m.lease == token]
    found.sort(key=lambda m: (m.priority, m.due_at))
    return [Leased(str(m.id), m.send_id, m.org_id, m.month, m.phone, m.parts, m.attempts, m.expires_at) for m in found]


def submitted(tenant: str, message_id: str, provider_ids: list[str]) -> bool:
    """One accepted submit recorded (submitted_many of one)."""
    return message_id in submitted_many(tenant, [(message_id, provider_ids)])


def submitted_many(tenant: str, accepted: list[tuple[str, list[str]]]) -> list[str]:
    """What the provider accepted, (message id, provider ids) each, in one command; the ids recorded (those
    still being submitted: a lease given back meanwhile is not overwritten)."""
    if not accepted:
        return []
    now = utcnow()
    ops = [
        pymongo.UpdateOne(
            {"_id": ObjectId(message_id), "tenant": tenant, "status": rules.M_SUBMITTING},
            {
                "$set": {"status": rules.M_SUBMITTED, "provider_ids": ids, "submitted_at": now, "lease": ""},
                "$inc": {"attempts": 1},
            },
        )
        for message_id, ids in accepted
    ]
    result = Message._get_collection().bulk_write(ops, ordered=False)
    if result.matched_count == len(ops):
        return [message_id for message_id, _ in accepted]
    wanted = {ObjectId(m): ids for m, ids in accepted}
    rows = Message.in_tenant(tenant).filter(id__in=list(wanted)).only("id", "status", "provider_ids").as_pymongo()
    return [
        str(r["_id"]) for r in rows if r["status"] == rules.M_SUBMITTED and r.get("provider_ids") == wanted[r["_id"]]
    ]


def retry(tenant: str, message: Leased, counted: bool, now: dt.datetime | None = None) -> str:
    """A transient failure: back in the queue (after a backoff when counted: the provider answered; at once
    when it was not there at all), or expired past its validity. The new status."""
    now = now or utcnow()
    attempts = message.attempts + (1 if counted else 0)
    due = now + rules.retry_delay(attempts) if counted else now
    rows = Message.in_tenant(tenant).filter(id=ObjectId(message.id), status=rules.M_SUBMITTING)
    if due >= message.expires_at.replace(tzinfo=due.tzinfo):
        rows.update_one(
            set__status=rules.M_EXPIRED, set__error="not_sent_in_time", set__final_at=now, set__attempts=attempts
        )
        return rules.M_EXPIRED
    rows.update_one(set__status=rules.M_QUEUED, set__due_at=due, set__attempts=attempts, set__lease="")
    return rules.M_QUEUED


def failed(tenant: str, message_id: str, code: str) -> bool:
    """The provider refused it for good: failed, never sent (its parts are given back by the caller)."""
    return bool(
        Message.in_tenant(tenant)
        .filter(id=ObjectId(message_id), status=rules.M_SUBMITTING)
        .update_one(set__status=rules.M_FAILED, set__error=code[:64], set__final_at=utcnow(), inc__attempts=1)
    )


def release_stale(tenant: str, now: dt.datetime | None = None) -> int:
    """Messages leased by a sender that stopped answering go back to the queue. A sender that died between the
    provider's acceptance and its record sends such a message again: at least once, never lost."""
    now = now or utcnow()
    stale = [
        row["_id"]
        for priority in sorted(set(rules.PRIORITY.values()))  # what is being submitted: a few hundred at most
        for row in Message.in_tenant(tenant)
        .filter(status=rules.M_SUBMITTING, priority=priority)
        .only("id", "lease_until")
        .as_pymongo()
        if row.get("lease_until") and aware(row["lease_until"]) < now
    ]
    if not stale:
        return 0
    return (
        Message.in_tenant(tenant)
        .filter(id__in=stale, status=rules.M_SUBMITTING, lease_until__lt=now)
        .update(set__status=rules.M_QUEUED, set__lease="", set__due_at=now)
    )


# -- receipts -----------------------------------------------------------------------------------------

FAILURE = {"undeliverable": rules.M_FAILED, "rejected": rules.M_FAILED, "expired": rules.M_EXPIRED}


Moved = tuple[str, str]  # (send id, the status a message reached): for the sends' counters


def apply_receipt(tenant: str, provider_id: str, state: str, error: str) -> Moved | None:
    """Apply a part's receipt to its message: None when no message has that provider id (yet); otherwise
    (send id, the status it moved to, or "" when it did not move)."""
    rows = Message.in_tenant(tenant)
    row = rows.filter(provider_ids=provider_id).only("id", "send_id", "parts", "status").first()
    if row is None:
        return None
    if state == DELIVERED:
        rows.filter(id=row.id, status=rules.M_SUBMITTED).update_one(add_to_set__delivered_ids=provider_id)
        fresh = rows.filter(id=row.id).only("delivered_ids", "parts").first()
        if fresh and len(fresh.delivered_ids) >= fresh.parts:
            if rows.filter(id=row.id, status=rules.M_SUBMITTED).update_one(
                set__status=rules.M_DELIVERED, set__final_at=utcnow()
            ):
                return row.send_id, rules.M_DELIVERED
        return row.send_id, ""
    status = FAILURE.get(state, rules.M_FAILED)
    moved = rows.filter(id=row.id, status=rules.M_SUBMITTED).update_one(
        set__status=status, set__error=f"{state}:{error}"[:64], set__final_at=utcnow()
    )
    return row.send_id, status if moved else ""


def receipt(tenant: str, provider_id: str, state: str, error: str) -> Moved | None:
    """One receipt (receipts of one): the move it made, or None when it is kept for the sweep."""
    moves = receipts(tenant, [(provider_id, state, error, None)])
    return moves[0] if moves else None


Known = tuple[str, str, int]  # what the sender remembers of a provider id: (message id, send id, parts)


def _apply_known(tenant: str, known: Known, provider_id: str, state: str, error: str) -> Moved | None:
    """A receipt of a message the sender submitted recently, in one point update (a single-part delivery or
    any failure); None when that does not apply (a part of several, or its record is not written yet)."""
    message_id, send_id, parts = known
    rows = Message.in_tenant(tenant).filter(id=ObjectId(message_id), status=rules.M_SUBMITTED)
    if state == DELIVERED:
        if parts != 1:
            return None
        moved = rows.update_one(set__status=rules.M_DELIVERED, set__final_at=utcnow(), set__delivered_ids=[provider_id])
        return (send_id, rules.M_DELIVERED) if moved else None
    status = FAILURE.get(state, rules.M_FAILED)
    moved = rows.update_one(set__status=status, set__error=f"{state}:{error}"[:64], set__final_at=utcnow())
    return (send_id, status) if moved else None


def _deliver_many(tenant: str, provider_ids: dict, known: dict) -> set[str]:
    """Single-part messages delivered, by their ids, in one command; the message ids that moved."""
    if not known:
        return set()
    ids = [ObjectId(k[0]) for k in known.values()]
    ops = [
        pymongo.UpdateOne(
            {"_id": ObjectId(k[0]), "tenant": tenant, "status": rules.M_SUBMITTED},
            {"$set": {"status": rules.M_DELIVERED, "final_at": utcnow(), "delivered_ids": [provider_ids[row_id]]}},
        )
        for row_id, k in known.items()
    ]
    result = Message._get_collection().bulk_write(ops, ordered=False)
    if result.matched_count == len(ops):
        return {k[0] for k in known.values()}
    rows = Message.in_tenant(tenant).filter(id__in=ids).only("id", "status", "delivered_ids").as_pymongo()
    mine = set(provider_ids.values())
    return {str(r["_id"]) for r in rows if r["status"] == rules.M_DELIVERED and set(r.get("delivered_ids", [])) & mine}


def receipts(tenant: str, items: list[tuple[str, str, str, Known | None]]) -> list[Moved]:
    """A batch of receipts (provider id, state, error, what the sender knows of it): kept first (one write: a
    sender stopping mid-batch loses none), then applied; those whose message is not known yet stay for the
    sweep. The moves made."""
    now = utcnow()
    kept = [
        PendingReceipt(id=ObjectId(), tenant=tenant, provider_id=pid, state=state, error=error, received_at=now)
        for pid, state, error, _ in items
    ]
    PendingReceipt._get_collection().insert_many([k.to_mongo() for k in kept])
    moves, applied = [], []
    # single-part deliveries of recent submits (most receipts): one command for all of them
    simple = {
        row.id: known
        for row, (_, state, _, known) in zip(kept, items, strict=True)
        if known and known[2] == 1 and state == DELIVERED
    }
    delivered = _deliver_many(tenant, {row.id: row.provider_id for row in kept if row.id in simple}, simple)
    for row_id, known in simple.items():
        if known[0] in delivered:
            moves.append((known[1], rules.M_DELIVERED))
            applied.append(row_id)
    for row, (_, _, _, known) in zip(kept, items, strict=True):
        if row.id in applied:
            continue
        moved = _apply_known(tenant, known, row.provider_id, row.state, row.error) if known else None
        if moved is None:
            moved = apply_receipt(tenant, row.provider_id, row.state, row.error)
        if moved is not None:
            moves.append(moved)
            applied.append(row.id)
    if applied:
        PendingReceipt.in_tenant(tenant).filter(id__in=applied).delete()
    return moves


def sweep_receipts(tenant: str, limit: int = 1000, older_than: float = 0.0) -> list[Moved]:
    """Apply the receipts that overtook their message's record (kept older_than seconds: not those a batch is
    applying now); those still unknown wait (2 days at most)."""
    moves = []
    before = utcnow() - dt.timedelta(seconds=older_than)
    for row in PendingReceipt.in_tenant(tenant).filter(received_at__lte=before).order_by("received_at").limit(limit):
        applied = apply_receipt(tenant, row.provider_id, row.state, row.error)
        if applied is not None:
            row.delete()
            moves.append(applied)
    return moves


# -- replies ------------------------------------------------------------------------------------------


def latest_asking(tenant: str, phone: str, now: dt.datetime) -> Message | None:
    """The latest message to the phone that asked for a reply and went out (or is going out: a quick reply
    may overtake the record of its submit) within the reply window."""
    recent = (
        Message.in_tenant(tenant)
        .filter(phone=phone, due_at__gte=now - rules.REPLY_WINDOW)
        .order_by("-due_at")
        .only("id", "send_id", "org_id", "account_id", "reply_feature", "reply_ref", "status")
        .limit(20)
    )
    sent = (rules.M_SUBMITTING, rules.M_SUBMITTED, rules.M_DELIVERED)
    return next((m for m in recent if m.reply_feature and m.status in sent), None)
