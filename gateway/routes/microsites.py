"""Org micro-websites (创建网站服务) as HTML at `/{region}/{slug}`: readable without logging in, rendered on the
server from the published site (content's SiteService.GetPublicSite) so they load fast and work without
JavaScript. A draft is previewed by those who manage it under `/api/v1/orgs/{org_id}/site/preview`.

Caching: a published page is `public, max-age=60` with a strong ETag of its bytes (a conditional request is
answered 304); a preview is `private, no-store`. UI strings come from the message catalogs (zh-CN first,
`Accept-Language: en` for English).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path as FilePath
from typing import Annotated

import jinja2
import markupsafe
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from gateway.auth import CallerDep
from gateway.clients import as_json
from jiceng.content.v1 import site_pb2 as pb
from kernel import messages
from kernel.errors import DomainError, ErrorCode

router = APIRouter(tags=["micro-websites (HTML)"])

PUBLIC_CACHE = "public, max-age=60, stale-while-revalidate=600"
PRIVATE_CACHE = "private, no-store"
MISSING_CACHE = "public, max-age=30"
DEFAULT_COLOUR = "#c8161d"
MEDIA_URL = "/media/{media_id}"  # the media service's address of a stored file (issue 6)

Segment = Annotated[str, Path(min_length=1, max_length=64)]


def _paragraphs(text: str) -> markupsafe.Markup:
    """A post's text as HTML: escaped, its line breaks kept."""
    return markupsafe.Markup("<br>").join(markupsafe.escape(text).split("\n"))


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(FilePath(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["paragraphs"] = _paragraphs


def _view(parts: list[str], content: dict) -> tuple[str, dict]:
    """Which template shows the path below the site's address, and its subject; NOT_FOUND otherwise."""
    if not parts:
        return "home", {}
    if parts == ["news"]:
        return "news", {}
    if parts == ["albums"] and content.get("albums"):
        return "albums", {}
    if len(parts) == 2 and parts[0] == "albums":
        album = next((a for a in content.get("albums", []) if a["id"] == parts[1]), None)
        if album is not None:
            return "album", {"album": album}
    if parts == ["contact"] and any(content.get("contact", {}).values()):
        return "contact", {}
    if len(parts) == 1:
        page = next((p for p in content.get("pages", []) if p["slug"] == parts[0]), None)
        if page is not None:
            return "page", {"page": page}
    raise DomainError(ErrorCode.NOT_FOUND, "site_page_not_found", "page_slug")


def render(
    request: Request,
    base: str,
    parts: list[str],
    content: dict,
    news: list[dict],
    org_name: str,
    published_at: str,
    draft: bool,
) -> str:
    locale = messages.negotiate(request.headers.get("accept-language"))
    view, subject = _view(parts, content)
    template = _env.get_template(f"site/{view}.html")
    return template.render(
        locale=locale,
        t=lambda key, **params: messages.render(key, locale, params),
        site=content,
        colour=content.get("colour_hex") or DEFAULT_COLOUR,
        has_contact=any(content.get("contact", {}).values()),
        news=news,
        view=view,
        base=base,
        org_name=org_name,
        published_at=published_at,
        draft=draft,
        media_url=lambda media_id: MEDIA_URL.format(media_id=media_id),
        **subject,
    )


def not_found(request: Request) -> HTMLResponse:
    locale = messages.negotiate(request.headers.get("accept-language"))
    body = _env.get_template("site/not_found.html").render(
        locale=locale, t=lambda key, **params: messages.render(key, locale, params)
    )
    return HTMLResponse(body, status_code=404, headers={"Cache-Control": MISSING_CACHE})


def _cached(request: Request, body: str, cache_control: str, started: float) -> Response:
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    took = (time.perf_counter() - started) * 1000  # the call to content and the templates (bench/microsite.py)
    headers = {
        "Cache-Control": cache_control,
        "ETag": etag,
        "Vary": "Accept-Language",
        "Server-Timing": f"site;dur={took:.1f}",
    }
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, headers=headers)


async def _public(request: Request, region: str, slug: str, parts: list[str]) -> Response:
    started = time.perf_counter()
    config = request.app.state.config
    if region == "api":
        raise DomainError(ErrorCode.NOT_FOUND)  # an API path no route has: a JSON error, not a page
    if region != config.region:
        return not_found(request)  # another region's sites are served by its own gateway
    services = request.app.state.services
    try:
        site = as_json(await services.call(services.sites.GetPublicSite, pb.PublicSiteRequest(slug=slug)))
        body = render(
            request,
            f"/{region}/{site['slug']}",
            parts,
            site["content"],
            site["news"],
            site["org_name"],
            site.get("published_at", ""),
            draft=False,
        )
    except DomainError as err:
        if err.code in (ErrorCode.NOT_FOUND, ErrorCode.INVALID_ARGUMENT):
            return not_found(request)
        raise
    return _cached(request, body, PUBLIC_CACHE, started)


@router.get("/{region}/{slug}", response_class=HTMLResponse, summary="An org's site: its home page")
async def site_home(region: Segment, slug: Segment, request: Request):
    return await _public(request, region, slug, [])


@router.get("/{region}/{slug}/{section}", response_class=HTMLResponse, summary="A page, the news, albums, contact")
async def site_section(region: Segment, slug: Segment, section: Segment, request: Request):
    return await _public(request, region, slug, [section])


@router.get("/{region}/{slug}/albums/{album_id}", response_class=HTMLResponse, summary="One photo album")
async def site_album(region: Segment, slug: Segment, album_id: Segment, request: Request):
    return await _public(request, region, slug, ["albums", album_id])


# -- the draft, for those who manage the site ------------------------------------------------------------


async def _preview(request: Request, who, org_id: str, parts: list[str]) -> Response:
    services = request.app.state.services.on_behalf_of("")
    site = as_json(await services.call(services.sites.GetSite, pb.SiteOrgRef(org_id=org_id), who.token))
    try:
        body = render(
            request,
            f"/api/v1/orgs/{org_id}/site/preview",
            parts,
            site["draft"],
            site["news"],
            site["org_name"],
            dt.datetime.now(dt.UTC).isoformat(),
            draft=True,
        )
    except DomainError:
        return not_found(request)
    return HTMLResponse(body, headers={"Cache-Control": PRIVATE_CACHE})


@router.get("/api/v1/orgs/{org_id}/site/preview", response_class=HTMLResponse, summary="Preview the draft site")
async def preview_home(org_id: Segment, request: Request, who: CallerDep):
    return await _preview(request, who, org_id, [])


@router.get("/api/v1/orgs/{org_id}/site/preview/{section}", response_class=HTMLResponse, summary="Preview a page")
async def preview_section(org_id: Segment, section: Segment, request: Request, who: CallerDep):
    return await _preview(request, who, org_id, [section])


@router.get(
    "/api/v1/orgs/{org_id}/site/preview/albums/{album_id}", response_class=HTMLResponse, summary="Preview an album"
)
async def preview_album(org_id: Segment, album_id: Segment, request: Request, who: CallerDep):
    return await _preview(request, who, org_id, ["albums", album_id])
