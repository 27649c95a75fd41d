"""Notices (通知公告) with read receipts per org, reminders, and content's copy of who holds which role.

Recipients are fixed at publication from content's mirror: everyone whose home org lies in a target's
subtree (mirror.Person.org_path), or, for a notice to roles, the holders of those roles in orgs of a
target's subtree (RoleHolder below, content's own copy of orgs' role_assigned / role_removed). Each
recipient gets one receipt, and each org of the audience one counter of recipients and readers.

Publishing scales with the audience (rules in domain/notices.py):
- at most INLINE_MAX recipients: the call writes the notice, its receipts and counters and
  notice_published in one transaction, and its readers see it at once;
- more: the call counts the recipients (one indexed count a target), stores the notice "publishing" with
  its audience definition (targets, roles) and the internal notice_publishing event, and answers. The
  worker (deliver) takes a snapshot of the recipients, stored as NoticeBatch documents, then writes one
  batch of receipts and its counts per transaction, each with the notice's progress (next_batch,
  written) and conditional on it: a redelivered or resumed batch finds its number taken and writes
  nothing (the unique receipt index guards the rest). The last batch flips the notice to published and
  emits notice_published in its transaction. A round of batches lasts ROUND_SECONDS; its last batch
  hands over to a fresh notice_publishing event (round + 1), so no handler outlives its inbox lease and
  an old round's redelivery finds itself superseded. Until published, only those who track the notice
  see it (with its progress); its recipients do not.

Reading: a recipient marks the notice read once (a conditional update, so a second mark changes
nothing); the same transaction adds one to the `read` counter of every org on the recipient's path
below the target (one update_many). Who has read and who hasn't is then a counter read per org and a
paged, indexed list of receipts per org. A reader's notices are ordered by notice id (its creation):
"my notices" and the home timeline's notices source (home_source) read them by that key.

Who sees receipts: the author, anyone who may publish notices on the sending org (its committee and the
officers above), and, for the part of the audience in their own subtree, the officers of a target org.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne

from kernel.errors import DomainError, ErrorCode
from kernel.paging import DEFAULT_PAGE, MAX_PAGE, page
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, mirror, recent, timelines
from services.content.domain import inputs
from services.content.domain import notices as rules
from services.content.domain.visibility import ORG, Audience, audience_keys

PUBLISH = "notice.publish"


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# -- documents -----------------------------------------------------------------------------------------


class Notice(TenantDocument):
    org_id = me.StringField(required=True)  # the sending org
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    body = me.StringField(required=True)
    attachment_ids = me.ListField(me.StringField())
    target_org_ids = me.ListField(me.StringField())  # disjoint subtrees
    roles = me.ListField(me.StringField())  # empty: everyone in the targets
    audience = me.ListField(me.StringField())
    recipient_count = me.IntField(default=0)  # expected while publishing, exact once planned
    published_at = me.DateTimeField(required=True)  # when it was sent (receipts follow in the background)
    remind_after = me.DateTimeField(required=True)  # the next reminder may be sent from then on
    # Delivery (module docstring): published, or publishing with the worker's progress.
    state = me.StringField(default=rules.PUBLISHED, choices=(rules.PUBLISHING, rules.PUBLISHED))
    written = me.IntField(default=0)  # receipts written so far
    planned = me.BooleanField(default=False)  # the recipients' snapshot (NoticeBatch) is taken
    batches = me.IntField(default=0)  # how many batches the snapshot holds
    next_batch = me.IntField(default=0)  # the next batch to write
    round = me.IntField(default=0)  # the notice_publishing event that owns the delivery

    meta = {"collection": "notices", "indexes": [("tenant", "org_id", "-published_at")]}

    @property
    def recipients_written(self) -> int:
        return self.recipient_count if self.state == rules.PUBLISHED else self.written


class NoticeReceipt(TenantDocument):
    """One recipient of one notice: fixed at publication, read once."""

    notice_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    org_id = me.StringField(required=True)  # the recipient's org at publication
    org_path = me.ListField(me.StringField())  # from the target org down to org_id
    read = me.BooleanField(default=False)
    read_at = me.DateTimeField()
    published_at = me.DateTimeField(required=True)

    meta = {
        "collection": "notice_receipts",
        "indexes": [
            {"fields": ["tenant", "notice_id", "account_id"], "unique": True},
            ("tenant", "notice_id", "org_path", "read", "id"),
            # a reader's notices, newest first, by notice id: a string range on it is a time range
            # (ObjectId hex strings sort like the ids), the key the home timeline merges on
            ("tenant", "account_id", "notice_id"),
        ],
    }


class NoticeBatch(TenantDocument):
    """Part of a publishing notice's recipients (the snapshot the worker takes when delivery starts),
    written as receipts in its own transaction and deleted with it."""

    notice_id = me.StringField(required=True)
    seq = me.IntField(required=True)
    rows = me.ListField(me.ListField())  # [account_id, org_id, path from the target down]

    meta = {"collection": "notice_batches", "indexes": [{"fields": ["tenant", "notice_id", "seq"], "unique": True}]}


class NoticeCount(TenantDocument):
    """Recipients and readers of one notice within one org's subtree (the part of it in the audience)."""

    notice_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    parent_id = me.StringField(default="")  # "" for a target org
    recipients = me.IntField(default=0)
    read = me.IntField(default=0)

    meta = {
        "collection": "notice_counts",
        "indexes": [
            {"fields": ["tenant", "notice_id", "org_id"], "unique": True},
            ("tenant", "notice_id", "parent_id", "id"),
        ],
    }


class RoleHolder(TenantDocument):
    """content's copy of a role held in an org (orgs' role_assigned / role_removed), for notices to roles."""

    account_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    role = me.StringField(required=True)
    org_path = me.ListField(me.StringField())

    meta = {
        "collection": "role_holders",
        "indexes": [
            {"fields": ["tenant", "account_id", "org_id", "role"], "unique": True},
            ("tenant", "org_path", "role", "account_id"),
            ("tenant", "org_id"),
        ],
    }


DOCUMENTS = (Notice, NoticeReceipt, NoticeCount, NoticeBatch, RoleHolder)


@dataclass(frozen=True)
class Recipient:
    account_id: str
    org_id: str
    path: list[str]  # from the target org down


@dataclass(frozen=True)
class NoticeEntry:
    """A notice as a reader's home timeline shows it (home_source)."""

    notice_id: str
    org_id: str
    author_id: str
    title: str
    published_at: dt.datetime
    read: bool
    attachment_count: int = 0


# -- lookups and rights --------------------------------------------------------------------------------


def _notice(notice_id: str) -> Notice:
    try:
        oid = ObjectId(notice_id)
    except (InvalidId, TypeError):
        raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id") from None
    notice = Notice.in_tenant(access.tenant()).filter(id=oid).first()
    if notice is None:
        raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id")
    return notice


def _receipt(notice: Notice, account_id: str) -> NoticeReceipt | None:
    return NoticeReceipt.in_tenant(access.tenant()).filter(notice_id=str(notice.id), account_id=account_id).first()


def _tracks_all(notice: Notice) -> bool:
    """The author, the sending org's committee and the officers above it see every receipt."""
    return notice.author_id == access.actor().account_id or access.may(PUBLISH, notice.org_id)


def _tracks_org(notice: Notice, org_id: str) -> bool:
    """…and the officers of an org of the audience see its part (the org must be in the audience)."""
    if _tracks_all(notice):
        return True
    path = access.org_path(org_id)
    return bool(rules.path_below(path, notice.target_org_ids)) and access.may(PUBLISH, org_id)


def _readable(notice_id: str) -> tuple[Notice, NoticeReceipt | None]:
    """A published notice for its recipients; any notice for those who track it (with its progress)."""
    notice = _notice(notice_id)
    receipt = _receipt(notice, access.actor().account_id) if notice.state == rules.PUBLISHED else None
    if receipt is None and not _tracks_all(notice):
        if notice.state != rules.PUBLISHED or not any(access.may(PUBLISH, t) for t in notice.target_org_ids):
            raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id")
    return notice, receipt


# -- publishing ----------------------------------------------------------------------------------------


class _Superseded(Exception):
    """Another delivery of the same notice got there first (a redelivery, an older round): stop quietly."""


def _recipients(tenant: str, targets: list[str], roles: list[str]) -> list[Recipient]:
    """Everyone (or the holders of roles) in the targets' subtrees, once each: one indexed query a target,
    read as plain rows (a mongoengine document each would cost ~0.25 ms of CPU apiece)."""
    seen: dict[str, Recipient] = {}
    for target in targets:
        if roles:
            rows = RoleHolder._get_collection().find(
                {"tenant": tenant, "org_path": target, "role": {"$in": roles}},
                {"account_id": 1, "org_id": 1, "org_path": 1, "_id": 0},
            )
        else:
            rows = mirror.Person._get_collection().find(
                {"tenant": tenant, "org_path": target}, {"account_id": 1, "org_id": 1, "org_path": 1, "_id": 0}
            )
        for row in rows:
            if row["account_id"] not in seen:
                path = rules.path_below(row["org_path"], [target])
                seen[row["account_id"]] = Recipient(row["account_id"], row["org_id"], path)
    return list(seen.values())


def _expected(tenant: str, targets: list[str], roles: list[str]) -> tuple[int, list[Recipient] | None]:
    """How many recipients, and who they are when that is cheap to know: role holders are a few an org,
    read outright; a count of everyone reads only index entries (targets are disjoint subtrees, so the
    counts add up), and the people are read only when few enough to publish inline."""
    if roles:
        recipients = _recipients(tenant, targets, roles)
        return len(recipients), recipients
    people = mirror.Person._get_collection()
    expected = sum(people.count_documents({"tenant": tenant, "org_path": t}) for t in targets)
    if expected <= rules.INLINE_MAX:
        recipients = _recipients(tenant, targets, roles)
        return len(recipients), recipients
    return expected, None


def _write_receipts(uow: UnitOfWork, notice_id: str, published_at: dt.datetime, recipients: list[Recipient]) -> None:
    """One batch: its receipts (one insert) and its recipients added to the counter of each org on their
    paths (one bulk upsert), so the counters always hold what the receipts written hold."""
    uow.insert_rows(
        NoticeReceipt,
        [
            {
                "_id": ObjectId(),
                "tenant": uow.tenant,
                "notice_id": notice_id,
                "account_id": r.account_id,
                "org_id": r.org_id,
                "org_path": r.path,
                "read": False,
                "published_at": published_at,
            }
            for r in recipients
        ],
    )
    counts, parents = rules.counts_by_org(r.path for r in recipients)
    if counts:
        NoticeCount._get_collection().bulk_write(
            [
                UpdateOne(
                    {"tenant": uow.tenant, "notice_id": notice_id, "org_id": org},
                    {"$inc": {"recipients": n}, "$setOnInsert": {"parent_id": parents[org], "read": 0}},
                    upsert=True,
                )
                for org, n in counts.items()
            ],
            ordered=False,
            session=uow.session,
        )


def _published_event(notice: Notice, recipient_count: int) -> dict:
    return {
        "notice_id": str(notice.id),
        "org_id": notice.org_id,
        "author_id": notice.author_id,
        "title": notice.title,
        "text": notice.body,
        "audience": list(notice.audience),
        "recipient_count": recipient_count,
        "target_org_ids": list(notice.target_org_ids),
        "roles": list(notice.roles),
    }


def publish(
    org_id: str, title: str, body: str, attachment_ids: list[str], target_org_ids: list[str], roles: list[str]
) -> Notice:
    """Publish inline (few recipients) or start publishing in the background (state "publishing",
    recipient_count the expected number); see the module docstring."""
    tenant, who = access.tenant(), access.actor().account_id
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(PUBLISH, org_id)
    title, body = rules.title(title), rules.body(body)
    attachments = inputs.media_ids(attachment_ids, "attachment_ids")
    roles = rules.roles(roles)
    wanted = inputs.ids(target_org_ids, "target_org_ids", rules.TARGETS_MAX) or [org_id]
    targets = rules.targets(org_id, {t: access.org_path(t, "target_org_ids") for t in wanted})
    expected, recipients = _expected(tenant, targets, roles)
    if not expected:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "notice_no_recipients", "target_org_ids")
    now = _now()
    # A notice to roles is shown in search and feeds to its author only: the org keys would show it to
    # everyone in the targets, and no key names "the secretaries of X".
    audience = sorted({key for t in targets for key in audience_keys(Audience(who, ORG, t))})
    if roles:
        audience = [key for key in audience if key.startswith("author:")]
    inline = recipients is not None and len(recipients) <= rules.INLINE_MAX
    notice = Notice(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=title,
        body=body,
        attachment_ids=attachments,
        target_org_ids=targets,
        roles=roles,
        audience=audience,
        recipient_count=expected,
        published_at=now,
        remind_after=now,
        state=rules.PUBLISHED if inline else rules.PUBLISHING,
        written=expected if inline else 0,
        planned=inline,
    )

    def write(uow: UnitOfWork) -> Notice:
        uow.insert(notice)
        if inline:
            _write_receipts(uow, str(notice.id), now, recipients)
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHED, _published_event(notice, expected), who)
        else:
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHING, {"notice_id": str(notice.id), "round": 0}, who)
        return notice

    return atomically(tenant, write)


# -- delivering a big notice (the worker) ----------------------------------------------------------------


def deliver(tenant: str, notice_id: str, round_no: int) -> None:
    """notice_publishing: write the notice's receipts batch by batch, each batch its own transaction, for
    up to ROUND_SECONDS, then hand over to the next round's event (or publish after the last batch).
    Resumable and idempotent: it continues from the progress stored with the last batch written."""
    notice = Notice.in_tenant(tenant).filter(id=ObjectId(notice_id)).first()
    if notice is None or notice.state != rules.PUBLISHING or notice.round != round_no:
        return  # published already, or a later round owns the delivery
    started = time.monotonic()
    try:
        if not notice.planned:
            notice = _plan(tenant, notice)
        while notice.state == rules.PUBLISHING:
            last = notice.next_batch + 1 >= notice.batches
            hand_over = rules.hand_over(time.monotonic() - started, last)
            notice = _write_batch(tenant, notice, last, hand_over)
            if hand_over:
                return
    except _Superseded:
        return


def _plan(tenant: str, notice: Notice) -> Notice:
    """Take the snapshot of the recipients (sorted, in batches) in one transaction with the exact count;
    nobody left in the audience publishes the notice to nobody."""
    recipients = _recipients(tenant, list(notice.target_org_ids), list(notice.roles))
    recipients.sort(key=lambda r: r.account_id)
    batches = rules.chunks(recipients, rules.RECEIPT_BATCH)
    nid = str(notice.id)

    def write(uow: UnitOfWork) -> None:
        changes = {"planned": True, "batches": len(batches), "recipient_count": len(recipients)}
        if not batches:
            changes["state"] = rules.PUBLISHED
        if not uow.update_one(
            Notice, {"_id": notice.id, "state": rules.PUBLISHING, "planned": False}, {"$set": changes}
        ):
            raise _Superseded
        docs = [
            {
                "_id": ObjectId(),
                "tenant": tenant,
                "notice_id": nid,
                "seq": seq,
                "rows": [[r.account_id, r.org_id, r.path] for r in batch],
            }
            for seq, batch in enumerate(batches)
        ]
        for chunk in rules.chunks(docs, 20):  # ~60 KB a batch: a few MB an insert
            uow.insert_rows(NoticeBatch, chunk)
        if not batches:
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHED, _published_event(notice, 0), notice.author_id)

    atomically(tenant, write)
    notice.planned, notice.batches, notice.recipient_count = True, len(batches), len(recipients)
    if not batches:
        notice.state = rules.PUBLISHED
    return notice


def _write_batch(tenant: str, notice: Notice, last: bool, hand_over: bool) -> Notice:
    """Write batch notice.next_batch: claimed by a conditional update of the progress in its transaction."""
    seq, nid = notice.next_batch, str(notice.id)
    batch = NoticeBatch._get_collection().find_one({"tenant": tenant, "notice_id": nid, "seq": seq}, {"rows": 1})
    if batch is None:
        raise _Superseded  # written and deleted by another delivery since the notice was read
    recipients = [Recipient(a, o, list(path)) for a, o, path in batch["rows"]]
    update: dict = {"$inc": {"next_batch": 1, "written": len(recipients)}}
    if last:
        update["$set"] = {"state": rules.PUBLISHED}
    elif hand_over:
        update["$set"] = {"round": notice.round + 1}

    def write(uow: UnitOfWork) -> None:
        claim = {"_id": notice.id, "state": rules.PUBLISHING, "round": notice.round, "next_batch": seq}
        if not uow.update_one(Notice, claim, update):
            raise _Superseded
        _write_receipts(uow, nid, notice.published_at, recipients)
        NoticeBatch._get_collection().delete_one({"tenant": tenant, "_id": batch["_id"]}, session=uow.session)
        if last:
            uow.emit(
                events.SOURCE,
                events.NOTICE_PUBLISHED,
                _published_event(notice, notice.recipient_count),
                notice.author_id,
            )
        elif hand_over:
            next_round = {"notice_id": nid, "round": notice.round + 1}
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHING, next_round, notice.author_id)

    atomically(tenant, write)
    notice.next_batch, notice.written = seq + 1, notice.written + len(recipients)
    if last:
        notice.state = rules.PUBLISHED
    elif hand_over:
        notice.round += 1
    return notice


# -- reading -------------------------------------------------------------------------------------------


def get(notice_id: str) -> tuple[Notice, NoticeReceipt | None]:
    """A notice for one of its recipients or those who track it; the caller's receipt if a recipient."""
    return _readable(notice_id)


def mark_read(notice_id: str) -> NoticeReceipt:
    """Idempotent: the first mark counts, later ones change nothing."""
    notice = _notice(notice_id)
    receipt = _receipt(notice, access.actor().account_id) if notice.state == rules.PUBLISHED else None
    if receipt is None:
        raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id")
    if receipt.read:
        return receipt
    now = _now()

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(NoticeReceipt, {"_id": receipt.id, "read": False}, {"$set": {"read": True, "read_at": now}}):
            uow.update_many(
                NoticeCount,
                {"notice_id": str(notice.id), "org_id": {"$in": list(receipt.org_path)}},
                {"$inc": {"read": 1}},
            )

    atomically(access.tenant(), write)
    receipt.read, receipt.read_at = True, now
    return receipt


def receipt_counts(
    notice_id: str, org_id: str, page_size: int, cursor: str
) -> tuple[list[NoticeCount], list[NoticeCount], str]:
    """Recipients and readers: of the targets (org_id "") or of one org of the audience, and per org one
    level below it, paged (a district's hundreds of branches)."""
    notice = _notice(notice_id)
    tenant, nid = access.tenant(), str(notice.id)
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        if not _tracks_org(notice, org_id):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "notice_receipts_denied", "org_id")
        summary = list(NoticeCount.in_tenant(tenant).filter(notice_id=nid, org_id=org_id))
        if not summary:
            raise DomainError(ErrorCode.NOT_FOUND, "notice_org_outside", "org_id")
        below, next_cursor = page(
            NoticeCount.in_tenant(tenant).filter(notice_id=nid, parent_id=org_id), page_size, cursor
        )
        return summary, below, next_cursor
    if not _tracks_all(notice):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "notice_receipts_denied", "notice_id")
    targets, next_cursor = page(NoticeCount.in_tenant(tenant).filter(notice_id=nid, parent_id=""), page_size, cursor)
    return targets, [], next_cursor


def receipt_people(
    notice_id: str, org_id: str, read: bool, page_size: int, cursor: str
) -> tuple[list[NoticeReceipt], str]:
    """The recipients in one org's subtree who have (or have not) read the notice, paged."""
    notice = _notice(notice_id)
    org_id = inputs.one_id(org_id, "org_id")
    if not _tracks_org(notice, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "notice_receipts_denied", "org_id")
    query = NoticeReceipt.in_tenant(access.tenant()).filter(notice_id=str(notice.id), org_path=org_id, read=read)
    return page(query, page_size, cursor)


def remind(notice_id: str) -> int:
    """Ask the unread to read the notice (notice_reminder events, which sms will deliver): at most once an
    hour a notice. Returns how many people were reminded."""
    notice = _notice(notice_id)
    if not _tracks_all(notice):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "notice_receipts_denied", "notice_id")
    if notice.state != rules.PUBLISHED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "notice_still_publishing", "notice_id")
    now = _now()
    wait = rules.reminder_wait(notice.remind_after, now)
    if wait:
        raise DomainError(ErrorCode.RATE_LIMITED, "notice_remind_too_soon", "notice_id", retry_after=wait)
    tenant, nid = access.tenant(), str(notice.id)
    unread = [
        row["account_id"]
        for target in notice.target_org_ids
        for row in NoticeReceipt._get_collection().find(
            {"tenant": tenant, "notice_id": nid, "org_path": target, "read": False}, {"account_id": 1, "_id": 0}
        )
    ]
    if not unread:
        return 0

    def write(uow: UnitOfWork) -> None:
        # The condition makes two reminders sent at once count as one: the second matches nothing.
        claimed = uow.update_one(
            Notice,
            {"_id": notice.id, "remind_after": {"$lte": now}},
            {"$set": {"remind_after": now + rules.REMINDER_INTERVAL}},
        )
        if not claimed:
            raise DomainError(
                ErrorCode.RATE_LIMITED,
                "notice_remind_too_soon",
                "notice_id",
                retry_after=int(rules.REMINDER_INTERVAL.total_seconds()),
            )
        uow.emit_many(
            events.SOURCE,
            [
                (
                    events.NOTICE_REMINDER,
                    {"notice_id": nid, "org_id": notice.org_id, "title": notice.title, "account_ids": chunk},
                )
                for chunk in rules.chunks(unread, rules.REMINDER_CHUNK)
            ],
            access.actor().account_id,
        )

    atomically(tenant, write)
    return len(unread)


def list_sent(org_id: str, page_size: int, cursor: str) -> tuple[list[Notice], str]:
    """The notices an org sent, newest first (for those who may publish there)."""
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(PUBLISH, org_id)
    return recent.page(Notice.in_tenant(access.tenant()).filter(org_id=org_id), "published_at", page_size, cursor)


def list_mine(page_size: int, cursor: str) -> tuple[list[tuple[NoticeReceipt, Notice]], str]:
    """The published notices addressed to the caller, newest first, each with the caller's receipt; the
    cursor is the last notice's id."""
    size = page_size or DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    hi = None
    if cursor:
        try:
            hi = ObjectId(cursor)
        except (InvalidId, TypeError):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor") from None
    rows = received(access.tenant(), access.actor().account_id, None, hi, size + 1)
    next_cursor = str(rows[size - 1][1].id) if len(rows) > size else ""
    return rows[:size], next_cursor


def _notices_by_id(tenant: str, notice_ids: list[str]) -> dict[str, Notice]:
    oids = [ObjectId(n) for n in notice_ids]
    return {str(n.id): n for n in Notice.in_tenant(tenant).filter(id__in=oids).exclude("body")}


def received(
    tenant: str, account_id: str, lo: ObjectId | None, hi: ObjectId | None, need: int
) -> list[tuple[NoticeReceipt, Notice]]:
    """The newest `need` published notices addressed to account_id with ids in [lo, hi), newest first, each
    with its receipt: one indexed range of receipts (notice ids as strings sort like the ids), then their
    notices (one $in), read on below the last when some were still publishing."""
    found: list[tuple[NoticeReceipt, Notice]] = []
    while len(found) < need:
        want = need - len(found)
        query = NoticeReceipt.in_tenant(tenant).filter(account_id=account_id)
        if lo is not None:
            query = query.filter(notice_id__gte=str(lo))
        if hi is not None:
            query = query.filter(notice_id__lt=str(hi))
        receipts = list(query.order_by("-notice_id").limit(want))
        if not receipts:
            break
        by_id = _notices_by_id(tenant, [r.notice_id for r in receipts])
        found += [(r, n) for r in receipts if (n := by_id.get(r.notice_id)) is not None and n.state == rules.PUBLISHED]
        if len(receipts) < want:
            break
        hi = ObjectId(receipts[-1].notice_id)  # some were dropped: read on below the last, in the same range
    return found


def home_source(ctx: timelines.HomeContext, lo: ObjectId | None, hi: ObjectId | None, need: int) -> list:
    """The home timeline's notices (timelines.HOME_SOURCES): those addressed to the reader in the window,
    keyed by notice id (its creation) to merge with posts."""
    return [
        timelines.Item(
            notice.id,
            "notice",
            payload=NoticeEntry(
                str(notice.id),
                notice.org_id,
                notice.author_id,
                notice.title,
                notice.published_at,
                receipt.read,
                len(notice.attachment_ids),
            ),
        )
        for receipt, notice in received(ctx.tenant, ctx.reader.account_id, lo, hi, need)
    ]


# "My orgs' notices" in the home timeline: the notices source joins the microblog's.
timelines.HOME_SOURCES.append(home_source)


# -- the copy of roles (fed by orgs' events through worker.py) -------------------------------------------


def role_assigned(tenant: str, account_id: str, org_id: str, role: str) -> None:
    if role not in rules.ROLES:
        return  # "member": everyone's, so not copied
    path = mirror.org_path(tenant, org_id)  # MirrorLag: retried until the org is copied
    RoleHolder.in_tenant(tenant).filter(account_id=account_id, org_id=org_id, role=role).update_one(
        upsert=True, set__org_path=path
    )


def role_removed(tenant: str, account_id: str, org_id: str, role: str) -> None:
    RoleHolder.in_tenant(tenant).filter(account_id=account_id, org_id=org_id, role=role).delete()


def roles_moved(tenant: str, org_id: str, old_path: list[str], new_path: list[str]) -> None:
    """A moved subtree's role holders take the new paths (one update per org that holds roles)."""
    paths = {}
    for row in RoleHolder.in_tenant(tenant).filter(org_path=org_id).only("org_id", "org_path"):
        path = list(row.org_path)
        if path[: len(old_path)] == old_path:
            paths[row.org_id] = new_path + path[len(old_path) :]
    for holder_org, path in paths.items():
        RoleHolder.in_tenant(tenant).filter(org_id=holder_org).update(set__org_path=path)
