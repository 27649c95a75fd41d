"""The microblog's fan-out, inbox bound and read paths, in this process on content's real database.

Each test builds its own tenant's corner through the mirror's functions (what orgs' events would do),
so the region's data stays apart; round trips of the hot read paths are pinned.
"""

from __future__ import annotations

import uuid

import pytest
from bson import ObjectId

from kernel import context
from services.content import mirror, posts, timelines
from tests.service.content.conftest import corner

pytestmark = pytest.mark.service


@pytest.fixture
def tenant(log):
    """corner(): r › b1, r › b2; ann and bob in b1, cat in b2, dan in no org; and ann–dan friends."""
    t = corner("mb")
    mirror.friendship(t, "ann", "dan", formed=True)
    return t


def as_caller(tenant: str, account_id: str):
    return context.bind(context.CallContext(tenant=tenant, actor=context.Actor(account_id=account_id)))


def entries(tenant: str, post_id) -> set[str]:
    return set(timelines.TimelineEntry.in_tenant(tenant).filter(post_id=ObjectId(str(post_id))).scalar("owner_id"))


def test_fan_out_pushes_to_the_followers_who_may_read(tenant):
    for follower in ("bob", "cat", "dan"):
        mirror.follow(tenant, follower, mirror.PERSON, "ann")
    token = as_caller(tenant, "ann")
    try:
        to_org = posts.create_post("支部内", [], "org")
        to_friends = posts.create_post("好友", [], "friends")
        public = posts.create_post("公开", [], "public")
    finally:
        context.unbind(token)
    for post in (to_org, to_friends, public):
        timelines.fan_out(tenant, str(post.id))
        timelines.fan_out(tenant, str(post.id))  # a redelivery adds nothing
    assert entries(tenant, to_org.id) == {"ann", "bob"}
    assert entries(tenant, to_friends.id) == {"ann", "dan"}
    assert entries(tenant, public.id) == {"ann", "bob", "cat", "dan"}


def test_the_author_finds_their_post_at_once_before_the_fan_out(tenant):
    mirror.follow(tenant, "bob", mirror.PERSON, "ann")
    token = as_caller(tenant, "ann")
    try:
        post = posts.create_post("刚发的", [], "public")
        timelines.push_own(post)  # what CreatePost does once the post is stored
        assert [i.key for i in timelines.home(20, "").items][:1] == [post.id]
    finally:
        context.unbind(token)
    assert entries(tenant, post.id) == {"ann"}  # followers wait for the worker's fan-out
    timelines.fan_out(tenant, str(post.id))  # which pushes the author's entry again: nothing changes
    assert entries(tenant, post.id) == {"ann", "bob"}


def test_a_big_authors_posts_are_not_pushed(tenant):
    for follower in ("bob", "cat", "dan", "x1", "x2"):
        mirror.follow(tenant, follower, mirror.PERSON, "ann")
    limit = timelines.PUSH_LIMIT
    timelines.configure(3, timelines.INBOX_LIMIT)
    try:
        token = as_caller(tenant, "ann")
        try:
            post = posts.create_post("大号", [], "public")
        finally:
            context.unbind(token)
        timelines.fan_out(tenant, str(post.id))
        assert entries(tenant, post.id) == {"ann"}
        token = as_caller(tenant, "cat")
        try:
            page = timelines.home(20, "")
        finally:
            context.unbind(token)
        assert [i.key for i in page.items] == [post.id]  # pulled
    finally:
        timelines.configure(limit, timelines.INBOX_LIMIT)


def test_an_inbox_keeps_its_newest_entries(tenant):
    inbox = timelines.INBOX_LIMIT
    timelines.configure(timelines.PUSH_LIMIT, 20)
    try:
        ids = [ObjectId() for _ in range(20 + timelines.TRIM_SLACK + 1)]
        for post_id in ids:
            timelines.push(tenant, post_id, "person:ann", ["bob"])
        kept = sorted(timelines.TimelineEntry.in_tenant(tenant).filter(owner_id="bob").scalar("post_id"))
        assert kept == sorted(ids)[-20:]
        assert timelines.InboxSize.in_tenant(tenant).get(owner_id="bob").entries == 20
    finally:
        timelines.configure(timelines.PUSH_LIMIT, inbox)


def test_a_home_page_costs_a_fixed_number_of_round_trips(tenant, log):
    for target in ("ann", "cat"):
        mirror.follow(tenant, "bob", mirror.PERSON, target)
    for author in ("ann", "cat"):
        token = as_caller(tenant, author)
        try:
            for i in range(15):
                timelines.fan_out(tenant, str(posts.create_post(f"{author} {i}", [], "public").id))
        finally:
            context.unbind(token)
    token = as_caller(tenant, "bob")
    try:
        log.commands.clear()
        page = timelines.home(20, "")
        timelines.post_views(page.items, page.reader)
        first = list(log.commands)
        log.commands.clear()
        second = timelines.home(20, page.next_cursor)
        timelines.post_views(second.items, second.reader)
        following = list(log.commands)
    finally:
        context.unbind(token)
    assert len(page.items) == 20 and len(second.items) == 10 and not second.next_cursor
    assert not {i.key for i in page.items} & {i.key for i in second.items}
    # The reader (person, friends), their follows, the follower counts and the pulled sources' heads (the
    # reader's orgs: they never posted, so they are not read); the inbox, its posts, the reader's notices
    # (none: so their notices aren't read); then the likes.
    assert len(page.reader.org_path) >= 1
    assert len(first) == 9 and first.count("find posts") == 1, first
    assert "find post_source_heads" in first and "find notice_receipts" in first, first
    assert "find notices" not in first, first
    # The inbox (30 pushed posts) filled the first page. The last page finds the inbox running out (its read
    # and posts), then walks the widening windows back to the floor to know it is the last: the inbox and
    # the notices per window (the pulled sources never posted).
    assert len(following) <= 11 + 2 * 9, following


def test_home_pages_merge_pushed_and_pulled_posts_disjoint_and_complete(tenant, log):
    """A reader whose inbox fills pages (posts pushed from ann) while a big author's posts (cat's, pulled)
    interleave: every page is read in the inbox's window, and the pages together are all posts, newest
    first, each once."""
    push_limit, inbox = timelines.PUSH_LIMIT, timelines.INBOX_LIMIT
    timelines.configure(2, inbox)  # more than 1 follower is "big": pulled at read time
    try:
        for follower in ("bob", "dan", "ann"):
            mirror.follow(tenant, follower, mirror.PERSON, "cat")
        mirror.follow(tenant, "bob", mirror.PERSON, "ann")
        written = []
        for i in range(24):
            author = "cat" if i % 3 == 0 else "ann"
            token = as_caller(tenant, author)
            try:
                post_id = str(posts.create_post(f"{author} {i}", [], "public").id)
            finally:
                context.unbind(token)
            timelines.fan_out(tenant, post_id)
            written.append(post_id)
        token = as_caller(tenant, "bob")
        try:
            seen, cursor = [], ""
            while True:
                page = timelines.home(5, cursor)
                assert len(page.items) <= 5
                seen += [str(i.key) for i in page.items]
                cursor = page.next_cursor
                if not cursor:
                    break
        finally:
            context.unbind(token)
        assert seen == list(reversed(written))
    finally:
        timelines.configure(push_limit, inbox)


def test_heads_are_backfilled_once_for_posts_written_before_them(stack):
    import pymongo

    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        db = client[f"heads_{uuid.uuid4().hex[:8]}"]
        try:
            assert posts.backfill_heads(db) == 0  # nothing posted: nothing to do
            older, newer, other = ObjectId(), ObjectId(), ObjectId()
            db["posts"].insert_many(
                [
                    {"_id": newer, "tenant": "t", "source": "person:ann"},
                    {"_id": older, "tenant": "t", "source": "person:ann"},
                    {"_id": other, "tenant": "u", "source": "person:ann"},
                ]
            )
            assert posts.backfill_heads(db) == 2
            heads = {(h["tenant"], h["source"]): (h["newest"], h["posts"]) for h in db["post_source_heads"].find()}
            assert heads == {("t", "person:ann"): (newer, 2), ("u", "person:ann"): (other, 1)}
            assert posts.backfill_heads(db) == 0  # heads exist: never again
        finally:
            client.drop_database(db.name)


def test_a_person_who_never_posted_costs_no_timeline_reads(tenant, log):
    token = as_caller(tenant, "bob")
    try:
        log.commands.clear()
        page = timelines.person("cat", 20, "")
    finally:
        context.unbind(token)
    assert page.items == [] and page.next_cursor == ""
    assert "find posts" not in log.commands and "find post_source_heads" in log.commands, log.commands
