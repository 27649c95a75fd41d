"""The web app on a slow connection: what a first visit downloads and when the first text appears.

    .venv/bin/python -m bench.web [--runs 5] [--dist web/dist]

Serves the build (`make web`) through the gateway's own code for it (gateway/webapp.py: precompressed files,
cache headers) on a free local port, and opens the sign-in page — what every first visit shows — in
Debian's Chromium, headless, with the connection and CPU throttled through the DevTools protocol like a
mid-range phone: each profile's first contentful paint (median and worst of --runs), cold (an empty cache)
and warm (the same browser again: hashed files come from its cache), and the bytes that crossed the network.
Then the build's files: the entry (what the first page needs) and every view's own chunk, compressed.
"""

from __future__ import annotations

import argparse
import gzip
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import uvicorn
from fastapi import FastAPI

from bench.region import run_main
from gateway import webapp

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# (name, round trip ms, download bytes/s, upload bytes/s, CPU slowdown)
PROFILES = [
    ("slow 3G", 400, 400_000 // 8, 400_000 // 8, 4),
    ("fast 3G", 150, 1_600_000 // 8, 750_000 // 8, 4),
    ("4G", 60, 9_000_000 // 8, 3_000_000 // 8, 4),
    ("none", 0, -1, -1, 1),
]


def serve(dist: Path) -> tuple[str, uvicorn.Server]:
    app = FastAPI()
    app.state.config = SimpleNamespace(web_dist=dist)
    app.include_router(webapp.router)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def visit(context, url: str, profile: tuple) -> tuple[float, float, int]:
    """First contentful paint and the sign-in form drawn (ms from navigation) and the bytes received."""
    _, rtt, down, up, cpu = profile
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": rtt, "downloadThroughput": down, "uploadThroughput": up},
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    # when the sign-in form exists (the app has started and drawn it), in the page's own clock
    page.add_init_script(
        "new MutationObserver((_, o) => { if (document.getElementById('phone')) {"
        " window.__formReady = performance.now(); o.disconnect() } })"
        ".observe(document, { childList: true, subtree: true })"
    )
    received = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    page.goto(url + "/app/login")
    page.wait_for_selector("#phone")
    fcp = page.evaluate(
        "() => new Promise(done => { const seen = () => { const e = performance.getEntriesByName("
        "'first-contentful-paint'); if (e.length) done(e[0].startTime); else setTimeout(seen, 20) }; seen() })"
    )
    ready = page.evaluate("window.__formReady")
    page.wait_for_load_state("networkidle")
    page.close()
    return fcp, ready, sum(received)


def measure(browser, url: str, profile: tuple, runs: int) -> dict:
    kinds = ("cold", "cold_form", "cold_bytes", "warm", "warm_form", "warm_bytes")
    seen: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        for visit_kind in ("cold", "warm"):  # an empty cache, then the same browser again
            fcp, form, received = visit(context, url, profile)
            seen[visit_kind].append(fcp)
            seen[f"{visit_kind}_form"].append(form)
            seen[f"{visit_kind}_bytes"].append(received)
        context.close()
    return {k: (statistics.median(v), max(v)) for k, v in seen.items()}


def build_files(dist: Path) -> tuple[list[tuple[str, int, int]], list[str]]:
    """(name, bytes, gzip bytes) of every script and stylesheet; the entry's files (index.html's own)."""
    files = []
    for f in sorted((dist / "assets").iterdir()):
        if f.suffix in {".js", ".css"}:
            data = f.read_bytes()
            files.append((f.name, len(data), len(gzip.compress(data, 9))))
    html = (dist / "index.html").read_text()
    entry = [name for name, _, _ in files if name in html]
    return files, entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, default=ROOT / "web" / "dist")
    args = parser.parse_args()
    if not (args.dist / "index.html").is_file():
        print(f"no build in {args.dist}: run `make web`", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    url, server = serve(args.dist)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for profile in PROFILES:
                results[profile[0]] = measure(browser, url, profile, args.runs)
            browser.close()
    finally:
        server.should_exit = True

    print(f"\nThe sign-in page on a phone, {args.runs} runs each, ms from navigation (median / worst):")
    print("first contentful paint (FCP) and the sign-in form drawn (form), cold (empty cache) and warm")
    head = f"{'connection':<10} {'RTT':>6} {'down':>9} {'CPU':>4}"
    print(f"{head}  {'cold FCP':>13} {'cold form':>13} {'warm FCP':>13} {'warm form':>13}  {'KB cold/warm':>12}")
    for name, rtt, down, _, cpu in PROFILES:
        r = results[name]
        speed = f"{down * 8 / 1e6:.1f} Mb/s" if down > 0 else "-"
        cells = " ".join(f"{r[k][0]:>6.0f} /{r[k][1]:>5.0f}" for k in ("cold", "cold_form", "warm", "warm_form"))
        kb = f"{r['cold_bytes'][0] / 1024:.0f}/{r['warm_bytes'][0] / 1024:.0f}"
        print(f"{name:<10} {rtt:>4}ms {speed:>9} {cpu:>3}x  {cells}  {kb:>12}")
    files, entry = build_files(args.dist)
    print("\nThe build (bytes, gzip -9):")
    for name, size, packed in files:
        mark = "entry" if name in entry else "view "
        print(f"  {mark} {name:<40} {size / 1024:>7.1f} KB {packed / 1024:>7.1f} KB")
    entry_gz = sum(p for n, _, p in files if n in entry)
    all_gz = sum(p for _, _, p in files)
    print(f"  the entry (every first visit): {entry_gz / 1024:.1f} KB compressed; the whole app {all_gz / 1024:.1f} KB")
    print(f"\nreproduce: make web && .venv/bin/python -m bench.web --runs {args.runs}")
    return 0


if __name__ == "__main__":
    run_main(main)
