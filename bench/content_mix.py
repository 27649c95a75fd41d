"""The microblog under a DeathStarBench-style mix, through the gateway, on a seeded region of 100,000 people.

    .venv/bin/python -m bench.content_mix [--people 100000] [--rates 50,100,200,300] [--seconds 30] [--seed 7]

One run starts its own region (fresh temp data, free ports, the project's own code: SecantusDB, RabbitMQ,
identity, orgs, content and its worker, the gateway), seeds it deterministically (bench/content_seed.py:
people in an org tree, ~25 follows each with a few big accounts and committees above CONTENT_PUSH_LIMIT,
friendships, a month of posts and the home inboxes the fan-out would have filled) straight into the
databases, issues access tokens for --driven people with the region's own keys, then at each rate drives,
open loop (bench/openloop.py: requests leave at the fixed arrival rate, latency counts from the intended
send time), with bench/http1.py (HTTP/1.1 keep-alive, one pool; httpx cost the driver a core):

  home     60 %  GET  /api/v1/timelines/home                 (a random driven person, first page of 20)
  person   30 %  GET  /api/v1/accounts/{id}/posts            (a person the reader follows, first page of 20)
  compose  10 %  POST /api/v1/posts                          (256 characters, 2 mentions, 3 media ids;
                                                              public 80 %, org 15 %, friends 5 %)

and meanwhile measures fan-out latency with --probes probe pairs (a quiet author followed by a probe
follower): one probe post at a time, every --probe-every seconds; its follower polls its home timeline
(page of 5) every --probe-poll seconds until the post shows. The figure is from the post's acknowledgement
(the 201 arriving) to the answer of the first poll that shows it: an upper bound, by at most one poll
interval plus one home read. The probe's requests are not part of the mix: they are counted apart and
are a few per second (under 3 % of the mix at 100 req/s); they add load but do not change the offered mix.

Printed per rate: requests/s achieved vs offered, p50/p99 per request type and overall, errors, fan-out
p50/p99, CPU per process, the mean time each request type spent in the gateway and in content's gRPC
handler (from their Prometheus histograms: the rest of the client-observed latency is queueing), the
fan-out backlog left in the broker, and the exact command. --profile SECONDS samples the gateway, content,
its worker and SecantusDB with py-spy during the last rate and prints where their time goes.

Targets on a 2-core machine: >= 300 requests/s of the mix at p99 <= 200 ms; fan-out p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import httpx
import pymongo

from bench import content_seed
from bench.http1 import Http1Pool
from bench.measure import GroupCpu, counter_delta, disk_usage, mean_ms, pct, scrape, top_commands
from bench.openloop import Series, Stats, drive
from bench.region import bench_region, run_main
from devstack.stack import Stack
from kernel.context import Actor
from kernel.tokens import TokenIssuer

ROOT = Path(__file__).resolve().parent.parent
REGION = "mix"
MIX = (("home", 60), ("person", 30), ("compose", 10))
TARGET_RPS, TARGET_P99_MS, TARGET_FANOUT_P99_S = 300, 200.0, 1.0
FANOUT_QUEUE = "evt-content-post_published--content_timelines.post_published"
ROUTES = {  # request type -> (gateway route label, content gRPC method)
    "home": ("/api/v1/timelines/home", "HomeTimeline"),
    "person": ("/api/v1/accounts/{account_id}/posts", "PersonTimeline"),
    "compose": ("/api/v1/posts", "CreatePost"),
}
SERVERS = ("gateway", "content", "content-worker", "mongodb", "rabbitmq", "identity", "orgs")


# -- the mix ------------------------------------------------------------------------------------------------


class Mix:
    """Chooses the i-th request of the mix (deterministically, from the seed) and makes it."""

    def __init__(self, client: Http1Pool, world: content_seed.World, tokens: dict[str, str], seed: int):
        self.client = client
        self.world = world
        self.tokens = tokens
        self.rng = random.Random(seed + 11)
        self.labels = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]
        self.driven = world.driven
        self.people = [p["account_id"] for p in world.people]
        self.names = {p["account_id"]: p["name"] for p in world.people}
        self.posted: list[str] = []
        self.status: Counter = Counter()

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def pick(self, i: int, _intended: float):
        label = self.rng.choices(self.labels, self.weights)[0]
        who = self.driven[self.rng.randrange(len(self.driven))]
        if label == "home":
            return label, lambda: self.get(label, "/api/v1/timelines/home?page_size=20", who)
        if label == "person":
            followed = self.world.followees.get(who) or self.people
            target = followed[self.rng.randrange(len(followed))]
            return label, lambda: self.get(label, f"/api/v1/accounts/{target}/posts?page_size=20", who)
        body = self.compose_body(who)
        return label, lambda: self.post(body, who)

    def compose_body(self, who: str) -> dict:
        followed = self.world.followees.get(who) or []
        mentions = self.rng.sample(followed, min(2, len(followed)))
        visibility = self.rng.choices(("public", "org", "friends"), (80, 15, 5))[0]
        return {
            "text": content_seed.post_text(self.rng, 256, mentions, self.names),
            "media_ids": [f"m{self.rng.getrandbits(40):010x}" for _ in range(3)],
            "visibility": visibility,
            "mentions": mentions,
        }

    async def get(self, label: str, path: str, who: str) -> bool:
        response = await self.client.get(path, headers=self.headers(who))
        self.status[(label, response.status_code)] += 1
        return response.status_code == 200 and "items" in response.json()

    async def post(self, body: dict, who: str) -> bool:
        response = await self.client.post("/api/v1/posts", json=body, headers=self.headers(who))
        self.status[("compose", response.status_code)] += 1
        return response.status_code == 201


class Probes:
    """Fan-out latency: a probe post, then its follower's home timeline polled until it shows."""

    def __init__(self, client, world, tokens, every: float, poll: float, timeout: float = 30.0):
        self.client, self.world, self.tokens = client, world, tokens
        self.every, self.poll, self.timeout = every, poll, timeout
        self.latencies: list[float] = []
        self.missing = 0
        self.requests = 0
        self.errors = 0
        self.n = 0

    async def run(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            started = loop.time()
            await self.one()
            await asyncio.sleep(max(0.0, self.every - (loop.time() - started)))

    async def one(self) -> None:
        loop = asyncio.get_running_loop()
        author, follower = self.world.probes[self.n % len(self.world.probes)]
        self.n += 1
        body = {"text": f"探针 {self.n} {time.time():.3f}", "visibility": "public"}
        self.requests += 1
        try:
            response = await self.client.post(
                "/api/v1/posts", json=body, headers={"Authorization": f"Bearer {self.tokens[author]}"}
            )
        except (TimeoutError, OSError):  # an overloaded rate: counted, the probe goes on
            self.errors += 1
            return
        if response.status_code != 201:
            self.errors += 1
            return
        acked, post_id = loop.time(), response.json()["id"]
        headers = {"Authorization": f"Bearer {self.tokens[follower]}"}
        while loop.time() - acked < self.timeout:
            self.requests += 1
            try:
                home = await self.client.get("/api/v1/timelines/home?page_size=5", headers=headers)
            except (TimeoutError, OSError):
                self.errors += 1
                continue
            if home.status_code != 200:
                self.errors += 1
            elif any(item.get("post", {}).get("id") == post_id for item in home.json()["items"]):
                self.latencies.append(loop.time() - acked)
                return
            await asyncio.sleep(self.poll)
        self.missing += 1


def fanout_backlog(amqp_uri: str) -> int:
    import kombu

    try:
        with kombu.Connection(amqp_uri, connect_timeout=2) as conn:
            channel = conn.channel()
            try:
                _, messages, _ = channel.queue_declare(FANOUT_QUEUE, passive=True)
            finally:
                channel.close()
        return messages
    except Exception:  # noqa: BLE001 - the backlog is informative only
        return -1


async def run_rate(args, rate: float, base_url: str, world, tokens, meter: GroupCpu, metrics: dict) -> dict:
    address = urllib.parse.urlsplit(base_url)
    async with Http1Pool(address.hostname, address.port, size=args.connections, timeout=30) as client:
        mix = Mix(client, world, tokens, args.seed + int(rate))
        if args.warmup > 0:
            await drive(rate, args.warmup, mix.pick, max_in_flight=args.max_in_flight)
        probes = Probes(client, world, tokens, args.probe_every, args.probe_poll)
        mix.status.clear()
        before = {name: scrape(url) for name, url in metrics.items()}
        meter.start()
        probe_task = asyncio.create_task(probes.run(args.seconds))
        stats: Stats = await drive(rate, args.seconds, mix.pick, max_in_flight=args.max_in_flight)
        await probe_task
        cpu = meter.stop()
        after = {name: scrape(url) for name, url in metrics.items()}
    breakdown = {}
    for label, (route, method) in ROUTES.items():
        breakdown[label] = {
            "gateway_ms": mean_ms(before["gateway"], after["gateway"], "jiceng_http_request_seconds", route=route),
            "content_ms": mean_ms(
                before["content"], after["content"], "jiceng_grpc_server_handling_seconds", method=method
            ),
        }
    fanout_handler = mean_ms(
        before["worker"], after["worker"], "jiceng_event_handler_seconds", consumer="content_timelines.post_published"
    )
    answered = sum(len(x.latencies) + x.errors for x in stats.by_label.values()) + probes.requests
    database = {
        name: round(counter_delta(before[name], after[name], "jiceng_db_commands") / max(1, answered), 1)
        for name in ("content", "worker")
    }
    commands = {name: top_commands(before[name], after[name], answered) for name in ("content", "worker")}
    hits, misses = (
        counter_delta(before["content"], after["content"], "jiceng_cache_lookups", result=r) for r in ("hit", "miss")
    )
    return {
        "rate": rate,
        "stats": stats,
        "cpu": cpu,
        "breakdown": breakdown,
        "db_per_request": database,
        "db_commands": commands,
        "cache_hit_pct": round(100 * hits / (hits + misses), 1) if hits + misses else None,
        "fanout": sorted(probes.latencies),
        "fanout_missing": probes.missing,
        "probe_requests": probes.requests,
        "probe_errors": probes.errors,
        "fanout_handler_ms": fanout_handler,
        "statuses": {f"{k[0]} {k[1]}": v for k, v in sorted(mix.status.items())},
    }


# -- profile --------------------------------------------------------------------------------------------


def start_profiles(stack: Stack, seconds: float, out_dir: Path) -> list[tuple[str, Path, subprocess.Popen]]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("  --profile: py-spy not found (.venv/bin/pip install py-spy); no profile taken")
        return []
    running = []
    for name in ("gateway", "content", "content-worker", "mongodb"):  # SecantusDB is a Python process too
        pid = stack.pid(name)
        if pid is None:
            continue
        out = out_dir / f"{name}.collapsed"
        argv = [spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "50", "-f", "raw", "-o", str(out)]
        argv.append("--nonblocking")
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        running.append((name, out, proc))
    return running


def profile_summary(path: Path, top: int = 10) -> list[str]:
    """Where a process spent its samples: the project's own functions (inclusive, each counted once per
    stack, the interceptor chain left out) and the functions that were on top of the stack (self)."""
    if not path.exists():
        return ["    (no samples)"]
    inclusive: Counter = Counter()
    leaf: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if f]
        ours = {f for f in frames if re.search(r"[(/](services|gateway|secantus)/", f) and "Interceptor" not in f}
        for frame in ours:
            inclusive[frame] += n
        if frames:
            leaf[re.sub(r"\(.*/(site-packages|python3\.\d+)/", "(", frames[-1])] += n
    if not total:
        return ["    (no samples)"]
    lines = [f"    {100 * n / total:5.1f}% in  {name[:110]}" for name, n in inclusive.most_common(top)]
    lines += [f"    {100 * n / total:5.1f}% top {name[:110]}" for name, n in leaf.most_common(6)]
    return lines


# -- the run --------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.content_mix", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rates", default="50,100,200,300", help="offered requests/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per rate (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds at each rate first (5)")
    parser.add_argument("--driven", type=int, default=1000, help="people whose tokens drive the mix (1000)")
    parser.add_argument("--probes", type=int, default=4, help="probe author/follower pairs (4)")
    parser.add_argument("--probe-every", type=float, default=2.0, help="seconds between probe posts (2)")
    parser.add_argument("--probe-poll", type=float, default=0.05, help="probe follower's poll interval (0.05)")
    parser.add_argument("--connections", type=int, default=256, help="HTTP keep-alive pool size (256)")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=512,
        help="arrivals beyond this many unanswered requests are dropped and counted (512: twice the pool; "
        "more only queues in the client)",
    )
    parser.add_argument("--push-limit", type=int, default=1000, help="CONTENT_PUSH_LIMIT of the region (1000)")
    parser.add_argument("--skip-upstream", action="store_true", help="seed content only (not orgs/identity)")
    parser.add_argument("--profile", type=float, default=0, help="py-spy the servers this long during the last rate")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    return args


def command_of(args) -> str:
    parts = [
        ".venv/bin/python -m bench.content_mix",
        f"--people {args.people}",
        f"--seed {args.seed}",
        "--rates " + ",".join(f"{r:g}" for r in args.rates),
        f"--seconds {args.seconds:g}",
        f"--warmup {args.warmup:g}",
        f"--driven {args.driven}",
        f"--probes {args.probes}",
    ]
    if args.push_limit != 1000:
        parts.append(f"--push-limit {args.push_limit}")
    if args.skip_upstream:
        parts.append("--skip-upstream")
    if args.profile:
        parts.append(f"--profile {args.profile:g}")
    return " ".join(parts)


def _ms(x: float | None) -> str:
    return f"{x:7.1f}" if x is not None else "      -"


def report(results: list[dict]) -> list[str]:
    lines = [
        "",
        f"{'offered':>8} {'achieved':>9} {'type':<8} {'ok':>7} {'err':>5} {'drop':>5} {'p50 ms':>8} {'p99 ms':>8}"
        f"   {'gateway':>7} {'content':>7}  (mean ms inside each)",
    ]
    for r in results:
        stats: Stats = r["stats"]
        first = True
        for label in [k for k, _ in MIX] + ["all"]:
            s = stats.overall if label == "all" else stats.by_label.get(label, Series())
            b = r["breakdown"].get(label, {})
            lead = f"{r['rate']:>8.0f} {stats.completed_per_second():>9.1f}" if first else " " * 18
            first = False
            lines.append(
                f"{lead} {label:<8} {len(s.latencies):>7} {s.errors:>5} {s.dropped:>5} "
                f"{s.percentile(50) * 1000:>8.1f} {s.percentile(99) * 1000:>8.1f}   "
                f"{_ms(b.get('gateway_ms'))} {_ms(b.get('content_ms'))}"
            )
        f = r["fanout"]
        lines.append(
            f"{'':>18} fan-out  {len(f):>7} {r['fanout_missing']:>5} {'':>5} "
            f"{pct(f, 50) * 1000:>8.1f} {pct(f, 99) * 1000:>8.1f}   worker handler mean "
            f"{_ms(r['fanout_handler_ms']).strip()} ms; backlog after {r['backlog']} events, drained in "
            f"{r['drain_s']:.0f}s; probe requests {r['probe_requests'] / r['stats'].seconds:.1f}/s"
        )
        lines.append(f"{'':>18} cpu % of one core: " + " ".join(f"{k} {v:.0f}" for k, v in r["cpu"].items()))
        lines.append(
            f"{'':>18} database commands per request: "
            + " ".join(f"{k} {v}" for k, v in r["db_per_request"].items())
            + f"; content's cache lookups that hit: {r['cache_hit_pct']}%"
        )
        for name, top in r["db_commands"].items():
            lines.append(f"{'':>18}   {name}: " + ", ".join(f"{k} {v}" for k, v in top))
        bad = {k: v for k, v in r["statuses"].items() if not k.endswith((" 200", " 201"))}
        if bad:
            lines.append(f"{'':>18} answers other than 200/201: {bad}")
        lines.append("")
    return lines


def verdict(results: list[dict]) -> list[str]:
    met = [
        r
        for r in results
        if r["stats"].completed_per_second() >= TARGET_RPS * 0.98
        and r["stats"].overall.percentile(99) * 1000 <= TARGET_P99_MS
        and r["stats"].overall.errors == 0
    ]
    fan = [r for r in results if r["fanout"] and pct(r["fanout"], 99) <= TARGET_FANOUT_P99_S]
    met_at = ", ".join(f"{r['rate']:g}" for r in met)
    fan_at = ", ".join(f"{r['rate']:g}" for r in fan)
    return [
        f"target >= {TARGET_RPS} req/s at p99 <= {TARGET_P99_MS:.0f} ms: "
        + (f"met at offered {met_at} req/s" if met else "NOT met at any rate run"),
        f"target fan-out p99 <= {TARGET_FANOUT_P99_S:g} s: "
        + (f"met at offered {fan_at} req/s" if fan else "NOT met at any rate run"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = command_of(args)
    results: list[dict] = []
    started = time.perf_counter()
    with bench_region(REGION, args.keep_data, {"CONTENT_PUSH_LIMIT": str(args.push_limit)}) as stack:
        layout = stack.layout
        data = layout.data_dir
        print(
            f"Jiceng microblog mix: {args.people:,} people (seed {args.seed}), rates {args.rates} req/s, "
            f"{args.seconds:g}s each after {args.warmup:g}s warm-up; data in {data}"
        )
        print(f"  machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        t0 = time.perf_counter()
        stack.up()
        print(f"  stack up in {time.perf_counter() - t0:.0f}s", flush=True)

        t0 = time.perf_counter()
        world = content_seed.generate(
            args.people,
            args.seed,
            dt.datetime.now(dt.UTC),
            tenant=REGION,
            push_limit=args.push_limit,
            probes=args.probes,
            driven=args.driven,
        )
        summary = world.summary()
        generated = time.perf_counter() - t0
        print(f"  generated in {generated:.0f}s: {json.dumps(summary)}", flush=True)
        client = pymongo.MongoClient(stack.env["MONGO_URI"])
        t0 = time.perf_counter()
        written = content_seed.seed_content(client[f"{REGION}_content"], world)
        content_seconds = time.perf_counter() - t0
        upstream_seconds = 0.0
        if not args.skip_upstream:
            t0 = time.perf_counter()
            written |= content_seed.seed_upstream(client[f"{REGION}_orgs"], client[f"{REGION}_identity"], world)
            upstream_seconds = time.perf_counter() - t0
        client.close()
        rows = sum(n for n, _ in written.values())
        disk = disk_usage(data / "mongodb")
        print(
            f"  seeded {rows:,} rows: content in {content_seconds:.0f}s, orgs+identity in {upstream_seconds:.0f}s "
            f"({rows / max(1e-9, content_seconds + upstream_seconds):,.0f} rows/s with index builds); "
            f"database on disk {disk}",
            flush=True,
        )

        issuer = TokenIssuer(layout.keys_dir, REGION, 6 * 3600)
        who = set(world.driven) | {x for pair in world.probes for x in pair}
        tokens = {a: issuer.issue(Actor(account_id=a, session_id="bench-mix")).token for a in who}
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        sample = world.driven[0]
        check = httpx.get(
            f"{base_url}/api/v1/timelines/home", headers={"Authorization": f"Bearer {tokens[sample]}"}, timeout=60
        )
        shown = (
            len(check.json()["items"])
            if check.status_code == 200
            else f"nothing: {check.status_code} {check.text[:200]}"
        )
        print(f"  {len(tokens):,} tokens issued; {sample}'s home shows {shown}", flush=True)

        groups = {name: stack.pid(name) for name in SERVERS}
        meter = GroupCpu({k: v for k, v in groups.items() if v is not None})
        _, content_metrics, worker_metrics = layout.service_ports(3)
        metrics = {
            "gateway": f"{base_url}/metrics",
            "content": f"http://127.0.0.1:{content_metrics}/metrics",
            "worker": f"http://127.0.0.1:{worker_metrics}/metrics",
        }
        profiles = []
        for index, rate in enumerate(args.rates):
            if args.profile and index == len(args.rates) - 1:
                profiles = start_profiles(stack, min(args.profile, args.seconds), data)
            result = asyncio.run(run_rate(args, rate, base_url, world, tokens, meter, metrics))
            result["backlog"] = fanout_backlog(stack.env["AMQP_URI"])
            t0 = time.perf_counter()
            while fanout_backlog(stack.env["AMQP_URI"]) > 0 and time.perf_counter() - t0 < 120:
                time.sleep(1)
            result["drain_s"] = time.perf_counter() - t0
            results.append(result)
            for line in report([result])[1:]:
                print(line, flush=True)
            if not result["stats"].overall.latencies and index < len(args.rates) - 1:
                print(f"  nothing succeeded at {rate:g} req/s: the higher rates are skipped", flush=True)
                break
        for _, _, proc in profiles:
            proc.wait(timeout=args.profile + 60)

        print("\n".join(report(results)))
        for line in verdict(results):
            print(line)
        for name, path, _ in profiles:
            print(f"\n  py-spy, {name} (% of samples: 'in' = inside that function, 'top' = running it; {path}):")
            print("\n".join(profile_summary(path)))
        print(
            f"\nseeding: generate {generated:.0f}s, content {content_seconds:.0f}s, orgs+identity "
            f"{upstream_seconds:.0f}s; disk {disk}; total run {time.perf_counter() - started:.0f}s"
        )
        print(
            f"{os.cpu_count()} cores shared by the load generator, SecantusDB, RabbitMQ and every service. "
            f"Reproduce with:\n  {command}"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "command": command,
                        "world": summary,
                        "seeding_seconds": {
                            "generate": generated,
                            "content": content_seconds,
                            "upstream": upstream_seconds,
                        },
                        "disk": disk,
                        "rates": [
                            {
                                "offered": r["rate"],
                                "achieved": r["stats"].completed_per_second(),
                                "by_type": {
                                    label: {
                                        "ok": len(s.latencies),
                                        "errors": s.errors,
                                        "dropped": s.dropped,
                                        "p50_ms": s.percentile(50) * 1000,
                                        "p99_ms": s.percentile(99) * 1000,
                                    }
                                    for label, s in [*r["stats"].by_label.items(), ("all", r["stats"].overall)]
                                },
                                "fanout_p50_ms": pct(r["fanout"], 50) * 1000,
                                "fanout_p99_ms": pct(r["fanout"], 99) * 1000,
                                "fanout_n": len(r["fanout"]),
                                "cpu": r["cpu"],
                                "breakdown": r["breakdown"],
                                "db_per_request": r["db_per_request"],
                                "cache_hit_pct": r["cache_hit_pct"],
                            }
                            for r in results
                        ],
                    },
                    indent=2,
                    default=str,
                )
                + "\n"
            )
        errors = sum(r["stats"].overall.errors for r in results)
        return 1 if errors else 0


if __name__ == "__main__":
    run_main(main)
