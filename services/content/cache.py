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
- `inbox:<account>`: the post ids of the newest timelines.INBOX_HEAD entries of the reader's home inbox, and
  whether that is all of it; forgotten by each push into the inbox, each trim and each unfollow (a deleted
  post may stay listed: readers skip posts no longer live); INBOX_TTL.
- `notices:<account>`: the newest notices.NOTICES_HEAD notices addressed to the reader ([notice id, read]
  each), and whether that is all; forgotten when notices are addressed to the reader and when the reader
  marks one read; NOTICES_TTL.
- `notice:<id>`: what a timeline shows of a notice (org, author, title, publication time, attachments);
  notices do not change once published; NOTICE_TTL.
- `members:<conversation>`: a chat conversation's members ([member row id, account id] each), which every
  message is addressed to; forgotten after each change of membership (created, joined, invited, left);
  MEMBERS_TTL.
- `prefs:<account>`: the person's stored notification preferences ({} for none), which the worker consults
  for every notification; forgotten when the person changes them; PREFS_TTL.

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
MEMBERS_TTL = 600
INBOX_TTL = 600
NOTICES_TTL = 600
NOTICE_TTL = 600
PREFS_TTL = 600
NEVER = "-"  # a head for a source that has never posted (sorts below every id)
STORED = CodecOptions(tz_aware=True, tzinfo=dt.UTC)  # as the database's client reads them

_cache = Cache.disabled("content")


def configure(cache: Cache) -> None:
    global _cache
    _cache = cache


def current() -> Cache:
    return _cache


def _through(tenant: str, kind: str, names: list, load, encode, decode, ttl: int) -> dict:
    """The values of `<kind>:<name>` for names, read through the cache: load(missing names) -> {name: value}
    (a name it leaves out stays a miss, unfilled); encode(value) -> bytes, decode(bytes) -> value."""
    keys = [_cache.key(tenant, f"{kind}:{name}") for name in names]

    def load_missing(positions: list[int]) -> dict[int, bytes]:
        found = load([names[i] for i in positions])
        return {i: encode(found[names[i]]) for i in positions if names[i] in found}

    values = _cache.read_through(kind, keys, load_missing, ttl)
    return {name: decode(v) for name, v in zip(names, values, strict=True) if v is not None}


def _one(tenant: str, kind: str, name: str, load, ttl: int):
    """The JSON value of `<kind>:<name>`, read through; load() computes it."""
    return _through(tenant, kind, [name], lambda _: {name: load()}, _json, json.loads, ttl)[name]


def _forget(tenant: str, kind: str, names) -> None:
    _cache.forget(_cache.key(tenant, f"{kind}:{name}") for name in names)


def _json(value) -> bytes:
    return json.dumps(value).encode()


def _bson(value) -> bytes:
    return bson.encode(value)


def _stored(value: bytes) -> dict:
    return bson.decode(value, codec_options=STORED)


# -- people (the mirror) -------------------------------------------------------------------------------


def people(tenant: str, account_ids: list[str], load) -> dict[str, dict]:
    """Each account's person record (mirror.people), read through; load(ids) -> {id: record}."""
    return _through(tenant, "person", account_ids, load, _json, json.loads, PERSON_TTL)


def forget_people(tenant: str, account_ids) -> None:
    _forget(tenant, "person", account_ids)


def pulled(tenant: str, account_id: str, load) -> list[str]:
    """The sources (person:<id>, org:<id>) a home read pulls for the account; load() computes them."""
    return _one(tenant, "pulled", account_id, load, PULLED_TTL)


def forget_pulled(tenant: str, account_id: str) -> None:
    _forget(tenant, "pulled", [account_id])


# -- posts ---------------------------------------------------------------------------------------------


def posts(tenant: str, ids: list[ObjectId], load) -> dict[ObjectId, dict]:
    """Stored posts by id, read through; load(ids) -> {id: stored document}. Missing ones are left out."""
    return _through(tenant, "post", ids, load, _bson, _stored, POST_TTL)


def forget_posts(tenant: str, ids) -> None:
    _forget(tenant, "post", ids)


def liked(tenant: str, account_id: str, post_ids: list[str], load) -> set[str]:
    """Which of post_ids the account likes, read through; load(post_ids) -> the liked ones among them."""
    names = [f"{account_id}:{p}" for p in post_ids]

    def load_names(missing: list[str]) -> dict[str, bool]:
        found = load([name.split(":", 1)[1] for name in missing])
        return {name: name.split(":", 1)[1] in found for name in missing}

    values = _through(tenant, "like", names, load_names, lambda v: b"1" if v else b"0", lambda b: b == b"1", LIKE_TTL)
    return {p for p, name in zip(post_ids, names, strict=True) if values.get(name)}


def forget_like(tenant: str, account_id: str, post_id: str) -> None:
    _forget(tenant, "like", [f"{account_id}:{post_id}"])


# -- each source's recent posts -----------------------------------------------------------------------


def recent(tenant: str, sources: list[str], load) -> dict[str, dict]:
    """Each source's {"ids": newest first, "floor": id or None}, read through; load(sources) -> {source: …}."""
    return _through(tenant, "recent", sources, load, _bson, bson.decode, RECENT_TTL)


def forget_recent(tenant: str, source: str) -> None:
    _forget(tenant, "recent", [source])


# -- source heads --------------------------------------------------------------------------------------


def heads(tenant: str, sources: list[str], load) -> dict[str, ObjectId]:
    """Each source's newest post id (absent: never posted), read through; load(sources) -> {source: id}."""

    def load_all(missing: list[str]) -> dict[str, str]:
        found = load(missing)
        return {s: str(found.get(s, NEVER)) for s in missing}  # "never posted" is cached too

    values = _through(tenant, "head", sources, load_all, str.encode, bytes.decode, HEAD_TTL)
    return {s: ObjectId(v) for s, v in values.items() if v != NEVER}


def raise_head(tenant: str, source: str, post_id: ObjectId) -> None:
    _cache.raise_to(_cache.key(tenant, f"head:{source}"), str(post_id), HEAD_TTL)


# -- home inboxes and notices --------------------------------------------------------------------------


def inbox(tenant: str, account_id: str, load) -> dict:
    """{"ids": [post id hex, …] newest first, "complete": bool} of the reader's inbox head; load() reads it."""
    return _one(tenant, "inbox", account_id, load, INBOX_TTL)


def forget_inboxes(tenant: str, account_ids) -> None:
    _forget(tenant, "inbox", account_ids)


def notice_list(tenant: str, account_id: str, load) -> dict:
    """{"ids": [[notice id, read], …] newest first, "complete": bool}; load() reads it."""
    return _one(tenant, "notices", account_id, load, NOTICES_TTL)


def forget_notice_lists(tenant: str, account_ids) -> None:
    _forget(tenant, "notices", account_ids)


def notices(tenant: str, notice_ids: list[str], load) -> dict[str, dict]:
    """What timelines show of each notice (JSON-able dicts), read through; load(ids) leaves out unknown ones."""
    return _through(tenant, "notice", notice_ids, load, _json, json.loads, NOTICE_TTL)


# -- chat and notifications ---------------------------------------------------------------------------


def chat_members(tenant: str, conversation_id: str, load) -> list[list[str]]:
    """[[member row id, account id], …] of the conversation, read through; load() reads them."""
    return _one(tenant, "members", conversation_id, load, MEMBERS_TTL)


def forget_chat_members(tenant: str, conversation_id: str) -> None:
    _forget(tenant, "members", [conversation_id])


def preferences(tenant: str, account_ids: list[str], load) -> dict[str, dict]:
    """Each account's stored notification preferences (kind -> channels; {} for none), read through;
    load(ids) -> {id: kinds} for those that have some."""

    def load_all(ids: list[str]) -> dict[str, dict]:
        found = load(ids)
        return {a: found.get(a) or {} for a in ids}

    return _through(tenant, "prefs", account_ids, load_all, _json, json.loads, PREFS_TTL)


def forget_preferences(tenant: str, account_id: str) -> None:
    _forget(tenant, "prefs", [account_id])
