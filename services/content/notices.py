"""Notices (通知公告) with read receipts per org, reminders, and content's copy of who holds which role.

Publication fixes the recipients from content's mirror: everyone whose home org lies in a target's
subtree (mirror.Person.org_path), or, for a notice to roles, the holders of those roles in orgs of a
target's subtree (RoleHolder below, content's own copy of orgs' role_assigned / role_removed). Each
recipient gets one receipt, each org of the audience one counter of recipients and readers.

Publishing scales with the audience (rules in domain/notices.py):
- at most INLINE_MAX recipients: the call writes the receipts (plain batches of RECEIPT_BATCH), then the
  notice, its counters and notice_published in one small transaction, and its readers see it at once;
- more: the call stores the notice PUBLISHING with the internal notice_publishing event and answers.
  Content's worker (deliver) then walks the audience in a fixed order — target by target, org by org
  of its subtree, by account id — DELIVERY_BATCH recipients at a time: their notifications
  (idempotent), then one transaction with their receipts, their counts and the notice's progress (the
  position reached), conditional on the position it started from, so a redelivered or resumed batch
  writes nothing twice. Rounds last ROUND_SECONDS; a round's last batch emits the next round's event in
  its transaction. The last batch marks the notice PUBLISHED and emits notice_published. Recipients see
  it as their batch lands; someone who joins the audience before the walk reaches their place receives
  it too.

Reading: a recipient marks the notice read once (a conditional update, so a second mark changes
nothing); the same transaction adds one to the `read` counter of every org on the recipient's path
below the target (one update_many). Who has read and who hasn't is then a counter read per org and a
paged, indexed list of receipts per org.

Who sees receipts: the author, anyone who may publish notices on the sending org (its committee and the
officers above), and, for the part of the audience in their own subtree, the officers of a target org.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import time
from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne

from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, cache, events, mirror, notifications, recent
from services.content.domain import inputs
from services.content.domain import notices as rules
from services.content.domain.visibility import ORG, Audience, audience_keys

PUBLISH = "notice.publish"
NOTICES_HEAD = 60  # a reader's newest notices kept in the cache (three pages of 20; services/content/cache.py)


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
    recipient_count = me.IntField(default=0)  # so far, while publishing
    published_at = me.DateTimeField(required=True)
    remind_after = me.DateTimeField(required=True)  # the next reminder may be sent from then on
    state = me.StringField(default=rules.PUBLISHED, choices=(rules.PUBLISHING, rules.PUBLISHED))
    # Publishing in the background (module docstring): the next recipient is the first after cursor_account
    # in org cursor_org of target number cursor_target; `round` is the notice_publishing event that owns it.
    cursor_target = me.IntField(default=0)
    cursor_org = me.StringField(default="")
    cursor_account = me.StringField(default="")
    round = me.IntField(default=0)

    meta = {"collection": "notices", "indexes": [("tenant", "org_id", "-published_at")]}


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
            ("tenant", "account_id", "-published_at"),
            # a reader's notices in the home timeline, by notice id: a string range of ids is a time
            # range (ObjectId hex strings sort like the ids), and the id is the key timelines merge on
            ("tenant", "account_id", "notice_id"),
        ],
    }


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
            ("tenant", "org_id", "role", "account_id"),  # by org; a notice to roles walks it org by org
        ],
    }


DOCUMENTS = (Notice, NoticeReceipt, NoticeCount, RoleHolder)


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
    notice = _notice(notice_id)
    receipt = _receipt(notice, access.actor().account_id)
    if receipt is None and not _tracks_all(notice):
        if not any(access.may(PUBLISH, t) for t in notice.target_org_ids):
            raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id")
    return notice, receipt


# -- publishing ----------------------------------------------------------------------------------------


Position = tuple[int, str, str]  # (target number, org id within it, the last account id written there)
_PEOPLE_FIELDS = {"account_id": 1, "org_id": 1, "org_path": 1, "_id": 0}


def _subtree_orgs(tenant: str, target: str) -> list[str]:
    """The orgs of a target's subtree (itself included), in the order a delivery walks them."""
    rows = mirror.OrgNode._get_collection().find({"tenant": tenant, "path": target}, {"org_id": 1, "_id": 0})
    return sorted({row["org_id"] for row in rows} | {target})


def _recipients_page(
    tenant: str, targets: list[str], roles: list[str], position: Position, limit: int, orgs_of
) -> tuple[list[Recipient], Position | None]:
    """Up to `limit` recipients after position, and the position after them (None: there are no more).
    The walk goes target by target, org by org of its subtree (orgs_of(target), sorted), and by account id
    within an org: one indexed range an org, in index order (org_path is an array, so a walk of the whole
    subtree by account id would sort every member in memory for each page). Everyone whose home org is
    there, or the holders of roles there; once each within a target (targets are disjoint subtrees, but one
    person may hold roles in two: the caller drops receipts already written)."""
    index, org, after = position
    found: dict[str, Recipient] = {}
    while index < len(targets) and len(found) < limit:
        target = targets[index]
        orgs = orgs_of(target)
        k = bisect.bisect_left(orgs, org) if org else 0
        while k < len(orgs) and len(found) < limit:
            wanted = limit - len(found)
            rows = _org_rows(tenant, orgs[k], roles, after, wanted)
            for row in rows:
                if row["account_id"] not in found:
                    path = rules.path_below(row["org_path"], [target])
                    found[row["account_id"]] = Recipient(row["account_id"], row["org_id"], path)
            if len(rows) < wanted:
                k, after = k + 1, ""
            else:
                after = rows[-1]["account_id"]
        if k >= len(orgs):
            index, org, after = index + 1, "", ""
        else:
            org = orgs[k]
    return list(found.values()), ((index, org, after) if index < len(targets) else None)


def _org_rows(tenant: str, org_id: str, roles: list[str], after: str, limit: int) -> list[dict]:
    """The next `limit` people (or role holders) of one org after account id `after`, by account id."""
    if roles:  # a handful an org; SecantusDB plans no $in with a range, so the range is applied here
        query = {"tenant": tenant, "org_id": org_id, "role": {"$in": roles}}
        rows = sorted(RoleHolder._get_collection().find(query, _PEOPLE_FIELDS), key=lambda r: r["account_id"])
        return [r for r in rows if r["account_id"] > after][:limit]
    query = {"tenant": tenant, "org_id": org_id}
    if after:
        query["account_id"] = {"$gt": after}
    return list(mirror.Person._get_collection().find(query, _PEOPLE_FIELDS).sort("account_id", 1).limit(limit))


def _first_recipients(tenant: str, targets: list[str], roles: list[str]) -> tuple[list[Recipient], bool]:
    """The recipients, if at most INLINE_MAX (True); else (some of them, False). One indexed query a target,
    stopping at INLINE_MAX + 1 (unordered: a sorted read of a big subtree sorts all of it)."""
    seen: dict[str, Recipient] = {}
    source = RoleHolder if roles else mirror.Person
    for target in targets:
        query: dict = {"tenant": tenant, "org_path": target}
        if roles:
            query["role"] = {"$in": roles}
        rows = source._get_collection().find(query, _PEOPLE_FIELDS).limit(rules.INLINE_MAX + 1 - len(seen))
        for row in rows:
            if row["account_id"] not in seen:
                seen[row["account_id"]] = Recipient(
                    row["account_id"], row["org_id"], rules.path_below(row["org_path"], [target])
                )
        if len(seen) > rules.INLINE_MAX:
            return list(seen.values()), False
    return list(seen.values()), True


def publish(
    org_id: str, title: str, body: str, attachment_ids: list[str], target_org_ids: list[str], roles: list[str]
) -> Notice:
    """Publish to at most INLINE_MAX recipients at once, or start publishing to more in the background
    (the notice is returned PUBLISHING, recipient_count 0); see the module docstring."""
    tenant, who = access.tenant(), access.actor().account_id
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(PUBLISH, org_id)
    title, body = rules.title(title), rules.body(body)
    attachments = inputs.media_ids(attachment_ids, "attachment_ids")
    roles = rules.roles(roles)
    wanted = inputs.ids(target_org_ids, "target_org_ids", rules.TARGETS_MAX) or [org_id]
    targets = rules.targets(org_id, {t: access.org_path(t, "target_org_ids") for t in wanted})
    recipients, inline = _first_recipients(tenant, targets, roles)
    if not recipients:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "notice_no_recipients", "target_org_ids")
    now = now_ms()
    # A notice to roles is shown in search and feeds to its author only: the org keys would show it to
    # everyone in the targets, and no key names "the secretaries of X".
    audience = sorted({key for t in targets for key in audience_keys(Audience(who, ORG, t))})
    if roles:
        audience = [key for key in audience if key.startswith("author:")]
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
        recipient_count=len(recipients) if inline else 0,
        published_at=now,
        remind_after=now,
        state=rules.PUBLISHED if inline else rules.PUBLISHING,
    )
    if not inline:

        def start(uow: UnitOfWork) -> Notice:
            uow.insert(notice)
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHING, {"notice_id": str(notice.id), "round": 0}, who)
            return notice

        return atomically(tenant, start)
    return _publish_inline(tenant, notice, recipients)


def _publish_inline(tenant: str, notice: Notice, recipients: list[Recipient]) -> Notice:
    # The receipts go in first, in batches of their own (a transaction of thousands of rows would stall
    # the database: README "Notices"); the notice, its counts and its event then commit together, so no
    # reader sees the notice before all its receipts. A failure in between leaves receipts of a notice
    # that never existed: removed here, and ignored by every read (they join to their notice) if not.
    notice.id = ObjectId()
    notice_id = str(notice.id)
    receipts = _receipt_rows(tenant, notice_id, notice.published_at, recipients)
    NoticeReceipt._from_son(receipts[0]).validate()
    for start in range(0, len(receipts), rules.RECEIPT_BATCH):
        batch = receipts[start : start + rules.RECEIPT_BATCH]
        NoticeReceipt._get_collection().insert_many(batch)
        cache.forget_notice_lists(tenant, [r["account_id"] for r in batch])
    counts, parents = rules.counts_by_org(r.path for r in recipients)

    def write(uow: UnitOfWork) -> Notice:
        uow.insert(notice)
        tallies = [
            {
                "_id": ObjectId(),
                "tenant": tenant,
                "notice_id": notice_id,
                "org_id": org,
                "parent_id": parents[org],
                "recipients": n,
                "read": 0,
            }
            for org, n in counts.items()
        ]
        for start in range(0, len(tallies), rules.RECEIPT_BATCH):
            uow.insert_rows(NoticeCount, tallies[start : start + rules.RECEIPT_BATCH])
        uow.emit(events.SOURCE, events.NOTICE_PUBLISHED, _published(notice, len(recipients)), notice.author_id)
        return notice

    try:
        return atomically(tenant, write)
    except Exception:
        NoticeReceipt._get_collection().delete_many({"tenant": tenant, "notice_id": notice_id})
        raise


def _receipt_rows(tenant: str, notice_id: str, published_at: dt.datetime, recipients: list[Recipient]) -> list[dict]:
    return [
        {
            "_id": ObjectId(),
            "tenant": tenant,
            "notice_id": notice_id,
            "account_id": r.account_id,
            "org_id": r.org_id,
            "org_path": r.path,
            "read": False,
            "published_at": published_at,
        }
        for r in recipients
    ]


def _published(notice: Notice, recipient_count: int, delivered: bool = False) -> dict:
    """notice_published's data (events.py)."""
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
        "delivered": delivered,
    }


# -- publishing to many (the worker) ---------------------------------------------------------------------


class _Superseded(Exception):
    """Another delivery of the notice moved its progress first (a redelivery, an older round): stop."""


def deliver(tenant: str, notice_id: str, round_no: int) -> int:
    """notice_publishing: write the next batches of a publishing notice for up to ROUND_SECONDS, then hand
    over to the next round (or publish it after the last batch). Returns the receipts written. Resumable
    and idempotent: each batch starts from the position stored by the last one and moves it conditionally."""
    try:
        oid = ObjectId(notice_id)
    except (InvalidId, TypeError):
        return 0
    notice = Notice.in_tenant(tenant).filter(id=oid).first()
    if notice is None or notice.state != rules.PUBLISHING or notice.round != round_no:
        return 0  # published already, or a later round owns the delivery
    started, written = time.monotonic(), 0
    targets, roles = list(notice.target_org_ids), list(notice.roles)
    position: Position = (notice.cursor_target, notice.cursor_org, notice.cursor_account)
    orgs_of = functools.cache(lambda target: _subtree_orgs(tenant, target))  # read once a round
    while True:
        batch, after = _recipients_page(tenant, targets, roles, position, rules.DELIVERY_BATCH, orgs_of)
        if roles and len(targets) > 1:
            batch = _without_receipts(tenant, notice_id, batch)
        notifications.deliver(
            tenant,
            notifications.notice_items(
                notice_id, notice.author_id, notice.title, notice.body, [r.account_id for r in batch]
            ),
        )
        done = after is None
        hand_over = not done and time.monotonic() - started >= rules.ROUND_SECONDS
        total = notice.recipient_count + written + len(batch)  # the position condition keeps it exact
        try:
            atomically(tenant, _batch_writer(notice, round_no, position, after, batch, hand_over, total))
        except _Superseded:
            return written
        cache.forget_notice_lists(tenant, [r.account_id for r in batch])
        written += len(batch)
        if done or hand_over:
            return written
        position = after


def _batch_writer(
    notice: Notice, round_no: int, position: Position, after: Position | None, batch, hand_over, total: int
):
    """One batch's transaction: the progress moved from `position` (or nothing: _Superseded), the receipts,
    the counts; the event of the next round, or notice_published (with `total` recipients) after the last."""
    nid, done = str(notice.id), after is None

    def write(uow: UnitOfWork) -> None:
        progress = {
            "cursor_target": after[0] if after else len(notice.target_org_ids),
            "cursor_org": after[1] if after else "",
            "cursor_account": after[2] if after else "",
            "state": rules.PUBLISHED if done else rules.PUBLISHING,
            "round": round_no + 1 if hand_over else round_no,
        }
        moved = uow.update_one(
            Notice,
            {
                "_id": notice.id,
                "state": rules.PUBLISHING,
                "round": round_no,
                "cursor_target": position[0],
                "cursor_org": position[1],
                "cursor_account": position[2],
            },
            {"$set": progress, "$inc": {"recipient_count": len(batch)}},
        )
        if not moved:
            raise _Superseded
        if batch:
            uow.insert_rows(NoticeReceipt, _receipt_rows(uow.tenant, nid, notice.published_at, batch))
            counts, parents = rules.counts_by_org(r.path for r in batch)
            NoticeCount._get_collection().bulk_write(
                [
                    UpdateOne(
                        {"tenant": uow.tenant, "notice_id": nid, "org_id": org},
                        {"$inc": {"recipients": n}, "$setOnInsert": {"parent_id": parents[org], "read": 0}},
                        upsert=True,
                    )
                    for org, n in counts.items()
                ],
                ordered=False,
                session=uow.session,
            )
        if hand_over:
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHING, {"notice_id": nid, "round": round_no + 1})
        if done:
            uow.emit(events.SOURCE, events.NOTICE_PUBLISHED, _published(notice, total, delivered=True))

    return write


def _without_receipts(tenant: str, notice_id: str, batch: list[Recipient]) -> list[Recipient]:
    """A notice to roles in several targets: drop those who got a receipt in an earlier target."""
    if not batch:
        return batch
    query = {"tenant": tenant, "notice_id": notice_id, "account_id": {"$in": [r.account_id for r in batch]}}
    have = {row["account_id"] for row in NoticeReceipt._get_collection().find(query, {"account_id": 1})}
    return [r for r in batch if r.account_id not in have]


# -- reading -------------------------------------------------------------------------------------------


def get(notice_id: str) -> tuple[Notice, NoticeReceipt | None]:
    """A notice for one of its recipients or those who track it; the caller's receipt if a recipient."""
    return _readable(notice_id)


def mark_read(notice_id: str) -> NoticeReceipt:
    """Idempotent: the first mark counts, later ones change nothing."""
    notice = _notice(notice_id)
    receipt = _receipt(notice, access.actor().account_id)
    if receipt is None:
        raise DomainError(ErrorCode.NOT_FOUND, "notice_not_found", "notice_id")
    if receipt.read:
        return receipt
    now = now_ms()

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(NoticeReceipt, {"_id": receipt.id, "read": False}, {"$set": {"read": True, "read_at": now}}):
            uow.update_many(
                NoticeCount,
                {"notice_id": str(notice.id), "org_id": {"$in": list(receipt.org_path)}},
                {"$inc": {"read": 1}},
            )

    atomically(access.tenant(), write)
    cache.forget_notice_lists(access.tenant(), [receipt.account_id])
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
    if notice.state == rules.PUBLISHING:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "notice_still_publishing", "notice_id")
    now = now_ms()
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
    """The notices addressed to the caller, newest first, each with the caller's receipt."""
    query = NoticeReceipt.in_tenant(access.tenant()).filter(account_id=access.actor().account_id)
    receipts, next_cursor = recent.page(query, "published_at", page_size, cursor)
    by_id = _notices_by_id(access.tenant(), [r.notice_id for r in receipts])
    return [(r, by_id[r.notice_id]) for r in receipts if r.notice_id in by_id], next_cursor


def _notices_by_id(tenant: str, notice_ids: list[str]) -> dict[str, Notice]:
    oids = [ObjectId(n) for n in notice_ids]
    return {str(n.id): n for n in Notice.in_tenant(tenant).filter(id__in=oids).exclude("body")}


def home_source(tenant: str, account_id: str, hi: ObjectId | None, need: int) -> list[NoticeEntry]:
    """The home timeline's notices ("my orgs' notices", timelines.notices_source): the newest `need`
    addressed to account_id below hi, newest first. A notice is published when it is created, so its id
    orders it among posts. The reader's newest NOTICES_HEAD receipts and what timelines show of each notice
    are kept in the cache; below them, one indexed range of receipts."""
    head = cache.notice_list(tenant, account_id, lambda: _notice_head(tenant, account_id))
    below = [(n, read) for n, read in head["ids"] if hi is None or n < str(hi)][:need]
    if len(below) < need and not head["complete"]:
        below = _receipts_below(tenant, account_id, hi, need)
    shown = cache.notices(tenant, [n for n, _ in below], lambda ids: _summaries(tenant, ids))
    return [
        NoticeEntry(n, s["org_id"], s["author_id"], s["title"], _when(s["published_at"]), read, s["attachments"])
        for n, read in below
        if (s := shown.get(n)) is not None  # receipts of a notice whose publishing failed: never shown
    ]


def _receipts_below(tenant: str, account_id: str, hi: ObjectId | None, limit: int) -> list[tuple[str, bool]]:
    query = {"tenant": tenant, "account_id": account_id}
    if hi is not None:
        query["notice_id"] = {"$lt": str(hi)}
    rows = NoticeReceipt._get_collection().find(query, {"notice_id": 1, "read": 1}).sort("notice_id", -1)
    return [(r["notice_id"], bool(r.get("read"))) for r in rows.limit(limit)]


def _notice_head(tenant: str, account_id: str) -> dict:
    listed = _receipts_below(tenant, account_id, None, NOTICES_HEAD)
    return {"ids": [list(x) for x in listed], "complete": len(listed) < NOTICES_HEAD}


def _summaries(tenant: str, notice_ids: list[str]) -> dict[str, dict]:
    return {
        notice_id: {
            "org_id": n.org_id,
            "author_id": n.author_id,
            "title": n.title,
            "published_at": n.published_at.isoformat(),
            "attachments": len(n.attachment_ids),
        }
        for notice_id, n in _notices_by_id(tenant, notice_ids).items()
    }


def _when(iso: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def receipt_holders(tenant: str, notice_id: str, after: str, limit: int) -> list[str]:
    """The notice's recipients with an account id after `after`, by account id (its unique index)."""
    query = {"tenant": tenant, "notice_id": notice_id, "account_id": {"$gt": after}}
    rows = NoticeReceipt._get_collection().find(query, {"account_id": 1, "_id": 0}).sort("account_id", 1)
    return [row["account_id"] for row in rows.limit(limit)]


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
