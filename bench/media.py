"""Media under load: transcode throughput (media minutes per wall minute) through the real pipeline, and HLS
serving to concurrent viewers (playlists through the gateway, segments from the object store).

    .venv/bin/python -m bench.media [--videos 3] [--minutes 1] [--height 720] [--concurrency 1]
                                    [--viewers 10,50,100] [--seconds 10]

One run starts its own region (with TRANSCODE_CONCURRENCY=--concurrency), seeds the demo region, makes
--videos sources of --minutes each with ffmpeg (testsrc2 at --height, 25 fps, with a sine tone: synthetic
pictures compress more easily than camera footage, so real uploads transcode somewhat slower), uploads and
finalizes them all at once as the region admin, and times from the first finalize to the last `ready`:
media minutes per wall minute, and each item's own time. Then with wrk at each --viewers connection count
for --seconds: a variant playlist through the gateway (each request presigns every segment in media) and one
segment straight from the object store. A viewer of a 4-second-segment stream asks for about one segment
and (live) one playlist every 4 s, so viewers served ≈ 4 × segment requests/s while bandwidth lasts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.gateway_auth import WRK_SCRIPT, wrk_run
from bench.measure import GroupCpu
from bench.region import bench_region, run_main, up
from devstack import demo

REGION = "mediabench"
SERVERS = ("gateway", "media", "media-transcoder", "s3", "mongodb")


def make_source(path: Path, minutes: float, height: int, seed: int) -> None:
    width = height * 16 // 9 // 2 * 2
    argv = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25"]
    argv += ["-f", "lavfi", "-i", f"sine=frequency={300 + 40 * seed}:sample_rate=44100", "-t", str(minutes * 60)]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-c:a", "aac", "-movflags", "+faststart"]
    subprocess.run([*argv, str(path)], check=True)  # noqa: S603 - fixed argv


def transcode_run(http: httpx.Client, auth: dict, sources: list[Path], minutes: float, meter: GroupCpu) -> str:
    items = []
    for path in sources:
        data = path.read_bytes()
        body = {"org_id": "demo-committee", "filename": path.name, "content_type": "video/mp4", "size": len(data)}
        started = http.post("/api/v1/media/uploads", json=body, headers=auth)
        started.raise_for_status()
        upload = started.json()
        put = httpx.put(upload["put_url"], content=data, headers={"Content-Type": "video/mp4"}, timeout=300)
        put.raise_for_status()
        items.append(upload["media"]["id"])
    meter.start()
    t0 = time.perf_counter()
    for media_id in items:
        http.post(f"/api/v1/media/{media_id}/finalize", headers=auth).raise_for_status()
    done: dict[str, float] = {}
    renditions = ""
    while len(done) < len(items):
        for media_id in items:
            if media_id in done:
                continue
            item = http.get(f"/api/v1/media/{media_id}", headers=auth).json()
            if item["status"] == "failed":
                raise RuntimeError(f"{media_id} failed: {item['error']}")
            if item["status"] == "ready":
                done[media_id] = time.perf_counter() - t0
                renditions = ", ".join(r["name"] for r in item["renditions"])
        time.sleep(0.5)
    wall = max(done.values())
    cpu = meter.stop()
    media_minutes = minutes * len(items)
    print(f"  transcoded {len(items)} × {minutes:g} min ({renditions}) in {wall:.1f} s wall")
    print(f"  => {media_minutes / (wall / 60):.2f} media minutes per wall minute")
    print(f"  each item ready at (s after the first finalize): {', '.join(f'{t:.1f}' for t in sorted(done.values()))}")
    print(f"  CPU (% of one core): {cpu}")
    return items[0]


def serving_run(wrk: str, script: Path, label: str, url: str, token: str, levels: list[int], seconds: float,
                meter: GroupCpu) -> None:  # fmt: skip
    print(f"\n  {label}")
    print(f"  {'conns':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'MB/s':>8} {'not 200':>8}  CPU (% of one core)")
    for n in levels:
        wrk_run(wrk, script, url, token, n, 2)  # warm-up
        meter.start()
        r = wrk_run(wrk, script, url, token, n, seconds)
        cpu = meter.stop()
        secs = r["duration_us"] / 1e6
        rate = (r["requests"] - r["not200"]) / secs
        mbs = r["bytes"] / secs / 1e6
        print(f"  {n:>6} {rate:>9.1f} {r['p50_us'] / 1000:>8.1f} {r['p99_us'] / 1000:>8.1f} {mbs:>8.1f} "
              f"{r['not200']:>8}  {cpu}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--concurrency", type=int, default=1, help="TRANSCODE_CONCURRENCY of the transcoder")
    parser.add_argument("--viewers", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run `make deps`")
    print(
        f"bench.media: {args.videos} × {args.minutes:g} min at {args.height}p, transcoder concurrency "
        f"{args.concurrency}; HLS serving at {args.viewers} connections × {args.seconds:g} s"
    )
    print(
        f"  reproduce: .venv/bin/python -m bench.media --videos {args.videos} --minutes {args.minutes:g} "
        f"--height {args.height} --concurrency {args.concurrency} --viewers {args.viewers} --seconds {args.seconds:g}"
    )
    work = Path(tempfile.mkdtemp(prefix="jiceng-mediabench-"))
    try:
        started = time.perf_counter()
        sources = [work / f"source-{i}.mp4" for i in range(args.videos)]
        for i, path in enumerate(sources):
            make_source(path, args.minutes, args.height, i)
        size = sum(p.stat().st_size for p in sources) / 1e6
        print(f"  sources made in {time.perf_counter() - started:.0f} s ({size:.0f} MB)", flush=True)
        env = {"TRANSCODE_CONCURRENCY": str(args.concurrency)}
        with bench_region(REGION, keep_data=args.keep_data, extra_env=env) as stack:
            up(stack)
            demo.seed(stack)
            base = f"http://127.0.0.1:{stack.layout.gateway_port}"
            with httpx.Client(base_url=base, timeout=60) as http:
                login = {"phone": demo.ADMIN_PHONE, "password": demo.ADMIN_PASSWORD}
                token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
                auth = {"Authorization": f"Bearer {token}"}
                _wait_for_mirror(http, auth)
                meter = GroupCpu({name: pid for name in SERVERS if (pid := stack.pid(name)) is not None})
                print("\n  transcode throughput (upload → finalize → ready)", flush=True)
                media_id = transcode_run(http, auth, sources, args.minutes, meter)
                item = http.get(f"/api/v1/media/{media_id}", headers=auth).json()
                top = item["renditions"][-1]["name"]
                variant = http.get(f"/api/v1/media/{media_id}/hls/{top}/index.m3u8", headers=auth).text
                segment = next(line for line in variant.splitlines() if line and not line.startswith("#"))
                seg_bytes = len(httpx.get(segment).content)
                print(f"\n  HLS serving ({top}, one segment {seg_bytes / 1e6:.2f} MB)")
                script = work / "wrk.lua"
                script.write_text(WRK_SCRIPT)
                levels = [int(x) for x in args.viewers.split(",")]
                playlist_url = f"{base}/api/v1/media/{media_id}/hls/{top}/index.m3u8"
                serving_run(wrk, script, "variant playlist through the gateway", playlist_url, token, levels,
                            args.seconds, meter)  # fmt: skip
                serving_run(wrk, script, "a segment from the object store (presigned)", segment, "", levels,
                            args.seconds, meter)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n  machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def _wait_for_mirror(http: httpx.Client, auth: dict) -> None:
    """media's copy of the demo org tree arrives by events: wait until an upload to it is accepted."""
    deadline = time.monotonic() + 60
    body = {"org_id": "demo-committee", "filename": "probe.jpg", "content_type": "image/jpeg", "size": 10}
    while http.post("/api/v1/media/uploads", json=body, headers=auth).status_code != 201:
        if time.monotonic() > deadline:
            raise RuntimeError("media never heard of the demo org tree")
        time.sleep(0.5)


if __name__ == "__main__":
    run_main(main)
