"""Org micro-websites' management over HTTP (the draft, its pages and albums, publishing). The public HTML is
gateway/routes/microsites.py. Permissions and limits are decided by content."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, PathId
from jiceng.content.v1 import site_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["micro-websites"])

# A page holds up to 20,000 characters: putting one takes the gateway's long-document limit.
DOCUMENT_PATHS = (re.compile(r"/api/v1/orgs/[^/]{1,64}/site/pages/[^/]{1,64}"),)


class ContactBody(Body):
    address: Annotated[str, Field(max_length=1_000)] = ""
    phone: Annotated[str, Field(max_length=1_000)] = ""
    email: Annotated[str, Field(max_length=1_000)] = ""
    hours: Annotated[str, Field(max_length=1_000)] = ""


class SettingsBody(Body):
    title: Annotated[str, Field(max_length=400)]
    tagline: Annotated[str, Field(max_length=1_000)] = ""
    template: Annotated[str, Field(max_length=32, examples=["classic", "banner", "compact"])] = "classic"
    colour: Annotated[
        str, Field(max_length=32, examples=["party-red", "crimson", "navy", "teal", "forest", "slate"])
    ] = "party-red"
    contact: ContactBody = ContactBody()


class CreateSiteBody(SettingsBody):
    slug: Annotated[str, Field(max_length=64, description="the site's address: /{region}/{slug}")]


class PageBody(Body):
    title: Annotated[str, Field(max_length=400)]
    # paragraphs, "# " and "## " headings, "- " lists, **bold**, [links](https://…)
    body: Annotated[str, Field(max_length=40_000)] = ""
    in_menu: bool = True


class PhotoBody(Body):
    media_id: Annotated[str, Field(max_length=128)]
    caption: Annotated[str, Field(max_length=1_000)] = ""


class AlbumBody(Body):
    title: Annotated[str, Field(max_length=400)]
    photos: Annotated[list[PhotoBody], Field(max_length=500)] = []


class ContactOut(BaseModel):
    address: str
    phone: str
    email: str
    hours: str


class PageOut(BaseModel):
    slug: str
    title: str
    body: str
    html: str
    in_menu: bool


class PhotoOut(BaseModel):
    media_id: str
    caption: str


class AlbumOut(BaseModel):
    id: str
    title: str
    photos: list[PhotoOut]


class ContentOut(BaseModel):
    title: str
    tagline: str
    template: str
    colour: str
    colour_hex: str
    contact: ContactOut
    pages: list[PageOut]
    albums: list[AlbumOut]


class NewsOut(BaseModel):
    post_id: str
    text: str
    media_ids: list[str]
    created_at: dt.datetime | None = None


class SiteOut(BaseModel):
    org_id: str
    org_name: str
    slug: str
    address: str
    draft: ContentOut
    published: ContentOut | None = None
    is_published: bool
    version: int
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    news: list[NewsOut]


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "sites", method_name, message)


def _settings(body: SettingsBody) -> pb.SiteSettings:
    return pb.SiteSettings(
        title=body.title,
        tagline=body.tagline,
        template=body.template,
        colour=body.colour,
        contact=pb.SiteContact(**body.contact.model_dump()),
    )


@router.post("/orgs/{org_id}/site", response_model=SiteOut, status_code=201, summary="Create the org's site (a draft)")
async def create_site(org_id: PathId, body: CreateSiteBody, request: Request, who: CallerDep):
    message = pb.CreateSiteRequest(org_id=org_id, slug=body.slug, settings=_settings(body))
    return await call(request, who, "CreateSite", message)


@router.get("/orgs/{org_id}/site", response_model=SiteOut, summary="The org's site with its draft (managers)")
async def get_site(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetSite", pb.SiteOrgRef(org_id=org_id))


@router.put("/orgs/{org_id}/site", response_model=SiteOut, summary="Change the draft settings")
async def update_site(org_id: PathId, body: SettingsBody, request: Request, who: CallerDep):
    message = pb.UpdateSiteRequest(org_id=org_id, settings=_settings(body))
    return await call(request, who, "UpdateSite", message)


@router.put("/orgs/{org_id}/site/pages/{page_slug}", response_model=SiteOut, summary="Add or replace a draft page")
async def put_page(org_id: PathId, page_slug: PathId, body: PageBody, request: Request, who: CallerDep):
    page = pb.SitePage(slug=page_slug, title=body.title, body=body.body, in_menu=body.in_menu)
    return await call(request, who, "PutPage", pb.PutPageRequest(org_id=org_id, page=page))


@router.delete("/orgs/{org_id}/site/pages/{page_slug}", response_model=SiteOut, summary="Remove a draft page")
async def delete_page(org_id: PathId, page_slug: PathId, request: Request, who: CallerDep):
    return await call(request, who, "DeletePage", pb.SitePageRef(org_id=org_id, page_slug=page_slug))


def _album(org_id: str, album_id: str, body: AlbumBody) -> pb.PutAlbumRequest:
    photos = [pb.SitePhoto(media_id=p.media_id, caption=p.caption) for p in body.photos]
    return pb.PutAlbumRequest(org_id=org_id, album_id=album_id, title=body.title, photos=photos)


@router.post("/orgs/{org_id}/site/albums", response_model=SiteOut, status_code=201, summary="Add a photo album")
async def add_album(org_id: PathId, body: AlbumBody, request: Request, who: CallerDep):
    return await call(request, who, "PutAlbum", _album(org_id, "", body))


@router.put("/orgs/{org_id}/site/albums/{album_id}", response_model=SiteOut, summary="Replace a photo album")
async def put_album(org_id: PathId, album_id: PathId, body: AlbumBody, request: Request, who: CallerDep):
    return await call(request, who, "PutAlbum", _album(org_id, album_id, body))


@router.delete("/orgs/{org_id}/site/albums/{album_id}", response_model=SiteOut, summary="Remove a photo album")
async def delete_album(org_id: PathId, album_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "DeleteAlbum", pb.SiteAlbumRef(org_id=org_id, album_id=album_id))


@router.post("/orgs/{org_id}/site/publish", response_model=SiteOut, summary="Publish the draft as it is now")
async def publish(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "PublishSite", pb.SiteOrgRef(org_id=org_id))


@router.post("/orgs/{org_id}/site/unpublish", response_model=SiteOut, summary="Take the site offline")
async def unpublish(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "UnpublishSite", pb.SiteOrgRef(org_id=org_id))
