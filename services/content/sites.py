"""Org micro-websites (创建网站服务): each org may keep one public site at `/{region}/{slug}` — pages, news (its
public official posts), photo albums, contact — from a template and a theme colour.

A site is one document: its `draft`, which those who manage the site on the org edit piece by piece, and its
`published` copy, which is what anyone reads (without logging in). Publishing copies the draft whole, so a
reader never sees a half-made edit; a page's HTML is made from its markup when the page is saved
(domain/sites.py), so reading a site costs one indexed read by slug and rendering nothing but templates.
Draft edits are conditional on the draft's revision (`draft_rev`): two editors never overwrite each other's
change silently — the later one is retried against the new draft.
"""

from __future__ import annotations

import secrets

import mongoengine as me
from pymongo.errors import DuplicateKeyError

from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, timelines
from services.content.domain import inputs
from services.content.domain import sites as rules
from services.content.posts import Post

MANAGE = "site.manage"
NEWS = 10  # newest public official posts shown
EDIT_RETRIES = 5


class Site(TenantDocument):
    org_id = me.StringField(required=True)
    slug = me.StringField(required=True)
    draft = me.DictField()  # content(): title, tagline, template, colour, contact, pages, albums
    draft_rev = me.IntField(default=0)
    published = me.DictField(null=True)  # the draft as it was published; None: not (or no longer) public
    version = me.IntField(default=0)  # how many times it was published
    published_at = me.DateTimeField()
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(default="")

    meta = {
        "collection": "sites",
        "indexes": [
            {"fields": ["tenant", "org_id"], "unique": True},
            {"fields": ["tenant", "slug"], "unique": True},
        ],
    }


DOCUMENTS = (Site,)


# -- the stored form -----------------------------------------------------------------------------------


def _settings_dict(s: rules.Settings) -> dict:
    c = s.contact
    return {
        "title": s.title,
        "tagline": s.tagline,
        "template": s.template,
        "colour": s.colour,
        "contact": {"address": c.address, "phone": c.phone, "email": c.email, "hours": c.hours},
    }


def _page_dict(p: rules.Page) -> dict:
    return {"slug": p.slug, "title": p.title, "body": p.body, "html": rules.render(p.body), "in_menu": p.in_menu}


def _pages(content: dict) -> list[rules.Page]:
    return [rules.Page(p["slug"], p["title"], p["body"], p.get("in_menu", True)) for p in content.get("pages", [])]


# -- lookups and rights --------------------------------------------------------------------------------


def _managed(org_id: str) -> Site:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    site = Site.in_tenant(access.tenant()).filter(org_id=org_id).first()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, "site_not_found", "org_id")
    return site


def manager_view(org_id: str) -> tuple[Site, list[Post]]:
    """The site with its draft, for those who manage it (anyone else: NOT_FOUND, drafts are private), and the
    news it would show."""
    site = _managed(org_id)
    return site, timelines.public_official(access.tenant(), site.org_id, NEWS)


def public(slug: str) -> tuple[Site, list[Post]]:
    """A published site by its address and its news, for anyone; NOT_FOUND for a draft-only or unknown one."""
    try:
        slug = rules.slug(slug)
    except DomainError:
        raise DomainError(ErrorCode.NOT_FOUND, "site_not_found", "slug") from None
    site = Site.in_tenant(access.tenant()).filter(slug=slug).first()
    if site is None or not site.published:
        raise DomainError(ErrorCode.NOT_FOUND, "site_not_found", "slug")
    return site, timelines.public_official(access.tenant(), site.org_id, NEWS)


# -- editing -------------------------------------------------------------------------------------------


def create(org_id: str, slug: str, settings: rules.Settings) -> Site:
    """The org's site, as a draft with the given settings and no pages."""
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    now, who = now_ms(), access.actor().account_id
    site = Site(
        tenant=access.tenant(),
        org_id=org_id,
        slug=rules.slug(slug),
        draft={**_settings_dict(rules.settings(settings)), "pages": [], "albums": []},
        created_at=now,
        updated_at=now,
        updated_by=who,
    )
    if Site.in_tenant(access.tenant()).filter(org_id=org_id).only("id").first() is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "site_exists", "org_id")
    try:
        return atomically(access.tenant(), lambda uow: uow.insert(site))
    except DuplicateKeyError as err:
        if "slug" in str(err):
            raise DomainError(ErrorCode.ALREADY_EXISTS, "site_slug_taken", "slug") from None
        raise DomainError(ErrorCode.ALREADY_EXISTS, "site_exists", "org_id") from None


def _edit_draft(org_id: str, change) -> Site:
    """Apply change(draft) -> new draft to the current draft, conditionally on its revision (another editor
    got there first: their draft is read again and the change applied to it)."""
    site = _managed(org_id)
    for _ in range(EDIT_RETRIES):
        changes = {"draft": change(dict(site.draft)), "updated_at": now_ms(), "updated_by": access.actor().account_id}
        update = {"$set": changes, "$inc": {"draft_rev": 1}}
        condition = {"_id": site.id, "draft_rev": site.draft_rev}
        if atomically(access.tenant(), lambda uow, c=condition, u=update: uow.update_one(Site, c, u)):
            for name, value in changes.items():
                setattr(site, name, value)
            site.draft_rev += 1
            return site
        site = Site.in_tenant(access.tenant()).filter(id=site.id).first()
    raise DomainError(ErrorCode.UNAVAILABLE, "site_busy")


def update_settings(org_id: str, settings: rules.Settings) -> Site:
    checked = _settings_dict(rules.settings(settings))
    return _edit_draft(org_id, lambda draft: {**draft, **checked})


def put_page(org_id: str, page: rules.Page) -> Site:
    checked = rules.page(page)

    def change(draft: dict) -> dict:
        kept = {p["slug"]: p for p in draft.get("pages", [])}
        merged = rules.pages_after_put(_pages(draft), checked)
        return {**draft, "pages": [_page_dict(p) if p.slug == checked.slug else kept[p.slug] for p in merged]}

    return _edit_draft(org_id, change)


def delete_page(org_id: str, page_slug: str) -> Site:
    def change(draft: dict) -> dict:
        pages = draft.get("pages", [])
        if all(p["slug"] != page_slug for p in pages):
            raise DomainError(ErrorCode.NOT_FOUND, "site_page_not_found", "page_slug")
        return {**draft, "pages": [p for p in pages if p["slug"] != page_slug]}

    return _edit_draft(org_id, change)


def put_album(org_id: str, album_id: str, title: str, photos: list[rules.Photo]) -> Site:
    """Add an album (album_id "") or replace one's title and photos."""
    album = {"title": rules.album_title(title), "photos": [p.__dict__ for p in rules.photos(photos)]}

    def change(draft: dict) -> dict:
        albums = list(draft.get("albums", []))
        if not album_id:
            if len(albums) >= rules.ALBUMS_MAX:
                raise DomainError(ErrorCode.FAILED_PRECONDITION, "site_albums_full", "albums", max=rules.ALBUMS_MAX)
            return {**draft, "albums": [*albums, {"id": secrets.token_hex(6), **album}]}
        if all(a["id"] != album_id for a in albums):
            raise DomainError(ErrorCode.NOT_FOUND, "site_album_not_found", "album_id")
        return {**draft, "albums": [{**a, **album} if a["id"] == album_id else a for a in albums]}

    return _edit_draft(org_id, change)


def delete_album(org_id: str, album_id: str) -> Site:
    def change(draft: dict) -> dict:
        albums = draft.get("albums", [])
        if all(a["id"] != album_id for a in albums):
            raise DomainError(ErrorCode.NOT_FOUND, "site_album_not_found", "album_id")
        return {**draft, "albums": [a for a in albums if a["id"] != album_id]}

    return _edit_draft(org_id, change)


def publish(org_id: str) -> Site:
    """Make the draft, as it is now, what readers see."""
    site = _managed(org_id)
    now = now_ms()

    def write(uow: UnitOfWork) -> int:
        matched = uow.update_one(
            Site,
            {"_id": site.id, "draft_rev": site.draft_rev},
            {"$set": {"published": site.draft, "published_at": now}, "$inc": {"version": 1}},
        )
        if matched:
            uow.emit(
                events.SOURCE,
                events.SITE_PUBLISHED,
                {"org_id": site.org_id, "slug": site.slug, "version": site.version + 1},
                access.actor().account_id,
            )
        return matched

    if not atomically(access.tenant(), write):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "site_draft_changed", "org_id")
    site.published, site.published_at, site.version = site.draft, now, site.version + 1
    return site


def unpublish(org_id: str) -> Site:
    site = _managed(org_id)
    atomically(access.tenant(), lambda uow: uow.update_one(Site, {"_id": site.id}, {"$set": {"published": None}}))
    site.published = None
    return site
