"""Radio and TV channels (网络电台 / 网络电视频道) through the gateway, on the real stack: channels and who may
manage them, schedules of on-demand items (across midnight in Asia/Shanghai, overlaps refused), now playing,
live broadcasts pushed with ffmpeg over RTMP to nginx-rtmp and read back as HLS, relays of a superior org's
live, stream keys refused when wrong or revoked, and recordings that become ready media items. In the media
corner (tests/e2e/media_corner.py):

    demo-committee
    ├── R  (general branch): secR (secretary)
    │   ├── B1 (branch): sec1 (secretary), m1, m2
    │   │   └── G1 (group): m3
    │   ├── B2 (branch): sec2 (secretary), m4
    │   └── B3 (branch): m5
    └── S  (general branch): secS (secretary), s1
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from services.media.domain.schedule import ZONE
from tests.e2e import media_corner
from tests.e2e.content_corner import World, eventually
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

FFMPEG, FFPROBE = "ffmpeg", "ffprobe"


@pytest.fixture(scope="module")
def corner(gateway_url, identity_events, stack):
    yield from media_corner.build(gateway_url, identity_events, stack)


@pytest.fixture(scope="module")
def world(corner) -> World:
    return corner[0]


@pytest.fixture(scope="module")
def media_events(stack):
    with media_corner.tap_events(stack.env["AMQP_URI"], "media") as tap:
        yield tap


def _channel(world: World, who: str, org: str, kind: str = "tv", **fields) -> dict:
    body = {"org_id": world.orgs[org], "kind": kind, "name": f"{org} {kind} 频道", **fields}
    return ok(world.post(who, "/channels", body), 201)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    """Two seconds of tiny video with sound (an on-demand item)."""
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    argv = [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi"]
    argv += ["-i", "sine=frequency=440", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    argv += ["-c:a", "aac", "-movflags", "+faststart", str(out)]
    subprocess.run(argv, check=True, timeout=60)  # noqa: S603 - fixed argv
    return out.read_bytes()


@pytest.fixture(scope="module")
def video(world, clip) -> dict:
    """A ready video of B1 (members)."""
    item = ok(media_corner.upload(world, "sec1", "B1", clip, "video/mp4", "clip.mp4"))
    ready = media_corner.wait_processed(world, "sec1", item["id"])
    assert ready["status"] == "ready", ready
    return ready


def push(target: str, seconds: float, audio_only: bool = False) -> subprocess.Popen:
    """ffmpeg publishing a generated test stream to target (rtmp://…/<tv or radio>/<key>) in real time."""
    argv = [FFMPEG, "-v", "error", "-re"]
    if not audio_only:
        argv += ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=15"]
    argv += ["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100", "-t", str(seconds)]
    if not audio_only:
        argv += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-pix_fmt", "yuv420p"]
    argv += ["-c:a", "aac", "-b:a", "64k", "-f", "flv", target]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 - fixed argv


def probe(url: str) -> dict:
    argv = [FFPROBE, "-v", "error", "-show_streams", "-of", "json", url]
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)  # noqa: S603 - fixed argv
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def wait_playlist(url: str, timeout: float = 60.0) -> str:  # a loaded 2-core box once took > 30 s
    deadline = time.monotonic() + timeout
    while True:
        reply = httpx.get(url, timeout=5)
        if reply.status_code == 200 and ".ts" in reply.text:
            return reply.text
        assert time.monotonic() < deadline, f"no live playlist at {url}: {reply.status_code}"
        time.sleep(0.3)


def _finish(proc: subprocess.Popen, timeout: float = 60.0) -> int:
    """Wait for the publisher (its pipe drained and closed); its exit code."""
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode


# -- channels --------------------------------------------------------------------------------------


def test_managers_create_channels_and_everyone_signed_in_reads_them(world):
    channel = _channel(world, "sec1", "B1", "radio", description="支部之声")
    assert (channel["kind"], channel["visibility"], channel["manageable"]) == ("radio", "members", True)
    error(
        world.post("m1", "/channels", {"org_id": world.orgs["B1"], "kind": "tv", "name": "x"}), 403, "permission_denied"
    )
    error(
        world.post("sec2", "/channels", {"org_id": world.orgs["B1"], "kind": "tv", "name": "x"}),
        403,
        "permission_denied",
    )
    seen = ok(world.get("m4", f"/channels/{channel['id']}"))  # another branch's member reads it
    assert seen["name"] == channel["name"] and not seen["manageable"]
    listed = ok(world.get("s1", "/channels", org_id=world.orgs["B1"]))
    assert channel["id"] in {c["id"] for c in listed["channels"]}
    assert ok(world.get("secR", f"/channels/{channel['id']}"))["manageable"]  # the superior org's secretary
    # not readable from another region, nor anonymously while members-only
    error(world.get("other", f"/channels/{channel['id']}"), 403, "wrong_region")
    error(world.http.get(f"/api/v1/public/channels/{channel['id']}"), 404, "not_found")
    renamed = ok(world.patch("sec1", f"/channels/{channel['id']}", {"name": "支部之声广播"}))
    assert renamed["name"] == "支部之声广播" and renamed["description"] == "支部之声"


def test_bad_channel_input_names_the_field(world):
    org = world.orgs["B1"]
    error(
        world.post("sec1", "/channels", {"org_id": org, "kind": "podcast", "name": "x"}),
        400,
        "invalid_argument",
        "kind",
    )
    error(world.post("sec1", "/channels", {"org_id": org, "kind": "tv", "name": "  "}), 400, "invalid_argument", "name")
    body = {"org_id": org, "kind": "tv", "name": "x", "visibility": "private"}
    error(world.post("sec1", "/channels", body), 400, "invalid_argument", "visibility")
    error(world.post("sec1", "/channels", {"org_id": org, "kind": "tv"}), 400, "invalid_argument", "name")
    error(world.get("m1", "/channels/0123456789abcdef01234567"), 404, "not_found", "channel_id")


# -- schedules -------------------------------------------------------------------------------------


def test_a_slot_across_midnight_is_in_both_local_days_and_overlaps_are_refused(world, video):
    tv = _channel(world, "sec1", "B1")
    tomorrow = (_now().astimezone(ZONE) + dt.timedelta(days=1)).date()
    start = dt.datetime.combine(tomorrow, dt.time(23, 59), tzinfo=ZONE)
    body = {
        "kind": "media",
        "media_id": video["id"],
        "starts_at": _iso(start),
        "ends_at": _iso(start + dt.timedelta(minutes=3)),
    }
    slot = ok(world.post("sec1", f"/channels/{tv['id']}/slots", body), 201)
    assert slot["title"] == "clip.mp4" and slot["media_seconds"] == pytest.approx(video["duration_seconds"])
    day_after = tomorrow + dt.timedelta(days=1)
    for day in (tomorrow, day_after):
        guide = ok(world.get("m4", f"/channels/{tv['id']}/guide", date=day.isoformat()))
        assert guide["time_zone"] == "Asia/Shanghai" and [s["id"] for s in guide["slots"]] == [slot["id"]]
    assert (
        ok(world.get("m4", f"/channels/{tv['id']}/guide", date=(day_after + dt.timedelta(days=1)).isoformat()))["slots"]
        == []
    )
    # the same midnight given in UTC (16:00Z is 00:00 in Shanghai) collides with it
    utc_midnight = dt.datetime.combine(day_after, dt.time(), tzinfo=ZONE).astimezone(dt.UTC)
    clash = {**body, "starts_at": _iso(utc_midnight), "ends_at": _iso(utc_midnight + dt.timedelta(minutes=1))}
    err = error(world.post("sec1", f"/channels/{tv['id']}/slots", clash), 409, "failed_precondition", "starts_at")
    assert "23:59" in err["message"]
    # its neighbour, right after it, fits; without an end a media slot lasts its item
    after = {"kind": "media", "media_id": video["id"], "starts_at": _iso(start + dt.timedelta(minutes=3))}
    second = ok(world.post("sec1", f"/channels/{tv['id']}/slots", after), 201)
    length = dt.datetime.fromisoformat(second["ends_at"]) - dt.datetime.fromisoformat(second["starts_at"])
    assert length == dt.timedelta(seconds=2)
    # removed, its time is free again
    ok(world.delete("sec1", f"/channels/{tv['id']}/slots/{slot['id']}"))
    ok(world.post("sec1", f"/channels/{tv['id']}/slots", clash), 201)


def test_bad_slots_are_refused_naming_the_field(world, video):
    tv = _channel(world, "sec1", "B1")
    radio = _channel(world, "sec1", "B1", "radio")
    url = f"/channels/{tv['id']}/slots"
    start = _now() + dt.timedelta(days=2)
    base = {"kind": "media", "media_id": video["id"], "starts_at": _iso(start)}
    error(world.post("sec1", url, {**base, "starts_at": "2026-03-01T20:00:00"}), 400, "invalid_argument", "starts_at")
    error(
        world.post("sec1", url, {**base, "ends_at": _iso(start - dt.timedelta(hours=1))}),
        400,
        "invalid_argument",
        "ends_at",
    )
    error(
        world.post("sec1", url, {**base, "ends_at": _iso(start + dt.timedelta(hours=25))}),
        400,
        "invalid_argument",
        "ends_at",
    )
    error(world.post("sec1", url, {**base, "kind": "rerun"}), 400, "invalid_argument", "kind")
    error(world.post("sec1", url, {**base, "media_id": "0123456789abcdef01234567"}), 404, "not_found", "media_id")
    error(
        world.post("sec1", url, {**base, "kind": "live", "ends_at": _iso(start + dt.timedelta(hours=1))}),
        404,
        "not_found",
        "broadcast_id",
    )
    error(
        world.post("sec1", url, {**base, "kind": "relay", "ends_at": _iso(start + dt.timedelta(hours=1))}),
        404,
        "not_found",
        "source_channel_id",
    )
    # a radio channel plays audio, not this video
    err = error(world.post("sec1", f"/channels/{radio['id']}/slots", base), 409, "failed_precondition", "media_id")
    assert "audio" in err["message"]
    # a member of the org may not schedule; another branch's secretary neither
    error(world.post("m1", url, base), 403, "permission_denied")
    error(world.post("sec2", url, base), 403, "permission_denied")
    error(world.get("m1", f"/channels/{tv['id']}/guide", date="2026-13-01"), 400, "invalid_argument", "date")


def test_now_playing_an_on_demand_item_says_where_in_it_we_are(world, video):
    tv = _channel(world, "sec1", "B1")
    start = _now() - dt.timedelta(seconds=5)
    body = {
        "kind": "media",
        "media_id": video["id"],
        "starts_at": _iso(start),
        "ends_at": _iso(start + dt.timedelta(minutes=10)),
    }
    slot = ok(world.post("sec1", f"/channels/{tv['id']}/slots", body), 201)
    now = ok(world.get("m5", f"/channels/{tv['id']}/now"))
    assert now["slot"]["id"] == slot["id"] and now["on_air"]
    elapsed = (dt.datetime.fromisoformat(now["at"]) - start).total_seconds()
    assert now["offset_seconds"] == pytest.approx(elapsed % video["duration_seconds"], abs=0.01)
    assert 0 <= now["offset_seconds"] < video["duration_seconds"]
    assert 590 < now["remaining_seconds"] < 600 - 4
    master = world.get("m5", now["media_hls_url"].removeprefix("/api/v1"))
    assert master.status_code == 200 and "#EXTM3U" in master.text
    # a phone's native player sends no token: the address is signed for it
    assert "?t=" in now["media_hls_url"]
    native = world.http.get(now["media_hls_url"])
    assert native.status_code == 200 and "?t=" in native.text
    # nothing scheduled: nothing playing
    empty = _channel(world, "sec1", "B1")
    assert ok(world.get("m5", f"/channels/{empty['id']}/now"))["slot"] is None


def test_a_public_channel_is_read_without_a_token_and_plays_public_items_only(world, clip, video):
    tv = _channel(world, "sec1", "B1", visibility="public")
    start = _now() + dt.timedelta(days=3)
    body = {"kind": "media", "media_id": video["id"], "starts_at": _iso(start)}
    members_item = world.post("sec1", f"/channels/{tv['id']}/slots", body)
    error(members_item, 409, "failed_precondition", "media_id")
    # a members channel with a members item on its schedule cannot go public
    members = _channel(world, "sec1", "B1")
    ok(world.post("sec1", f"/channels/{members['id']}/slots", body), 201)
    patch = {"visibility": "public"}
    error(world.patch("sec1", f"/channels/{members['id']}", patch), 409, "failed_precondition", "visibility")
    assert ok(world.get("sec1", f"/channels/{members['id']}"))["visibility"] == "members"
    public = ok(media_corner.upload(world, "sec1", "B1", clip, "video/mp4", "public.mp4", visibility="public"))
    assert media_corner.wait_processed(world, "sec1", public["id"])["status"] == "ready"
    ok(world.post("sec1", f"/channels/{tv['id']}/slots", {**body, "media_id": public["id"]}), 201)
    assert ok(world.http.get(f"/api/v1/public/channels/{tv['id']}"))["visibility"] == "public"
    guide = ok(
        world.http.get(
            f"/api/v1/public/channels/{tv['id']}/guide", params={"date": start.astimezone(ZONE).date().isoformat()}
        )
    )
    assert [s["media_id"] for s in guide["slots"]] == [public["id"]]
    ok(world.http.get(f"/api/v1/public/channels/{tv['id']}/now"))


# -- live ------------------------------------------------------------------------------------------


def test_a_live_broadcast_is_pushed_over_rtmp_read_as_hls_relayed_and_recorded(world, media_events, corner, stack):
    _, media_db = corner
    tv = _channel(world, "sec1", "B1")
    created = ok(world.post("sec1", f"/channels/{tv['id']}/broadcasts", {"title": "支部大会直播", "record": True}), 201)
    broadcast, key = created["broadcast"], created["stream_key"]
    assert broadcast["status"] == "idle" and len(key) >= 32
    assert created["ingest_url"] == f"rtmp://127.0.0.1:{stack.layout.rtmp_port}/tv"
    assert key not in broadcast["live_url"] and broadcast["id"] in broadcast["live_url"]
    assert "stream_key" not in ok(world.get("sec1", f"/broadcasts/{broadcast['id']}"))
    stored = media_db["broadcasts"].find_one({"tenant": stack.layout.region})
    assert key not in json.dumps(stored, default=str)  # kept hashed only
    now = _now()
    window = {"starts_at": _iso(now - dt.timedelta(minutes=1)), "ends_at": _iso(now + dt.timedelta(minutes=10))}
    ok(
        world.post("sec1", f"/channels/{tv['id']}/slots", {"kind": "live", "broadcast_id": broadcast["id"], **window}),
        201,
    )
    # G1's channel (a subordinate of B1) relays B1's; B2's (a sibling) may not
    relay = _channel(world, "sec1", "G1")
    ok(
        world.post(
            "sec1", f"/channels/{relay['id']}/slots", {"kind": "relay", "source_channel_id": tv["id"], **window}
        ),
        201,
    )
    sibling = _channel(world, "sec2", "B2")
    body = {"kind": "relay", "source_channel_id": tv["id"], **window}
    error(world.post("sec2", f"/channels/{sibling['id']}/slots", body), 409, "failed_precondition", "source_channel_id")
    waiting = ok(world.get("m3", f"/channels/{relay['id']}/now"))
    assert waiting["slot"]["kind"] == "relay" and not waiting["on_air"]
    usage_before = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))

    publisher = push(f"{created['ingest_url']}/{key}", seconds=8)
    try:
        playlist = wait_playlist(broadcast["live_url"])
        assert "#EXTM3U" in playlist
        segment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
        got = httpx.get(broadcast["live_url"].rsplit("/", 1)[0] + "/" + segment, timeout=10)
        assert got.status_code == 200 and len(got.content) > 1000
        head = httpx.get(broadcast["live_url"], timeout=5)
        assert head.headers["access-control-allow-origin"] == "*" and "no-cache" in head.headers["cache-control"]
        kinds = sorted(s["codec_type"] for s in probe(broadcast["live_url"])["streams"])
        assert kinds == ["audio", "video"]
        on = ok(world.get("m1", f"/channels/{tv['id']}/now"))
        assert on["on_air"] and on["broadcast_id"] == broadcast["id"] and on["live_url"] == broadcast["live_url"]
        relayed = ok(world.get("m3", f"/channels/{relay['id']}/now"))
        assert relayed["on_air"] and relayed["slot"]["kind"] == "relay"
        assert (relayed["broadcast_id"], relayed["broadcast_channel_id"]) == (broadcast["id"], tv["id"])
        assert ok(world.get("m1", f"/broadcasts/{broadcast['id']}"))["status"] == "live"
        media_events.wait_for(
            lambda m: m["type"] == "broadcast_started" and m["data"]["broadcast_id"] == broadcast["id"]
        )
    finally:
        assert _finish(publisher) == 0
    media_events.wait_for(lambda m: m["type"] == "broadcast_ended" and m["data"]["broadcast_id"] == broadcast["id"], 20)
    assert ok(world.get("sec1", f"/broadcasts/{broadcast['id']}"))["status"] == "ended"
    assert not ok(world.get("m3", f"/channels/{relay['id']}/now"))["on_air"]

    # the recording becomes a media item of B1 that the transcoder makes ready
    recorded = eventually(
        lambda: ok(world.get("sec1", f"/broadcasts/{broadcast['id']}"))["recordings"], "a recording", 30
    )
    item = media_corner.wait_processed(world, "sec1", recorded[0])
    assert (item["status"], item["kind"], item["org_id"], item["has_hls"]) == ("ready", "video", world.orgs["B1"], True)
    assert 5 <= item["duration_seconds"] <= 12
    usage_after = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/media-usage"))
    assert usage_after["used_bytes"] > usage_before["used_bytes"] and usage_after["items"] == usage_before["items"] + 1
    media_events.wait_for(lambda m: m["type"] == "media_uploaded" and m["data"]["media_id"] == recorded[0])
    assert not list(Path(stack.layout.live_dir / "recordings").glob(f"{broadcast['id']}*"))  # imported, removed


def test_radio_goes_live_as_hls_audio_and_its_recording_is_audio(world):
    radio = _channel(world, "sec1", "B1", "radio")
    created = ok(world.post("sec1", f"/channels/{radio['id']}/broadcasts", {"title": "午间广播", "record": True}), 201)
    assert created["ingest_url"].endswith("/radio")
    broadcast = created["broadcast"]
    # 30 s: the radio edge's ffmpeg starts per stream and, on a loaded 2-core box, wrote its first segment only
    # after a 12 s stream had ended (two fresh-clone runs); the playlist is gone once the stream is.
    publisher = push(f"{created['ingest_url']}/{created['stream_key']}", seconds=30, audio_only=True)
    try:
        wait_playlist(broadcast["live_url"])
        kinds = [s["codec_type"] for s in probe(broadcast["live_url"])["streams"]]
        assert kinds == ["audio"]
    finally:
        assert _finish(publisher) == 0
    recorded = eventually(
        lambda: ok(world.get("sec1", f"/broadcasts/{broadcast['id']}"))["recordings"], "a recording", 30
    )
    item = media_corner.wait_processed(world, "sec1", recorded[0])
    assert (item["status"], item["kind"], item["has_hls"]) == ("ready", "audio", True)
    assert [r["name"] for r in item["renditions"]] == ["audio-64k", "audio-128k"]


def test_a_wrong_or_revoked_stream_key_is_refused_and_revoking_drops_a_live_publisher(world, media_events, stack):
    tv = _channel(world, "sec1", "B1")
    ingest = f"rtmp://127.0.0.1:{stack.layout.rtmp_port}/tv"
    wrong = push(f"{ingest}/not-a-key-{int(time.time())}", seconds=5)
    assert _finish(wrong, 30) != 0
    created = ok(world.post("sec1", f"/channels/{tv['id']}/broadcasts", {"title": "撤销测试"}), 201)
    bid, key = created["broadcast"]["id"], created["stream_key"]
    # a radio broadcast's key at the TV ingest is refused
    radio = _channel(world, "sec1", "B1", "radio")
    radio_key = ok(world.post("sec1", f"/channels/{radio['id']}/broadcasts", {}), 201)["stream_key"]
    assert _finish(push(f"{ingest}/{radio_key}", seconds=5), 30) != 0
    # publishing straight to the HLS application under the broadcast id, without the key, is refused too
    assert _finish(push(f"rtmp://127.0.0.1:{stack.layout.rtmp_port}/tvhls/{bid}", seconds=5), 30) != 0
    error(world.post("m1", f"/broadcasts/{bid}/revoke"), 403, "permission_denied")

    publisher = push(f"{ingest}/{key}", seconds=60)
    try:
        wait_playlist(created["broadcast"]["live_url"])
        revoked = ok(world.post("sec1", f"/broadcasts/{bid}/revoke"))
        assert revoked["status"] == "revoked"
        started = time.monotonic()
        code = _finish(publisher, 30)  # nginx asks again within seconds and drops it
        assert code != 0 and time.monotonic() - started < 20
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.communicate()
    media_events.wait_for(lambda m: m["type"] == "broadcast_ended" and m["data"]["broadcast_id"] == bid, 20)
    assert _finish(push(f"{ingest}/{key}", seconds=5), 30) != 0  # and stays refused
    # a revoked broadcast cannot be scheduled
    window = {"starts_at": _iso(_now() + dt.timedelta(days=4)), "ends_at": _iso(_now() + dt.timedelta(days=4, hours=1))}
    body = {"kind": "live", "broadcast_id": bid, **window}
    error(world.post("sec1", f"/channels/{tv['id']}/slots", body), 409, "failed_precondition", "broadcast_id")
