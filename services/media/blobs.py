"""media's bytes in the object store: where each item's files live, and the presigned addresses clients use.

Keys: `<tenant>/<media id>/original`, `…/thumb.jpg`, `…/hls/master.m3u8`, `…/hls/<rendition>/index.m3u8` and
its segments. Presigned URLs are signed for the host clients reach (S3_PUBLIC_ENDPOINT), by a second client
that never connects anywhere (it is given the region, so it asks the server nothing).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from urllib.parse import quote

from minio import Minio
from minio.datatypes import Object
from minio.error import S3Error

from kernel import objects
from services.media.settings import MediaStoreSettings

ORIGINAL, THUMBNAIL, HLS = "original", "thumb.jpg", "hls"
NOT_THERE = ("NoSuchKey", "NoSuchObject", "NoSuchBucket")


class Blobs:
    def __init__(self, config: MediaStoreSettings):
        self.config = config
        self.bucket = config.media_bucket
        self.store = objects.client(config)
        public = config.s3_public_endpoint or config.s3_endpoint
        self.signer = Minio(
            public,
            access_key=config.s3_access_key,
            secret_key=config.s3_secret_key,
            secure=config.s3_public_secure if config.s3_public_endpoint else config.s3_secure,
            region=config.s3_region,
        )

    def ensure_bucket(self) -> None:
        objects.ensure_bucket(self.store, self.bucket)

    # -- keys ------------------------------------------------------------------------------------------
    @staticmethod
    def prefix(tenant: str, media_id: str) -> str:
        return f"{tenant}/{media_id}/"

    @classmethod
    def key(cls, tenant: str, media_id: str, name: str) -> str:
        return cls.prefix(tenant, media_id) + name

    # -- addresses -------------------------------------------------------------------------------------
    def put_url(self, key: str) -> str:
        return self.signer.presigned_put_object(self.bucket, key, dt.timedelta(seconds=self.config.upload_url_seconds))

    def get_url(self, key: str, seconds: int | None = None, content_type: str = "", download_as: str = "") -> str:
        """A presigned GET. content_type: what the store answers it with (the sniffed type, not whatever
        the uploader's PUT said); download_as: a file name, served as an attachment (documents are saved,
        never shown in the page of the store's origin)."""
        expires = dt.timedelta(seconds=seconds or self.config.download_url_seconds)
        headers = {}
        if content_type:
            headers["response-content-type"] = content_type
        if download_as:
            headers["response-content-disposition"] = f"attachment; filename*=UTF-8''{quote(download_as, safe='')}"
        return self.signer.presigned_get_object(self.bucket, key, expires, response_headers=headers or None)

    # -- bytes -----------------------------------------------------------------------------------------
    def stat(self, key: str) -> Object | None:
        try:
            return self.store.stat_object(self.bucket, key)
        except S3Error as err:
            if err.code in NOT_THERE:
                return None
            raise

    def head(self, key: str, length: int) -> bytes:
        response = self.store.get_object(self.bucket, key, offset=0, length=length)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def read(self, key: str) -> bytes:
        response = self.store.get_object(self.bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def download(self, key: str, path: Path) -> None:
        self.store.fget_object(self.bucket, key, str(path))

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.store.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.store.fput_object(self.bucket, key, str(path), content_type=content_type)

    def upload_tree(self, root: Path, prefix: str) -> int:
        """Every file under root, to prefix + its relative path; returns the bytes put."""
        total = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            self.store.fput_object(self.bucket, prefix + name, str(path), content_type=content_type_of(name))
            total += path.stat().st_size
        return total

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under prefix (an item's files); returns how many there were."""
        names = [o.object_name for o in self.store.list_objects(self.bucket, prefix=prefix, recursive=True)]
        for name in names:  # one by one: localbucket has no multi-object delete (MinIO has both)
            self.store.remove_object(self.bucket, name)
        return len(names)


def content_type_of(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return {
        ".m3u8": "application/vnd.apple.mpegurl",
        ".ts": "video/mp2t",
        ".m4s": "video/iso.segment",
        ".aac": "audio/aac",
        ".jpg": "image/jpeg",
        ".webp": "image/webp",
    }.get(ext, "application/octet-stream")


_current: Blobs | None = None


def configure(config: MediaStoreSettings) -> Blobs:
    """The process's store (the server and the workers call this once at start)."""
    global _current
    _current = Blobs(config)
    return _current


def current() -> Blobs:
    if _current is None:
        raise RuntimeError("media's object store is not configured")
    return _current
