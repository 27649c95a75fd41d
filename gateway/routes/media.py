"""Media files over HTTP: authorize an upload (a presigned PUT), finalize it, read an item (presigned GETs),
its HLS playlists, delete it; an org's files and storage. Limits and permissions are decided by media.

An upload: `POST /api/v1/media/uploads` → PUT the bytes to `put_url` (with the same Content-Type) →
`POST /api/v1/media/{id}/finalize`. Images, audio and video then process (status `processing`, progress on
the WebSocket as `media` frames) until `ready` or `failed`. HLS: `GET /api/v1/media/{id}/hls/master.m3u8`
and each variant `…/hls/<rendition>/index.m3u8` (segments are presigned addresses of the store), with the
caller's token or, for players that cannot send one, the signed `?t=` that `hls_url` carries. Public
items (org sites) are read without a token at `/api/v1/public/media/{id}` and their playlists likewise.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from gateway.auth import CallerDep, bearer_scheme, caller
from gateway.clients import as_json, call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId
from jiceng.media.v1 import media_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["media"])
# `/media/{id}`: a public item's bytes by a short address (org micro-sites' pictures link it)
files_router = APIRouter(tags=["media"])

HLS_TYPE = "application/vnd.apple.mpegurl"
PlaylistName = Annotated[str, Path(max_length=64, pattern=r"^(master\.m3u8|[a-z0-9-]{1,32}/index\.m3u8)$")]


class UploadBody(Body):
    org_id: Id
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_type: Annotated[str, Field(min_length=1, max_length=100, examples=["image/jpeg", "video/mp4"])]
    size: Annotated[int, Field(gt=0, description="bytes")]
    visibility: Annotated[str, Field(max_length=16, examples=["members", "private", "public"])] = "members"


class QuotaBody(Body):
    quota_bytes: Annotated[int, Field(ge=0)]


class RenditionOut(BaseModel):
    name: str
    bandwidth: int
    width: int
    height: int


class MediaOut(BaseModel):
    id: str
    org_id: str
    owner_id: str
    kind: str
    filename: str
    content_type: str
    size: int
    visibility: str
    status: str
    progress: int
    error: str
    duration_seconds: float
    width: int
    height: int
    renditions: list[RenditionOut]
    created_at: str
    ready_at: str | None = None
    url: str
    thumbnail_url: str
    has_hls: bool
    hls_url: str = ""


class UploadOut(BaseModel):
    media: MediaOut
    put_url: str
    expires_at: str


class MediaListOut(BaseModel):
    items: list[MediaOut]
    next_cursor: str


class UsageOut(BaseModel):
    org_id: str
    used_bytes: int
    quota_bytes: int
    items: int


def _media(data: dict, public: bool = False) -> dict:
    data["size"] = int(data.get("size", 0))
    base = "/api/v1/public/media" if public else "/api/v1/media"
    token = data.pop("hls_token", "")
    query = f"?t={token}" if token and not public else ""
    data["hls_url"] = f"{base}/{data['id']}/hls/master.m3u8{query}" if data.get("has_hls") else ""
    return data


def _usage(data: dict) -> dict:
    return {**data, "used_bytes": int(data["used_bytes"]), "quota_bytes": int(data["quota_bytes"])}


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "media", method_name, message)


@router.post("/media/uploads", response_model=UploadOut, status_code=201, summary="Authorize an upload")
async def create_upload(body: UploadBody, request: Request, who: CallerDep):
    message = pb.CreateUploadRequest(**body.model_dump())
    data = await call(request, who, "CreateUpload", message)
    data["media"] = _media(data["media"])
    return data


@router.post("/media/{media_id}/finalize", response_model=MediaOut, summary="The bytes are up: verify them")
async def finalize(media_id: PathId, request: Request, who: CallerDep):
    return _media(await call(request, who, "FinalizeUpload", pb.MediaRef(media_id=media_id)))


@router.get("/media/{media_id}", response_model=MediaOut, summary="A media item, with addresses to read it")
async def get_media(media_id: PathId, request: Request, who: CallerDep):
    return _media(await call(request, who, "GetMedia", pb.MediaRef(media_id=media_id)))


@router.delete("/media/{media_id}", response_model=MediaOut, summary="Delete a media item and what was made of it")
async def delete_media(media_id: PathId, request: Request, who: CallerDep):
    return _media(await call(request, who, "DeleteMedia", pb.MediaRef(media_id=media_id)))


@router.get(
    "/media/{media_id}/hls/{name:path}",
    response_class=Response,
    summary="An HLS playlist of the item (segments presigned); with ?t= (the item's hls_token) no login",
    responses={200: {"content": {HLS_TYPE: {}}}},
)
async def playlist(
    media_id: PathId,
    name: PlaylistName,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    t: Annotated[str, Query(max_length=64, description="a signed playlist token (MediaOut.hls_url carries it)")] = "",
):
    message = pb.PlaylistRequest(media_id=media_id, name=name, token=t)
    if t:  # a player that cannot send a header (a native <video>): the token is the permission
        services = request.app.state.services
        text = (await services.call(services.media.GetPlaylist, message)).text
    else:
        text = (await call(request, await caller(request, credentials), "GetPlaylist", message))["text"]
    return Response(text, media_type=HLS_TYPE, headers={"Cache-Control": "private, max-age=60"})


@router.get("/public/media/{media_id}", response_model=MediaOut, summary="A public media item (no login)")
async def public_media(media_id: PathId, request: Request):
    services = request.app.state.services
    return _media(as_json(await services.call(services.media.GetPublicMedia, pb.MediaRef(media_id=media_id))), True)


@router.get(
    "/public/media/{media_id}/hls/{name:path}",
    response_class=Response,
    summary="An HLS playlist of a public item (no login)",
    responses={200: {"content": {HLS_TYPE: {}}}},
)
async def public_playlist(media_id: PathId, name: PlaylistName, request: Request):
    services = request.app.state.services
    reply = await services.call(services.media.GetPlaylist, pb.PlaylistRequest(media_id=media_id, name=name))
    return Response(reply.text, media_type=HLS_TYPE, headers={"Cache-Control": "public, max-age=60"})


@router.get("/orgs/{org_id}/media", response_model=MediaListOut, summary="The org's files (media managers)")
async def list_org_media(
    org_id: PathId,
    request: Request,
    who: CallerDep,
    kind: Annotated[str, Query(max_length=16)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListOrgMediaRequest(org_id=org_id, kind=kind, page_size=page_size, cursor=cursor)
    data = await call(request, who, "ListOrgMedia", message)
    data["items"] = [_media(i) for i in data["items"]]
    return data


@router.get("/orgs/{org_id}/media-usage", response_model=UsageOut, summary="The org's storage and quota")
async def usage(org_id: PathId, request: Request, who: CallerDep):
    return _usage(await call(request, who, "GetUsage", pb.OrgRef(org_id=org_id)))


@router.put(
    "/orgs/{org_id}/media-quota", response_model=UsageOut, summary="Set the org's storage quota (region admins)"
)
async def set_quota(org_id: PathId, body: QuotaBody, request: Request, who: CallerDep):
    return _usage(await call(request, who, "SetQuota", pb.SetQuotaRequest(org_id=org_id, quota_bytes=body.quota_bytes)))


@files_router.get(
    "/media/{media_id}",
    response_class=RedirectResponse,
    status_code=302,
    summary="A public item's bytes (its thumbnail with ?thumbnail=true): a redirect to the object store",
)
async def public_file(media_id: PathId, request: Request, thumbnail: bool = False):
    services = request.app.state.services
    item = await services.call(services.media.GetPublicMedia, pb.MediaRef(media_id=media_id))
    target = item.thumbnail_url if thumbnail and item.thumbnail_url else item.url
    # the address stays valid for DOWNLOAD_URL_SECONDS (an hour): browsers may keep the redirect a while
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "public, max-age=300"})
