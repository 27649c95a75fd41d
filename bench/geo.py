"""geo at region scale: the nearest orgs to a point among 300,000 orgs, and the rate location reports are taken in.

    .venv/bin/python -m bench.geo [--orgs 300000] [--queries 1000] [--devices 2000] [--seconds 30]

One run starts its own region and writes --orgs org places straight into geo's database (what orgs' events
would have put there, with their grid cells: creating 300,000 orgs through orgs would take hours and measure
orgs), spread like a province's: most in a few dense urban districts, the rest across the countryside. Then:
- nearest: the 10 nearest orgs (within 50 km) to random points, one query at a time — the database query of
  places.nearest in this process, the same through gRPC (GeoService.NearestOrgs), and through the gateway
  (GET /api/v1/geo/orgs/nearest): p50 / p99 / max of each; the target is p99 ≤ 30 ms for the query;
- ingest: --devices members (tokens minted with the region's key) each register a device and consent to
  sharing their city, then send signed mobile_city reports through the gateway from --concurrency
  connections for --seconds: reports taken per second, p50 / p99, and what was refused (each device may send
  12 a minute: enough devices keep that limit out of the measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import time

import grpc
import httpx
import mongoengine as me
import pymongo
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.measure import pct
from bench.region import bench_region, run_main, up
from jiceng.geo.v1 import geo_pb2, geo_pb2_grpc
from kernel import context, store
from kernel.config import StoreConfig
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from services.geo import places
from services.geo.domain import reports as signing
from services.geo.domain import search

REGION = "geobench"
# a province-sized box (Tianjin and around) and its dense districts (centre, σ in degrees, share of orgs)
BOX = (116.7, 38.5, 118.1, 40.3)
DISTRICTS = [((117.20, 39.13), 0.05, 0.35), ((117.70, 39.03), 0.04, 0.15), ((117.10, 39.40), 0.06, 0.15)]


def _point(rng: random.Random) -> tuple[float, float]:
    roll = rng.random()
    for (lng, lat), sigma, share in DISTRICTS:
        if roll < share:
            return (
                min(max(rng.gauss(lng, sigma), BOX[0]), BOX[2]),
                min(max(rng.gauss(lat, sigma), BOX[1]), BOX[3]),
            )
        roll -= share
    return rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])


def seed(db, n: int) -> float:
    rng = random.Random(42)
    t0 = time.perf_counter()
    batch = []
    for i in range(n):
        lng, lat = _point(rng)
        org_id = f"bench-org-{i}"
        batch.append(
            {
                "tenant": REGION,
                "org_id": org_id,
                "name": f"第{i}党支部",
                "type": "branch",
                "path": ["bench-root", org_id],
                "address": "",
                "lng": lng,
                "lat": lat,
                "cells": search.cell_ids((lng, lat)),
            }
        )
        if len(batch) == 10_000:
            db["places"].insert_many(batch, ordered=False)
            batch = []
    if batch:
        db["places"].insert_many(batch, ordered=False)
    return time.perf_counter() - t0


def line(label: str, ms: list[float]) -> str:
    return f"{label}: p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms ({len(ms)} queries)"


def nearest_direct(stack, probes) -> list[float]:
    store.connect(StoreConfig(region=REGION, mongo_uri=stack.env["MONGO_URI"]), "geo")
    token = context.bind(context.CallContext(tenant=REGION, actor=Actor(account_id="bench")))
    try:
        ms = []
        for point in probes:
            t = time.perf_counter()
            places.nearest(point, 10, 50_000, [])
            ms.append((time.perf_counter() - t) * 1000)
        return ms
    finally:
        context.unbind(token)
        me.disconnect(alias="default")


def nearest_grpc(stack, token: str, probes) -> list[float]:
    channel = grpc.insecure_channel(stack.env["GEO_ADDR"])
    stub = geo_pb2_grpc.GeoServiceStub(channel)
    metadata = [("x-tenant", REGION), ("authorization", f"Bearer {token}")]
    ms = []
    for lng, lat in probes:
        t = time.perf_counter()
        stub.NearestOrgs(
            geo_pb2.NearestOrgsRequest(point=geo_pb2.LngLat(lng=lng, lat=lat), limit=10), metadata=metadata
        )
        ms.append((time.perf_counter() - t) * 1000)
    channel.close()
    return ms


def nearest_http(base_url: str, token: str, probes) -> list[float]:
    ms = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for lng, lat in probes:
            t = time.perf_counter()
            http.get("/api/v1/geo/orgs/nearest", params={"lng": lng, "lat": lat, "limit": 10}).raise_for_status()
            ms.append((time.perf_counter() - t) * 1000)
    return ms


class Device:
    def __init__(self, token: str):
        self.auth = {"Authorization": f"Bearer {token}"}
        self.key = Ed25519PrivateKey.generate()
        self.public = base64.b64encode(
            self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        ).decode()
        self.id = ""
        self.seq = 0
        self.busy = False

    def report(self, rng: random.Random) -> dict:
        self.seq += 1
        lng, lat = _point(rng)
        at_ms = int(time.time() * 1000)
        text = signing.canonical(self.id, self.seq, at_ms, "mobile_city", "", lng, lat, 20.0, "", "120101")
        signed = {
            "device_id": self.id,
            "seq": self.seq,
            "at_ms": at_ms,
            "lng": lng,
            "lat": lat,
            "accuracy_m": 20.0,
            "division": "120101",
            "signature": signing.sign(self.key, text),
        }
        return {"purpose": "mobile_city", "report": signed}


async def ingest(base_url: str, devices: list[Device], concurrency: int, seconds: float) -> tuple[int, dict, list]:
    rng = random.Random(7)
    statuses: dict[int, int] = {}
    ms: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        for group in range(0, len(devices), 50):  # register and consent, 50 at a time

            async def setup(d: Device) -> None:
                body = {"name": "压测手机", "platform": "android", "public_key": d.public}
                reply = await http.post("/api/v1/geo/devices", json=body, headers=d.auth)
                reply.raise_for_status()
                d.id = reply.json()["id"]
                consent = await http.post("/api/v1/geo/consents/mobile_city", json={"version": 1}, headers=d.auth)
                consent.raise_for_status()

            await asyncio.gather(*(setup(d) for d in devices[group : group + 50]))
        deadline = time.perf_counter() + seconds
        turn = 0

        async def worker() -> None:
            nonlocal turn
            while time.perf_counter() < deadline:
                d = devices[turn % len(devices)]
                turn += 1
                if d.busy:
                    continue
                d.busy = True  # one report of a device at a time: sequence numbers rise in order
                t = time.perf_counter()
                reply = await http.post("/api/v1/geo/reports", json=d.report(rng), headers=d.auth)
                ms.append((time.perf_counter() - t) * 1000)
                statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1
                d.busy = False

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return int(statuses.get(200, 0) / elapsed), statuses, ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    command = (
        f".venv/bin/python -m bench.geo --orgs {args.orgs} --queries {args.queries} --devices {args.devices} "
        f"--concurrency {args.concurrency} --seconds {args.seconds:g}"
    )
    with bench_region(REGION, keep_data=args.keep_data) as stack:
        up(stack)
        mongo = pymongo.MongoClient(stack.env["MONGO_URI"])
        took = seed(mongo[f"{REGION}_geo"], args.orgs)
        print(f"  seeded {args.orgs:,} org places with their cells in {took:.0f}s", flush=True)
        rng = random.Random(1)
        probes = [_point(rng) for _ in range(args.queries)]
        issuer = TokenIssuer(stack.layout.keys_dir, REGION, 3600)
        token = issuer.issue(Actor(account_id="bench-reader", session_id="bench-geo")).token
        print("  " + line("nearest 10, the query (in process)", nearest_direct(stack, probes)), flush=True)
        print("  " + line("nearest 10 through gRPC", nearest_grpc(stack, token, probes)), flush=True)
        base_url = f"http://127.0.0.1:{stack.layout.gateway_port}"
        print("  " + line("nearest 10 through the gateway", nearest_http(base_url, token, probes)), flush=True)

        devices = [
            Device(issuer.issue(Actor(account_id=f"{i:024x}", session_id="bench-geo")).token)
            for i in range(args.devices)
        ]
        rate, statuses, ms = asyncio.run(ingest(base_url, devices, args.concurrency, args.seconds))
        print(
            f"  ingest: {rate} reports/s taken through the gateway from {args.concurrency} connections "
            f"({args.devices} devices, {args.seconds:g}s): p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms; "
            f"answers {dict(sorted(statuses.items()))}",
            flush=True,
        )
        print(f"  reproduce: {command}")
    return 0


if __name__ == "__main__":
    run_main(main)
