"""Media files through the gateway, on the real stack (SecantusDB, RabbitMQ, localbucket, ffmpeg): uploads by
presigned PUT verified by their bytes, image thumbnails, audio and video transcoded to HLS that ffprobe reads
and whose every segment downloads, bad files refused with nothing of them left, who may read and delete,
org quotas, public media without a token. In a corner of the region of the module's own
(tests/e2e/media_corner.py: R with branches B1 (and its group G1), B2, B3; a sibling S)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import httpx
import pytest
from minio import Minio
from PIL import Image

from tests.conftest import tap_events
from tests.e2e import media_corner
from tests.e2e.chat_corner import Live
from tests.e2e.corner import error
from tests.e2e.media_corner import upload, wait_processed
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def corner(gateway_url, identity_events, stack):
    yield from media_corner.build(gateway_url, identity_events, stack)


@pytest.fixture(scope="module")
def world(corner):
    return corner[0]


@pytest.fixture(scope="module")
def media_events(stack):
    with tap_events(stack.env["AMQP_URI"], "media") as tap:
        yield tap


@pytest.fixture(scope="module")
def bucket(stack):
    """What is in the object store (to check that nothing of a refused file stays)."""
    store = Minio(stack.env["S3_ENDPOINT"], access_key="jiceng", secret_key="x", secure=False, region="us-east-1")

    def names(media_id: str) -> list[str]:
        prefix = f"{stack.layout.region}/{media_id}/"
        return [o.object_name for o in store.list_objects("jiceng-media", prefix=prefix, recursive=True)]

    return names


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)  # noqa: S603, S607


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, bytes]:
    """Small real media made with ffmpeg and Pillow, and damaged copies."""
    d: Path = tmp_path_factory.mktemp("samples")
    lavfi_video = ["-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25"]
    lavfi_sound = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    _ffmpeg(*lavfi_video, *lavfi_sound, "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
            "-movflags", "+faststart", str(d / "v.mp4"))  # fmt: skip
    _ffmpeg(*lavfi_sound, "-t", "6", "-c:a", "libmp3lame", "-b:a", "64k", str(d / "a.mp3"))
    _ffmpeg(*lavfi_video, "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", str(d / "moov_at_end.mp4"))
    video = (d / "v.mp4").read_bytes()
    picture = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 30, 30)).save(picture, "JPEG", quality=90)
    return {
        "video": video,
        "audio": (d / "a.mp3").read_bytes(),
        "jpeg": picture.getvalue(),
        # cut mid-stream: the index says more than the bytes hold (moov first, data short)
        "truncated_faststart": video[: len(video) // 3],
        # cut before its index (moov at the end) arrived
        "truncated_moov": (d / "moov_at_end.mp4").read_bytes()[:20_000],
    }


def test_an_image_gets_a_thumbnail_and_counts_against_the_org(world, samples, media_events):
    before = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))
    finalized = ok(upload(world, "m1", "B1", samples["jpeg"], "image/jpeg", "合影.jpg"))
    assert finalized["status"] == "processing" and finalized["content_type"] == "image/jpeg"
    item = wait_processed(world, "m1", finalized["id"])
    assert (item["status"], item["width"], item["height"], item["filename"]) == ("ready", 1200, 800, "合影.jpg")
    original = httpx.get(item["url"])
    assert original.content == samples["jpeg"]
    thumb = Image.open(io.BytesIO(httpx.get(item["thumbnail_url"]).content))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320
    usage = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))
    assert usage["items"] == before["items"] + 1
    assert usage["used_bytes"] >= before["used_bytes"] + len(samples["jpeg"])
    uploaded = media_events.wait_for(lambda m: m["type"] == "media_uploaded" and m["data"]["media_id"] == item["id"])
    assert uploaded["data"]["size"] == len(samples["jpeg"]) and uploaded["data"]["org_id"] == world.orgs["B1"]
    media_events.wait_for(lambda m: m["type"] == "media_ready" and m["data"]["media_id"] == item["id"])


def test_a_video_becomes_hls_that_ffprobe_reads_and_whose_segments_all_download(world, samples, media_events, tmp_path):
    finalized = ok(upload(world, "m1", "B1", samples["video"], "video/mp4", "党课.mp4"))
    item = wait_processed(world, "m1", finalized["id"])
    assert item["status"] == "ready", item
    assert [r["name"] for r in item["renditions"]] == ["240p"]
    assert abs(item["duration_seconds"] - 10.0) < 0.5 and item["thumbnail_url"] and item["has_hls"]
    progress = [
        m["data"]["progress"]
        for m in media_events.messages
        if m["type"] == "media_progress" and m["data"]["media_id"] == item["id"]
    ]
    assert progress and all(0 <= p < 100 for p in progress), progress

    master = world.get("m2", item["hls_url"].removeprefix("/api/v1"))  # any member reads a members item
    assert master.status_code == 200 and master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert "240p/index.m3u8" in master.text and "#EXT-X-STREAM-INF" in master.text
    variant = world.get("m2", f"/media/{item['id']}/hls/240p/index.m3u8")
    segments = [line for line in variant.text.splitlines() if line and not line.startswith("#")]
    assert len(segments) == 3 and "#EXT-X-ENDLIST" in variant.text  # 10 s in 4 s segments
    for url in segments:
        got = httpx.get(url)
        assert got.status_code == 200 and got.content[:1] == b"G"  # MPEG-TS sync byte
    (tmp_path / "index.m3u8").write_text(variant.text)
    argv = ["ffprobe", "-v", "error", "-protocol_whitelist", "file,http,tcp", "-show_entries",
            "format=duration:stream=codec_type,height", "-of", "json", str(tmp_path / "index.m3u8")]  # fmt: skip
    probe = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    assert '"height": 240' in probe.stdout and '"codec_type": "audio"' in probe.stdout


def test_sound_gets_audio_renditions(world, samples):
    item = wait_processed(world, "m2", ok(upload(world, "m2", "B1", samples["audio"], "audio/mpeg", "讲话.mp3"))["id"])
    assert item["status"] == "ready" and item["kind"] == "audio"
    assert [r["name"] for r in item["renditions"]] == ["audio-64k", "audio-128k"]
    assert not item["thumbnail_url"]
    assert "audio-128k/index.m3u8" in world.get("m2", item["hls_url"].removeprefix("/api/v1")).text


def test_a_program_renamed_as_a_picture_is_refused_and_nothing_stays(world, bucket):
    body = {"org_id": world.orgs["B1"], "filename": "photo.jpg", "content_type": "image/jpeg", "size": 300}
    started = ok(world.post("m1", "/media/uploads", body), 201)
    httpx.put(started["put_url"], content=b"MZ\x90\x00" + b"\x00" * 296, headers={"Content-Type": "image/jpeg"})
    assert bucket(started["media"]["id"])  # the bytes arrived…
    error(world.post("m1", f"/media/{started['media']['id']}/finalize"), 409, "failed_precondition", "media_id")
    assert bucket(started["media"]["id"]) == []  # …and went
    error(world.get("m1", f"/media/{started['media']['id']}"), 404, "not_found", "media_id")


def test_a_picture_declared_as_video_is_refused(world, samples, bucket):
    reply = upload(world, "m1", "B1", samples["jpeg"], "video/mp4", "clip.mp4")
    body = error(reply, 409, "failed_precondition", "media_id")
    assert "video" in body["message"]


@pytest.mark.parametrize("sample", ["truncated_faststart", "truncated_moov"])
def test_a_truncated_video_fails_cleanly_and_the_quota_is_given_back(world, samples, bucket, media_events, sample):
    before = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))
    finalized = ok(upload(world, "m1", "B1", samples[sample], "video/mp4", "cut.mp4"))
    item = wait_processed(world, "m1", finalized["id"])
    assert (item["status"], item["error"], item["url"], item["has_hls"]) == ("failed", "media_unreadable", "", False)
    assert bucket(item["id"]) == []
    failed = media_events.wait_for(lambda m: m["type"] == "media_failed" and m["data"]["media_id"] == item["id"])
    assert failed["data"]["error"] == "media_unreadable"
    after = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))
    assert (after["used_bytes"], after["items"]) == (before["used_bytes"], before["items"])


def test_empty_oversized_and_unknown_uploads_are_refused_before_or_at_finalize(world, bucket):
    b1 = world.orgs["B1"]
    base = {"org_id": b1, "filename": "x.jpg", "content_type": "image/jpeg"}
    error(world.post("m1", "/media/uploads", {**base, "size": 0}), 400, "invalid_argument", "size")
    error(world.post("m1", "/media/uploads", {**base, "size": 21 * MiB}), 413, "payload_too_large", "size")
    error(world.post("m1", "/media/uploads", {**base, "size": 9, "content_type": "text/html"}), 400,
          "invalid_argument", "content_type")  # fmt: skip
    error(world.post("m1", "/media/uploads", {**base, "size": 9, "content_type": "image/svg+xml"}), 400,
          "invalid_argument", "content_type")  # fmt: skip
    error(world.post("m1", "/media/uploads", {**base, "size": 9, "colour": "red"}), 400, "invalid_argument")

    # declared small, put nothing: finalize says the bytes are missing; the upload may still come
    started = ok(world.post("m1", "/media/uploads", {**base, "size": 10}), 201)
    error(world.post("m1", f"/media/{started['media']['id']}/finalize"), 409, "failed_precondition", "media_id")
    assert ok(world.get("m1", f"/media/{started['media']['id']}"))["status"] == "pending"
    # zero bytes put
    httpx.put(started["put_url"], content=b"", headers={"Content-Type": "image/jpeg"})
    body = error(world.post("m1", f"/media/{started['media']['id']}/finalize"), 409, "failed_precondition")
    assert body["field"] == "media_id"
    assert bucket(started["media"]["id"]) == []

    # declared small, put more than the kind allows
    started = ok(world.post("m1", "/media/uploads", {**base, "size": 10}), 201)
    oversized = b"\xff\xd8\xff\xe0" + b"\x00" * (20 * MiB)
    httpx.put(started["put_url"], content=oversized, headers={"Content-Type": "image/jpeg"}, timeout=60)
    error(world.post("m1", f"/media/{started['media']['id']}/finalize"), 413, "payload_too_large", "media_id")
    assert bucket(started["media"]["id"]) == []


def test_who_may_upload_read_and_delete(world, samples, bucket):
    b1 = world.orgs["B1"]
    jpeg = samples["jpeg"]
    # only for one's own org (or below it), or one whose media one manages
    error(upload_start(world, "s1", b1), 403, "permission_denied", "org_id")
    error(upload_start(world, "loner", b1), 403, "permission_denied", "org_id")
    ok(upload_start(world, "secR", b1), 201)  # secretary of R manages its subtree's media
    ok(upload_start(world, "m3", b1), 201)  # G1 is below B1
    error(upload_start(world, "m1", "no-such-org"), 404, "not_found", "org_id")
    error(world.post("other", "/media/uploads", {"org_id": b1, "filename": "a.jpg", "content_type": "image/jpeg",
                                                 "size": 9}), 403, "wrong_region")  # fmt: skip

    private = wait_processed(world, "m1", ok(upload(world, "m1", "B1", jpeg, "image/jpeg", visibility="private"))["id"])
    members = wait_processed(world, "m1", ok(upload(world, "m1", "B1", jpeg, "image/jpeg"))["id"])
    error(world.get("m2", f"/media/{private['id']}"), 404, "not_found")  # not the owner, manages nothing
    assert ok(world.get("sec1", f"/media/{private['id']}"))["url"]  # B1's secretary manages its media
    error(world.get("secS", f"/media/{private['id']}"), 404, "not_found")  # a sibling's secretary does not
    assert ok(world.get("s1", f"/media/{members['id']}"))["url"]  # anyone of the region reads a members item
    error(world.get("other", f"/media/{members['id']}"), 403, "wrong_region")
    error(world.delete("m2", f"/media/{members['id']}"), 403, "permission_denied")
    error(world.delete("m2", f"/media/{private['id']}"), 404, "not_found")

    usage = ok(world.get("sec1", f"/orgs/{b1}/media-usage"))
    assert ok(world.delete("m1", f"/media/{members['id']}"))["status"] == "deleted"
    assert bucket(members["id"]) == []
    error(world.get("m1", f"/media/{members['id']}"), 404, "not_found")
    after = ok(world.get("sec1", f"/orgs/{b1}/media-usage"))
    assert after["items"] == usage["items"] - 1 and after["used_bytes"] < usage["used_bytes"]
    assert ok(world.delete("sec1", f"/media/{private['id']}"))["status"] == "deleted"  # a manager may too

    listed = ok(world.get("sec1", f"/orgs/{b1}/media", kind="image", page_size=2))
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    assert all(i["kind"] == "image" and i["status"] != "deleted" for i in listed["items"])
    error(world.get("m1", f"/orgs/{b1}/media"), 403, "permission_denied")
    error(world.get("m1", f"/orgs/{b1}/media-usage"), 403, "permission_denied")


def upload_start(world, who: str, org_id: str) -> httpx.Response:
    body = {"org_id": org_id, "filename": "a.jpg", "content_type": "image/jpeg", "size": 9}
    return world.post(who, "/media/uploads", body)


def test_an_orgs_quota_holds(world, samples):
    b3 = world.orgs["B3"]
    error(world.put("secR", f"/orgs/{b3}/media-quota", {"quota_bytes": MiB}), 403, "permission_denied")
    picture = samples["jpeg"]
    quota = 2 * len(picture) + len(picture) // 2  # two pictures and their (tiny) thumbnails fit, a third not
    assert ok(world.put("admin", f"/orgs/{b3}/media-quota", {"quota_bytes": quota}))["quota_bytes"] == quota
    ok(upload(world, "m5", "B3", picture, "image/jpeg"))
    ok(upload(world, "m5", "B3", picture, "image/jpeg"))
    body = {"org_id": b3, "filename": "a.jpg", "content_type": "image/jpeg", "size": len(picture)}
    refused = error(world.post("m5", "/media/uploads", body), 409, "failed_precondition", "size")
    assert "存储空间" in refused["message"]


def test_public_media_is_read_without_a_token(world, samples, gateway_url):
    public = wait_processed(
        world, "sec1", ok(upload(world, "sec1", "B1", samples["video"], "video/mp4", visibility="public"))["id"]
    )
    members = ok(upload(world, "sec1", "B1", samples["jpeg"], "image/jpeg"))
    with httpx.Client(base_url=gateway_url) as anonymous:
        got = anonymous.get(f"/api/v1/public/media/{public['id']}")
        assert (
            got.status_code == 200 and got.json()["hls_url"] == f"/api/v1/public/media/{public['id']}/hls/master.m3u8"
        )
        master = anonymous.get(got.json()["hls_url"])
        assert master.status_code == 200 and "240p/index.m3u8" in master.text
        variant = anonymous.get(f"/api/v1/public/media/{public['id']}/hls/240p/index.m3u8")
        assert variant.status_code == 200 and variant.text.count(".ts") == 3
        assert anonymous.get(f"/api/v1/public/media/{members['id']}").status_code == 404
        # the short address org micro-sites link: a redirect to the bytes (or the thumbnail)
        short = anonymous.get(f"/media/{public['id']}")
        assert short.status_code == 302 and "max-age" in short.headers["cache-control"]
        assert httpx.get(short.headers["location"]).content == samples["video"]
        thumb = anonymous.get(f"/media/{public['id']}", params={"thumbnail": "true"}).headers["location"]
        assert httpx.get(thumb).content[:3] == b"\xff\xd8\xff"
        assert anonymous.get(f"/media/{members['id']}").status_code == 404
        assert anonymous.get(f"/api/v1/media/{public['id']}").status_code == 401
        assert anonymous.get(f"/api/v1/public/media/{public['id']}/hls/../../x").status_code in (404, 422)


def test_the_owner_hears_processing_on_the_websocket(world, samples, gateway_url):
    url = gateway_url.replace("http://", "ws://") + "/api/v1/ws"
    owner, other = Live.open(url, world.people["m2"].access_token), Live.open(url, world.people["m1"].access_token)
    try:
        media_id = ok(upload(world, "m2", "B1", samples["video"], "video/mp4", "frames.mp4"))["id"]
        done = owner.wait_for(lambda f: f["type"] == "media" and f["media_id"] == media_id and f["status"] == "ready")
        assert (done["progress"], done["error"]) == (100, "")
        progress = [f for f in owner.frames if f["type"] == "media" and f["status"] == "processing"]
        assert progress and all(f["media_id"] == media_id and 0 <= f["progress"] < 100 for f in progress)
        with pytest.raises(TimeoutError):  # nobody else hears it (m1's socket stays silent)
            while True:
                assert other.recv(timeout=1.0)["type"] != "media"
        failed_id = ok(upload(world, "m2", "B1", samples["truncated_moov"], "video/mp4", "cut.mp4"))["id"]
        failed = owner.wait_for(lambda f: f["type"] == "media" and f["media_id"] == failed_id)
        assert (failed["status"], failed["error"]) == ("failed", "media_unreadable")
    finally:
        owner.close()
        other.close()


def test_a_player_without_a_login_reads_a_private_items_playlists_by_its_signed_address(world, samples, gateway_url):
    item = wait_processed(
        world, "m1", ok(upload(world, "m1", "B1", samples["video"], "video/mp4", visibility="private"))["id"]
    )
    hls_url = item["hls_url"]
    assert "?t=" in hls_url
    with httpx.Client(base_url=gateway_url) as player:  # a native <video>: no Authorization header
        master = player.get(hls_url)
        assert master.status_code == 200 and "#EXT-X-STREAM-INF" in master.text
        variant_uri = next(line for line in master.text.splitlines() if line.startswith("240p/"))
        assert "?t=" in variant_uri
        base = hls_url.split("?")[0].rsplit("/", 1)[0]
        variant = player.get(f"{base}/{variant_uri}")
        assert variant.status_code == 200
        segments = [line for line in variant.text.splitlines() if line and not line.startswith("#")]
        assert segments and all(httpx.get(url).status_code == 200 for url in segments)
        token = hls_url.split("?t=")[1]
        assert player.get(hls_url.split("?")[0]).status_code == 401  # no token, no login
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert player.get(f"{hls_url.split('?')[0]}?t={tampered}").status_code == 404
        other = ok(upload(world, "m1", "B1", samples["audio"], "audio/mpeg", visibility="private"))["id"]
        other = wait_processed(world, "m1", other)
        assert player.get(f"/api/v1/media/{other['id']}/hls/master.m3u8?t={token}").status_code == 404
    # m2 may not read the private item: GetMedia says not found, so m2 never gets its address
    error(world.get("m2", f"/media/{item['id']}"), 404, "not_found")
