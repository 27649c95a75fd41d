"""Federation between two regions: what a signed cross-region request costs, and how fast the relay delivers.

    .venv/bin/python -m bench.federation [--requests 400] [--messages 400] [--concurrency 1,8]

One run starts two small regions of its own (identity, orgs, their workers, the relay, the gateway: what
federation touches), peers of each other, each with the demo tree. Then:
- admission: signed `GET /federation/v1/orgs/demo-branch-2` from this process with the sending region's key
  (identity verifies the signature, inserts the nonce, writes the audit entry and issues the peer's token; orgs
  answers) against the same org read the ordinary way (`GET /api/v1/orgs/demo-branch-2` with a region admin's
  token, verified locally): requests/s and p50 / p99 at each concurrency, and the ratio of the two;
- relay: --messages transfer snapshots published as one burst into the sending region's broker (as orgs' outbox
  would), delivered by the relay one at a time, in order, signed, to the other region, which creates a mirror for
  each: messages/s from the first publish to the last mirror.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pymongo
from cryptography.hazmat.primitives import serialization

from bench.measure import pct
from bench.region import run_main
from devstack import demo
from devstack import federation as devfed
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from kernel import federation as fed
from kernel.outbox import Publisher, new_event

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ["mongodb", "rabbitmq", "federation-relay", "identity", "identity-worker", "orgs", "orgs-worker", "gateway"]


@contextlib.contextmanager
def two_regions(names: tuple[str, str]):
    data = Path(tempfile.mkdtemp(prefix="jiceng-federation-"))
    bases: set[int] = set()
    while len(bases) < 2:
        bases.add(free_port_base())
    layouts = [Layout(n, data / n, b) for n, b in zip(names, sorted(bases), strict=True)]
    stacks = [Stack(lay, ROOT, only=PROCESSES) for lay in layouts]
    devfed.connect(layouts)
    try:
        yield stacks
    finally:
        for stack in stacks:
            stack.down()
        shutil.rmtree(data, ignore_errors=True)


async def _drive(count: int, concurrency: int, request) -> tuple[float, list[float], int]:
    """count requests from `concurrency` workers: (seconds, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = 0
    queue = iter(range(count))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for _ in queue:
            started = time.perf_counter()
            reply = await request(client)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += reply.status_code != 200

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, failures


def admission(sender: Stack, receiver: Stack, requests: int, concurrencies: list[int]) -> None:
    key = serialization.load_pem_private_key(sender.layout.federation_key_path.read_bytes(), password=None)
    base = f"http://127.0.0.1:{receiver.layout.gateway_port}"
    path = "/federation/v1/orgs/demo-branch-2"
    token = httpx.post(
        f"{base}/api/v1/auth/login", json={"phone": demo.ADMIN_PHONE, "password": demo.ADMIN_PASSWORD}
    ).json()["access_token"]

    async def signed(client: httpx.AsyncClient):
        headers = fed.sign(key, sender.layout.region, receiver.layout.region, "GET", path, b"", int(time.time()))
        return await client.get(base + path, headers=headers)

    async def local(client: httpx.AsyncClient):
        return await client.get(f"{base}/api/v1/orgs/demo-branch-2", headers={"Authorization": f"Bearer {token}"})

    print("\nadmission: one org read, signed from the peer vs the ordinary way (ratio: ordinary req/s over signed)")
    print("| concurrency | signed req/s | p50 / p99 ms | ordinary req/s | p50 / p99 ms | ratio | failures |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for concurrency in concurrencies:
        s_secs, s_lat, s_fail = asyncio.run(_drive(requests, concurrency, signed))
        o_secs, o_lat, o_fail = asyncio.run(_drive(requests, concurrency, local))
        s_rate, o_rate = requests / s_secs, requests / o_secs
        print(
            f"| {concurrency} | {s_rate:.0f} | {pct(s_lat, 50):.1f} / {pct(s_lat, 99):.1f} | {o_rate:.0f} | "
            f"{pct(o_lat, 50):.1f} / {pct(o_lat, 99):.1f} | {o_rate / s_rate:.2f} | {s_fail + o_fail} |",
            flush=True,
        )


def relay(sender: Stack, receiver: Stack, messages: int) -> None:
    source, target = sender.layout.region, receiver.layout.region
    batch = uuid.uuid4().hex[:8]
    publisher = Publisher(sender.env["AMQP_URI"])
    started = time.perf_counter()
    for i in range(messages):
        snapshot = {
            "transfer_id": f"bench-{batch}-{i}",
            "version": 1,
            "state": "requested",
            "display_name": f"测试{i}",
            "from_org_id": "demo-branch-1",
            "from_org_name": "示范社区第一党支部",
            "to_org_id": "demo-branch-2",
            "reason": "",
            "requested_at": "2026-11-26T00:00:00",
            "steps": [],
            "attendance": None,
            "dossier": None,
        }
        body = {"message_id": uuid.uuid4().hex, "kind": "transfer", "body": snapshot}
        publisher.publish(new_event(source, "orgs", f"federation.{target}", body).envelope())
    published = time.perf_counter() - started
    publisher.close()
    with pymongo.MongoClient(receiver.env["MONGO_URI"]) as client:
        transfers = client[f"{target}_orgs"]["transfers"]
        query = {"tenant": target, "from_region": source, "remote_id": {"$regex": f"^bench-{batch}-"}}
        while (arrived := transfers.count_documents(query)) < messages:
            if time.perf_counter() - started > 600:
                print(f"  only {arrived} of {messages} mirrors after 600 s")
                return
            time.sleep(0.2)
    total = time.perf_counter() - started
    print(
        f"\nrelay: {messages} messages published in {published:.1f}s, all mirrored in {target} after {total:.1f}s:"
        f" {messages / total:.1f} messages/s (one at a time, in order, each signed, admitted, audited and applied)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    print(
        f"  command: .venv/bin/python -m bench.federation --requests {args.requests} --messages {args.messages}"
        f" --concurrency {args.concurrency}"
    )
    with two_regions(("benchtj", "benchbj")) as (tianjin, beijing):
        started = time.perf_counter()
        for stack in (tianjin, beijing):
            stack.up()
            demo.seed(stack)
        print(f"  two regions up and seeded in {time.perf_counter() - started:.0f}s", flush=True)
        admission(tianjin, beijing, args.requests, concurrencies)
        relay(tianjin, beijing, args.messages)
    return 0


if __name__ == "__main__":
    run_main(main)
