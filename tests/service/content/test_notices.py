"""Notices at scale, directly on content's database (a tenant of its own per test).

A notice to thousands is published in a few batched inserts, not one round trip per recipient; marking
read costs a fixed few; the home timeline's helper returns a reader's notices newest first.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from bson import ObjectId

from kernel import context
from kernel.errors import DomainError
from kernel.outbox import OutboxEvent
from services.content import notices, notifications
from services.content.domain import notices as rules

pytestmark = pytest.mark.service

BRANCHES = 25
PER_BRANCH = 60  # 1,500 recipients: two receipt batches


@pytest.fixture
def tenant(log):
    """A tenant of its own, with a general branch of BRANCHES branches of PER_BRANCH people each."""
    tenant = f"notices-{uuid.uuid4().hex[:8]}"
    from services.content import mirror

    orgs = [{"tenant": tenant, "org_id": "root", "name": "党委", "path": ["root"]}]
    orgs.append({"tenant": tenant, "org_id": "g", "name": "总支", "path": ["root", "g"]})
    people = []
    for b in range(BRANCHES):
        path = ["root", "g", f"b{b}"]
        orgs.append({"tenant": tenant, "org_id": f"b{b}", "name": f"支部{b}", "path": path})
        people += [
            {
                "tenant": tenant,
                "account_id": f"p{b}-{i}",
                "display_name": f"党员{b}-{i}",
                "org_id": f"b{b}",
                "org_path": path,
            }
            for i in range(PER_BRANCH)
        ]
    mirror.OrgNode._get_collection().insert_many(orgs)
    mirror.Person._get_collection().insert_many(people)
    return tenant


def _as(tenant: str, account_id: str, grants=()):
    actor = context.Actor(account_id=account_id, grants=tuple(grants))
    return context.bind(context.CallContext(tenant=tenant, actor=actor))


def test_a_notice_to_many_is_a_few_batched_inserts(tenant, log):
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        log.commands.clear()
        notice = notices.publish("g", "通知", "正文", [], [], [])
        inserts = [c for c in log.commands if c.startswith("insert")]
    finally:
        context.unbind(token)
    recipients = BRANCHES * PER_BRANCH
    assert notice.recipient_count == recipients
    batches = -(-recipients // rules.RECEIPT_BATCH)
    assert sorted(inserts) == sorted(
        ["insert notices", "insert notice_counts", "insert outbox"] + ["insert notice_receipts"] * batches
    ), inserts
    assert len(log.commands) <= len(inserts) + 6, log.commands  # the permission and mirror reads

    # a recipient marks it read: three round trips, however large the notice; twice counts once
    token = _as(tenant, "p3-7")
    try:
        log.commands.clear()
        notices.mark_read(str(notice.id))
        assert sorted(log.commands) == sorted(
            ["find notices", "find notice_receipts", "update notice_receipts", "update notice_counts"]
        ), log.commands
        notices.mark_read(str(notice.id))
    finally:
        context.unbind(token)
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        top, _, _ = notices.receipt_counts(str(notice.id), "", 0, "")
        assert [(c.org_id, c.recipients, c.read) for c in top] == [("g", recipients, 1)]
        summary, below, cursor = notices.receipt_counts(str(notice.id), "g", 10, "")
        assert len(below) == 10 and cursor
        assert {c.org_id: c.read for c in below}.get("b3", 0) in (0, 1)
        b3 = notices.receipt_counts(str(notice.id), "b3", 0, "")[0][0]
        assert (b3.recipients, b3.read) == (PER_BRANCH, 1)
        unread, _ = notices.receipt_people(str(notice.id), "b3", False, 200, "")
        assert len(unread) == PER_BRANCH - 1 and "p3-7" not in {r.account_id for r in unread}
    finally:
        context.unbind(token)


def test_the_home_timeline_gets_a_readers_notices_newest_first(tenant, log):
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        first = notices.publish("g", "第一", "正文", [], ["b1"], [])
        second = notices.publish("g", "第二", "正文", [], ["b1", "b2"], [])
        notices.publish("g", "别处", "正文", [], ["b2"], [])
    finally:
        context.unbind(token)
    entries = notices.home_source(tenant, "p1-0", None, 20)
    assert [e.notice_id for e in entries] == [str(second.id), str(first.id)]
    assert entries[0].title == "第二" and not entries[0].read and entries[0].org_id == "g"
    log.commands.clear()
    older = notices.home_source(tenant, "p1-0", ObjectId(entries[0].notice_id), 5)
    assert [e.notice_id for e in older] == [str(first.id)]
    assert sorted(log.commands) == ["find notice_receipts", "find notices"], log.commands  # no cache here
    assert notices.home_source(tenant, "p1-0", first.id, 20) == []


def test_roles_follow_orgs_events(tenant):
    notices.role_assigned(tenant, "p4-0", "b4", "secretary")
    notices.role_assigned(tenant, "p4-0", "b4", "secretary")
    notices.role_assigned(tenant, "p4-1", "b4", "member")  # everyone's: not copied
    assert notices.RoleHolder.in_tenant(tenant).count() == 1
    notices.roles_moved(tenant, "b4", ["root", "g", "b4"], ["root", "b4"])
    assert list(notices.RoleHolder.in_tenant(tenant).first().org_path) == ["root", "b4"]
    token = _as(tenant, "sec-root", [("secretary", "root")])
    try:
        notice = notices.publish("root", "书记会", "正文", [], [], ["secretary"])
        assert notice.recipient_count == 1
    finally:
        context.unbind(token)
    # The region's worker tells the role holder (the notice's audience names only its author).
    told = notifications.InboxEntry.in_tenant(tenant).filter(account_id="p4-0", ref_id=str(notice.id))
    deadline = time.monotonic() + 20
    while not told.count() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert told.count() == 1
    notices.role_removed(tenant, "p4-0", "b4", "secretary")
    assert notices.RoleHolder.in_tenant(tenant).count() == 0


def test_a_publication_that_fails_leaves_no_receipts(tenant, monkeypatch):
    def broken(tenant_, work):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(notices, "atomically", broken)
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        with pytest.raises(RuntimeError):
            notices.publish("g", "通知", "正文", [], ["b1"], [])
    finally:
        context.unbind(token)
    assert notices.NoticeReceipt.in_tenant(tenant).count() == 0
    assert notices.Notice.in_tenant(tenant).count() == 0


def _published_by_the_worker(tenant: str, notice_id: str) -> notices.Notice:
    """Wait for the region's content worker (it hears of notice_publishing through the outbox like any
    event) to finish delivering the notice. Generous: on a 2-core CI machine the whole stack (now with sms's
    worker, sender and SMSC too) shares the cores; speed is bench/notices.py's business, not this test's."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        notice = notices.Notice.in_tenant(tenant).filter(id=ObjectId(notice_id)).first()
        if notice.state == rules.PUBLISHED:
            return notice
        time.sleep(0.2)
    raise AssertionError(f"not published in 300 s: {notice.recipient_count} receipts written")


def _delivered_once_to_everyone(tenant: str, notice: notices.Notice) -> None:
    nid, recipients = str(notice.id), BRANCHES * PER_BRANCH
    assert (notice.state, notice.recipient_count) == (rules.PUBLISHED, recipients)
    receipts = notices.NoticeReceipt._get_collection().find({"tenant": tenant, "notice_id": nid}, {"account_id": 1})
    people = [r["account_id"] for r in receipts]
    assert len(people) == len(set(people)) == recipients
    counts = {c.org_id: c.recipients for c in notices.NoticeCount.in_tenant(tenant).filter(notice_id=nid)}
    assert counts["g"] == recipients and all(counts[f"b{b}"] == PER_BRANCH for b in range(BRANCHES))
    published = OutboxEvent.objects(tenant=tenant, type="notice_published", data__notice_id=nid)
    assert published.count() == 1 and published.first().data["delivered"] is True
    told = notifications.InboxEntry.in_tenant(tenant).filter(ref_kind="notice", ref_id=nid).count()
    assert told == recipients
    assert [e.notice_id for e in notices.home_source(tenant, "p7-3", None, 20)] == [nid]
    assert notices.deliver(tenant, nid, 0) == 0  # a late redelivery finds it published


def test_a_notice_to_more_than_inline_max_is_delivered_by_the_worker(tenant, monkeypatch):
    monkeypatch.setattr(rules, "INLINE_MAX", 500)  # the call's side only: the worker's batches are its own
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        notice = notices.publish("g", "全体党员大会", "正文", [], ["b1", "g"], [])
        assert (notice.state, notice.recipient_count) == (rules.PUBLISHING, 0)
        with pytest.raises(DomainError) as early:
            notices.remind(str(notice.id))
        assert early.value.key == "notice_still_publishing"
    finally:
        context.unbind(token)
    _delivered_once_to_everyone(tenant, _published_by_the_worker(tenant, str(notice.id)))


def test_a_round_hands_over_and_its_redelivery_writes_nothing(tenant, monkeypatch):
    now = dt.datetime.now(dt.UTC)
    notice = notices.Notice(  # publishing, owned by round 7, whose event nobody else has heard of
        tenant=tenant,
        org_id="g",
        author_id="sec-g",
        title="分批送达",
        body="正文",
        target_org_ids=["g"],
        audience=["org:g"],
        published_at=now,
        remind_after=now,
        state=rules.PUBLISHING,
        round=7,
    ).save()
    nid = str(notice.id)
    monkeypatch.setattr(rules, "ROUND_SECONDS", 0.0)  # this process's rounds end after one batch
    assert notices.deliver(tenant, nid, 7) == rules.DELIVERY_BATCH
    handed = OutboxEvent.objects(tenant=tenant, type="notice_publishing", data__notice_id=nid).first()
    assert handed.data["round"] == 8  # the next round, committed with the batch (the worker takes it on)
    assert notices.deliver(tenant, nid, 7) == 0
    _delivered_once_to_everyone(tenant, _published_by_the_worker(tenant, nid))
