"""Recordings of live broadcasts imported by media's ingest hook (services/media/ingest.py, broadcasts.py) on the
region's real database, object store and transcoder: the record_done callback and the sweep of files left behind
(a failed import, media down when nginx reported the file)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent
from kernel.store import utcnow
from services.media import blobs, broadcasts, files, ingest
from services.media import store as media_store
from services.media.settings import MediaStoreSettings

pytestmark = pytest.mark.service


def _forget_collections() -> None:
    for model in [m for area in media_store.AREAS for m in area.DOCUMENTS] + [OutboxEvent]:
        model._collection = None


@pytest.fixture(scope="module")
def media(stack) -> Iterator[str]:
    """media's database and object store, in this process; yields the region (the tenant)."""
    me.disconnect(alias="default")
    _forget_collections()
    region = stack.layout.region
    store.connect(StoreConfig(region=region, mongo_uri=stack.env["MONGO_URI"]), "media")
    media_store.ensure_indexes()
    blobs.configure(MediaStoreSettings(region=region, s3_endpoint=stack.env["S3_ENDPOINT"]))
    yield region
    me.disconnect(alias="default")
    _forget_collections()


def _broadcast(tenant: str, record: bool = True, on_air: bool = False) -> broadcasts.Broadcast:
    b = broadcasts.Broadcast(
        tenant=tenant,
        channel_id="c-" + secrets.token_hex(4),
        org_id="org-" + secrets.token_hex(4),
        kind="tv",
        title="支部大会",
        key_hash=broadcasts.hash_key(secrets.token_urlsafe(24)),
        record=record,
        on_air=on_air,
        seen_at=utcnow() if on_air else None,  # nginx asked about it just now
        created_by="someone",
        created_at=utcnow(),
        started_at=utcnow(),
    )
    b.save()
    return b


@pytest.fixture(scope="module")
def flv(tmp_path_factory) -> Path:
    """Three seconds of tiny video with sound, as nginx-rtmp records (FLV)."""
    out = tmp_path_factory.mktemp("flv") / "clip.flv"
    argv = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi"]
    argv += ["-i", "sine=frequency=440", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    argv += ["-c:a", "aac", "-f", "flv", str(out)]
    subprocess.run(argv, check=True, timeout=60)  # noqa: S603 - fixed argv
    return out


def _file(folder: Path, b: broadcasts.Broadcast, source: Path, age: float) -> Path:
    path = folder / f"{b.id}-{int(time.time())}.flv"
    shutil.copy(source, path)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_recordings_left_behind_are_imported_by_the_sweep_once_settled(media, tmp_path, flv):
    tenant = media
    kept, dropped, live, fresh = (
        _broadcast(tenant),
        _broadcast(tenant, record=False),
        _broadcast(tenant, on_air=True),
        _broadcast(tenant),
    )
    old = ingest.SETTLED_SECONDS + 60
    paths = {
        "kept": _file(tmp_path, kept, flv, old),
        "dropped": _file(tmp_path, dropped, flv, old),
        "live": _file(tmp_path, live, flv, old),
        "fresh": _file(tmp_path, fresh, flv, 0),
    }
    hook = ingest.Hook(tenant, str(tmp_path))
    assert hook.sweep_recordings() == 2
    assert not paths["kept"].exists() and not paths["dropped"].exists()  # handled: gone
    assert paths["live"].exists() and paths["fresh"].exists()  # on air, still written: left for later
    # a broadcast nginx stopped asking about (killed before it reported the end) is no longer on air
    broadcasts.Broadcast.in_tenant(tenant).filter(id=live.id).update_one(set__seen_at=utcnow() - broadcasts.STALE_AFTER)
    assert hook.sweep_recordings() == 1 and not paths["live"].exists()
    assert broadcasts.Broadcast.by_id(tenant, str(dropped.id)).recordings == []

    recordings = broadcasts.Broadcast.by_id(tenant, str(kept.id)).recordings
    assert len(recordings) == 1
    item = files.MediaItem.by_id(tenant, recordings[0])
    assert (item.org_id, item.owner_id, item.kind, item.size) == (kept.org_id, "someone", "video", flv.stat().st_size)
    usage = files.usage_of(tenant, kept.org_id)
    assert (usage.used, usage.items) == (flv.stat().st_size, 1)
    # the transcoder of the stack takes it from media_uploaded, as an upload
    deadline = time.monotonic() + 120
    while (item := files.MediaItem.by_id(tenant, recordings[0])).status == files.PROCESSING:
        assert time.monotonic() < deadline, "the recording was never transcoded"
        time.sleep(0.5)
    assert item.status == files.READY and item.has_hls and 2.5 <= item.duration <= 3.5


def test_a_recording_is_imported_once_and_only_from_the_recordings_directory(media, tmp_path, flv):
    tenant = media
    b = _broadcast(tenant)
    hook = ingest.Hook(tenant, str(tmp_path))
    path = _file(tmp_path, b, flv, 0)
    form = {"app": "tvhls", "name": str(b.id), "call": "record_done", "path": str(path)}
    assert hook.handle("record_done", form) == (200, "")
    first = broadcasts.Broadcast.by_id(tenant, str(b.id)).recordings
    assert len(first) == 1 and not path.exists()
    # nginx reporting the same file again (a repeated callback): nothing twice, nothing charged twice
    shutil.copy(flv, path)
    assert hook.handle("record_done", form) == (200, "")
    assert broadcasts.Broadcast.by_id(tenant, str(b.id)).recordings == first and not path.exists()
    assert files.usage_of(tenant, b.org_id).items == 1
    # a path outside the recordings directory is never read
    elsewhere = tmp_path.parent / f"{b.id}-elsewhere.flv"
    shutil.copy(flv, elsewhere)
    assert hook.handle("record_done", {**form, "path": str(elsewhere)}) == (200, "")
    assert elsewhere.exists() and broadcasts.Broadcast.by_id(tenant, str(b.id)).recordings == first
