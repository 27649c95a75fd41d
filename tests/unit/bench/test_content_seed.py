"""The microblog bench's seed: the same arguments give the same region, shaped as the services write it."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import content_seed
from services.content.posts import Post

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def small(seed: int = 3, **kwargs):
    return content_seed.generate(400, seed, NOW, push_limit=60, inbox_limit=20, big=4, driven=50, **kwargs)


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    a, b = small(), small()
    assert a.follows == b.follows and a.friendships == b.friendships
    assert a.posts == b.posts and a.inboxes == b.inboxes and a.inbox_sizes == b.inbox_sizes
    assert a.driven == b.driven and a.probes == b.probes and a.big == b.big
    c = small(seed=4)
    assert c.follows != a.follows and [p["_id"] for p in c.posts] != [p["_id"] for p in a.posts]


def test_posts_are_stored_as_the_service_stores_them_and_dated_by_their_ids():
    world = small()
    assert world.posts, "a month of posts"
    for row in world.posts[:50]:
        post = Post._from_son(row)
        post.validate()
        assert post.to_mongo().to_dict() == row
        assert abs((row["_id"].generation_time - row["created_at"]).total_seconds()) < 1
        assert NOW - dt.timedelta(days=content_seed.HISTORY_DAYS) <= row["created_at"] < NOW
    ids = [row["_id"] for row in world.posts]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)


def test_inboxes_follow_the_hybrid_fan_out():
    world = small()
    counts = world.follower_counts()
    assert any(n > world.push_limit for n in counts.values()), "some targets are pulled"
    assert any(n <= world.push_limit for n in counts.values()), "most are pushed"
    posts = {row["_id"]: row for row in world.posts}
    follows = set(world.follows)
    for owner, entries in world.inboxes.items():
        assert len(entries) <= world.inbox_limit + 100  # trimmed as timelines.push does
        assert world.inbox_sizes[owner] == len(entries)
        for post_id, via in entries:
            post = posts[post_id]
            if via == "self":
                assert post["author_id"] == owner
                continue
            kind, _, target = via.partition(":")
            assert (owner, kind, target) in follows, "pushed only to followers"
            assert counts[(kind, target)] <= world.push_limit, "big targets are never pushed"
            assert post["visibility"] != "private"


def test_probes_are_quiet_authors_followed_by_their_probe_follower():
    world = small()
    counts = world.follower_counts()
    for author, follower in world.probes:
        assert (follower, "person", author) in set(world.follows)
        assert counts[("person", author)] <= world.push_limit
        assert author not in world.driven and follower not in world.driven
