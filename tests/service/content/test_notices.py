"""Notices at scale, on content's database and the stack's content worker (a tenant of its own per test).

A small notice is published in the call in a few batched writes; a notice to thousands answers at once
and the worker writes its receipts in batches, every receipt once, even when killed half-way; marking
read costs a fixed few.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

import mongoengine as me
import pytest
from bson import ObjectId

from kernel import context, store
from kernel.config import StoreConfig
from kernel.errors import DomainError, ErrorCode
from kernel.outbox import OutboxEvent
from services.content import mirror, notices
from services.content import store as content_store
from services.content.domain import notices as rules
from tests.conftest import CommandLog

pytestmark = pytest.mark.service

BRANCHES = 25
PER_BRANCH = 120  # 3,000 recipients


@pytest.fixture(scope="module")
def log(stack):
    commands = CommandLog()
    me.disconnect(alias="default")
    # mongoengine keeps each model's collection with the client it was first used with (another module's,
    # closed by now): forget them so that they are taken from this connection.
    for model in [m for area in content_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None
    store.connect(
        StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "content", event_listeners=[commands]
    )
    content_store.ensure_indexes()
    yield commands
    me.disconnect(alias="default")
    for model in [m for area in content_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


def _corner(branches: int) -> str:
    """A tenant of its own, with a general branch g of `branches` branches of PER_BRANCH people each."""
    tenant = f"notices-{uuid.uuid4().hex[:8]}"
    orgs = [{"tenant": tenant, "org_id": "root", "name": "党委", "path": ["root"]}]
    orgs.append({"tenant": tenant, "org_id": "g", "name": "总支", "path": ["root", "g"]})
    people = []
    for b in range(branches):
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


@pytest.fixture
def tenant(log):
    return _corner(BRANCHES)


def _as(tenant: str, account_id: str, grants=()):
    actor = context.Actor(account_id=account_id, grants=tuple(grants))
    return context.bind(context.CallContext(tenant=tenant, actor=actor))


def _publish(tenant: str, targets: list[str], title: str = "通知") -> notices.Notice:
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        return notices.publish("g", title, "正文", [], targets, [])
    finally:
        context.unbind(token)


def _published(tenant: str, notice_id: str, timeout: float = 120.0) -> notices.Notice:
    """The notice once the worker has published it (the stack's content worker delivers it)."""
    deadline = time.monotonic() + timeout
    while (notice := notices.Notice.in_tenant(tenant).get(id=ObjectId(notice_id))).state != rules.PUBLISHED:
        assert time.monotonic() < deadline, f"not published: {notice.written} of {notice.recipient_count} written"
        time.sleep(0.1)
    return notice


def _delivered_exactly_once(tenant: str, notice_id: str, branches: int) -> None:
    """Every recipient has one receipt, every counter holds what the receipts hold, one notice_published."""
    receipts = notices.NoticeReceipt._get_collection()
    total = branches * PER_BRANCH
    assert receipts.count_documents({"tenant": tenant, "notice_id": notice_id}) == total
    assert len(receipts.distinct("account_id", {"tenant": tenant, "notice_id": notice_id})) == total
    counts = {c.org_id: c.recipients for c in notices.NoticeCount.in_tenant(tenant).filter(notice_id=notice_id)}
    assert counts == {"g": total, **{f"b{b}": PER_BRANCH for b in range(branches)}}
    assert not notices.NoticeBatch.in_tenant(tenant).filter(notice_id=notice_id).count()
    announced = OutboxEvent.objects(tenant=tenant, type="notice_published", data__notice_id=notice_id)
    assert [e.data["recipient_count"] for e in announced] == [total]


def test_a_small_notice_is_published_in_the_call_in_a_few_round_trips(tenant, log):
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        log.commands.clear()
        notice = notices.publish("g", "通知", "正文", [], ["b1", "b2", "b3"], [])
        writes = [c for c in log.commands if c.split()[0] in ("insert", "update")]
    finally:
        context.unbind(token)
    recipients = 3 * PER_BRANCH
    assert recipients <= rules.INLINE_MAX
    assert (notice.state, notice.recipient_count, notice.recipients_written) == ("published", recipients, recipients)
    # the notice, its receipts (one insert), their counters (one bulk upsert) and notice_published
    assert sorted(writes) == sorted(
        ["insert notices", "insert notice_receipts", "insert outbox", "update notice_counts"]
    )
    # reads: the sender's path and each target's (permissions), then a count and the people of each target
    reads = Counter(c for c in log.commands if c not in writes)
    assert reads == {"find mirror_orgs": 2 + 3, "aggregate mirror_people": 3, "find mirror_people": 3}, reads

    # a recipient marks it read: four round trips, however large the notice; twice counts once
    token = _as(tenant, "p3-7")
    try:
        assert notices.get(str(notice.id))[1] is not None
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
        assert [(c.org_id, c.recipients, c.read) for c in top] == [
            ("b1", PER_BRANCH, 0),
            ("b2", PER_BRANCH, 0),
            ("b3", PER_BRANCH, 1),
        ]
        unread, _ = notices.receipt_people(str(notice.id), "b3", False, 200, "")
        assert len(unread) == PER_BRANCH - 1 and "p3-7" not in {r.account_id for r in unread}
    finally:
        context.unbind(token)


def test_a_big_notice_answers_at_once_and_the_worker_delivers_it(tenant, log):
    token = _as(tenant, "sec-g", [("secretary", "g")])
    try:
        log.commands.clear()
        notice = notices.publish("g", "大通知", "正文", [], [], [])
        writes = [c for c in log.commands if c.split()[0] in ("insert", "update")]
        # the publisher sees it publishing, with its progress
        seen, _ = notices.get(str(notice.id))
        assert seen.state == "publishing" and seen.recipient_count == BRANCHES * PER_BRANCH
    finally:
        context.unbind(token)
    recipients = BRANCHES * PER_BRANCH
    assert (notice.state, notice.recipient_count, notice.recipients_written) == ("publishing", recipients, 0)
    # no receipt is written in the call: the notice and the event that starts the delivery
    assert sorted(writes) == ["insert notices", "insert outbox"], writes
    # its recipients do not see it while it is publishing
    token = _as(tenant, "p3-7")
    try:
        with pytest.raises(DomainError) as denied:
            notices.mark_read(str(notice.id))
        assert denied.value.code == ErrorCode.NOT_FOUND
        assert str(notice.id) not in {str(n.id) for _, n in notices.list_mine(200, "")[0]}
    finally:
        context.unbind(token)

    done = _published(tenant, str(notice.id))
    assert (done.recipient_count, done.recipients_written) == (recipients, recipients)
    _delivered_exactly_once(tenant, str(notice.id), BRANCHES)
    token = _as(tenant, "p3-7")
    try:
        mine, _ = notices.list_mine(200, "")
        assert [n.id for _, n in mine] == [done.id]
        notices.mark_read(str(notice.id))
    finally:
        context.unbind(token)
    b3 = notices.NoticeCount.in_tenant(tenant).get(notice_id=str(notice.id), org_id="b3")
    assert (b3.recipients, b3.read) == (PER_BRANCH, 1)


def test_an_old_round_and_a_redelivery_write_nothing_twice(tenant, log, monkeypatch):
    """A delivery hands over after every batch here (a round of 0 s): the round it handed over from, and a
    redelivery after publication, find themselves superseded."""
    recipients = BRANCHES * PER_BRANCH
    now = notices._now()
    notice = notices.Notice(
        tenant=tenant,
        org_id="g",
        author_id="sec-g",
        title="接力",
        body="正文",
        target_org_ids=["g"],
        audience=["org:g"],
        recipient_count=recipients,
        published_at=now,
        remind_after=now,
        state=rules.PUBLISHING,
    )
    notice.save()  # as publish() stores it, without the event: this test plays the worker's first round
    monkeypatch.setattr(rules, "ROUND_SECONDS", 0.0)
    notices.deliver(tenant, str(notice.id), 0)
    after = notices.Notice.in_tenant(tenant).get(id=notice.id)
    assert after.round >= 1 and after.planned and after.batches == -(-recipients // rules.RECEIPT_BATCH)
    handed = OutboxEvent.objects(tenant=tenant, type="notice_publishing", data__notice_id=str(notice.id))
    assert [e.data["round"] for e in handed] == [1]
    notices.deliver(tenant, str(notice.id), 0)  # the old round again: superseded
    monkeypatch.undo()
    _published(tenant, str(notice.id))  # the stack's worker took over from round 1
    notices.deliver(tenant, str(notice.id), 1)  # a redelivery once published: nothing
    _delivered_exactly_once(tenant, str(notice.id), BRANCHES)


def test_a_worker_killed_mid_delivery_resumes_and_writes_every_receipt_once(stack, log):
    """SIGKILL while batches are being written: the round's event is redelivered to the restarted worker
    (once the dead handler's inbox lease has run out) and the delivery goes on from its last batch."""
    branches = 60  # 7,200 recipients: batches enough to be caught in the middle
    tenant = _corner(branches)
    notice = _publish(tenant, [])
    nid = str(notice.id)
    deadline = time.monotonic() + 60
    while (seen := notices.Notice.in_tenant(tenant).get(id=notice.id)).written < 2 * rules.RECEIPT_BATCH:
        assert time.monotonic() < deadline and seen.state == rules.PUBLISHING, "the delivery did not start"
        time.sleep(0.02)
    worker = stack.process("content-worker")
    os.killpg(stack.pid("content-worker"), signal.SIGKILL)
    stack.stop(worker)  # reaps it
    killed_at = notices.Notice.in_tenant(tenant).get(id=notice.id)
    assert killed_at.state == rules.PUBLISHING and 0 < killed_at.written < branches * PER_BRANCH
    stack.start(worker)
    done = _published(tenant, nid, timeout=240)
    assert done.written == done.recipient_count == branches * PER_BRANCH
    _delivered_exactly_once(tenant, nid, branches)


def test_a_readers_notices_newest_first_by_id_range(tenant, log):
    first = _publish(tenant, ["b1"], "第一")
    second = _publish(tenant, ["b1", "b2"], "第二")
    _publish(tenant, ["b2"], "别处")
    rows = notices.received(tenant, "p1-0", None, None, 10)
    assert [n.id for _, n in rows] == [second.id, first.id]
    assert rows[0][1].title == "第二" and not rows[0][0].read
    log.commands.clear()
    older = notices.received(tenant, "p1-0", None, second.id, 5)  # [lo, hi): strictly below hi
    assert [n.id for _, n in older] == [first.id]
    assert sorted(log.commands) == ["find notice_receipts", "find notices"], log.commands
    assert notices.received(tenant, "p1-0", second.id, None, 5)[0][1].id == second.id  # from lo on
    assert notices.received(tenant, "p1-0", None, first.id, 5) == []


def test_roles_follow_orgs_events(tenant):
    notices.role_assigned(tenant, "p4-0", "b4", "secretary")
    notices.role_assigned(tenant, "p4-0", "b4", "secretary")
    notices.role_assigned(tenant, "p4-1", "b4", "member")  # everyone's: not copied
    assert notices.RoleHolder.in_tenant(tenant).count() == 1
    notices.roles_moved(tenant, "b4", ["root", "g", "b4"], ["root", "b4"])
    assert list(notices.RoleHolder.in_tenant(tenant).first().org_path) == ["root", "b4"]
    token = _as(tenant, "sec-root", [("secretary", "root")])
    try:
        assert notices.publish("root", "书记会", "正文", [], [], ["secretary"]).recipient_count == 1
    finally:
        context.unbind(token)
    notices.role_removed(tenant, "p4-0", "b4", "secretary")
    assert notices.RoleHolder.in_tenant(tenant).count() == 0
