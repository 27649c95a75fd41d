"""The S3-compatible object store through the `minio` client (locally localbucket; production MinIO)."""

from __future__ import annotations

from minio import Minio

from kernel.config import BaseConfig


class ObjectStoreConfig(BaseConfig):
    s3_endpoint: str = "127.0.0.1:9000"  # host:port
    s3_access_key: str = "jiceng"
    s3_secret_key: str = "jiceng-local-secret"  # noqa: S105 - local stack default; production sets it
    s3_secure: bool = False
    # Given explicitly so the client never asks the server for a bucket's location
    # (localbucket doesn't implement GetBucketLocation; MinIO answers either way).
    s3_region: str = "us-east-1"


def client(config: ObjectStoreConfig) -> Minio:
    return Minio(
        config.s3_endpoint,
        access_key=config.s3_access_key,
        secret_key=config.s3_secret_key,
        secure=config.s3_secure,
        region=config.s3_region,
    )


def ensure_bucket(store: Minio, bucket: str) -> None:
    if not store.bucket_exists(bucket):
        store.make_bucket(bucket)
