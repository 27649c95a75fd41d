"""Posts (微博), their edits, likes and comments: the microblog's write side and single-post reads.

Every read checks visibility (domain/visibility.py) against the caller as a reader taken from content's
mirror; a post the caller may not read is answered exactly like a post that does not exist (NOT_FOUND),
so ids leak nothing. Deleted posts are gone for everyone; hidden ones (moderation.py) remain for their
author, marked hidden, and for the moderators of the org the author belonged to when posting.
A write and its event commit together (`atomically`); events are listed in events.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel import authz, paging, store
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id, utcnow
from kernel.turns import Turns
from services.content import access, cache, events, mirror
from services.content.domain import microblog as rules
from services.content.domain.visibility import FRIENDS, ORG, PRIVATE, PUBLIC, Audience, Reader, audience_keys, may_read

IN_CHUNK = 100  # `$in` lists are sent in chunks of this many (the local database plans them best so)


KEY_SECONDS = 2 * 86400  # how long a client's key for a post is remembered (a retry comes within seconds)
_SOURCE_TURNS = Turns()  # posts of one source (a person, an org) raise its one head document: they take turns


class Post(TenantDocument):
    author_id = me.StringField(required=True)  # the person who wrote it (also for an official post)
    author_name = me.StringField(default="")  # the person's (or the official org's) name when posting
    as_org_id = me.StringField(default="")  # posted as this org's official account
    source = me.StringField(required=True)  # whose timeline: person:<id> or org:<id> (rules.source_of)
    # Moderation scope: the author's home org when posting (the org itself for an official post).
    org_id = me.StringField(default="")
    org_path = me.ListField(me.StringField())
    visibility = me.StringField(required=True)
    audience_org_id = me.StringField(default="")
    audience = me.ListField(me.StringField())  # audience_keys(), matched by reader_keys() in queries
    text = me.StringField(default="")
    hashtags = me.ListField(me.StringField())
    mentions = me.ListField(me.StringField())
    media_ids = me.ListField(me.StringField())
    repost_of = me.StringField(default="")  # the original's id (a repost of a repost keeps the original)
    state = me.StringField(default=rules.LIVE)
    created_at = me.DateTimeField(required=True)
    edited_at = me.DateTimeField()
    edit_count = me.IntField(default=0)
    likes = me.IntField(default=0)
    comments = me.IntField(default=0)
    reposts = me.IntField(default=0)
    state_by = me.StringField(default="")  # who hid or deleted it
    state_at = me.DateTimeField()

    meta = {
        "collection": "posts",
        "indexes": [
            # person and org timelines, and the home timeline's pulled sources: one source a query
            # (timelines._feed), its audience checked in the service
            {"fields": ["tenant", "source", "state", "id"], "name": "mb_source"},
        ],
    }


class PostKey(TenantDocument):
    """A client's key for a post it made (CreatePostRequest.client_post_id): `_id` is tenant, author and key, so
    a second insert of the same key fails in the transaction that would have made a second post."""

    id = me.StringField(primary_key=True)
    post_id = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "post_keys",
        "indexes": [{"fields": ["created_at"], "expireAfterSeconds": KEY_SECONDS}],
    }


class PostEdit(TenantDocument):
    """One edit of a post: who, when, and the text before it."""

    post_id = me.StringField(required=True)
    editor_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)
    text_before = me.StringField(default="")
    mentions_before = me.ListField(me.StringField())

    meta = {"collection": "post_edits", "indexes": [("tenant", "post_id")]}


class Like(TenantDocument):
    post_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "post_likes",
        "indexes": [
            {"fields": ["tenant", "post_id", "account_id"], "unique": True, "name": "mb_like"},
            ("tenant", "account_id", "post_id"),  # which posts of a page the reader likes
        ],
    }


class Comment(TenantDocument):
    post_id = me.StringField(required=True)
    parent_id = me.StringField(default="")  # "" for a top-level comment; replies are one level deep
    author_id = me.StringField(required=True)
    author_name = me.StringField(default="")
    reply_to_author_id = me.StringField(default="")
    text = me.StringField(required=True)
    mentions = me.ListField(me.StringField())
    org_id = me.StringField(default="")  # moderation scope: the commenter's home org when commenting
    org_path = me.ListField(me.StringField())
    state = me.StringField(default=rules.LIVE)
    replies = me.IntField(default=0)
    created_at = me.DateTimeField(required=True)
    state_by = me.StringField(default="")
    state_at = me.DateTimeField()

    meta = {"collection": "post_comments", "indexes": [("tenant", "post_id", "parent_id", "id")]}


class SourceHead(TenantDocument):
    """The newest post of a timeline source (person:<id>, org:<id>), written with each post: a reader skips
    a source with nothing in the window being read, and a quiet author's timeline starts at its last post.
    A source without a head has never posted (once heads exist: backfill_heads)."""

    source = me.StringField(required=True)
    newest = me.ObjectIdField(required=True)
    posts = me.IntField()  # how many it has written (any state); None on heads written before it was counted

    meta = {"collection": "post_source_heads", "indexes": [{"fields": ["tenant", "source"], "unique": True}]}


DOCUMENTS = (Post, PostEdit, Like, Comment, SourceHead)

store.watch(Post, cache.forget_posts)  # an updated post leaves the cache (edits, likes, hiding, deletion)


def posts_written(tenant: str, source: str) -> int | None:
    """How many posts the source has written (any state; None: not counted, or never posted)."""
    row = SourceHead._get_collection().find_one({"tenant": tenant, "source": source}, {"posts": 1})
    return row.get("posts") if row else None


def source_heads(tenant: str, sources: list[str]) -> dict[str, ObjectId]:
    """Each source's newest post id (absent: never posted), through the cache."""
    return cache.heads(tenant, sources, lambda missing: _stored_heads(tenant, missing))


def _stored_heads(tenant: str, sources: list[str]) -> dict[str, ObjectId]:
    heads = {}
    for start in range(0, len(sources), IN_CHUNK):
        chunk = sources[start : start + IN_CHUNK]
        for row in SourceHead._get_collection().find({"tenant": tenant, "source": {"$in": chunk}}):
            heads[row["source"]] = row["newest"]
    return heads


def backfill_heads(db) -> int:
    """Heads for posts written before heads existed: once, when a server starts on such a database (it has
    posts and no heads). `db` is content's pymongo database. Returns how many sources got one."""
    heads, stored = db[SourceHead._meta["collection"]], db[Post._meta["collection"]]
    if heads.find_one({}, {"_id": 1}) is not None or stored.find_one({}, {"_id": 1}) is None:
        return 0
    newest: dict[tuple[str, str], ObjectId] = {}
    written: dict[tuple[str, str], int] = {}
    for row in stored.find({}, {"tenant": 1, "source": 1}):
        key = (row["tenant"], row["source"])
        newest[key] = max(newest.get(key, row["_id"]), row["_id"])
        written[key] = written.get(key, 0) + 1
    rows = [{"tenant": t, "source": src, "newest": oid, "posts": written[t, src]} for (t, src), oid in newest.items()]
    for start in range(0, len(rows), 1000):
        heads.insert_many(rows[start : start + 1000])
    return len(rows)


# -- the caller -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Me:
    reader: Reader
    display_name: str


def me_as_author() -> Me:
    """The caller as a reader and an author (home org path, friends, name), from the mirror's records."""
    tenant, account_id = access.tenant(), access.actor().account_id
    record = mirror.people(tenant, [account_id])[account_id]
    return Me(mirror.reader_of(account_id, record), record["name"])


def moderates(org_path: list[str]) -> bool:
    """Whether the caller may moderate content whose scope is org_path (content.moderate on it)."""
    who = access.actor()
    return authz.decide(rules.MODERATE_ACTION, org_path, who.grants, who.platform_roles).allowed


def audience_of(post: Post) -> Audience:
    return Audience(post.author_id, post.visibility, post.audience_org_id)


def _unknown_post(field: str = "post_id") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "mb_post_unknown", field)


def readable_post(post_id: str, reader: Reader, field: str = "post_id") -> Post:
    """The post if the reader may see it, else NOT_FOUND (as if it did not exist).

    The author always sees their post (marked hidden if it is); everyone else sees live posts whose
    audience includes them. A hidden post stays visible to the moderators of its scope (unless private):
    moderation grants no other reading — a moderator judges a report from what the reporter could see
    (the report keeps its excerpt)."""
    oid = object_id(post_id)
    post = posts_by_id(access.tenant(), [oid]).get(oid) if oid else None
    if post is None or post.state == rules.DELETED:
        raise _unknown_post(field)
    if post.author_id == reader.account_id:
        return post
    if post.state == rules.LIVE and may_read(reader, audience_of(post)):
        return post
    if post.state == rules.HIDDEN and post.visibility != PRIVATE and moderates(list(post.org_path)):
        return post
    raise _unknown_post(field)


def live_post(post_id: str, reader: Reader, field: str = "post_id") -> Post:
    """A readable post that may be liked, commented on or reposted (not hidden)."""
    post = readable_post(post_id, reader, field)
    if post.state != rules.LIVE:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mb_post_not_live", field)
    return post


def readers_among(tenant: str, audience: Audience, account_ids: list[str]) -> list[str]:
    """Those of account_ids who may read content of this audience (indexed reads in chunks of 100)."""
    if audience.visibility == PUBLIC:
        return list(account_ids)
    allowed = {audience.author_id} & set(account_ids)
    for start in range(0, len(account_ids), IN_CHUNK):
        chunk = account_ids[start : start + IN_CHUNK]
        if audience.visibility == ORG:
            allowed |= set(
                mirror.Person.in_tenant(tenant)
                .filter(account_id__in=chunk, org_path=audience.org_id)
                .scalar("account_id")
            )
        elif audience.visibility == FRIENDS:
            allowed |= set(
                mirror.FriendEdge.in_tenant(tenant)
                .filter(owner_id=audience.author_id, friend_id__in=chunk)
                .scalar("friend_id")
            )
        elif audience.visibility == PRIVATE:
            break
    return [a for a in account_ids if a in allowed]


def _known_people(tenant: str, account_ids: list[str]) -> None:
    records = mirror.people(tenant, account_ids) if account_ids else {}
    for index, account_id in enumerate(account_ids):
        if not records[account_id]["known"]:
            raise DomainError(ErrorCode.NOT_FOUND, "mb_mention_unknown", f"mentions[{index}]", account_id=account_id)


# -- posts ----------------------------------------------------------------------------------------------


def create_post(
    text: str,
    media_ids: list[str],
    visibility: str,
    audience_org_id: str = "",
    as_org_id: str = "",
    repost_of: str = "",
    mentions: list[str] | None = None,
    client_post_id: str = "",
) -> Post:
    """A new post and its post_published event. With client_post_id, the same key again (a retry of a post whose
    answer was lost) returns the post it made."""
    tenant = access.tenant()
    me_ = me_as_author()
    reader = me_.reader
    key = _post_key(tenant, reader.account_id, rules.check_client_post_id(client_post_id))
    media_ids = rules.check_media_ids(list(media_ids))
    rules.check_text(text, bool(media_ids), bool(repost_of))
    mention_ids = rules.check_mentions(list(mentions or []), reader.account_id)
    name, scope_org, scope_path = me_.display_name, reader.org_id, list(reader.org_path)
    if as_org_id:
        scope_path = access.org_path(as_org_id, "as_org_id")
        if not access.may(rules.OFFICIAL_POST_ACTION, as_org_id):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "mb_official_not_allowed", "as_org_id")
        scope_org = as_org_id
        node = mirror.OrgNode.in_tenant(tenant).filter(org_id=as_org_id).only("name").first()
        name = node.name if node else ""
    org_for_audience = rules.audience_org(visibility, audience_org_id, scope_path, official=bool(as_org_id))
    original: Post | None = None
    if repost_of:
        try:
            original = live_post(repost_of, reader, "repost_of")
        except DomainError:
            raise DomainError(ErrorCode.NOT_FOUND, "mb_repost_unavailable", "repost_of") from None
        if original.repost_of:  # reposting a repost reposts its original, as 微博 does
            original = live_post(original.repost_of, reader, "repost_of")
    _known_people(tenant, mention_ids)
    audience = Audience(reader.account_id, visibility, org_for_audience)
    now = utcnow()
    post = Post(
        id=ObjectId(),  # known before the insert: a client's key names it
        tenant=tenant,
        author_id=reader.account_id,
        author_name=name,
        as_org_id=as_org_id,
        source=rules.source_of(reader.account_id, as_org_id),
        org_id=scope_org,
        org_path=scope_path,
        visibility=visibility,
        audience_org_id=org_for_audience,
        audience=audience_keys(audience),
        text=text,
        hashtags=rules.hashtags(text),
        mentions=mention_ids,
        media_ids=media_ids,
        repost_of=str(original.id) if original else "",
        created_at=now,
    )
    notify = readers_among(tenant, audience, mention_ids)

    def write(uow: UnitOfWork) -> Post:
        if key:  # first: a second post with this key stops here, before anything is written
            uow.insert(PostKey(id=key, tenant=tenant, post_id=str(post.id), created_at=now))
        uow.insert(post)
        SourceHead._get_collection().update_one(
            {"tenant": tenant, "source": post.source},
            {"$max": {"newest": post.id}, "$inc": {"posts": 1}},
            upsert=True,
            session=uow.session,
        )
        if original is not None:
            uow.update_one(Post, {"_id": original.id}, {"$inc": {"reposts": 1}})
        uow.emit(
            events.SOURCE,
            events.POST_PUBLISHED,
            {
                "post_id": str(post.id),
                "author_id": post.author_id,
                "as_org_id": as_org_id,
                "visibility": visibility,
                "audience_org_id": org_for_audience,
                "audience": list(post.audience),
                "text": text,
                "hashtags": list(post.hashtags),
                "mentions": notify,
                "media_ids": media_ids,
                "repost_of": post.repost_of,
                "created_at": now.isoformat(),
            },
            reader.account_id,
        )
        return post

    try:
        with _SOURCE_TURNS.of(f"{tenant}:{post.source}"):  # one head per source: its posts take turns
            atomically(tenant, write)
    except DuplicateKeyError:
        made = _made_with(tenant, key) if key else None
        if made is None:
            raise
        return made  # the same post sent again (its answer was lost): the first one made it
    cache.raise_head(tenant, post.source, post.id)
    cache.forget_recent(tenant, post.source)
    return post


def _post_key(tenant: str, author_id: str, client_post_id: str) -> str:
    return f"{tenant}:{author_id}:{client_post_id}" if client_post_id else ""


def _made_with(tenant: str, key: str) -> Post | None:
    """The post a client's key made (None: the key is new). The key of a post deleted since makes nothing."""
    row = PostKey._get_collection().find_one({"_id": key}, {"post_id": 1})
    if row is None:
        return None
    post = Post.in_tenant(tenant).filter(id=ObjectId(row["post_id"])).first()
    if post is None or post.state == rules.DELETED:
        raise _unknown_post("client_post_id")
    return post


def get_post(post_id: str) -> Post:
    return readable_post(post_id, me_as_author().reader)


def edit_post(post_id: str, text: str, mentions: list[str] | None = None) -> Post:
    tenant = access.tenant()
    reader = me_as_author().reader
    post = readable_post(post_id, reader)
    if not rules.may_edit(reader.account_id, post.author_id, post.state):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "mb_edit_not_allowed", "post_id")
    rules.check_text(text, bool(post.media_ids), bool(post.repost_of))
    mention_ids = rules.check_mentions(list(mentions or []), reader.account_id)
    _known_people(tenant, mention_ids)
    notify = readers_among(tenant, audience_of(post), mention_ids)
    now = utcnow()
    tags = rules.hashtags(text)

    def write(uow: UnitOfWork) -> None:
        changed = uow.update_one(
            Post,
            {"_id": post.id, "state": {"$ne": rules.DELETED}, "edit_count": post.edit_count},
            {
                "$set": {"text": text, "hashtags": tags, "mentions": mention_ids, "edited_at": now},
                "$inc": {"edit_count": 1},
            },
        )
        if not changed:  # edited or deleted meanwhile: the caller retries on what is there now
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "mb_post_not_live", "post_id")
        uow.insert(
            PostEdit(
                tenant=tenant,
                post_id=str(post.id),
                editor_id=reader.account_id,
                at=now,
                text_before=post.text,
                mentions_before=list(post.mentions),
            )
        )
        uow.emit(
            events.SOURCE,
            events.POST_EDITED,
            {
                "post_id": str(post.id),
                "author_id": post.author_id,
                "text": text,
                "hashtags": tags,
                "mentions": notify,
                "audience": list(post.audience),
            },
            reader.account_id,
        )

    atomically(tenant, write)
    return Post.in_tenant(tenant).get(id=post.id)


def post_edits(post_id: str) -> tuple[Post, list[PostEdit]]:
    """The edit history of a post the caller may read, oldest first (edits are few)."""
    post = readable_post(post_id, me_as_author().reader)
    return post, list(PostEdit.in_tenant(post.tenant).filter(post_id=str(post.id)).order_by("id"))


def delete_post(post_id: str) -> None:
    """Soft delete, by the author or a moderator of the post's scope; gone from every read and timeline."""
    tenant = access.tenant()
    reader = me_as_author().reader
    post = readable_post(post_id, reader)
    if post.author_id != reader.account_id and not moderates(list(post.org_path)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "mb_delete_not_allowed", "post_id")

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(
            Post,
            {"_id": post.id, "state": {"$ne": rules.DELETED}},
            {"$set": {"state": rules.DELETED, "state_by": reader.account_id, "state_at": utcnow()}},
        ):
            return  # deleted meanwhile: nothing more to do
        if post.repost_of:
            uow.update_one(Post, {"_id": ObjectId(post.repost_of)}, {"$inc": {"reposts": -1}})
        uow.emit(
            events.SOURCE,
            events.POST_DELETED,
            {"post_id": str(post.id), "author_id": post.author_id},
            reader.account_id,
        )

    atomically(tenant, write)


# -- likes ------------------------------------------------------------------------------------------------


def like(post_id: str) -> tuple[bool, int]:
    """Like a post (idempotent: liking twice counts once); returns (liked, likes)."""
    tenant = access.tenant()
    reader = me_as_author().reader
    post = live_post(post_id, reader)

    def write(uow: UnitOfWork) -> None:
        uow.insert(Like(tenant=tenant, post_id=str(post.id), account_id=reader.account_id, at=utcnow()))
        uow.update_one(Post, {"_id": post.id}, {"$inc": {"likes": 1}})
        uow.emit(
            events.SOURCE,
            events.POST_LIKED,
            {"post_id": str(post.id), "post_author_id": post.author_id, "liker_id": reader.account_id},
            reader.account_id,
        )

    try:
        atomically(tenant, write)
        cache.forget_like(tenant, reader.account_id, str(post.id))
    except DuplicateKeyError:
        pass  # already liked
    return True, Post.in_tenant(tenant).filter(id=post.id).scalar("likes").first() or 0


def unlike(post_id: str) -> tuple[bool, int]:
    tenant = access.tenant()
    reader = me_as_author().reader
    post = readable_post(post_id, reader)

    def write(uow: UnitOfWork) -> None:
        removed = Like._get_collection().delete_one(
            {"tenant": tenant, "post_id": str(post.id), "account_id": reader.account_id}, session=uow.session
        )
        if removed.deleted_count:
            uow.update_one(Post, {"_id": post.id}, {"$inc": {"likes": -1}})

    atomically(tenant, write)
    cache.forget_like(tenant, reader.account_id, str(post.id))
    return False, Post.in_tenant(tenant).filter(id=post.id).scalar("likes").first() or 0


def liked_by(tenant: str, account_id: str, post_ids: list[ObjectId]) -> set[str]:
    """Which of these posts the account likes, through the cache (else one indexed read per 100 posts)."""
    return cache.liked(
        tenant, account_id, [str(i) for i in post_ids], lambda ids: _stored_likes(tenant, account_id, ids)
    )


def _stored_likes(tenant: str, account_id: str, ids: list[str]) -> set[str]:
    liked: set[str] = set()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        liked |= set(Like.in_tenant(tenant).filter(post_id__in=chunk, account_id=account_id).scalar("post_id"))
    return liked


def posts_by_id(tenant: str, ids: list[ObjectId]) -> dict[ObjectId, Post]:
    """Posts by id (any state), through the cache; unknown ids are left out."""
    return {oid: Post._from_son(doc) for oid, doc in stored_by_id(tenant, ids).items()}


def stored_by_id(tenant: str, ids: list[ObjectId]) -> dict[ObjectId, dict]:
    """Posts by id as stored (dicts: for lists that keep few of what they read), through the cache."""
    return cache.posts(tenant, ids, lambda missing: _stored_posts(tenant, missing))


def _stored_posts(tenant: str, ids: list[ObjectId]) -> dict[ObjectId, dict]:
    found: dict[ObjectId, dict] = {}
    for start in range(0, len(ids), IN_CHUNK):
        for doc in Post._get_collection().find({"tenant": tenant, "_id": {"$in": ids[start : start + IN_CHUNK]}}):
            found[doc["_id"]] = doc
    return found


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it: the original of a repost only if they may read it too."""

    post: Post
    original: Post | None
    original_unavailable: bool
    liked: bool


def views(posts: list[Post], reader: Reader) -> list[PostView]:
    """Posts dressed for one reader: originals of reposts and the reader's likes (two batched reads)."""
    tenant = access.tenant()
    original_ids = list({ObjectId(p.repost_of) for p in posts if p.repost_of})
    originals = posts_by_id(tenant, original_ids)
    liked = liked_by(tenant, reader.account_id, [p.id for p in posts])
    out = []
    for p in posts:
        original = originals.get(ObjectId(p.repost_of)) if p.repost_of else None
        if original is not None and not (original.state == rules.LIVE and may_read(reader, audience_of(original))):
            original = None
        out.append(PostView(p, original, bool(p.repost_of) and original is None, str(p.id) in liked))
    return out


# -- comments ---------------------------------------------------------------------------------------------


def add_comment(post_id: str, text: str, reply_to_comment_id: str = "", mentions: list[str] | None = None) -> Comment:
    """A comment on a post the caller may read; a reply to a reply hangs under the same top-level comment."""
    tenant = access.tenant()
    me_ = me_as_author()
    reader = me_.reader
    post = live_post(post_id, reader)
    rules.check_comment_text(text)
    mention_ids = rules.check_mentions(list(mentions or []), reader.account_id)
    _known_people(tenant, mention_ids)
    parent_id, reply_to_author = "", ""
    if reply_to_comment_id:
        target = readable_comment(reply_to_comment_id, reader, "reply_to_comment_id")
        if target.post_id != str(post.id) or target.state != rules.LIVE:
            raise DomainError(ErrorCode.NOT_FOUND, "mb_comment_unknown", "reply_to_comment_id")
        parent_id = target.parent_id or str(target.id)
        reply_to_author = target.author_id
    comment = Comment(
        tenant=tenant,
        post_id=str(post.id),
        parent_id=parent_id,
        author_id=reader.account_id,
        author_name=me_.display_name,
        reply_to_author_id=reply_to_author,
        text=text,
        mentions=mention_ids,
        org_id=reader.org_id,
        org_path=list(reader.org_path),
        created_at=utcnow(),
    )
    notify = readers_among(tenant, audience_of(post), mention_ids)

    def write(uow: UnitOfWork) -> Comment:
        uow.insert(comment)
        uow.update_one(Post, {"_id": post.id}, {"$inc": {"comments": 1}})
        if parent_id:
            uow.update_one(Comment, {"_id": ObjectId(parent_id)}, {"$inc": {"replies": 1}})
        uow.emit(
            events.SOURCE,
            events.COMMENT_ADDED,
            {
                "comment_id": str(comment.id),
                "post_id": str(post.id),
                "post_author_id": post.author_id,
                "author_id": reader.account_id,
                "reply_to_author_id": reply_to_author,
                "text": text,
                "mentions": notify,
            },
            reader.account_id,
        )
        return comment

    return atomically(tenant, write)


def readable_comment(comment_id: str, reader: Reader, field: str = "comment_id") -> Comment:
    oid = object_id(comment_id)
    comment = Comment.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if comment is None or comment.state == rules.DELETED:
        raise DomainError(ErrorCode.NOT_FOUND, "mb_comment_unknown", field)
    try:
        post = readable_post(comment.post_id, reader, field)
    except DomainError:
        raise DomainError(ErrorCode.NOT_FOUND, "mb_comment_unknown", field) from None
    hidden_from_me = comment.state == rules.HIDDEN and reader.account_id != comment.author_id
    if hidden_from_me and not (moderates(list(comment.org_path)) or moderates(list(post.org_path))):
        raise DomainError(ErrorCode.NOT_FOUND, "mb_comment_unknown", field)
    return comment


def list_comments(post_id: str, parent_id: str, page_size: int, cursor: str) -> tuple[list[Comment], str]:
    """Top-level comments (parent_id "") or one comment's replies, oldest first, paged by cursor.

    Hidden comments are shown to their author and the moderators only; deleted ones to nobody."""
    reader = me_as_author().reader
    post = readable_post(post_id, reader)
    if parent_id:
        parent = readable_comment(parent_id, reader, "parent_id")
        if parent.post_id != str(post.id) or parent.parent_id:
            raise DomainError(ErrorCode.NOT_FOUND, "mb_comment_unknown", "parent_id")
    moderator_of_post = moderates(list(post.org_path))

    def keep(c: Comment) -> bool:
        if c.state == rules.LIVE:
            return True
        return c.state == rules.HIDDEN and (
            c.author_id == reader.account_id or moderator_of_post or moderates(list(c.org_path))
        )

    query = Comment.in_tenant(post.tenant).filter(post_id=str(post.id), parent_id=parent_id)
    return paging.page(query, page_size, cursor, keep=keep)


def delete_comment(comment_id: str) -> None:
    """Soft delete, by the comment's author, the post's author or a moderator."""
    tenant = access.tenant()
    reader = me_as_author().reader
    comment = readable_comment(comment_id, reader)
    post = Post.in_tenant(tenant).get(id=ObjectId(comment.post_id))
    allowed = reader.account_id in (comment.author_id, post.author_id) or moderates(list(comment.org_path))
    if not allowed:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "mb_delete_not_allowed", "comment_id")

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(
            Comment,
            {"_id": comment.id, "state": {"$ne": rules.DELETED}},
            {"$set": {"state": rules.DELETED, "state_by": reader.account_id, "state_at": utcnow()}},
        ):
            uow.update_one(Post, {"_id": post.id}, {"$inc": {"comments": -1}})
            if comment.parent_id:
                uow.update_one(Comment, {"_id": ObjectId(comment.parent_id)}, {"$inc": {"replies": -1}})

    atomically(tenant, write)
