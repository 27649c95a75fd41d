"""Database commands per timeline read, on a seeded region: where a home or person page's time goes.

`.venv/bin/python -m bench.timeline_reads [--people 10000] [--readers 300] [--seed 7]` starts only the
database and Redis of a region (`devstack.stack.Stack`, free ports, a temp directory), seeds content the way
`bench.content_mix` does (bench/content_seed.py), then reads each of `--readers` driven people's first home
page and the first page of someone they follow — in this process, through `services.content.timelines`
with a command log on the database connection — first with a cold cache, then warm. It prints, per read
type and cache state, the commands per read (mean, p50, p99, max), their wall time, and which collections
they went to. No gateway, no gRPC: this is the database's share of a request, which bounds the mix's
throughput on this machine (bench/README.md).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import mongoengine as me
import pymongo

from bench import content_seed
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from kernel import context, store
from kernel.cache import Cache
from kernel.config import StoreConfig
from services.content import cache, timelines
from tests.conftest import CommandLog

ROOT = Path(__file__).resolve().parent.parent
REGION = "reads"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--readers", type=int, default=300, help="driven people whose pages are read (300)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--push-limit", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="cProfile the warm reads: where this process spends")
    parser.add_argument("--keep-data", action="store_true")
    return parser.parse_args(argv)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _read(tenant: str, reader: str, read) -> None:
    token = context.bind(context.CallContext(tenant=tenant, actor=context.Actor(account_id=reader)))
    try:
        page = read()
        timelines.post_views(page.items, page.reader)
    finally:
        context.unbind(token)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="jiceng-reads-"))
    layout = Layout(REGION, data, free_port_base())
    stack = Stack(layout, ROOT)
    print(f"timeline reads: {args.people:,} people (seed {args.seed}), {args.readers} readers; data in {data}")
    try:
        stack.up(["mongodb", "redis"])
        world = content_seed.generate(
            args.people,
            args.seed,
            dt.datetime.now(dt.UTC),
            tenant=REGION,
            push_limit=args.push_limit,
            probes=0,
            driven=args.readers,
        )
        t0 = time.perf_counter()
        with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
            content_seed.seed_content(client[f"{REGION}_content"], world, progress=lambda *a: None)
        print(f"  seeded in {time.perf_counter() - t0:.0f}s: {world.summary()}", flush=True)

        log = CommandLog()
        store.connect(StoreConfig(region=REGION, mongo_uri=stack.env["MONGO_URI"]), "content", event_listeners=[log])
        cache.configure(Cache.connect(stack.env["REDIS_URL"], "content"))
        timelines.configure(args.push_limit, timelines.INBOX_LIMIT)
        rng = random.Random(args.seed)
        readers = list(world.driven)
        authors = {r: rng.choice(world.followees.get(r) or [r]) for r in readers}  # as the mix picks

        reads = {
            "home": lambda r: lambda: timelines.home(20, ""),
            "person": lambda r: lambda: timelines.person(authors[r], 20, ""),
        }
        head = f"{'read':<8}{'cache':<7}{'mean':>7}{'p50':>6}{'p99':>6}{'max':>6}{'ms p50':>9}{'ms p99':>9}"
        print(f"\n{head}  commands by collection (per read)")
        profiles: dict[str, cProfile.Profile] = {}
        for name, make in reads.items():
            for state in ("cold", "warm"):
                counts, times, by_collection = [], [], collections.Counter()
                profiler = cProfile.Profile() if args.profile and state == "warm" else None
                if profiler:
                    profiler.enable()
                for r in readers:
                    log.commands.clear()
                    t = time.perf_counter()
                    _read(REGION, r, make(r))
                    times.append((time.perf_counter() - t) * 1000)
                    counts.append(len(log.commands))
                    by_collection.update(log.commands)
                if profiler:
                    profiler.disable()
                    profiles[name] = profiler
                top = ", ".join(f"{c.split(' ', 1)[1]} {n / len(readers):.1f}" for c, n in by_collection.most_common(8))
                print(
                    f"{name:<8}{state:<7}{statistics.mean(counts):>7.1f}{_percentile(counts, 0.5):>6}"
                    f"{_percentile(counts, 0.99):>6}{max(counts):>6}{_percentile(times, 0.5):>9.1f}"
                    f"{_percentile(times, 0.99):>9.1f}  {top}",
                    flush=True,
                )
        for name, profiler in profiles.items():
            print(f"\n{name}, warm: this process's time by function (cumulative, top 25)")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        print(f"\nReproduce with: .venv/bin/python -m bench.timeline_reads {' '.join(argv or sys.argv[1:])}")
        return 0
    finally:
        me.disconnect(alias="default")
        stack.down()
        if not args.keep_data:
            import shutil

            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
