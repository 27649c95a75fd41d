"""media's files code in this process on the region's real database and object store: the quota holds under
concurrent uploads, abandoned uploads are swept with their bytes, a transcoder's lease keeps a second worker
off an item, and a failed item leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator

import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from kernel.errors import DomainError
from kernel.outbox import OutboxEvent
from kernel.store import utcnow
from services.media import blobs, files, processing
from services.media import store as media_store
from services.media.settings import MediaStoreSettings

pytestmark = pytest.mark.service


def _forget_collections() -> None:
    for model in [m for area in media_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


@pytest.fixture(scope="module")
def objects(stack) -> Iterator[blobs.Blobs]:
    me.disconnect(alias="default")
    _forget_collections()
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "media")
    media_store.ensure_indexes()
    configured = blobs.configure(MediaStoreSettings(s3_endpoint=stack.env["S3_ENDPOINT"]))
    configured.ensure_bucket()
    yield configured
    me.disconnect(alias="default")
    _forget_collections()


def _tenant() -> str:
    return f"mt-{uuid.uuid4().hex[:8]}"


def _item(tenant: str, status: str, created_at: dt.datetime | None = None, **fields) -> files.MediaItem:
    item = files.MediaItem(
        tenant=tenant,
        org_id="o",
        org_path=["o"],
        owner_id="ann",
        kind=fields.pop("kind", "image"),
        filename="a.jpg",
        declared_type="image/jpeg",
        visibility="members",
        status=status,
        created_at=created_at or utcnow(),
        **fields,
    )
    item.save()
    return item


def test_concurrent_uploads_never_overrun_the_quota(objects):
    tenant = _tenant()
    files.OrgUsage(id=f"{tenant}:o", tenant=tenant, org_id="o", quota=1000).save()
    outcomes: list[str] = []

    def charge() -> None:
        try:
            files.charge(tenant, "o", 300)
            outcomes.append("charged")
        except DomainError as err:
            outcomes.append(err.key)

    threads = [threading.Thread(target=charge) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("charged") == 3 and outcomes.count("media_quota_exceeded") == 5
    usage = files.usage_of(tenant, "o")
    assert (usage.used, usage.items) == (900, 3)


def test_abandoned_uploads_are_swept_with_their_bytes(objects):
    tenant = _tenant()
    old = _item(tenant, files.PENDING, utcnow() - dt.timedelta(hours=3))
    fresh = _item(tenant, files.PENDING)
    ready = _item(tenant, files.READY, utcnow() - dt.timedelta(days=3))
    for item in (old, fresh):
        objects.put_bytes(objects.key(tenant, str(item.id), blobs.ORIGINAL), b"\xff\xd8\xff partial", "image/jpeg")
    assert files.sweep_abandoned(tenant) == 1
    assert files.MediaItem.by_id(tenant, str(old.id)) is None
    assert objects.stat(objects.key(tenant, str(old.id), blobs.ORIGINAL)) is None
    assert files.MediaItem.by_id(tenant, str(fresh.id)).status == files.PENDING
    assert objects.stat(objects.key(tenant, str(fresh.id), blobs.ORIGINAL)) is not None
    assert files.MediaItem.by_id(tenant, str(ready.id)).status == files.READY


def test_a_transcoders_lease_keeps_others_off_the_item_until_it_runs_out(objects):
    tenant = _tenant()
    item = _item(tenant, files.PROCESSING, kind="video")
    assert processing._processing(tenant, str(item.id)) is not None  # the first worker takes it
    with pytest.raises(processing.Busy):
        processing._processing(tenant, str(item.id))  # a redelivery meanwhile does not
    files.MediaItem.objects(id=item.id).update_one(set__lease_until=utcnow() - dt.timedelta(seconds=1))
    assert processing._processing(tenant, str(item.id)) is not None  # the first died: its lease ran out
    files.MediaItem.objects(id=item.id).update_one(set__status=files.READY)
    assert processing._processing(tenant, str(item.id)) is None  # done already: nothing to do


def test_a_failed_item_leaves_nothing_and_gives_its_charge_back(objects):
    tenant = _tenant()
    files.OrgUsage(id=f"{tenant}:o", tenant=tenant, org_id="o", used=500, items=2).save()
    item = _item(tenant, files.PROCESSING, kind="video", charged=300, size=300)
    for name in (blobs.ORIGINAL, "hls/240p/seg0000.ts", blobs.THUMBNAIL):
        objects.put_bytes(objects.key(tenant, str(item.id), name), b"x" * 10, "application/octet-stream")
    processing.fail(item, "media_unreadable")
    assert objects.delete_prefix(objects.prefix(tenant, str(item.id))) == 0
    stored = files.MediaItem.by_id(tenant, str(item.id))
    assert (stored.status, stored.error, stored.charged) == (files.FAILED, "media_unreadable", 0)
    usage = files.usage_of(tenant, "o")
    assert (usage.used, usage.items) == (200, 1)
    event = OutboxEvent.objects(tenant=tenant, type="media_failed").first()
    assert event.data == {"media_id": str(item.id), "org_id": "o", "owner_id": "ann", "error": "media_unreadable"}
    processing.fail(item, "media_unreadable")  # a second time changes nothing
    assert files.usage_of(tenant, "o").used == 200
