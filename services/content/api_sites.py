"""The gRPC servicer of org micro-websites: messages ↔ calls of services/content/sites.py."""

from __future__ import annotations

from jiceng.content.v1 import site_pb2 as pb
from jiceng.content.v1 import site_pb2_grpc
from kernel import context
from kernel.wire import timestamp
from services.content import people, sites
from services.content.domain import sites as rules
from services.content.posts import Post

SERVICE = "jiceng.content.v1.SiteService"
ANONYMOUS = {f"/{SERVICE}/GetPublicSite"}


def _content(stored: dict | None) -> pb.SiteContent | None:
    if not stored:
        return None
    return pb.SiteContent(
        title=stored["title"],
        tagline=stored.get("tagline", ""),
        template=stored["template"],
        colour=stored["colour"],
        colour_hex=rules.COLOURS.get(stored["colour"], rules.COLOURS[rules.DEFAULT_COLOUR]),
        contact=pb.SiteContact(**stored.get("contact", {})),
        pages=[pb.SitePage(**page) for page in stored.get("pages", [])],
        albums=[
            pb.SiteAlbum(id=a["id"], title=a["title"], photos=[pb.SitePhoto(**p) for p in a["photos"]])
            for a in stored.get("albums", [])
        ],
    )


def _news(posts: list[Post]) -> list[pb.SiteNews]:
    return [
        pb.SiteNews(post_id=str(p.id), text=p.text, media_ids=p.media_ids, created_at=timestamp(p.created_at))
        for p in posts
    ]


def _site(site: sites.Site, news: list[Post] = ()) -> pb.Site:
    return pb.Site(
        org_id=site.org_id,
        org_name=people.org_names([site.org_id]).get(site.org_id, ""),
        slug=site.slug,
        address=f"/{context.current().tenant}/{site.slug}",
        draft=_content(site.draft),
        published=_content(site.published),
        is_published=bool(site.published),
        version=site.version,
        published_at=timestamp(site.published_at) if site.published_at else None,
        updated_at=timestamp(site.updated_at),
        news=_news(list(news)),
    )


def _settings(s: pb.SiteSettings) -> rules.Settings:
    c = s.contact
    contact = rules.Contact(c.address, c.phone, c.email, c.hours)
    template, colour = s.template or rules.DEFAULT_TEMPLATE, s.colour or rules.DEFAULT_COLOUR
    return rules.Settings(s.title, s.tagline, template, colour, contact)


class SiteApi(site_pb2_grpc.SiteServiceServicer):
    def CreateSite(self, request, context):
        return _site(sites.create(request.org_id, request.slug, _settings(request.settings)))

    def GetSite(self, request, context):
        return _site(*sites.manager_view(request.org_id))

    def UpdateSite(self, request, context):
        return _site(sites.update_settings(request.org_id, _settings(request.settings)))

    def PutPage(self, request, context):
        p = request.page
        return _site(sites.put_page(request.org_id, rules.Page(p.slug, p.title, p.body, p.in_menu)))

    def DeletePage(self, request, context):
        return _site(sites.delete_page(request.org_id, request.page_slug))

    def PutAlbum(self, request, context):
        photos = [rules.Photo(p.media_id, p.caption) for p in request.photos]
        return _site(sites.put_album(request.org_id, request.album_id, request.title, photos))

    def DeleteAlbum(self, request, context):
        return _site(sites.delete_album(request.org_id, request.album_id))

    def PublishSite(self, request, context):
        return _site(sites.publish(request.org_id))

    def UnpublishSite(self, request, context):
        return _site(sites.unpublish(request.org_id))

    def GetPublicSite(self, request, context):
        site, news = sites.public(request.slug)
        return pb.PublicSite(
            org_id=site.org_id,
            org_name=people.org_names([site.org_id]).get(site.org_id, ""),
            slug=site.slug,
            content=_content(site.published),
            version=site.version,
            published_at=timestamp(site.published_at) if site.published_at else None,
            news=_news(news),
        )
