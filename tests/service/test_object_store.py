"""Why localbucket is the local S3 server: multipart, presigned URLs, and data that survives a restart."""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid

import httpx
import pytest

from kernel import objects

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def s3(stack):
    config = objects.ObjectStoreConfig(s3_endpoint=stack.env["S3_ENDPOINT"])
    store = objects.client(config)
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    objects.ensure_bucket(store, bucket)
    return store, bucket


def test_multipart_upload_round_trip(s3):
    store, bucket = s3
    data = os.urandom(12 * 1024 * 1024 + 123)
    store.put_object(bucket, "big.bin", io.BytesIO(data), len(data), part_size=5 * 1024 * 1024)
    assert store.stat_object(bucket, "big.bin").size == len(data)
    assert store.get_object(bucket, "big.bin").read() == data


def test_presigned_put_and_get(s3):
    store, bucket = s3
    put_url = store.presigned_put_object(bucket, "photo.jpg", expires=dt.timedelta(minutes=5))
    assert httpx.put(put_url, content=b"\xff\xd8\xff fake jpeg").status_code == 200
    get_url = store.presigned_get_object(bucket, "photo.jpg", expires=dt.timedelta(minutes=5))
    reply = httpx.get(get_url)
    assert reply.status_code == 200 and reply.content == b"\xff\xd8\xff fake jpeg"


def test_objects_survive_a_restart_of_the_server(s3, stack):
    store, bucket = s3
    store.put_object(bucket, "kept.txt", io.BytesIO("组织生活会议纪要".encode()), -1, part_size=5 * 1024 * 1024)
    server = stack.process("s3")
    stack.stop(server)
    stack.start(server)
    assert store.get_object(bucket, "kept.txt").read().decode() == "组织生活会议纪要"
