"""The microblog with its Redis cache on (services/content/cache.py): a warm home page asks the database
for what changes by the second only, and every change is read fresh right after it commits."""

from __future__ import annotations

import time
import uuid

import pytest
from bson import ObjectId

from kernel.cache import Cache
from kernel.errors import DomainError, ErrorCode
from kernel.outbox import OutboxEvent
from services.content import cache, chat, events, mirror, moderation, notices, notifications, posts, timelines
from services.content.domain import inbox
from tests.service.content.conftest import acting_as, corner

pytestmark = pytest.mark.service

MODERATOR = [("secretary", "r")]  # content.moderate on the whole tenant


@pytest.fixture(scope="module")
def cached(stack, log):
    cache.configure(Cache.connect(stack.env["REDIS_URL"], "content"))
    yield log
    cache.current().close()
    cache.configure(Cache.disabled("content"))


@pytest.fixture
def tenant(cached):
    """corner(): r › b1, r › b2; ann and bob in b1, cat in b2, dan in no org; and bob follows ann."""
    t = corner("cache")
    mirror.follow(t, "bob", mirror.PERSON, "ann")
    return t


def _post(tenant: str, author: str, text: str, visibility: str = "public", push: bool = True):
    with acting_as(tenant, author):
        post = posts.create_post(text, [], visibility)
    if push:
        timelines.fan_out(tenant, str(post.id))
    return post


def _home(tenant: str, reader: str) -> list[str]:
    with acting_as(tenant, reader):
        return [i.post.text for i in timelines.home(20, "").items]


def _person(tenant: str, reader: str, author: str) -> list[str]:
    with acting_as(tenant, reader):
        return [i.post.text for i in timelines.person(author, 20, "").items]


def test_a_warm_home_page_asks_the_database_nothing(tenant, cached):
    for i in range(25):
        _post(tenant, "ann", f"ann {i}")
    with acting_as(tenant, "bob"):
        page = timelines.home(20, "")  # fills the cache
        timelines.post_views(page.items, page.reader)
        # The region's own content worker hears of these posts too and, pushing them again, forgets bob's
        # inbox: read until its late forgets have passed.
        for _ in range(50):
            cached.commands.clear()
            again = timelines.home(20, "")
            timelines.post_views(again.items, again.reader)
            if not cached.commands:
                break
            time.sleep(0.1)
    assert [i.key for i in again.items] == [i.key for i in page.items] and len(page.items) == 20
    assert cached.commands == []


def test_a_pushed_post_and_an_unfollow_are_read_at_once(tenant):
    _post(tenant, "ann", "一")
    assert _home(tenant, "bob") == ["一"]  # bob's inbox head is cached now
    _post(tenant, "ann", "二")
    assert _home(tenant, "bob") == ["二", "一"]
    mirror.unfollow(tenant, "bob", mirror.PERSON, "ann")
    timelines.unfollowed(tenant, "bob", mirror.PERSON, "ann")  # the worker's handler of unfollowed
    assert _home(tenant, "bob") == []


def test_new_notices_and_read_marks_are_read_at_once(tenant):
    assert _home(tenant, "bob") == []  # bob's notices (none) are cached now
    with acting_as(tenant, "sec", MODERATOR):
        notice = notices.publish("r", "学习通知", "正文", [], ["b1"], [])
    with acting_as(tenant, "bob"):
        shown = [(i.key, i.payload.read) for i in timelines.home(20, "").items]
        assert shown == [(notice.id, False)]
        notices.mark_read(str(notice.id))
        assert [(i.key, i.payload.read) for i in timelines.home(20, "").items] == [(notice.id, True)]
    with acting_as(tenant, "cat"):
        assert timelines.home(20, "").items == []  # b2: not addressed


def test_edits_likes_hiding_and_deletion_are_read_at_once(tenant):
    post = _post(tenant, "ann", "初稿")
    assert _home(tenant, "bob") == ["初稿"]  # cached now
    with acting_as(tenant, "ann"):
        posts.edit_post(str(post.id), "改稿")
    assert _home(tenant, "bob") == ["改稿"]
    with acting_as(tenant, "bob"):
        reader = posts.me_as_author().reader
        assert [v.liked for v in posts.views([posts.get_post(str(post.id))], reader)] == [False]  # cached
        posts.like(str(post.id))
        assert posts.get_post(str(post.id)).likes == 1
        assert [v.liked for v in posts.views([posts.get_post(str(post.id))], reader)] == [True]
        posts.unlike(str(post.id))
        assert posts.get_post(str(post.id)).likes == 0
        assert [v.liked for v in posts.views([posts.get_post(str(post.id))], reader)] == [False]
    with acting_as(tenant, "mod", MODERATOR):
        moderation.hide_post(str(post.id), hidden=True)
    assert _home(tenant, "bob") == []
    with acting_as(tenant, "mod", MODERATOR):
        moderation.hide_post(str(post.id), hidden=False)
    assert _home(tenant, "bob") == ["改稿"]
    with acting_as(tenant, "ann"):
        posts.delete_post(str(post.id))
    assert _home(tenant, "bob") == []
    with acting_as(tenant, "bob"), pytest.raises(DomainError) as gone:
        posts.get_post(str(post.id))
    assert gone.value.code == ErrorCode.NOT_FOUND


def test_a_new_friend_an_org_move_and_a_new_follow_are_read_at_once(tenant):
    _post(tenant, "ann", "好友可见", "friends", push=False)
    _post(tenant, "ann", "支部可见", "org", push=False)
    assert _person(tenant, "cat", "ann") == []  # cat's reader (no friend, other branch) is cached now
    mirror.friendship(tenant, "ann", "cat", formed=True)
    assert _person(tenant, "cat", "ann") == ["好友可见"]
    mirror.home_org(tenant, "cat", "b1", present=True)
    assert _person(tenant, "cat", "ann") == ["支部可见", "好友可见"]
    mirror.friendship(tenant, "ann", "cat", formed=False)
    assert _person(tenant, "cat", "ann") == ["支部可见"]

    push_limit = timelines.PUSH_LIMIT
    timelines.configure(1, timelines.INBOX_LIMIT)  # ann (followed by bob) is big: pulled at read time
    try:
        for extra in ("x1", "x2", "x3"):  # big for the region's own worker too (it also hears of this post)
            mirror.follow(tenant, extra, mirror.PERSON, "ann")
        mirror.follow(tenant, "dan", mirror.PERSON, "cat")
        _post(tenant, "ann", "大号新帖")
        assert _home(tenant, "dan") == []  # dan's pulled sources are cached now: cat's only
        mirror.follow(tenant, "dan", mirror.PERSON, "ann")
        mirror.follow(tenant, "cat", mirror.PERSON, "ann")  # ann stays above the pull threshold
        assert _home(tenant, "dan") == ["大号新帖"]
        mirror.unfollow(tenant, "dan", mirror.PERSON, "ann")
        assert _home(tenant, "dan") == []
    finally:
        timelines.configure(push_limit, timelines.INBOX_LIMIT)


def test_a_new_post_moves_its_sources_head_at_once(tenant):
    assert _person(tenant, "bob", "cat") == []  # "never posted" is cached now
    _post(tenant, "cat", "第一条", push=False)
    assert _person(tenant, "bob", "cat") == ["第一条"]
    _post(tenant, "cat", "第二条", push=False)
    assert _person(tenant, "bob", "cat") == ["第二条", "第一条"]


def test_posts_are_cached_per_tenant(tenant, cached):
    post = _post(tenant, "ann", "本区")
    other = f"cache-{uuid.uuid4().hex[:8]}"
    assert posts.posts_by_id(tenant, [post.id])[post.id].text == "本区"
    assert posts.posts_by_id(other, [post.id]) == {}
    assert posts.posts_by_id(tenant, [ObjectId()]) == {}


def _pages(tenant: str, reader: str, read, size: int) -> list[str]:
    seen, cursor = [], ""
    with acting_as(tenant, reader):
        while True:
            page = read(size, cursor)
            assert len(page.items) <= size
            seen += [i.post.text for i in page.items]
            cursor = page.next_cursor
            if not cursor:
                return seen


@pytest.mark.parametrize("small_source", [300, 0], ids=["lists-in-one-query", "lists-in-windows"])
def test_pages_below_the_recent_lists_are_read_from_the_database(tenant, monkeypatch, small_source):
    """Pulled sources list only their newest RECENT posts: pages that go deeper stay disjoint and complete,
    with deleted posts left out wherever they fall."""
    monkeypatch.setattr(timelines, "RECENT", 3)
    monkeypatch.setattr(timelines, "SMALL_SOURCE", small_source)
    push_limit = timelines.PUSH_LIMIT
    timelines.configure(1, timelines.INBOX_LIMIT)  # anyone followed is pulled
    try:
        mirror.follow(tenant, "dan", mirror.PERSON, "ann")
        mirror.follow(tenant, "dan", mirror.PERSON, "cat")
        written = []
        for i in range(14):
            author = "cat" if i % 3 == 0 else "ann"
            post = _post(tenant, author, f"{author} {i}", push=False)
            written.append(post)
        with acting_as(tenant, "ann"):
            posts.delete_post(str(written[-3].id))  # listed, and gone
            posts.delete_post(str(written[2].id))  # below the lists
        live = [p.text for p in reversed(written) if p not in (written[-3], written[2])]
        assert _pages(tenant, "dan", timelines.home, 4) == live
        assert _pages(tenant, "dan", timelines.home, 4) == live  # the lists cached now
        ann = [t for t in live if t.startswith("ann")]
        assert _pages(tenant, "bob", lambda size, cursor: timelines.person("ann", size, cursor), 2) == ann
    finally:
        timelines.configure(push_limit, timelines.INBOX_LIMIT)


def test_chat_membership_changes_are_read_at_once(tenant):
    with acting_as(tenant, "ann"):
        group = chat.create_group("小组", ["bob"])
    cid = group.conversation.id
    with acting_as(tenant, "bob"):
        chat.send(str(cid), "b1", "到", [])  # the members are cached now
        chat.leave(str(cid))
        with pytest.raises(DomainError) as refused:
            chat.send(str(cid), "b2", "还在吗", [])
    assert refused.value.code == ErrorCode.NOT_FOUND
    with acting_as(tenant, "ann"):
        chat.invite(str(cid), ["cat"])
    with acting_as(tenant, "cat"):
        assert chat.send(str(cid), "c1", "大家好", []).seq == 2
    sent = OutboxEvent.objects(type=events.CHAT_MESSAGE_SENT, data__conversation_id=str(cid)).order_by("-occurred_at")
    assert sent.first().data["recipient_ids"] == ["ann"]  # bob left: only ann hears cat


def test_notification_preferences_are_read_at_once(tenant):
    chat_item = {"conversation_id": "c-prefs", "sender_id": "bob", "seq": 1, "preview": "在吗"}
    assert notifications.deliver(tenant, [notifications.chat_item("ann", chat_item)]) == 1  # preferences cached
    with acting_as(tenant, "ann"):
        assert notifications.preferences()[inbox.CHAT].in_app
        changed = notifications.set_preferences({inbox.CHAT: inbox.KindPreference(in_app=False)})
        assert not changed[inbox.CHAT].in_app
        notifications.mark_all_read()
    again = {**chat_item, "conversation_id": "c-prefs-2", "seq": 2}
    assert notifications.deliver(tenant, [notifications.chat_item("ann", again)]) == 0
    assert not notifications.InboxEntry.in_tenant(tenant).filter(account_id="ann", ref_id="c-prefs-2").count()
