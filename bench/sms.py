"""A bulk SMS send under load: accepting and queueing it, and the sustained submit rate against the SMSC's
configured maximum TPS, with the sender's memory.

    .venv/bin/python -m bench.sms [--people 100000] [--tps 100] [--minutes 30]

One run starts its own region (its local SMSC at --tps, the sender's token bucket at the same rate), writes
--people members of one org subtree with phones straight into sms's copy of people (what orgs' and
identity's events would have put there: seeding 100,000 members through orgs would take an hour and measure
orgs), and as the region admin sends one template to the whole subtree through the gateway. It reports:
- accept: the POST's latency, and the time until every message is queued (resolved: phones, opt-outs, one
  message each), with the sms worker's peak memory;
- submit: parts the SMSC accepted per second, sustained from the first to the last submit (the SMSC's
  /stats), as a ratio of its maximum TPS, and its busiest second; the sender's peak memory (VmHWM).
It stops after --minutes even if the queue is not empty (the rate is then measured on what went out).
"""

from __future__ import annotations

import argparse
import time

import httpx
import pymongo
from bson import ObjectId

from bench.region import bench_region, run_main, up
from devstack import demo

REGION = "smsbench"
ORG = "bench-sms-root"


def peak_rss_mib(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def seed(db, people: int) -> None:
    """An org under the demo committee with `people` members, each with a phone, in sms's copies."""
    path = ["demo-committee", ORG]
    db["mirror_orgs"].insert_one({"tenant": REGION, "org_id": ORG, "name": "压测党委", "path": path})
    homes, phones = [], []
    for i in range(people):
        account = f"{i:024x}"
        homes.append({"tenant": REGION, "account_id": account, "org_id": ORG, "org_path": path})
        phones.append({"tenant": REGION, "account_id": account, "phone": f"139{i:08d}"})
        if len(homes) == 10_000:
            db["mirror_people"].insert_many(homes)
            db["mirror_phones"].insert_many(phones)
            homes, phones = [], []
    if homes:
        db["mirror_people"].insert_many(homes)
        db["mirror_phones"].insert_many(phones)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--tps", type=int, default=100, help="the SMSC's maximum (and the sender's rate)")
    parser.add_argument("--minutes", type=float, default=30.0, help="stop measuring the submit rate after this")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    command = f".venv/bin/python -m bench.sms --people {args.people} --tps {args.tps} --minutes {args.minutes:g}"
    env = {"SMS_PROVIDER_TPS": str(args.tps), "SMS_REGION_MONTHLY_QUOTA": str(10 * args.people)}
    with bench_region(REGION, keep_data=args.keep_data, extra_env=env) as stack:
        up(stack)
        demo.seed(stack)
        pids = {name: pid for name, pid, _ in stack.status()}
        control = httpx.Client(base_url=stack.env["SMSC_CONTROL_URL"], timeout=30)
        control.put("/config", json={"tps": args.tps, "receipt_delay_ms": 50}).raise_for_status()
        mongo = pymongo.MongoClient(stack.env["MONGO_URI"])
        db = mongo[f"{REGION}_sms"]
        t0 = time.perf_counter()
        seed(db, args.people)
        print(f"  seeded {args.people} members with phones into sms's copy in {time.perf_counter() - t0:.0f}s")

        http = httpx.Client(base_url=f"http://127.0.0.1:{stack.layout.gateway_port}", timeout=120)
        body = http.post("/api/v1/auth/login", json={"phone": demo.ADMIN_PHONE, "password": demo.ADMIN_PASSWORD})
        auth = {"Authorization": f"Bearer {body.json()['access_token']}"}
        http.put(f"/api/v1/orgs/{ORG}/sms/quota", json={"monthly_quota": 10 * args.people}, headers=auth)
        template = {"name": "压测通知", "text": "${org}通知：本周六上午九点召开党员大会，请准时参加。回复TD退订"}
        http.put("/api/v1/sms/templates/bench", json=template, headers=auth).raise_for_status()
        stats0 = control.get("/stats").json()

        send = {"template_code": "bench", "variables": {"org": "压测党委"}, "to_subtree": True}
        t0 = time.perf_counter()
        reply = http.post(f"/api/v1/orgs/{ORG}/sms/sends", json=send, headers=auth)
        accepted = time.perf_counter() - t0
        reply.raise_for_status()
        send_id, parts = reply.json()["send_id"], reply.json()["parts"]
        while db["sends"].find_one({"_id": ObjectId(send_id)})["status"] == "resolving":
            time.sleep(0.2)
        queued_in = time.perf_counter() - t0
        queued = db["sends"].find_one({"_id": ObjectId(send_id)})["recipients"]
        print(
            f"  accept: POST answered in {accepted * 1000:.0f} ms; {queued} messages ({parts} part each) "
            f"queued {queued_in:.1f}s after it ({queued / queued_in:.0f} messages/s); "
            f"sms-worker peak RSS {peak_rss_mib(pids.get('sms-worker')):.0f} MiB"
        )

        deadline = t0 + args.minutes * 60
        first_at = None
        while time.perf_counter() < deadline:
            stats = control.get("/stats").json()
            done = stats["smpp_submits_accepted"] - stats0["smpp_submits_accepted"]
            if done and first_at is None:
                first_at = time.perf_counter()
            if done >= queued * parts:
                break
            time.sleep(1.0)
        last_at = time.perf_counter()
        stats = control.get("/stats").json()
        done = stats["smpp_submits_accepted"] - stats0["smpp_submits_accepted"]
        elapsed = last_at - (first_at or last_at)
        rate = done / elapsed if elapsed else 0.0
        print(
            f"  submit: {done} parts accepted by the SMSC in {elapsed:.0f}s: {rate:.1f} parts/s sustained "
            f"= {rate / args.tps:.2f} of its maximum {args.tps} TPS; busiest second {stats['max_submits_per_second']}; "
            f"throttled {stats['smpp_throttled'] - stats0['smpp_throttled']}"
        )
        print(f"  sender peak RSS {peak_rss_mib(pids.get('sms-sender')):.0f} MiB")
        settle = time.perf_counter() + 60  # receipts and the last counters
        body = http.post("/api/v1/auth/login", json={"phone": demo.ADMIN_PHONE, "password": demo.ADMIN_PASSWORD})
        auth = {"Authorization": f"Bearer {body.json()['access_token']}"}  # a long run outlives a token
        while True:
            reply = http.get(f"/api/v1/sms/sends/{send_id}", headers=auth)
            reply.raise_for_status()
            info = reply.json()
            if info["counts"]["delivered"] >= queued or time.perf_counter() > settle:
                break
            time.sleep(1.0)
        print(
            f"  the send: {info['status']}, counts {info['counts']}; "
            f"parts accepted beyond one per message (sent twice): {done - queued * parts}"
        )
        print(f"  reproduce: {command}")
    return 0


if __name__ == "__main__":
    run_main(main)
