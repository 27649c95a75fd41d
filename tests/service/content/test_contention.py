"""Work on the same documents at once, directly on content's database: a busy group chat's inbox entries (the
worker's handlers run many at once, and each message of one conversation updates the same entry of every
member) and one author's posts (each raises the author's one head). They take turns in the process
(kernel/turns.py) rather than conflict in the database and retry."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from kernel.metrics import DB_TRANSACTION_RETRIES
from services.content import notifications, posts
from services.content.domain import inbox
from tests.service.content.conftest import acting_as, corner

pytestmark = pytest.mark.service

MEMBERS = 12
MESSAGES = 40
AT_ONCE = 8  # as many handlers as the worker runs at once, about


def _retries(work: str = "deliver.write") -> float:
    return DB_TRANSACTION_RETRIES.labels(work)._value.get()


def test_a_busy_group_counts_every_message_once_without_write_conflicts(log):
    tenant = f"busy-{uuid.uuid4().hex[:8]}"
    members = [f"m{n}" for n in range(MEMBERS)]

    def message(seq: int) -> int:
        sender = members[seq % MEMBERS]
        data = {"conversation_id": "busy-group", "sender_id": sender, "seq": seq, "preview": f"第{seq}条"}
        items = [notifications.chat_item(m, data) for m in members if m != sender]
        return notifications.deliver(tenant, items, marker=f"sent-{seq}")

    before = _retries()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(message, range(1, MESSAGES + 1)))
        # a message delivered again (the broker redelivers after a lost ack) counts nothing
        assert list(pool.map(message, range(1, 6))) == [0] * 5

    entries = list(notifications.InboxEntry.in_tenant(tenant).filter(kind=inbox.CHAT))
    assert len(entries) == MEMBERS  # one per member: the conversation's entry
    sent_by = {m: sum(1 for seq in range(1, MESSAGES + 1) if members[seq % MEMBERS] == m) for m in members}
    assert {e.account_id: e.count for e in entries} == {m: MESSAGES - sent_by[m] for m in members}
    assert {e.seq for e in entries} <= {MESSAGES, MESSAGES - 1}  # the newest each was told of
    assert _retries() == before


def test_one_author_posting_from_several_devices_at_once_retries_nothing(log):
    tenant = corner("posts-at-once")

    def post(n: int) -> str:
        with acting_as(tenant, "ann"):
            return str(posts.create_post(f"第{n}条动态", [], "public").id)

    before = _retries("create_post.write")
    with ThreadPoolExecutor(AT_ONCE) as pool:
        made = list(pool.map(post, range(24)))
    assert len(set(made)) == 24
    head = posts.SourceHead.in_tenant(tenant).filter(source="person:ann").first()
    assert head.posts == 24 and str(head.newest) == max(made)
    assert _retries("create_post.write") == before
