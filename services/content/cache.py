"""What content keeps in Redis (kernel/cache.py: read through, forgotten after each change, all expiring).

The hot read paths (a home timeline, a person's) asked the database a dozen times a request; these
values answer most of those asks from memory. MongoDB stays the record: each value is a copy that its
writer forgets after committing, and that expires anyway.

Keys (after `content:<tenant>:`), what they hold, who forgets them, how long they live:
- `person:<account>`: a reader (home org, path, friends, name, whether content knows them); forgotten by
  the mirror's changes to that person (account, home org, friendships, an org moved or merged under
  them); PERSON_TTL.
- `pulled:<account>`: the followed targets a home read pulls (above the pull threshold); forgotten by the
  account's follows and unfollows; PULLED_TTL (see below).
- `post:<id>`: the stored post (BSON); forgotten by every update of the post (`store.watch`: edits,
  likes, comments, reposts, hiding, deletion); POST_TTL.
- `recent:<source>`: the ids of the source's newest live and hidden posts (timelines.RECENT of them) and
  the id down to which that list is complete; forgotten by each new post of the source (a post's later
  changes of state leave the list as it is: readers check each post's state); RECENT_TTL.
- `like:<account>:<post>`: whether the account likes the post ("1" / "0"); forgotten by the account's like
  and unlike of it; LIKE_TTL.
- `head:<source>`: the source's newest post id, or NEVER; never forgotten, only raised with each post
  (`Cache.raise_to`); HEAD_TTL.

`pulled:` is not forgotten when a target's follower count crosses the pull threshold: the threshold is half
the push limit (timelines.pull_threshold), so a target that grows past it is still pushed to everyone
until it has twice as many followers, and PULLED_TTL is short enough for that gap.
"""

from __future__ import annotations

import datetime as dt
import json

import bson
from bson import ObjectId
from bson.codec_options import CodecOptions

from kernel.cache import Cache

PERSON_TTL = 600
PULLED_TTL = 600
POST_TTL = 600
RECENT_TTL = 600
LIKE_TTL = 600
HEAD_TTL = 600
NEVER = "-"  # a head for a source that has never posted (sorts below every id)
STORED = CodecOptions(tz_aware=True, tzinfo=dt.UTC)  # as the database's client reads them

_cache = Cache.disabled("content")


def configure(cache: Cache) -> None:
    global _cache
    _cache = cache


def current() -> Cache:
    return _cache


# -- people (the mirror) -------------------------------------------------------------------------------


def people(tenant: str, account_ids: list[str], load) -> dict[str, dict]:
    """Each account's person record (see mirror.person_record), read through; load(ids) -> {id: record}."""
    keys = [_cache.key(tenant, f"person:{a}") for a in account_ids]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([account_ids[i] for i in positions])
        return {i: json.dumps(found[account_ids[i]]).encode() for i in positions if account_ids[i] in found}

    values = _cache.read_through("person", keys, load_missing, PERSON_TTL)
    return {a: json.loads(v) for a, v in zip(account_ids, values, strict=True) if v is not None}


def forget_people(tenant: str, account_ids) -> None:
    _cache.forget(_cache.key(tenant, f"person:{a}") for a in account_ids)


def pulled(tenant: str, account_id: str, load) -> list[str]:
    """The sources (person:<id>, org:<id>) a home read pulls for the account; load() computes them."""
    key = _cache.key(tenant, f"pulled:{account_id}")
    values = _cache.read_through("pulled", [key], lambda _: {0: json.dumps(load()).encode()}, PULLED_TTL)
    return json.loads(values[0])


def forget_pulled(tenant: str, account_id: str) -> None:
    _cache.forget([_cache.key(tenant, f"pulled:{account_id}")])


# -- posts ---------------------------------------------------------------------------------------------


def posts(tenant: str, ids: list[ObjectId], load) -> dict[ObjectId, dict]:
    """Stored posts by id, read through; load(ids) -> {id: stored document}. Missing ones are left out."""
    keys = [_cache.key(tenant, f"post:{i}") for i in ids]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([ids[i] for i in positions])
        return {i: bson.encode(found[ids[i]]) for i in positions if ids[i] in found}

    values = _cache.read_through("post", keys, load_missing, POST_TTL)
    return {i: bson.decode(v, codec_options=STORED) for i, v in zip(ids, values, strict=True) if v is not None}


def forget_posts(tenant: str, ids) -> None:
    _cache.forget(_cache.key(tenant, f"post:{i}") for i in ids)


def liked(tenant: str, account_id: str, post_ids: list[str], load) -> set[str]:
    """Which of post_ids the account likes, read through; load(post_ids) -> the liked ones among them."""
    keys = [_cache.key(tenant, f"like:{account_id}:{p}") for p in post_ids]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([post_ids[i] for i in positions])
        return {i: b"1" if post_ids[i] in found else b"0" for i in positions}

    values = _cache.read_through("like", keys, load_missing, LIKE_TTL)
    return {p for p, v in zip(post_ids, values, strict=True) if v == b"1"}


def forget_like(tenant: str, account_id: str, post_id: str) -> None:
    _cache.forget([_cache.key(tenant, f"like:{account_id}:{post_id}")])


# -- each source's recent posts -----------------------------------------------------------------------


def recent(tenant: str, sources: list[str], load) -> dict[str, dict]:
    """Each source's {"ids": newest first, "floor": id or None}, read through; load(sources) -> {source: …}."""
    keys = [_cache.key(tenant, f"recent:{s}") for s in sources]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([sources[i] for i in positions])
        return {i: bson.encode(found[sources[i]]) for i in positions}

    values = _cache.read_through("recent", keys, load_missing, RECENT_TTL)
    return {s: bson.decode(v) for s, v in zip(sources, values, strict=True) if v is not None}


def forget_recent(tenant: str, source: str) -> None:
    _cache.forget([_cache.key(tenant, f"recent:{source}")])


# -- source heads --------------------------------------------------------------------------------------


def heads(tenant: str, sources: list[str], load) -> dict[str, ObjectId]:
    """Each source's newest post id (absent: never posted), read through; load(sources) -> {source: id}."""
    keys = [_cache.key(tenant, f"head:{s}") for s in sources]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([sources[i] for i in positions])
        return {i: str(found.get(sources[i], NEVER)).encode() for i in positions}

    values = _cache.read_through("head", keys, load_missing, HEAD_TTL)
    return {s: ObjectId(v.decode()) for s, v in zip(sources, values, strict=True) if v and v.decode() != NEVER}


def raise_head(tenant: str, source: str, post_id: ObjectId) -> None:
    _cache.raise_to(_cache.key(tenant, f"head:{source}"), str(post_id), HEAD_TTL)
