"""The gRPC servicer of media files: messages ↔ calls of services/media/files.py."""

from __future__ import annotations

import functools
import time

from minio.error import S3Error

from jiceng.media.v1 import media_pb2 as pb
from jiceng.media.v1 import media_pb2_grpc
from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.wire import timestamp
from services.media import blobs, files
from services.media.domain import files as file_rules
from services.media.domain import hls

SERVICE = "jiceng.media.v1.MediaService"
# public media (org sites) and their playlists need no token
ANONYMOUS = {f"/{SERVICE}/GetPublicMedia", f"/{SERVICE}/GetPlaylist"}


def media(item: files.MediaItem, addresses: bool = False) -> pb.Media:
    """The item as a message; with addresses (presigned GETs, a signed playlist token) when the caller may
    read its bytes."""
    store = blobs.current()
    ready = item.status == files.READY
    url = thumb = token = ""
    if addresses and ready:
        download_as = item.filename if item.kind == file_rules.DOCUMENT else ""
        url = store.get_url(store.key(item.tenant, str(item.id), blobs.ORIGINAL), None, item.content_type, download_as)
        if item.has_thumbnail:
            thumb = store.get_url(store.key(item.tenant, str(item.id), blobs.THUMBNAIL))
        if item.has_hls:
            token = hls_token(item.tenant, str(item.id))
    return pb.Media(
        id=str(item.id),
        org_id=item.org_id,
        owner_id=item.owner_id,
        kind=item.kind,
        filename=item.filename,
        content_type=item.content_type or item.declared_type,
        size=item.size,
        visibility=item.visibility,
        status=item.status,
        progress=item.progress,
        error=item.error,
        duration_seconds=item.duration,
        width=item.width,
        height=item.height,
        renditions=[pb.Rendition(**r) for r in item.renditions],
        created_at=timestamp(item.created_at),
        ready_at=timestamp(item.ready_at) if item.ready_at else None,
        url=url,
        thumbnail_url=thumb,
        has_hls=item.has_hls and ready,
        hls_token=token,
    )


def hls_token(tenant: str, media_id: str) -> str:
    """A signed token that reads the item's playlists without a login ("" when the deployment signs none): for
    whoever may read the item (the caller decided)."""
    secret = blobs.current().config.media_url_secret
    if not secret:
        return ""
    return hls.playlist_token(secret.encode(), tenant, media_id, int(time.time()) + hls.PLAYLIST_TOKEN_SECONDS)


def playlist(item: files.MediaItem, name: str, token: str = "") -> str:
    """An HLS playlist of the item with each URI presigned (segments) or left to the gateway (variants, with
    the token that granted this one)."""
    if not hls.valid_playlist_name(name) or not (item.has_hls and item.status == files.READY):
        raise DomainError(ErrorCode.NOT_FOUND, "media_playlist_not_found", "name")
    store = blobs.current()
    base = store.key(item.tenant, str(item.id), f"{blobs.HLS}/")
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
    text = _stored_playlist(store, base + name)
    if text is None:
        raise DomainError(ErrorCode.NOT_FOUND, "media_playlist_not_found", "name")
    if name == "master.m3u8":  # variant playlists are relative: the player asks the gateway for them in turn
        return hls.with_token(text, token) if token else text
    return hls.rewrite(text, lambda uri: store.get_url(base + folder + uri))


@functools.lru_cache(maxsize=4096)
def _stored_playlist(store: blobs.Blobs, key: str) -> str | None:
    """A VOD playlist as stored (never changed once written: a deleted item's go with their keys' ids)."""
    try:
        return store.read(key).decode()
    except S3Error as err:
        if err.code in blobs.NOT_THERE:
            return None
        raise


class MediaApi(media_pb2_grpc.MediaServiceServicer):
    def CreateUpload(self, request, context_):
        upload = files.create_upload(
            request.org_id, request.filename, request.content_type, request.size, request.visibility
        )
        return pb.Upload(media=media(upload.item), put_url=upload.put_url, expires_at=timestamp(upload.expires_at))

    def FinalizeUpload(self, request, context_):
        return media(files.finalize(request.media_id), addresses=True)

    def GetMedia(self, request, context_):
        return media(files.readable(request.media_id), addresses=True)

    def GetPublicMedia(self, request, context_):
        return media(files.public(request.media_id), addresses=True)

    def GetPlaylist(self, request, context_):
        if request.token:
            item = _signed(request.media_id, request.token)
        elif context.current().actor is None:
            item = files.public(request.media_id)
        else:
            item = files.readable(request.media_id)
        return pb.Playlist(text=playlist(item, request.name, request.token))

    def DeleteMedia(self, request, context_):
        return media(files.delete(request.media_id))

    def ListOrgMedia(self, request, context_):
        items, cursor = files.list_org(request.org_id, request.kind, request.page_size, request.cursor)
        return pb.ListOrgMediaResponse(items=[media(i) for i in items], next_cursor=cursor)

    def GetUsage(self, request, context_):
        return _usage(files.usage(request.org_id))

    def SetQuota(self, request, context_):
        return _usage(files.set_quota(request.org_id, request.quota_bytes))


def _signed(media_id: str, token: str) -> files.MediaItem:
    """The item a playlist token was granted for (by GetMedia to someone who may read it), or NOT_FOUND."""
    secret = blobs.current().config.media_url_secret
    tenant = context.current().tenant
    if not (secret and hls.token_valid(secret.encode(), tenant, media_id, token, time.time())):
        raise DomainError(ErrorCode.NOT_FOUND, "media_playlist_not_found", "t")
    return files.by_id(tenant, media_id)


def _usage(usage: files.OrgUsage) -> pb.Usage:
    return pb.Usage(org_id=usage.org_id, used_bytes=usage.used, quota_bytes=files.quota_of(usage), items=usage.items)
