"""The knowledge base of an org (知识管理): articles with versions and diffs, tags and categories, ratings and
reuse counts, and articles made from a discussion (a forum thread, a question with its answers) that keep
their attribution. Questions and answers are in questions.py; the rules in domain/knowledge.py.

Who: members of the org's subtree write articles there; an author edits their own; knowledge.manage (the
org's committee, and those above) edits or removes any of the org's articles, manages its categories and
turns discussions into articles (a discussion's own author may turn it into an article where they may
write). An article is read by the org's subtree or the whole region (its scope, fixed when written).

Versions: the article holds its current text and `version`; every edit is a conditional update on the
version it was based on, plus a row in knowledge_article_versions, in one transaction. Ratings and reuses
are one row per (article, person), unique, with the article's counters moved in the same transaction.
A category counts the live articles filed under it (`uses`): filing an article moves the counter, and a
category is removed only by a delete conditional on uses 0, so a concurrent filing and removal conflict.
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id
from services.content import access, events, forums, people, questions, recent
from services.content.domain import inputs
from services.content.domain import knowledge as rules
from services.content.domain.visibility import PUBLIC, may_read

MANAGE = questions.MANAGE
VERSIONS_PAGE = 50


# -- documents -----------------------------------------------------------------------------------------


class Article(TenantDocument):
    org_id = me.StringField(required=True)
    author_id = me.StringField(required=True)  # who wrote it (for a converted article: who converted it)
    title = me.StringField(required=True)
    body = me.StringField(required=True)
    excerpt = me.StringField(default="")  # listings carry this instead of the body
    tags = me.ListField(me.StringField())
    category_id = me.StringField(default="")
    scope = me.StringField(required=True)  # rules.SCOPES
    audience = me.ListField(me.StringField())  # audience_keys (domain/visibility.py)
    reach = me.StringField(required=True)  # the non-author key, matched by listings (rules.reach)
    version = me.IntField(required=True)
    sources = me.ListField(me.DictField())  # [{kind: thread|question, id, title}] of a converted article
    contributors = me.ListField(me.DictField())  # [{account_id, contributions: [...]}]
    rating_sum = me.IntField(default=0)
    rating_count = me.IntField(default=0)
    reuse_count = me.IntField(default=0)
    removed = me.BooleanField(default=False)
    published_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True)

    meta = {
        "collection": "knowledge_articles",
        "indexes": [
            ("tenant", "reach", "removed", "-published_at"),
            ("tenant", "tags", "reach", "removed", "-published_at"),
            ("tenant", "org_id", "reach", "removed", "-published_at"),
            ("tenant", "org_id", "tags", "reach", "removed", "-published_at"),
            ("tenant", "category_id", "reach", "removed", "-published_at"),
        ],
    }


class ArticleVersion(TenantDocument):
    article_id = me.StringField(required=True)
    number = me.IntField(required=True)
    title = me.StringField(required=True)
    body = me.StringField(required=True)
    tags = me.ListField(me.StringField())
    category_id = me.StringField(default="")
    editor_id = me.StringField(required=True)
    note = me.StringField(default="")
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "knowledge_article_versions",
        "indexes": [{"fields": ["tenant", "article_id", "number"], "unique": True}],
    }


class Category(TenantDocument):
    org_id = me.StringField(required=True)
    name = me.StringField(required=True)
    uses = me.IntField(default=0)  # live articles filed under it
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "knowledge_categories",
        "indexes": [{"fields": ["tenant", "org_id", "name"], "unique": True}],
    }


class Rating(TenantDocument):
    article_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    stars = me.IntField(required=True)
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "knowledge_ratings",
        "indexes": [{"fields": ["tenant", "article_id", "account_id"], "unique": True}],
    }


class Reuse(TenantDocument):
    article_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "knowledge_reuses",
        "indexes": [{"fields": ["tenant", "article_id", "account_id"], "unique": True}],
    }


class Conversion(TenantDocument):
    """A discussion turned into an article of an org: once per org while the article lives."""

    org_id = me.StringField(required=True)
    source = me.StringField(required=True)  # "<kind>:<id>"
    article_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "knowledge_conversions",
        "indexes": [{"fields": ["tenant", "org_id", "source"], "unique": True}],
    }


DOCUMENTS = (Article, ArticleVersion, Category, Rating, Reuse, Conversion)


# -- lookups and rights --------------------------------------------------------------------------------


def manages(org_id: str) -> bool:
    return access.may(MANAGE, org_id)


def _article(article_id: str) -> Article:
    oid = object_id(article_id)
    article = Article.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if article is None or article.removed:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_article_not_found", "article_id")
    return article


def readable(article_id: str) -> tuple[Article, bool]:
    """The article and whether the caller may edit it; NOT_FOUND for one they may not read."""
    article = _article(article_id)
    manager = manages(article.org_id)
    audience = rules.audience(article.author_id, article.org_id, article.scope)
    if not manager and not may_read(access.reader(), audience):
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_article_not_found", "article_id")
    return article, rules.may_edit(article.author_id, access.actor().account_id, manager)


def _writable_org(org_id: str) -> str:
    """The id of an org the caller may write in (NOT_FOUND for an unknown one, PERMISSION_DENIED otherwise)."""
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    if not rules.may_write(org_id, access.reader().org_path, manages(org_id)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_write_denied", "org_id")
    return org_id


def _file(uow: UnitOfWork, org_id: str, category_id: str, delta: int) -> None:
    """Move a category's count of articles; NOT_FOUND when filing under a category the org does not have."""
    oid = object_id(category_id)
    matched = uow.update_one(Category, {"_id": oid, "org_id": org_id}, {"$inc": {"uses": delta}}) if oid else 0
    if not matched and delta > 0:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_category_not_found", "category_id")


def mine(article: Article) -> tuple[int, bool]:
    """The caller's rating of the article (0: none) and whether they said they used it."""
    tenant, who = access.tenant(), access.actor().account_id
    key = {"article_id": str(article.id), "account_id": who}
    rating = Rating.in_tenant(tenant).filter(**key).only("stars").first()
    reused = Reuse.in_tenant(tenant).filter(**key).only("id").first()
    return (rating.stars if rating else 0), reused is not None


def category_names(ids) -> dict[str, str]:
    wanted = [oid for oid in {object_id(i) for i in ids if i} if oid]
    if not wanted:
        return {}
    return {str(c.id): c.name for c in Category.in_tenant(access.tenant()).filter(id__in=wanted).only("name")}


# -- writing and editing -------------------------------------------------------------------------------


def _version_row(article_id: str, tenant: str, fields: dict, editor: str, note: str, at: dt.datetime) -> ArticleVersion:
    return ArticleVersion(
        tenant=tenant,
        article_id=article_id,
        number=fields["version"],
        title=fields["title"],
        body=fields["body"],
        tags=list(fields["tags"]),
        category_id=fields["category_id"],
        editor_id=editor,
        note=note,
        at=at,
    )


def _published(uow: UnitOfWork, article: Article, note: str) -> Article:
    """Insert a new article, its first version and its event (and file it under its category)."""
    uow.insert(article)
    if article.category_id:
        _file(uow, article.org_id, article.category_id, 1)
    fields = {k: getattr(article, k) for k in ("version", "title", "body", "tags", "category_id")}
    uow.insert(_version_row(str(article.id), uow.tenant, fields, article.author_id, note, article.published_at))
    uow.emit(
        events.SOURCE,
        events.KNOWLEDGE_ARTICLE_PUBLISHED,
        {
            "article_id": str(article.id),
            "org_id": article.org_id,
            "author_id": article.author_id,
            "title": article.title,
            "body": article.body,
            "tags": list(article.tags),
            "category_id": article.category_id,
            "scope": article.scope,
            "audience": list(article.audience),
            "version": article.version,
            "sources": [{"kind": s["kind"], "id": s["id"]} for s in article.sources],
            "contributors": list(article.contributors),
        },
        article.author_id,
    )
    return article


def _new_article(org_id: str, scope: str, title: str, body: str, tags, category_id: str) -> Article:
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    scope = rules.scope(scope)
    return Article(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=rules.title(title),
        body=body,
        excerpt=rules.excerpt(body),
        tags=rules.tags(tags),
        category_id=category_id or "",
        scope=scope,
        audience=rules.keys(who, org_id, scope),
        reach=rules.reach(org_id, scope),
        version=1,
        published_at=now,
        updated_at=now,
        updated_by=who,
    )


def create(org_id: str, title: str, body: str, tags: list[str], category_id: str, scope: str, note: str) -> Article:
    """A new article in the org's knowledge base, published at once (version 1)."""
    org_id = _writable_org(org_id)
    article = _new_article(org_id, scope, title, rules.body(body), tags, category_id)
    note = rules.note(note)
    return atomically(access.tenant(), lambda uow: _published(uow, article, note))


def edit(
    article_id: str, based_on: int, title: str, body: str, tags: list[str], category_id: str, note: str
) -> Article:
    """A new version of the article, made from version based_on (FAILED_PRECONDITION if it is no longer the
    newest). An edit that changes nothing writes no version."""
    based_on = rules.based_on(based_on)
    article, editable = readable(article_id)
    if not editable:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_edit_denied", "article_id")
    who, now = access.actor().account_id, now_ms()
    changes = {
        "title": rules.title(title),
        "body": rules.body(body),
        "tags": rules.tags(tags),
        "category_id": category_id or "",
    }
    note = rules.note(note)
    rules.check_current(article.version, based_on)
    if all(getattr(article, k) == v for k, v in changes.items()):
        return article
    changes |= {
        "excerpt": rules.excerpt(changes["body"]),
        "version": based_on + 1,
        "updated_at": now,
        "updated_by": who,
    }

    def write(uow: UnitOfWork) -> None:
        # The guard against lost updates: only the version the editor read may be replaced.
        if not uow.update_one(Article, {"_id": article.id, "version": based_on, "removed": False}, {"$set": changes}):
            there = Article._get_collection().find_one(
                {"_id": article.id, "tenant": uow.tenant}, {"version": 1, "removed": 1}, session=uow.session
            )
            if not there or there.get("removed"):
                raise DomainError(ErrorCode.NOT_FOUND, "knowledge_article_not_found", "article_id")
            raise DomainError(
                ErrorCode.FAILED_PRECONDITION,
                "knowledge_version_conflict",
                "based_on_version",
                current=there["version"],
            )
        if changes["category_id"] != article.category_id:
            if changes["category_id"]:
                _file(uow, article.org_id, changes["category_id"], 1)
            if article.category_id:
                _file(uow, article.org_id, article.category_id, -1)
        uow.insert(_version_row(str(article.id), uow.tenant, changes, who, note, now))
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_ARTICLE_EDITED,
            {
                "article_id": str(article.id),
                "org_id": article.org_id,
                "author_id": article.author_id,
                "editor_id": who,
                "version": changes["version"],
                "title": changes["title"],
                "body": changes["body"],
                "tags": changes["tags"],
                "category_id": changes["category_id"],
                "audience": list(article.audience),
                "note": note,
            },
            who,
        )

    atomically(access.tenant(), write)
    for field, value in changes.items():
        setattr(article, field, value)
    return article


def remove(article_id: str) -> None:
    """Its author or a curator removes an article: it leaves listings and search; its versions are kept."""
    article, editable = readable(article_id)
    if not editable:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_edit_denied", "article_id")
    who = access.actor().account_id

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(Article, {"_id": article.id, "removed": False}, {"$set": {"removed": True}}):
            return  # removed already
        if article.category_id:
            _file(uow, article.org_id, article.category_id, -1)
        sources = [f"{s['kind']}:{s['id']}" for s in article.sources]
        if sources:  # the discussion may be turned into an article of this org again
            Conversion._get_collection().delete_many(
                {"tenant": uow.tenant, "org_id": article.org_id, "source": {"$in": sources}}, session=uow.session
            )
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_ARTICLE_REMOVED,
            {"article_id": str(article.id), "org_id": article.org_id, "by": who},
            who,
        )

    atomically(access.tenant(), write)


# -- reading -------------------------------------------------------------------------------------------


def list_articles(org_id: str, tag: str, category_id: str, page_size: int, cursor: str) -> tuple[list[Article], str]:
    """Articles the caller may read, newest first: every org's they read, or one org's; with a tag, or (one
    org's) in one of its categories. Matched on `reach` inside the queries, one a key, merged."""
    tenant, reader = access.tenant(), access.reader()
    rows = Article.in_tenant(tenant).filter(removed=False).exclude("body")
    wanted = rules.tag(tag)
    if wanted and category_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_filter_one", "tag")
    if category_id and not org_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_category_needs_org", "category_id")
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        access.org_path(org_id)
        keys = [PUBLIC, *([f"org:{org_id}"] if org_id in reader.org_path or manages(org_id) else [])]
        if category_id:
            if _category(category_id).org_id != org_id:
                raise DomainError(ErrorCode.NOT_FOUND, "knowledge_category_not_found", "category_id")
            rows = rows.filter(category_id=category_id)  # a category belongs to one org: it implies org_id
        else:
            rows = rows.filter(org_id=org_id)
    else:
        keys = [PUBLIC, *(f"org:{o}" for o in reader.org_path)]
    if wanted:
        rows = rows.filter(tags=wanted)
    return recent.page_merged([rows.filter(reach=k) for k in keys], "published_at", page_size, cursor)


def list_versions(article_id: str, page_size: int, cursor: str) -> tuple[Article, list[ArticleVersion], str]:
    """The article's versions, newest first, without their bodies; the cursor is the last number shown."""
    article, _ = readable(article_id)
    size = recent.size(page_size)
    query = ArticleVersion.in_tenant(access.tenant()).filter(article_id=str(article.id)).exclude("body")
    if cursor:
        if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 9):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")
        query = query.filter(number__lt=int(cursor))
    rows = list(query.order_by("-number").limit(size + 1))
    next_cursor = str(rows[size - 1].number) if len(rows) > size else ""
    return article, rows[:size], next_cursor


def version(article_id: str, number: int) -> tuple[Article, ArticleVersion]:
    article, _ = readable(article_id)
    number = rules.version_number(number, "number")
    row = ArticleVersion.in_tenant(access.tenant()).filter(article_id=str(article.id), number=number).first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_version_not_found", "number")
    return article, row


def diff(
    article_id: str, from_number: int, to_number: int
) -> tuple[Article, ArticleVersion, ArticleVersion, list[rules.Hunk]]:
    """How version to_number (default: the newest) differs from from_number (default: the one before it)."""
    article, _ = readable(article_id)
    to_number = rules.version_number(to_number, "to_version") if to_number else article.version
    from_number = rules.version_number(from_number, "from_version") if from_number else max(1, to_number - 1)
    rows = {
        v.number: v
        for v in ArticleVersion.in_tenant(access.tenant()).filter(
            article_id=str(article.id), number__in=sorted({from_number, to_number})
        )
    }
    for number, field in ((to_number, "to_version"), (from_number, "from_version")):  # from defaults from to
        if number not in rows:
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_version_not_found", field)
    old, new = rows[from_number], rows[to_number]
    return article, old, new, rules.diff(old.body, new.body)


# -- ratings and reuse ---------------------------------------------------------------------------------


def rate(article_id: str, stars: int) -> Article:
    """The caller's 1–5 stars for the article (once a person; rating again replaces their stars): the article's
    sum and count move in the same transaction."""
    stars = rules.stars(stars)
    article, _ = readable(article_id)
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    rules.may_rate(article.author_id, who)

    def write(uow: UnitOfWork) -> None:
        key = {"tenant": tenant, "article_id": str(article.id), "account_id": who}
        before = Rating._get_collection().find_one(key, {"stars": 1}, session=uow.session)
        if before is None:
            uow.insert(Rating(**key, stars=stars, at=now))
            change = {"rating_sum": stars, "rating_count": 1}
        elif before["stars"] == stars:
            return
        else:
            uow.update_one(Rating, {"_id": before["_id"]}, {"$set": {"stars": stars, "at": now}})
            change = {"rating_sum": stars - before["stars"]}
        if not uow.update_one(Article, {"_id": article.id, "removed": False}, {"$inc": change}):
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_article_not_found", "article_id")

    try:
        atomically(tenant, write)
    except DuplicateKeyError:
        atomically(tenant, write)  # the same person's first rating, twice at once: the other one is there now
    return _article(article_id)


def reuse(article_id: str) -> Article:
    """ "I used this": counted once a person (saying it again changes nothing)."""
    article, _ = readable(article_id)
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    rules.may_rate(article.author_id, who)

    def write(uow: UnitOfWork) -> None:
        key = {"tenant": tenant, "article_id": str(article.id), "account_id": who}
        if Reuse._get_collection().find_one(key, {"_id": 1}, session=uow.session):
            return
        uow.insert(Reuse(**key, at=now))
        if not uow.update_one(Article, {"_id": article.id, "removed": False}, {"$inc": {"reuse_count": 1}}):
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_article_not_found", "article_id")

    try:
        atomically(tenant, write)
    except DuplicateKeyError:
        pass  # the same person's other click won: counted once
    return _article(article_id)


# -- categories ----------------------------------------------------------------------------------------


def _category(category_id: str) -> Category:
    oid = object_id(category_id)
    row = Category.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_category_not_found", "category_id")
    return row


def create_category(org_id: str, name: str) -> Category:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    if not manages(org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_manage_denied", "org_id")
    tenant = access.tenant()
    row = Category(
        tenant=tenant,
        org_id=org_id,
        name=rules.category_name(name),
        created_by=access.actor().account_id,
        created_at=now_ms(),
    )
    if Category.in_tenant(tenant).filter(org_id=org_id).count() >= rules.CATEGORIES_PER_ORG:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "knowledge_categories_full", "org_id", max=rules.CATEGORIES_PER_ORG
        )
    try:
        return atomically(tenant, lambda uow: uow.insert(row))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "knowledge_category_exists", "name") from None


def rename_category(category_id: str, name: str) -> Category:
    row = _category(category_id)
    if not manages(row.org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_manage_denied", "category_id")
    name = rules.category_name(name)
    if name == row.name:
        return row
    try:
        atomically(access.tenant(), lambda uow: uow.update_one(Category, {"_id": row.id}, {"$set": {"name": name}}))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "knowledge_category_exists", "name") from None
    row.name = name
    return row


def remove_category(category_id: str) -> None:
    """Only an unused category goes (its articles would otherwise point at nothing)."""
    row = _category(category_id)
    if not manages(row.org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_manage_denied", "category_id")

    def write(uow: UnitOfWork) -> None:
        gone = Category._get_collection().delete_one(
            {"_id": row.id, "tenant": uow.tenant, "uses": {"$lte": 0}}, session=uow.session
        )
        if not gone.deleted_count:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "knowledge_category_in_use", "category_id")

    atomically(access.tenant(), write)


def list_categories(org_id: str) -> list[Category]:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    rows = Category.in_tenant(access.tenant()).filter(org_id=org_id).limit(rules.CATEGORIES_PER_ORG)
    return sorted(rows, key=lambda c: c.name)


# -- discussions made into articles --------------------------------------------------------------------


def _convert(
    discussion: rules.Discussion,
    parts: list[rules.Part],
    part_ids: list[str],
    field: str,
    source_field: str,
    org_id: str,
    scope: str,
    title: str,
    tags: list[str],
    category_id: str,
) -> Article:
    """The article made from a discussion the caller reads, in an org they curate (or, for the discussion's
    author, one they write in); never read by anyone the discussion was not for."""
    org_id = inputs.one_id(org_id, "org_id")
    path = access.org_path(org_id)
    reader = access.reader()
    manager = manages(org_id)
    writes = rules.may_write(org_id, reader.org_path, manager)
    if not rules.may_convert(discussion.author_id == reader.account_id, manager, writes):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_convert_denied", "org_id")
    scope = rules.scope(scope)
    if not rules.within(discussion.audience, path, scope):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "knowledge_convert_wider", "scope")
    body, contributors = rules.assemble(discussion, rules.selected(parts, part_ids, field), field)
    article = _new_article(org_id, scope, title or discussion.title, body, tags, category_id)
    article.sources = [{"kind": discussion.kind, "id": discussion.id, "title": discussion.title}]
    article.contributors = [{"account_id": c.account_id, "contributions": list(c.contributions)} for c in contributors]
    article.id = ObjectId()
    conversion = Conversion(
        tenant=article.tenant,
        org_id=org_id,
        source=f"{discussion.kind}:{discussion.id}",
        article_id=str(article.id),
        at=article.published_at,
    )

    def write(uow: UnitOfWork) -> Article:
        uow.insert(conversion)  # unique per (org, discussion): turned into an article of an org once
        return _published(uow, article, "")

    try:
        return atomically(access.tenant(), write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "knowledge_already_converted", source_field) from None


def from_thread(
    thread_id: str, reply_ids: list[str], org_id: str, scope: str, title: str, tags: list[str], category_id: str
) -> Article:
    """An article made from a forum thread the caller reads: its opening post and the chosen replies (all by
    default), each credited to its author."""
    thread, _ = forums.get_thread(thread_id)
    query = forums.Reply.in_tenant(access.tenant()).filter(thread_id=str(thread.id), removed=False)
    if reply_ids:
        query = query.filter(id__in=[oid for oid in map(object_id, reply_ids) if oid])
    rows = list(query.order_by("id").limit(rules.PARTS_MAX + 1))
    names = people.names([thread.author_id, *(r.author_id for r in rows)])
    parts = [rules.Part(str(r.id), r.author_id, names.get(r.author_id, ""), r.text) for r in rows]
    discussion = rules.Discussion(
        rules.THREAD,
        str(thread.id),
        thread.title,
        thread.author_id,
        names.get(thread.author_id, ""),
        thread.text,
        tuple(thread.audience),
    )
    return _convert(discussion, parts, reply_ids, "reply_ids", "thread_id", org_id, scope, title, tags, category_id)


def from_question(
    question_id: str, answer_ids: list[str], org_id: str, scope: str, title: str, tags: list[str], category_id: str
) -> Article:
    """An article made from a question the caller reads: the question, the accepted answer first, then the
    other chosen answers (all by default), each credited to its author. Tags default to the question's."""
    question, _ = questions.readable(question_id)
    rows = questions.answers_of(question, answer_ids or None, limit=rules.PARTS_MAX + 1)
    names = people.names([question.author_id, *(r.author_id for r in rows)])
    parts = [
        rules.Part(str(r.id), r.author_id, names.get(r.author_id, ""), r.text, str(r.id) == question.accepted_answer_id)
        for r in rows
    ]
    discussion = rules.Discussion(
        rules.QUESTION,
        str(question.id),
        question.title,
        question.author_id,
        names.get(question.author_id, ""),
        question.text,
        tuple(question.audience),
    )
    tags = tags or list(question.tags)
    return _convert(discussion, parts, answer_ids, "answer_ids", "question_id", org_id, scope, title, tags, category_id)
