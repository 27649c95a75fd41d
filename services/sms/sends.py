"""A send: one template's text to people, phone numbers or an org's subtree, now or later.

Accepting a send (an officer's Send, or the platform's own: one-time codes, notice and meeting reminders)
checks everything that can be checked before anything costs money — the template and its variables, every
phone number, the org's rate of sends, the org's and the region's quotas (the estimated parts reserved) —
then writes the send and `send_accepted`. sms's worker resolves the recipients (people → phones through
sms's copy, the subtree through its copy of home orgs), leaves out the opted out and those without a
phone, queues one message per phone, and gives back what was reserved for nobody. A scheduled send is
resolved when it is due (who belongs to the subtree then). The sender (sender.py) does the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import mongoengine as me
import pymongo.errors
from bson import ObjectId

from kernel import home_orgs, paging
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.sms import access, events, mirror, optouts, templates, usage
from services.sms.domain import rules
from services.sms.messages import Message

RESOLVE_CHUNK = 1000


class Send(TenantDocument):
    key = me.StringField(required=True)  # idempotency: an officer's key, or the event that asked for it
    org_id = me.StringField(default="")
    org_path = me.ListField(me.StringField())
    kind = me.StringField(required=True)
    template_code = me.StringField(required=True)
    provider_code = me.StringField(default="")
    params = me.DictField()  # the variables' values as used
    signature = me.StringField(required=True)
    text = me.StringField(required=True)  # signed: what each handset shows
    parts = me.IntField(required=True)
    account_ids = me.ListField(me.StringField())
    phones = me.ListField(me.StringField())
    to_subtree = me.BooleanField(default=False)
    status = me.StringField(required=True)
    scheduled_at = me.DateTimeField()
    month = me.StringField(required=True)  # the billing month its parts are reserved in
    reserved = me.IntField(default=0)  # parts reserved and not yet settled by resolving
    recipients = me.IntField(default=0)
    skipped = me.IntField(default=0)
    # its messages by status, kept by the sender (a second's changes in one write) and by cancelling: reading a
    # send of 100,000 must not count 100,000 rows (messages stay the record)
    n_submitted = me.IntField(default=0)
    n_delivered = me.IntField(default=0)
    n_failed = me.IntField(default=0)
    n_cancelled = me.IntField(default=0)
    reply_feature = me.StringField(default="")
    reply_ref = me.StringField(default="")
    ref = me.StringField(default="")  # what the platform's send is about (a meeting id): cancelled with it
    refusal = me.StringField(default="")
    created_by = me.StringField(default="")
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "sends",
        "indexes": [
            {"fields": ["tenant", "key"], "unique": True},
            ("tenant", "org_id", "id"),
            ("tenant", "org_id", "kind", "created_at"),  # an org's rate of sends
            ("tenant", "status", "scheduled_at"),  # the worker's due scheduled sends
            ("tenant", "ref", "status"),
            ("tenant", "ref", "kind", "created_at"),  # a person's notifications by SMS today
        ],
    }


DOCUMENTS = (Send,)


@dataclass
class Request:
    """A send asked for: by an officer (Send) or by the platform (kind other than manual)."""

    org_id: str
    kind: str
    template_code: str
    variables: dict[str, str]
    account_ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    to_subtree: bool = False
    scheduled_at: dt.datetime | None = None
    key: str = ""
    reply_feature: str = ""
    reply_ref: str = ""
    ref: str = ""


def _by_key(tenant: str, key: str) -> Send | None:
    return Send.in_tenant(tenant).filter(key=key).first()


def _estimate(tenant: str, req: Request) -> int:
    """Recipients at most: the listed ones plus the subtree's people (a send never reaches more)."""
    return len(req.account_ids) + len(req.phones) + (mirror.subtree_size(tenant, req.org_id) if req.to_subtree else 0)


def _rate_check(tenant: str, org_id: str, defaults, now: dt.datetime) -> None:
    hour_ago = now - dt.timedelta(hours=1)
    recent = Send.in_tenant(tenant).filter(org_id=org_id, kind=rules.MANUAL, created_at__gt=hour_ago)
    if recent.count() >= defaults.sms_org_sends_per_hour:
        oldest = recent.order_by("created_at").only("created_at").first()
        wait = int((oldest.created_at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1) - now).total_seconds()) + 1
        raise DomainError(ErrorCode.RATE_LIMITED, "sms_rate_limited", "org_id", retry_after=max(1, wait))


def officer_send(req: Request, defaults) -> Send:
    """An officer's Send: sms.send on the org; a template of the region's own (not a built-in)."""
    tenant = access.tenant()
    path = access.org_path(req.org_id)
    if not access.allowed(access.SEND, path):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    who = access.actor().account_id
    if req.key:
        req.key = f"{who}:{req.key[:100]}"
        found = _by_key(tenant, req.key)
        if found is not None:
            return found
    template = templates.find(tenant, req.template_code)
    if template is None or template.system or not template.active:
        raise DomainError(ErrorCode.NOT_FOUND, "sms_template_not_found", "template_code")
    req.account_ids = rules.check_accounts(req.account_ids)
    req.phones = rules.check_phones(req.phones)
    if not (req.account_ids or req.phones or req.to_subtree):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_no_recipients", "account_ids")
    if req.account_ids:  # only people of the org's subtree: an officer reaches no one else's members
        homes = _home_paths(tenant, req.account_ids)
        for index, account_id in enumerate(req.account_ids):
            if req.org_id not in homes.get(account_id, []):
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_account_outside", f"account_ids[{index}]")
    _rate_check(tenant, req.org_id, defaults, utcnow())
    return accept(tenant, req, defaults, who, path=path)


def _home_paths(tenant: str, account_ids: list[str]) -> dict[str, list[str]]:
    rows = mirror.HomeOrg.in_tenant(tenant).filter(account_id__in=account_ids).only("account_id", "org_path")
    return {r["account_id"]: r.get("org_path", []) for r in rows.as_pymongo()}


def accept(tenant: str, req: Request, defaults, actor_id: str = "", path: list[str] | None = None) -> Send:
    """Render, reserve and record a send (any kind). Raises sms_quota_exceeded when it does not fit."""
    now = utcnow()
    if req.key:
        found = _by_key(tenant, req.key)
        if found is not None:
            return found
    else:
        req.key = str(ObjectId())
    template = templates.find(tenant, req.template_code)
    if template is None:
        raise DomainError(ErrorCode.NOT_FOUND, "sms_template_not_found", "template_code")
    region = templates.region(tenant, defaults)
    body, used = rules.render(template.text, req.variables, strict=req.kind == rules.MANUAL)
    text = rules.signed(region.signature, body)
    parts = rules.parts_of(text)
    if req.kind == rules.MANUAL:
        scheduled_at = rules.check_schedule(req.scheduled_at, now)
    else:  # the platform's own: any time ahead (a meeting of a long series)
        scheduled_at = req.scheduled_at if req.scheduled_at and req.scheduled_at > now else None
    month = rules.month_of(scheduled_at or now)
    reserved = _estimate(tenant, req) * parts
    if path is None and req.org_id:
        try:
            path = home_orgs.org_path(tenant, req.org_id)
        except home_orgs.MirrorLag:  # an org not heard of yet: only region admins see the send
            path = []
    usage.reserve(tenant, req.org_id, month, reserved, defaults, enforce=req.kind != rules.OTP)
    row = Send(
        id=ObjectId(),
        tenant=tenant,
        key=req.key,
        org_id=req.org_id,
        org_path=path or [],
        kind=req.kind,
        template_code=req.template_code,
        provider_code=template.provider_code,
        params=used,
        signature=region.signature,
        text=text,
        parts=parts,
        account_ids=req.account_ids,
        phones=req.phones,
        to_subtree=req.to_subtree,
        status=rules.SCHEDULED if scheduled_at else rules.RESOLVING,
        scheduled_at=scheduled_at,
        month=month,
        reserved=reserved,
        reply_feature=req.reply_feature,
        reply_ref=req.reply_ref,
        ref=req.ref,
        created_by=actor_id,
        created_at=now,
    )

    def write(uow: UnitOfWork) -> None:
        uow.insert(row)
        if not scheduled_at:
            uow.emit(events.SOURCE, events.SEND_ACCEPTED, {"send_id": str(row.id)}, actor_id)

    try:
        atomically(tenant, write)
    except pymongo.errors.DuplicateKeyError:  # the same key, at the same moment: the first one stands
        usage.refund(tenant, req.org_id, month, reserved)
        return _by_key(tenant, req.key)
    except Exception:
        usage.refund(tenant, req.org_id, month, reserved)
        raise
    return row


def refused(tenant: str, req: Request, error: DomainError) -> None:
    """A send the platform asked for (a reminder) that could not be accepted: kept, refused, so the org's
    officers see why their members were not reminded."""
    if _by_key(tenant, req.key) is not None:
        return
    try:
        Send(
            tenant=tenant,
            key=req.key,
            org_id=req.org_id,
            kind=req.kind,
            template_code=req.template_code,
            signature="",
            text="",
            parts=0,
            status=rules.REFUSED,
            month=rules.month_of(utcnow()),
            refusal=error.key,
            ref=req.ref,
            created_at=utcnow(),
        ).save()
    except me.NotUniqueError:
        pass


# -- resolving (sms's worker) --------------------------------------------------------------------------


def _recipients(tenant: str, row: Send) -> Iterator[list[tuple[str, str]]]:
    """(account id, phone) in chunks: listed people, listed phones, then the subtree's people."""
    if row.account_ids:
        for start in range(0, len(row.account_ids), RESOLVE_CHUNK):
            chunk = row.account_ids[start : start + RESOLVE_CHUNK]
            phones = mirror.phones_of(tenant, chunk)
            yield [(a, phones.get(a, "")) for a in chunk]
    if row.phones:
        yield [(mirror.account_of(tenant, p), p) for p in row.phones]
    if row.to_subtree:  # read at once: on this database a query costs what it matches, whatever its limit
        members = mirror.subtree_members(tenant, row.org_id)
        for start in range(0, len(members), RESOLVE_CHUNK):
            chunk = members[start : start + RESOLVE_CHUNK]
            phones = mirror.phones_of(tenant, chunk)
            yield [(a, phones.get(a, "")) for a in chunk]


def resolve(tenant: str, send_id: str) -> int:
    """Queue one message per phone of the send's recipients (run again after a crash, it adds nobody twice);
    the parts reserved for nobody are given back once. The number of messages queued."""
    rows = Send.in_tenant(tenant)
    row = rows.filter(id=ObjectId(send_id)).first()
    if row is None or row.status not in (rules.RESOLVING, rules.CANCELLED) or not row.reserved:
        return 0
    if row.status == rules.CANCELLED:  # cancelled while resolving: settle what it queued, add nobody
        return _settle_cancelled(tenant, row)
    now = utcnow()
    validity = rules.VALIDITY.get(row.kind, rules.DEFAULT_VALIDITY)
    seen: set[str] = set()
    skipped = 0
    position = 0  # a send's messages are due a millisecond apart: in order, and in narrow windows (messages.py)
    for chunk in _recipients(tenant, row):
        with_phone = [(a, p) for a, p in chunk if p and p not in seen]
        skipped += len(chunk) - len(with_phone)
        if row.kind != rules.OTP:  # codes still come to the opted out: they asked for them
            out = optouts.opted_out(tenant, [p for _, p in with_phone])
            skipped += sum(1 for _, p in with_phone if p in out)
            with_phone = [(a, p) for a, p in with_phone if p not in out]
        seen.update(p for _, p in with_phone)
        first, position = position, position + len(with_phone)
        docs = [
            {
                "_id": ObjectId(),
                "tenant": tenant,
                "send_id": send_id,
                "org_id": row.org_id,
                "month": row.month,
                "account_id": a,
                "phone": p,
                "parts": row.parts,
                "priority": rules.PRIORITY[row.kind],
                "status": rules.M_QUEUED,
                "due_at": now + dt.timedelta(milliseconds=first + i),
                "expires_at": now + validity,
                "attempts": 0,
                "reply_feature": row.reply_feature,
                "reply_ref": row.reply_ref,
            }
            for i, (a, p) in enumerate(with_phone)
        ]
        if docs:
            try:
                Message._get_collection().insert_many(docs, ordered=False)
            except pymongo.errors.BulkWriteError as exc:  # a second run: those already queued stay as they are
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
    queued = Message.in_tenant(tenant).filter(send_id=send_id).count()
    settled = rows.filter(id=row.id, status=rules.RESOLVING).update_one(
        set__status=rules.QUEUED, set__recipients=queued, set__skipped=skipped, set__reserved=0
    )
    if settled:
        usage.refund(tenant, row.org_id, row.month, row.reserved - queued * row.parts)
        return queued
    fresh = rows.filter(id=row.id).first()
    if fresh.status == rules.CANCELLED:  # cancelled meanwhile
        _settle_cancelled(tenant, fresh)
    return 0


def _settle_cancelled(tenant: str, row: Send) -> int:
    """A send cancelled while it was being resolved: its queued messages are cancelled and everything reserved
    for them and for nobody is given back, once (whoever clears `reserved` first)."""
    if not Send.in_tenant(tenant).filter(id=row.id, reserved=row.reserved).update_one(set__reserved=0):
        return 0
    queued = Message.in_tenant(tenant).filter(send_id=str(row.id)).count()
    stopped = _stop_queued(tenant, row, 0)  # counted; its parts are in the refund below
    Send.in_tenant(tenant).filter(id=row.id).update_one(set__recipients=queued)
    usage.refund(tenant, row.org_id, row.month, row.reserved - (queued - stopped) * row.parts)
    return 0


def due_scheduled(tenant: str, now: dt.datetime | None = None) -> list[str]:
    """Scheduled sends whose time has come, now resolving (the caller resolves them)."""
    now = now or utcnow()
    due = []
    for row in Send.in_tenant(tenant).filter(status=rules.SCHEDULED, scheduled_at__lte=now).only("id").limit(100):
        if Send.in_tenant(tenant).filter(id=row.id, status=rules.SCHEDULED).update_one(set__status=rules.RESOLVING):
            due.append(str(row.id))
    return due


# -- cancelling ----------------------------------------------------------------------------------------


def _stop_queued(tenant: str, row: Send, parts: int) -> int:
    """The send's messages not yet leased are cancelled and their parts given back; how many. (The send's
    messages are read by id and their statuses looked at here: no index holds the send with the status.)"""
    stopped, after = 0, None
    while True:
        query = Message.in_tenant(tenant).filter(send_id=str(row.id))
        if after is not None:
            query = query.filter(id__gt=after)
        batch = list(query.order_by("id").only("id", "status").limit(RESOLVE_CHUNK).as_pymongo())
        if not batch:
            break
        after = batch[-1]["_id"]
        queued = [m["_id"] for m in batch if m["status"] == rules.M_QUEUED]
        if queued:
            stopped += (
                Message.in_tenant(tenant)
                .filter(id__in=queued, status=rules.M_QUEUED)
                .update(set__status=rules.M_CANCELLED, set__final_at=utcnow())
            )
    Send.in_tenant(tenant).filter(id=row.id).update_one(inc__n_cancelled=stopped)
    usage.refund(tenant, row.org_id, row.month, stopped * parts)
    return stopped


def _cancel(tenant: str, row: Send) -> Send:
    rows = Send.in_tenant(tenant)
    if rows.filter(id=row.id, status=rules.SCHEDULED).update_one(set__status=rules.CANCELLED, set__reserved=0):
        usage.refund(tenant, row.org_id, row.month, row.reserved)
    elif rows.filter(id=row.id, status=rules.RESOLVING).update_one(set__status=rules.CANCELLED):
        pass  # resolving stops adding, cancels what it queued and gives back the rest (resolve)
    elif rows.filter(id=row.id, status=rules.QUEUED).update_one(set__status=rules.CANCELLED):
        _stop_queued(tenant, row, row.parts)
    return rows.filter(id=row.id).first()


def cancel(send_id: str) -> Send:
    row = get(send_id)
    if row.status not in (rules.SCHEDULED, rules.RESOLVING, rules.QUEUED):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "sms_send_not_cancellable", "send_id", status=row.status)
    return _cancel(access.tenant(), row)


def sent_today(tenant: str, ref: str, kind: str, now: dt.datetime | None = None) -> int:
    """The platform's sends of this kind about ref (a person, for notifications) in the last 24 hours."""
    since = (now or utcnow()) - dt.timedelta(hours=24)
    return Send.in_tenant(tenant).filter(ref=ref, kind=kind, created_at__gt=since).count()


def cancel_ref(tenant: str, ref: str) -> int:
    """The platform's sends about something that is off (a cancelled meeting's invitation and reminder)."""
    cancelled = 0
    for status in (rules.SCHEDULED, rules.RESOLVING, rules.QUEUED):
        for row in Send.in_tenant(tenant).filter(ref=ref, status=status):
            _cancel(tenant, row)
            cancelled += 1
    return cancelled


# -- reading -------------------------------------------------------------------------------------------


def get(send_id: str) -> Send:
    """A send of an org the caller may send for (others' answer NOT_FOUND, like missing ones)."""
    oid = ObjectId(send_id) if ObjectId.is_valid(send_id) else None
    row = Send.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if row is not None and row.org_id:
        visible = bool(row.org_path) and access.allowed(access.SEND, list(row.org_path))
    else:  # the region's own (one-time codes): its admins
        visible = row is not None and access.may_in_region(access.QUOTA)
    if not visible:
        raise DomainError(ErrorCode.NOT_FOUND, "sms_send_not_found", "send_id")
    return row


def list_org(org_id: str, page_size: int, cursor: str) -> tuple[list[Send], str]:
    access.require(access.SEND, org_id)
    return paging.page(Send.in_tenant(access.tenant()).filter(org_id=org_id), page_size, cursor)


@dataclass(frozen=True)
class Counts:
    queued: int = 0
    submitted: int = 0
    delivered: int = 0
    failed: int = 0
    cancelled: int = 0


COUNTERS = {
    rules.M_SUBMITTED: "n_submitted",
    rules.M_DELIVERED: "n_delivered",
    rules.M_FAILED: "n_failed",
    rules.M_EXPIRED: "n_failed",
    rules.M_CANCELLED: "n_cancelled",
}


def counts(tenant: str, row: Send) -> Counts:
    """Messages by status: what waits, what the provider has, what reached the phones."""
    if row.status in (rules.SCHEDULED, rules.REFUSED):
        return Counts()
    done = row.n_submitted + row.n_delivered + row.n_failed + row.n_cancelled
    return Counts(
        queued=max(0, row.recipients - done) if row.status != rules.RESOLVING else 0,
        submitted=row.n_submitted,
        delivered=row.n_delivered,
        failed=row.n_failed,
        cancelled=row.n_cancelled,
    )


def add_counts(tenant: str, moves: dict[str, dict[str, int]]) -> None:
    """moves: send id -> {counter: change}, the messages' moves since the last call (the sender's tally)."""
    for send_id, changes in moves.items():
        changes = {f"inc__{k}": v for k, v in changes.items() if v}
        if changes and ObjectId.is_valid(send_id):
            Send.in_tenant(tenant).filter(id=ObjectId(send_id)).update_one(**changes)


def shown_status(row: Send, c: Counts) -> str:
    return rules.DONE if row.status == rules.QUEUED and c.queued == 0 else row.status


def messages_of(send_id: str, status: str, page_size: int, cursor: str) -> tuple[list[Message], str]:
    row = get(send_id)
    if status and status not in rules.MESSAGE_STATUSES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_status_unknown", "status")
    query = Message.in_tenant(row.tenant).filter(send_id=send_id)
    return paging.page(query, page_size, cursor, keep=(lambda m: m.status == status) if status else None)
