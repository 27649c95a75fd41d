"""Timelines: home (people and orgs I follow, and my orgs' official posts), a person's, an org's.

Hybrid fan-out (why: services/content/README.md). When a post is published the worker pushes an entry
into the home inbox of each follower who may read it — only for authors and orgs with at most
PUSH_LIMIT followers. Posts of bigger ones are written nowhere else: each reader's home timeline pulls
them at read time, with the official posts of the orgs on the reader's own path (at most a handful),
and merges them with the inbox, newest first.

A page is each source's newest page-plus-one below the cursor, merged: the inbox (bounded) and the
reader's notices (few) read without a lower bound; a pulled or one-source timeline from the source's
cached list of recent posts (`_sources_newest`), and below that list from the database one time window
at a time (domain/microblog.py: window_seconds): the local database reads every index entry inside a
query's bounds, so a bounded window costs what it holds, where "everything older than the cursor" would
cost a source's whole history. The home timeline's sources are HOME_SOURCES; another area adds its own
(an org's notices, say) by appending a function `(HomeContext, hi, need) -> list[Item]` and
rendering its item kind in the API.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import mongoengine as me
from bson import ObjectId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from kernel.errors import DomainError, ErrorCode
from kernel.paging import DEFAULT_PAGE, MAX_PAGE
from kernel.store import TenantDocument, utcnow
from services.content import access, cache, mirror, posts
from services.content.domain import microblog as rules
from services.content.domain.visibility import PUBLIC, Audience, Reader, may_read
from services.content.posts import Post, PostView

log = logging.getLogger(__name__)

PUSH_LIMIT = 1000  # configure() sets these from the environment at start-up
INBOX_LIMIT = 500
TRIM_SLACK = 100  # an inbox is trimmed back to INBOX_LIMIT once it holds this many more
INBOX_HEAD = 60  # a reader's newest inbox entries kept in the cache (three pages of 20)
FANOUT_BATCH = 500  # followers read, checked and pushed per round
MAX_FOLLOWS_READ = 2000  # a home read considers this many of the reader's follows for pulled sources
RECENT = 100  # a source's newest live posts listed in the cache (cache.recent); older ones are queried
SMALL_SOURCE = 300  # a source with at most this many posts is listed in one query (index entries read: that many)
FLOOR = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # nothing is older: the last window reaches this far


def configure(push_limit: int, inbox_limit: int) -> None:
    global PUSH_LIMIT, INBOX_LIMIT
    PUSH_LIMIT, INBOX_LIMIT = push_limit, inbox_limit


def pull_threshold() -> int:
    """Targets above this are pulled at read time. Lower than PUSH_LIMIT on purpose: a target that drops
    just below PUSH_LIMIT keeps being pulled, so the posts it made while big (never pushed) stay visible;
    in the overlap a post may arrive both ways and is shown once."""
    return PUSH_LIMIT // 2


class TimelineEntry(TenantDocument):
    """One post pushed into one reader's home inbox."""

    owner_id = me.StringField(required=True)
    post_id = me.ObjectIdField(required=True)  # the order of the timeline: newest first
    via = me.StringField(required=True)  # person:<id> / org:<id> followed, or "self"

    meta = {
        "collection": "timeline_entries",
        "indexes": [
            {"fields": ["tenant", "owner_id", "post_id"], "unique": True, "name": "mb_inbox"},
            ("tenant", "post_id"),  # a deleted post leaves every inbox
            ("tenant", "owner_id", "via"),  # an unfollow removes the unfollowed one's entries
        ],
    }


class InboxSize(TenantDocument):
    """About how many entries a reader's inbox holds (counted when pushed; exact after each trim)."""

    owner_id = me.StringField(required=True)
    entries = me.IntField(default=0)

    meta = {"collection": "timeline_sizes", "indexes": [{"fields": ["tenant", "owner_id"], "unique": True}]}


DOCUMENTS = (TimelineEntry, InboxSize)


# -- fan-out (the worker) ---------------------------------------------------------------------------


def fan_out(tenant: str, post_id: str) -> int:
    """Push a published post into its author's own inbox and, for a small author or org, into the inbox
    of each follower who may read it. Idempotent (an entry is unique per reader and post); returns how
    many entries were pushed."""
    post = Post.in_tenant(tenant).filter(id=ObjectId(post_id)).first()
    if post is None or post.state != rules.LIVE:
        return 0
    kind, target = (mirror.ORG, post.as_org_id) if post.as_org_id else (mirror.PERSON, post.author_id)
    pushed = push(tenant, post.id, "self", [post.author_id])
    if mirror.followers_of(tenant, kind, target) > PUSH_LIMIT:
        return pushed  # a big one: its followers pull this post when they read
    audience = posts.audience_of(post)
    last = ""
    while True:
        query = mirror.FollowEdge.in_tenant(tenant).filter(target_kind=kind, target_id=target)
        if last:
            query = query.filter(follower_id__gt=last)
        batch = list(query.order_by("follower_id").limit(FANOUT_BATCH).scalar("follower_id"))
        readers = [r for r in posts.readers_among(tenant, audience, batch) if r != post.author_id]
        pushed += push(tenant, post.id, f"{kind}:{target}", readers)
        if len(batch) < FANOUT_BATCH:
            return pushed
        last = batch[-1]


def push_own(post: Post) -> None:
    """Read-your-writes: a published post goes into its author's own inbox at once, so the author who
    reloads sees it; fan_out pushes it again a moment later, which changes nothing. Best effort: the post
    is stored already, and the worker's fan-out puts it there if this fails."""
    if post.state != rules.LIVE:
        return
    try:
        push(post.tenant, post.id, "self", [post.author_id])
    except PyMongoError:
        log.warning("post %s: the author's inbox waits for the fan-out", post.id, exc_info=True)


def push(tenant: str, post_id: ObjectId, via: str, owners: list[str]) -> int:
    """Insert the entries (one round trip; those already there are skipped), count them, trim full inboxes."""
    if not owners:
        return 0
    rows = [{"tenant": tenant, "owner_id": o, "post_id": post_id, "via": via} for o in owners]
    try:
        TimelineEntry._get_collection().insert_many(rows, ordered=False)
    except BulkWriteError as exc:  # a redelivered event: the entries exist already
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise
    cache.forget_inboxes(tenant, owners)
    sizes = InboxSize._get_collection()
    sizes.bulk_write(
        [UpdateOne({"tenant": tenant, "owner_id": o}, {"$inc": {"entries": 1}}, upsert=True) for o in owners],
        ordered=False,
    )
    for start in range(0, len(owners), posts.IN_CHUNK):
        chunk = owners[start : start + posts.IN_CHUNK]
        for size in sizes.find({"tenant": tenant, "owner_id": {"$in": chunk}}, {"owner_id": 1, "entries": 1}):
            if size["entries"] > INBOX_LIMIT + TRIM_SLACK:
                trim(tenant, size["owner_id"])
    return len(owners)


def trim(tenant: str, owner_id: str) -> None:
    """Keep the newest INBOX_LIMIT entries of a reader's inbox."""
    entries = TimelineEntry._get_collection()
    cut = list(
        entries.find({"tenant": tenant, "owner_id": owner_id}, {"post_id": 1})
        .sort("post_id", -1)
        .skip(INBOX_LIMIT - 1)
        .limit(1)
    )
    if cut:
        entries.delete_many({"tenant": tenant, "owner_id": owner_id, "post_id": {"$lt": cut[0]["post_id"]}})
    kept = INBOX_LIMIT if cut else entries.count_documents({"tenant": tenant, "owner_id": owner_id})
    InboxSize._get_collection().update_one({"tenant": tenant, "owner_id": owner_id}, {"$set": {"entries": kept}})
    cache.forget_inboxes(tenant, [owner_id])


def remove_post(tenant: str, post_id: str) -> None:
    """A deleted post leaves every inbox (reads skip it meanwhile)."""
    TimelineEntry._get_collection().delete_many({"tenant": tenant, "post_id": ObjectId(post_id)})


def unfollowed(tenant: str, follower_id: str, kind: str, target_id: str) -> None:
    """What was pushed because of a follow leaves the follower's inbox with it; nothing more is pushed
    (fan-out reads the followers when a post is published)."""
    TimelineEntry._get_collection().delete_many(
        {"tenant": tenant, "owner_id": follower_id, "via": f"{kind}:{target_id}"}
    )
    cache.forget_inboxes(tenant, [follower_id])


# -- reading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One timeline item: its order key (newest first) and what it shows. The microblog's are posts, kept as
    stored (`doc`) while candidates are merged and made a Post only when shown (mongoengine's conversion
    costs ~0.2 ms a post)."""

    key: ObjectId
    kind: str
    doc: dict | None = None  # a post as stored
    payload: object = None  # another area's item (an org notice …)

    @functools.cached_property
    def post(self) -> Post | None:
        return Post._from_son(self.doc) if self.doc is not None else None


def _post_item(doc: dict) -> Item:
    return Item(doc["_id"], "post", doc=doc)


def _stored_audience(doc: dict):
    return Audience(doc["author_id"], doc["visibility"], doc.get("audience_org_id", ""))


@dataclass
class HomeContext:
    tenant: str
    reader: Reader
    pulled_sources: list[str] = field(default_factory=list)  # person:<id> / org:<id>
    pulled_keys: list[str] = field(default_factory=list)
    heads: dict[str, ObjectId] = field(default_factory=dict)  # each pulled source's newest post


Source = Callable[[HomeContext, ObjectId | None, int], list[Item]]


def _by_key(item: Item) -> ObjectId:
    return item.key


def _id_range(lo: ObjectId | None, hi: ObjectId | None) -> dict:
    bounds = {}
    if lo is not None:
        bounds["$gte"] = lo
    if hi is not None:
        bounds["$lt"] = hi
    return bounds


def _feed(tenant: str, sources: list[str], states: list[str], keys: list[str] | None, lo, hi, need: int) -> list[Item]:
    """Posts of these sources in [lo, hi), newest first, whose audience meets keys (None: any).

    One query per source and state: an equality on the index's prefix and one `_id` range is the shape
    the local database reads within the index's bounds (with an `$in` beside the range it reads the whole
    collection, hinted or not). The audience is checked here, reading on in the window when some fail."""
    wanted = set(keys) if keys is not None else None
    batches = [_source_feed(tenant, source, state, wanted, lo, hi, need) for source in sources for state in states]
    return rules.merge_newest_first(batches, _by_key, need)


def _source_feed(tenant: str, source: str, state: str, keys: set[str] | None, lo, hi, need: int) -> list[Item]:
    posts_ = Post._get_collection()
    kept: list[Item] = []
    while len(kept) < need:
        want = need - len(kept)
        query: dict = {"tenant": tenant, "source": source, "state": state}
        bounds = _id_range(lo, hi)
        if bounds:
            query["_id"] = bounds
        batch = list(posts_.find(query).sort("_id", -1).limit(want))
        for doc in batch:
            if keys is None or not keys.isdisjoint(doc.get("audience", ())):
                kept.append(_post_item(doc))
        if len(batch) < want:
            break
        hi = batch[-1]["_id"]
    return kept


def inbox_source(ctx: HomeContext, hi, need: int) -> list[Item]:
    """The newest pushed entries below hi, as posts still live and still readable (a friendship may have
    ended). The inbox is bounded (INBOX_LIMIT), so it is read without a lower bound; its head (INBOX_HEAD
    entries) is kept in the cache, so a first page and the next two usually ask the database nothing."""
    tenant, owner = ctx.tenant, ctx.reader.account_id
    head = cache.inbox(tenant, owner, lambda: _inbox_head(tenant, owner))
    listed = [ObjectId(i) for i in head["ids"]]
    kept: list[Item] = []
    while len(kept) < need:
        want = need - len(kept)
        batch = [i for i in listed if hi is None or i < hi][:want]
        if len(batch) < want and not head["complete"]:  # below the head
            batch = _inbox_ids(tenant, owner, hi, want)
        found = posts.stored_by_id(tenant, batch)
        for post_id in batch:
            doc = found.get(post_id)
            if doc is None or doc.get("state") != rules.LIVE:
                continue
            if doc["author_id"] == owner or may_read(ctx.reader, _stored_audience(doc)):
                kept.append(_post_item(doc))
        if len(batch) < want:
            break
        hi = batch[-1]  # some were dropped: read on below the last entry
    return kept


def _inbox_ids(tenant: str, owner: str, hi: ObjectId | None, limit: int) -> list[ObjectId]:
    query = {"tenant": tenant, "owner_id": owner}
    if hi is not None:
        query["post_id"] = {"$lt": hi}
    rows = TimelineEntry._get_collection().find(query, {"post_id": 1}).sort("post_id", -1).limit(limit)
    return [row["post_id"] for row in rows]


def _inbox_head(tenant: str, owner: str) -> dict:
    ids = _inbox_ids(tenant, owner, None, INBOX_HEAD)
    return {"ids": [str(i) for i in ids], "complete": len(ids) < INBOX_HEAD}


def pulled_source(ctx: HomeContext, hi, need: int) -> list[Item]:
    """Recent posts of the big ones the reader follows and the official posts of the reader's orgs (those
    that ever posted)."""
    sources = [s for s in ctx.pulled_sources if s in ctx.heads]
    return _sources_newest(ctx.tenant, sources, set(ctx.pulled_keys), hi, need)


def _sources_newest(tenant: str, sources: list[str], keys: set[str], hi, need: int) -> list[Item]:
    """The newest `need` live posts of these sources below hi whose audience meets keys.

    From each source's list of recent posts (cache.recent: ids only, so each post's state and audience are
    checked as it is now, from the posts by id, cached too), merged newest first and fetched a page at a
    time. A list ends at its floor (older posts are not listed): below the highest floor the lists cannot
    be trusted, so a page that reaches it also reads those sources on below their floors in the database.
    Without a cache the lists are read from the database on every call."""
    lists = _recent_lists(tenant, sources)
    floors = {s: lists[s]["floor"] for s in sources if lists[s]["floor"] is not None}
    cut = max(floors.values(), default=None)  # every listed id at or above this is a complete merge
    listed = sorted({i for s in sources for i in lists[s]["ids"] if hi is None or i < hi}, reverse=True)
    trusted = [i for i in listed if cut is None or i >= cut]
    kept = _readable(tenant, trusted, keys, need)
    if len(kept) >= need or not floors:
        return kept
    # The page goes below a list's floor: those sources' older posts, then everything listed down there.
    older: list[Item] = []
    for source, floor in floors.items():
        below = floor if hi is None else min(floor, hi)
        fetch = lambda lo_, hi_, n, s=source: _feed(tenant, [s], [rules.LIVE], list(keys), lo_, hi_, n)  # noqa: E731
        older += _walk(fetch, below, need - len(kept))
    rest = _readable(tenant, [i for i in listed if i < cut], keys, need - len(kept))
    return kept + rules.merge_newest_first([older, rest], _by_key, need - len(kept))


def _readable(tenant: str, ids: list[ObjectId], keys: set[str], need: int) -> list[Item]:
    """The first `need` of ids (newest first) that are live posts whose audience meets keys, read a page at
    a time."""
    kept: list[Item] = []
    for start in range(0, len(ids), need):
        chunk = ids[start : start + need]
        found = posts.stored_by_id(tenant, chunk)
        for oid in chunk:
            doc = found.get(oid)
            if doc is not None and doc.get("state") == rules.LIVE and not keys.isdisjoint(doc.get("audience", ())):
                kept.append(_post_item(doc))
                if len(kept) == need:
                    return kept
    return kept


def _recent_lists(tenant: str, sources: list[str]) -> dict[str, dict]:
    return cache.recent(tenant, sources, lambda missing: {s: _load_recent(tenant, s) for s in missing})


def _load_recent(tenant: str, source: str) -> dict:
    """The ids of the source's newest RECENT live posts, and the floor: the list holds every live post
    from the floor up (None: every live post the source has)."""
    fetch = lambda lo, hi, n: _feed(tenant, [source], [rules.LIVE], None, lo, hi, n)  # noqa: E731
    written = posts.posts_written(tenant, source)
    if written is not None and written <= SMALL_SOURCE:  # its whole history costs less than a window walk
        ids = [item.key for item in fetch(None, None, RECENT)]
    else:
        ids = [item.key for item in _walk(fetch, None, RECENT)]
    return {"ids": ids, "floor": ids[-1] if len(ids) == RECENT else None}


def _walk(fetch, hi: ObjectId | None, need: int) -> list[Item]:
    """Up to `need` items below hi, newest first, from fetch(lo, hi, need) over time windows that widen
    until enough are found (domain/microblog.py: window_seconds)."""
    items: list[Item] = []
    step = 0
    while True:
        top = hi.generation_time if hi is not None else utcnow()
        start = top - dt.timedelta(seconds=rules.window_seconds(step))
        lo = ObjectId.from_datetime(start) if start > FLOOR and step < rules.MAX_STEP else None
        got = fetch(lo, hi, need - len(items))
        items += got
        if len(items) >= need or lo is None:
            return items
        # an empty window says the source is sparse back there: widen twice as fast
        hi, step = lo, min(step + (1 if got else 2), rules.MAX_STEP)


def notices_source(ctx: HomeContext, hi, need: int) -> list[Item]:
    """My orgs' notices: those addressed to the reader (their receipts), keyed by the notice's id; a
    reader's notices are few, so they are read without a lower bound."""
    from services.content import notices  # notices builds on the microblog's modules, not the reverse

    entries = notices.home_source(ctx.tenant, ctx.reader.account_id, hi, need)
    return [Item(ObjectId(e.notice_id), "notice", payload=e) for e in entries]


HOME_SOURCES: list[Source] = [inbox_source, pulled_source, notices_source]


def _page_size(page_size: int) -> int:
    size = page_size or DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    return size


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str
    reader: Reader


def _page(items: list[Item], size: int, reader: Reader) -> Page:
    """The first `size` of size + 1 items read, and the cursor below the last shown (none on the last page)."""
    page = items[:size]
    return Page(page, rules.encode_cursor(str(page[-1].key), 0) if len(items) > size else "", reader)


def _below(cursor: str) -> ObjectId | None:
    return ObjectId(rules.decode_cursor(cursor)[0]) if cursor else None


def _home_context(tenant: str, reader: Reader) -> HomeContext:
    """Who the home timeline pulls: followed targets above the pull threshold, and the reader's orgs."""
    ctx = HomeContext(tenant, reader)
    big = cache.pulled(tenant, reader.account_id, lambda: _big_follows(tenant, reader.account_id))
    ctx.pulled_sources = big + [f"org:{o}" for o in reader.org_path]
    ctx.pulled_keys = [PUBLIC, *(f"org:{o}" for o in reader.org_path)]
    ctx.pulled_keys += [f"friends-of:{s.split(':', 1)[1]}" for s in big if _is_friend_source(s, reader)]
    ctx.heads = posts.source_heads(tenant, ctx.pulled_sources)
    return ctx


def _is_friend_source(source: str, reader: Reader) -> bool:
    kind, target = source.split(":", 1)
    return kind == mirror.PERSON and target in reader.friend_ids


def _big_follows(tenant: str, account_id: str) -> list[str]:
    """The sources (kind:target) the account follows whose followers exceed the pull threshold."""
    follows: dict[str, list[str]] = {mirror.PERSON: [], mirror.ORG: []}
    edges = mirror.FollowEdge.in_tenant(tenant).filter(follower_id=account_id).limit(MAX_FOLLOWS_READ)
    for kind, target_id in edges.scalar("target_kind", "target_id"):
        follows.setdefault(kind, []).append(target_id)
    big: list[str] = []
    for kind, ids in follows.items():
        for start in range(0, len(ids), posts.IN_CHUNK):
            counts = mirror.FollowerCount.in_tenant(tenant).filter(
                target_kind=kind, target_id__in=ids[start : start + posts.IN_CHUNK]
            )
            big += [f"{kind}:{t}" for t, n in counts.scalar("target_id", "followers") if n > pull_threshold()]
    return big


def home(page_size: int, cursor: str) -> Page:
    """One page of the home timeline: each source's newest page-plus-one below the cursor, merged.

    The inbox is bounded and a reader's notices are few, so both are read without a lower bound; the pulled
    sources come from their recent lists (`_sources_newest`). The page is exact because every source gave
    its own newest page-plus-one: whatever a source holds below that comes after a full page."""
    size = _page_size(page_size)
    hi = _below(cursor)
    tenant = access.tenant()
    ctx = _home_context(tenant, posts.me_as_author().reader)
    batches = [source(ctx, hi, size + 1) for source in HOME_SOURCES]
    return _page(rules.merge_newest_first(batches, _by_key, size + 1), size, ctx.reader)


def person(account_id: str, page_size: int, cursor: str) -> Page:
    """A person's own posts (not their official ones), those the caller may read; the author sees the
    hidden ones too, marked."""
    tenant = access.tenant()
    reader = posts.me_as_author().reader
    account_id = account_id or reader.account_id
    if not mirror.people(tenant, [account_id])[account_id]["known"]:
        raise DomainError(ErrorCode.NOT_FOUND, "mb_person_unknown", "account_id", account_id=account_id)
    source = rules.source_of(account_id, "")
    if account_id == reader.account_id:  # their own, hidden ones too: from the database
        return _own_page(tenant, source, page_size, cursor, reader)
    keys = [PUBLIC, *(f"org:{o}" for o in reader.org_path)]
    if account_id in reader.friend_ids:
        keys.append(f"friends-of:{account_id}")
    return _listed_page(tenant, source, keys, page_size, cursor, reader)


def org(org_id: str, page_size: int, cursor: str) -> Page:
    """An org's official posts that the caller may read."""
    tenant = access.tenant()
    access.org_path(org_id)
    reader = posts.me_as_author().reader
    keys = [PUBLIC, f"author:{reader.account_id}", *(f"org:{o}" for o in reader.org_path)]
    return _listed_page(tenant, rules.source_of("", org_id), keys, page_size, cursor, reader)


def public_official(tenant: str, org_id: str, limit: int) -> list[Post]:
    """The org's newest public official posts, for anyone (its micro-website's news): no reader needed."""
    source = rules.source_of("", org_id)
    if source not in posts.source_heads(tenant, [source]):
        return []
    return [item.post for item in _sources_newest(tenant, [source], {PUBLIC}, None, limit)]


def _listed_page(tenant: str, source: str, keys: list[str], page_size: int, cursor: str, reader: Reader) -> Page:
    """A one-source timeline's page of live posts, from its recent list (nothing to read if it never posted)."""
    size = _page_size(page_size)
    hi = _below(cursor)
    if source not in posts.source_heads(tenant, [source]):
        return Page([], "", reader)
    items = _sources_newest(tenant, [source], set(keys), hi, size + 1)
    return _page(items, size, reader)


def _own_page(tenant: str, source: str, page_size: int, cursor: str, reader: Reader) -> Page:
    """The author's own timeline, live and hidden posts, from the database in windows below their newest."""
    size = _page_size(page_size)
    hi = _below(cursor)
    newest = posts.source_heads(tenant, [source]).get(source)
    if newest is None:
        return Page([], "", reader)
    if hi is None:
        hi = ObjectId.from_datetime(newest.generation_time + dt.timedelta(seconds=1))
    fetch = lambda lo, hi_, n: _feed(tenant, [source], [rules.LIVE, rules.HIDDEN], None, lo, hi_, n)  # noqa: E731
    return _page(_walk(fetch, hi, size + 1), size, reader)


def post_views(items: list[Item], reader: Reader) -> list[tuple[Item, PostView | None]]:
    """Each item with its post dressed for the reader (originals of reposts, likes), batched."""
    shown = posts.views([i.post for i in items if i.post is not None], reader)
    by_id = {v.post.id: v for v in shown}
    return [(i, by_id.get(i.post.id) if i.post is not None else None) for i in items]
