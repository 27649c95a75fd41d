"""A notice from the region's committee to everyone under it, through the gateway: how long the call takes,
and how long content's worker takes to deliver it (receipts, per-org counts, notifications).

    .venv/bin/python -m bench.notices [--people 100000] [--seed 7]

One run starts its own region (fresh temp data, free ports, every process), writes --people people in an
org tree (bench/content_seed.py: root committee > 10 committees > 100 general branches > branches of ~100)
straight into content's mirror, then, as the root committee's secretary (a token from the region's own
keys), publishes one notice to the root org: POST /api/v1/orgs/org-root/notices. A notice to more than
INLINE_MAX people is delivered by the worker (services/content/notices.py); the bench polls the notice
(GET /api/v1/notices/{id}) until `publishing` is false, and prints: the call's latency, the delivery time
and rate (receipts/s), one recipient's home timeline showing it, the per-org counts of the root, CPU per
process, and the command. Target (SPEC): a committee reaches its whole subtree, and nothing is lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import httpx
import pymongo

from bench import content_seed
from bench.measure import GroupCpu
from bench.region import bench_region, run_main
from kernel.context import Actor
from kernel.tokens import TokenIssuer

REGION = "notices"
SERVERS = ("gateway", "content", "content-worker", "mongodb", "rabbitmq")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the delivery (1800)")
    parser.add_argument("--keep-data", action="store_true")
    return parser.parse_args(argv)


def seed_people(mongo_uri: str, people: int, seed: int) -> content_seed.World:
    world = content_seed.generate(
        people,
        seed,
        dt.datetime.now(dt.UTC),
        tenant=REGION,
        big=0,
        follows_median=1.0,
        posts_per_person=0.0,
        probes=0,
        driven=0,
    )
    rows = content_seed.content_rows(world)
    with pymongo.MongoClient(mongo_uri) as client:
        db = client[f"{REGION}_content"]
        for name in ("mirror_orgs", "mirror_people"):
            content_seed._bulk(db[name], rows[name])
    return world


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = f".venv/bin/python -m bench.notices --people {args.people} --seed {args.seed}"
    with bench_region(REGION, args.keep_data) as stack:
        layout = stack.layout
        print(f"Jiceng notices: one notice to {args.people:,} people; data in {layout.data_dir}")
        stack.up()
        t0 = time.perf_counter()
        world = seed_people(stack.env["MONGO_URI"], args.people, args.seed)
        print(f"  {len(world.people):,} people in {len(world.orgs):,} orgs seeded in {time.perf_counter() - t0:.0f}s")

        issuer = TokenIssuer(layout.keys_dir, REGION, 6 * 3600)
        secretary = issuer.issue(Actor(account_id="bench-secretary", grants=(("secretary", "org-root"),))).token
        reader_id = world.people[len(world.people) // 2]["account_id"]
        reader = issuer.issue(Actor(account_id=reader_id)).token
        meter = GroupCpu({k: v for k in SERVERS if (v := stack.pid(k)) is not None})
        base = f"http://127.0.0.1:{layout.gateway_port}"
        with httpx.Client(base_url=base, timeout=60) as http:
            auth = {"Authorization": f"Bearer {secretary}"}
            meter.start()
            t0 = time.perf_counter()
            sent = http.post(
                "/api/v1/orgs/org-root/notices",
                json={"title": "关于开展主题教育的通知", "body": "各级党组织：请认真组织学习。" * 20},
                headers=auth,
            )
            call_s = time.perf_counter() - t0
            if sent.status_code != 201:
                print(f"  publishing failed: {sent.status_code} {sent.text[:300]}")
                return 1
            notice = sent.json()
            print(f"  POST answered in {call_s * 1000:.0f} ms: publishing={notice['publishing']}", flush=True)
            deadline, last_print = t0 + args.timeout, 0.0
            while notice["publishing"] and time.perf_counter() < deadline:
                time.sleep(1.0)
                notice = http.get(f"/api/v1/notices/{notice['id']}", headers=auth).json()
                if time.perf_counter() - last_print >= 10:
                    last_print = time.perf_counter()
                    print(f"    {time.perf_counter() - t0:6.0f}s: {notice['recipient_count']:,} receipts", flush=True)
            delivered_s = time.perf_counter() - t0
            cpu = meter.stop()
            counts = http.get(f"/api/v1/notices/{notice['id']}/receipts", headers=auth).json()
            home = http.get("/api/v1/timelines/home?page_size=5", headers={"Authorization": f"Bearer {reader}"}).json()
        shown = [i for i in home.get("items", []) if i.get("kind") == "notice"]
        n = notice["recipient_count"]
        print(
            f"\n  delivered to {n:,} people in {delivered_s:.0f}s ({n / delivered_s:,.0f} receipts/s, "
            f"notifications included); still publishing: {notice['publishing']}"
        )
        print(f"  the root's counts: {counts.get('orgs')}")
        print(f"  a recipient's home timeline shows it: {bool(shown)}")
        print("  cpu % of one core during the delivery: " + " ".join(f"{k} {v:.0f}" for k, v in cpu.items()))
        print(f"\n{os.cpu_count()} cores shared by every process. Reproduce with:\n  {command}")
        ok = not notice["publishing"] and n == len(world.people) and shown
        return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
