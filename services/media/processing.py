"""Processing uploaded media (media's workers): thumbnails of images, HLS of audio and video, and the
clean failure of bytes that are not what they claim.

Each `media_uploaded` of an image is handled by the worker (`thumbnail`), of audio or video by the
transcoder (`transcode`, one or TRANSCODE_CONCURRENCY at a time: ffmpeg takes the cores). Handling is
idempotent: only an item still `processing` is worked on, under a lease on the item that the transcoder
renews as it reports progress, so a redelivered event never runs a second ffmpeg beside the first; a
transcoder that died leaves a lease that runs out and the retried event takes the item over.

A file that cannot be read (a truncated video, bytes that only looked like an image) fails: everything of
it is deleted from the store, the org's quota is given back, and `media_failed` names the reason.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from prometheus_client import Counter, Histogram

from kernel.store import UnitOfWork, atomically, utcnow
from services.media import blobs, events
from services.media.domain import files as rules
from services.media.domain import hls
from services.media.files import FAILED, PROCESSING, READY, MediaItem, OrgUsage, ready_data, usage_id
from services.media.settings import TranscodeSettings

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)  # renewed with each progress report
PROGRESS_STEP = 10  # percent between progress reports
PROGRESS_SECONDS = 5.0  # …or this long, whichever comes first
MAX_DURATION = 4 * 3600.0  # seconds of audio or video one item may hold
THUMBNAIL_BOX = (320, 320)
IMAGE_PIXELS_MAX = 80_000_000  # a larger image is refused (a decompression bomb, or nothing a phone took)

PROCESSED = Counter("jiceng_media_processed_total", "Media items processed", ["kind", "outcome"])
TRANSCODE_SECONDS = Histogram(
    "jiceng_media_transcode_seconds", "Wall time of one transcode", buckets=(1, 5, 15, 60, 300, 900, 3600)
)
MEDIA_SECONDS = Counter("jiceng_media_transcoded_seconds_total", "Seconds of audio and video transcoded")


class Busy(Exception):
    """Another worker holds the item's lease: the event is retried later."""


class Unreadable(Exception):
    """The bytes are not the media they claim to be (or are damaged): the item fails with this key."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(detail or key)
        self.key = key


def _claim(item: MediaItem) -> bool:
    now = utcnow()
    free = {"$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]}
    return bool(
        MediaItem._get_collection()
        .update_one({"_id": item.id, "status": PROCESSING, **free}, {"$set": {"lease_until": now + LEASE}})
        .modified_count
    )


def _processing(tenant: str, media_id: str) -> MediaItem | None:
    item = MediaItem.by_id(tenant, media_id)
    if item is None or item.status != PROCESSING:
        return None  # done, failed or deleted already: nothing to do
    if not _claim(item):
        raise Busy(media_id)
    return item


# -- images --------------------------------------------------------------------------------------------


def thumbnail(tenant: str, media_id: str) -> None:
    item = _processing(tenant, media_id)
    if item is None:
        return
    store = blobs.current()
    try:
        data = store.read(store.key(tenant, media_id, blobs.ORIGINAL))
        thumb, width, height = make_thumbnail(data)
    except Unreadable as err:
        fail(item, err.key)
        return
    store.put_bytes(store.key(tenant, media_id, blobs.THUMBNAIL), thumb, "image/jpeg")
    finish(item, derived=len(thumb), width=width, height=height, thumbnail=True)


def make_thumbnail(data: bytes) -> tuple[bytes, int, int]:
    """A JPEG of at most THUMBNAIL_BOX, and the image's own size; Unreadable if it does not decode."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > IMAGE_PIXELS_MAX:
                raise Unreadable("media_image_too_large")
            probe.verify()  # the whole file, not just its header
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_BOX)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise Unreadable("media_unreadable", str(err)) from None
    return out.getvalue(), width, height


# -- audio and video -----------------------------------------------------------------------------------


def transcode(tenant: str, media_id: str, settings: TranscodeSettings) -> None:
    item = _processing(tenant, media_id)
    if item is None:
        return
    store = blobs.current()
    work = Path(tempfile.mkdtemp(prefix="jiceng-media-", dir=settings.work_dir or None))
    try:
        source = work / "source"
        store.download(store.key(tenant, media_id, blobs.ORIGINAL), source)
        try:
            probe = run_probe(settings, source)
            if item.kind == rules.VIDEO and not probe.has_video:
                raise Unreadable("media_content_mismatch")
            if item.kind == rules.AUDIO:
                probe = hls.Probe(probe.duration, 0, 0, False, probe.has_audio)
            if not (probe.has_video or probe.has_audio) or probe.duration <= 0:
                raise Unreadable("media_unreadable")
            if probe.duration > MAX_DURATION:
                raise Unreadable("media_too_long")
            out = work / "hls"
            out.mkdir()
            renditions = hls.ladder(probe)
            started = time.monotonic()
            run_ffmpeg(settings, item, source, out, renditions, probe)
            TRANSCODE_SECONDS.observe(time.monotonic() - started)
            MEDIA_SECONDS.inc(probe.duration)
            thumb = video_thumbnail(settings, source, probe, work) if probe.has_video else None
        except Unreadable as err:
            fail(item, err.key)
            return
        prefix = store.key(tenant, media_id, blobs.HLS + "/")
        derived = store.upload_tree(out, prefix)
        if thumb is not None:
            store.put_bytes(store.key(tenant, media_id, blobs.THUMBNAIL), thumb, "image/jpeg")
            derived += len(thumb)
        finish(
            item,
            derived=derived,
            width=probe.width,
            height=probe.height,
            duration=probe.duration,
            renditions=[_rendition_row(r, probe) for r in renditions],
            thumbnail=thumb is not None,
            has_hls=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _rendition_row(r: hls.Rendition, probe: hls.Probe) -> dict:
    width = 0
    if r.height and probe.height:
        width = round(probe.width * r.height / probe.height / 2) * 2
    return {"name": r.name, "bandwidth": r.bandwidth, "width": width, "height": r.height}


def run_probe(settings: TranscodeSettings, source: Path) -> hls.Probe:
    argv = [settings.ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(source)]
    done = subprocess.run(argv, capture_output=True, timeout=120, check=False)  # noqa: S603 - fixed argv
    if done.returncode != 0:
        raise Unreadable("media_unreadable", done.stderr.decode(errors="replace")[:300])
    try:
        return hls.parse_probe(json.loads(done.stdout or b"{}"))
    except (ValueError, TypeError):
        raise Unreadable("media_unreadable") from None


def run_ffmpeg(
    settings: TranscodeSettings,
    item: MediaItem,
    source: Path,
    out: Path,
    renditions: list[hls.Rendition],
    probe: hls.Probe,
) -> None:
    argv = [
        settings.ffmpeg,
        *hls.ffmpeg_args(str(source), str(out), renditions, probe.has_audio, settings.transcode_preset),
    ]
    deadline = time.monotonic() + 300 + probe.duration * 10
    nice = settings.transcode_nice
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=(lambda: os.nice(nice)) if nice else None
    )
    reported, reported_at = 0, time.monotonic()
    assert proc.stdout is not None
    for raw in proc.stdout:
        percent = hls.progress_of(raw.decode(errors="replace"), probe.duration)
        if percent is None:
            continue
        now = time.monotonic()
        if percent >= reported + PROGRESS_STEP or (percent > reported and now - reported_at >= PROGRESS_SECONDS):
            report_progress(item, percent)
            reported, reported_at = percent, now
        if now > deadline:
            proc.kill()
            break
    errors = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = proc.wait()
    if code != 0:
        log.info("ffmpeg refused a source", extra={"media_id": str(item.id), "code": code, "stderr": errors[-500:]})
        raise Unreadable("media_unreadable", errors[-300:])


def video_thumbnail(settings: TranscodeSettings, source: Path, probe: hls.Probe, work: Path) -> bytes | None:
    """A frame a second in (or mid-way through a shorter video), at most THUMBNAIL_BOX."""
    at = min(1.0, probe.duration / 2)
    target = work / "thumb.jpg"
    w, h = THUMBNAIL_BOX
    argv = [settings.ffmpeg, "-v", "error", "-nostdin", "-y", "-ss", f"{at:.2f}", "-i", str(source), "-frames:v", "1"]
    argv += ["-vf", f"scale={w}:{h}:force_original_aspect_ratio=decrease", str(target)]
    done = subprocess.run(argv, capture_output=True, timeout=120, check=False)  # noqa: S603 - fixed argv
    return target.read_bytes() if done.returncode == 0 and target.exists() else None


# -- outcomes ------------------------------------------------------------------------------------------


def report_progress(item: MediaItem, percent: int) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.update_one(
            MediaItem,
            {"_id": item.id, "status": PROCESSING},
            {"$set": {"progress": percent, "lease_until": utcnow() + LEASE}},
        )
        data = {"media_id": str(item.id), "owner_id": item.owner_id, "progress": percent}
        uow.emit(events.SOURCE, events.MEDIA_PROGRESS, data, item.owner_id)

    atomically(item.tenant, work)


def finish(item: MediaItem, derived: int, thumbnail: bool = False, has_hls: bool = False, **found) -> None:
    renditions = found.get("renditions", [])
    duration = found.get("duration", 0.0)

    def work(uow: UnitOfWork) -> int:
        changed = uow.update_one(
            MediaItem,
            {"_id": item.id, "status": PROCESSING},
            {
                "$set": {
                    "status": READY,
                    "progress": 100,
                    "ready_at": utcnow(),
                    "width": found.get("width", 0),
                    "height": found.get("height", 0),
                    "duration": duration,
                    "renditions": renditions,
                    "has_thumbnail": thumbnail,
                    "has_hls": has_hls,
                    "lease_until": None,
                },
                "$inc": {"charged": derived},
            },
        )
        if changed:
            # what was derived counts against the org too (never refused: the original was accepted)
            uow.update_one(OrgUsage, {"_id": usage_id(item.tenant, item.org_id)}, {"$inc": {"used": derived}})
            uow.emit(events.SOURCE, events.MEDIA_READY, ready_data(item, renditions, duration), item.owner_id)
        return changed

    if atomically(item.tenant, work):
        PROCESSED.labels(item.kind, "ready").inc()
    else:  # deleted while it was processed: what was made goes too
        blobs.current().delete_prefix(blobs.Blobs.prefix(item.tenant, str(item.id)))


def fail(item: MediaItem, key: str) -> None:
    """Everything of the item goes from the store, its charge from the org; it stays as `failed` with why."""
    blobs.current().delete_prefix(blobs.Blobs.prefix(item.tenant, str(item.id)))

    def work(uow: UnitOfWork) -> int:
        changed = uow.update_one(
            MediaItem,
            {"_id": item.id, "status": PROCESSING},
            {"$set": {"status": FAILED, "error": key, "charged": 0, "lease_until": None}},
        )
        if changed:
            refund = {"$inc": {"used": -item.charged, "items": -1}}
            uow.update_one(OrgUsage, {"_id": usage_id(item.tenant, item.org_id)}, refund)
            data = {"media_id": str(item.id), "org_id": item.org_id, "owner_id": item.owner_id, "error": key}
            uow.emit(events.SOURCE, events.MEDIA_FAILED, data, item.owner_id)
        return changed

    atomically(item.tenant, work)
    PROCESSED.labels(item.kind, "failed").inc()
