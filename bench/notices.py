"""Publishing a notice to a large audience: how long the call takes, and how long until it is published.

    .venv/bin/python -m bench.notices --recipients 20000
    .venv/bin/python -m bench.notices --recipients 20000 --code /tmp/jiceng-before   # another checkout

Starts its own region (a fresh temp data directory, free ports), makes an admin and a committee through
the gateway, then writes the committee's branches and people straight into content's copy of the org
tree (mirror_orgs, mirror_people: what orgs' events would produce; this measures notices, not the
mirror). Each run publishes one notice to the whole committee with NoticeService.PublishNotice called
directly over gRPC with a long deadline (the gateway gives a call 5 s), then watches content's database
until the notice is published, printing the delivery's progress. It checks that every recipient has
exactly one receipt and that the committee's counter holds them all.

`--code DIR` runs the region's processes from another checkout of the project (e.g. `git archive
<commit> | tar -x -C DIR` for a before/after comparison); this script and the generated contracts are
this checkout's (a newer contract only adds fields).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path

import grpc
import httpx
import pymongo
from bson import ObjectId

from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from jiceng.content.v1 import notice_pb2, notice_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
REGION = "bench-notices"
ADMIN_PHONE = "13800000000"
PER_BRANCH = 200


def seed(db: pymongo.database.Database, root_id: str, recipients: int) -> None:
    """Branches of PER_BRANCH people under the committee, in content's copy of orgs."""
    branches = -(-recipients // PER_BRANCH)
    orgs, people = [], []
    for b in range(branches):
        branch = f"{root_id}-b{b}"
        path = [root_id, branch]
        orgs.append({"tenant": REGION, "org_id": branch, "name": f"第{b}党支部", "path": path, "dissolved": False})
        for i in range(min(PER_BRANCH, recipients - b * PER_BRANCH)):
            account = f"bench-{b}-{i}"
            people.append(
                {"tenant": REGION, "account_id": account, "display_name": account, "org_id": branch, "org_path": path}
            )
    db["mirror_orgs"].insert_many(orgs)
    for start in range(0, len(people), 5000):
        db["mirror_people"].insert_many(people[start : start + 5000], ordered=False)


def wait_for(check, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return result


def publish_once(stub, metadata, db, root_id: str, recipients: int, timeout: float) -> dict:
    request = notice_pb2.PublishNoticeRequest(org_id=root_id, title="基准通知", body="正文" * 200)
    started = time.perf_counter()
    reply = stub.PublishNotice(request, metadata=metadata, timeout=timeout)
    answered = time.perf_counter() - started
    state = reply.state or "published"  # a checkout before background delivery answers once published
    print(
        f"    call answered after {answered:7.2f} s: state {state}, {reply.recipient_count} recipients expected",
        flush=True,
    )
    notices = db["notices"]
    last_print = 0.0
    while True:
        doc = notices.find_one({"_id": ObjectId(reply.id)}, {"state": 1, "written": 1, "recipient_count": 1})
        if doc.get("state", "published") == "published":
            break
        elapsed = time.perf_counter() - started
        if elapsed - last_print >= 5:
            print(f"    {elapsed:7.1f} s: {doc.get('written', 0):>7} / {doc['recipient_count']} receipts", flush=True)
            last_print = elapsed
        if elapsed > timeout:
            raise RuntimeError("the notice was not published in time")
        time.sleep(0.1)
    published = time.perf_counter() - started
    receipts = db["notice_receipts"].count_documents({"tenant": REGION, "notice_id": reply.id})
    distinct = len(db["notice_receipts"].distinct("account_id", {"tenant": REGION, "notice_id": reply.id}))
    top = db["notice_counts"].find_one({"tenant": REGION, "notice_id": reply.id, "org_id": root_id})
    ok = receipts == distinct == recipients and top and top["recipients"] == recipients
    print(
        f"    published after {published:7.2f} s = {recipients / published:6.0f} receipts/s; {receipts} receipts"
        f" ({distinct} people), committee counter {top and top['recipients']}: {'OK' if ok else 'WRONG'}",
        flush=True,
    )
    if not ok:
        raise RuntimeError("receipts or counters are wrong")
    return {"answered": answered, "published": published}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=2, help="notices published one after the other (default 2)")
    parser.add_argument("--code", type=Path, default=ROOT, help="run the region's processes from this checkout")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for one publication")
    parser.add_argument("--keep-data", action="store_true", help="keep the region's data and logs")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    os.environ["AUTH_RATE_PER_MINUTE"] = "1000000"
    data_dir = Path(tempfile.mkdtemp(prefix="jiceng-bench-notices-"))
    layout = Layout(region=REGION, data_dir=data_dir, port_base=free_port_base())
    stack = Stack(layout, root=args.code.resolve())
    load = os.getloadavg()
    print(
        f"Jiceng benchmark: a notice to {args.recipients} people ({os.cpu_count()} cores, load {load[0]:.1f}),"
        f" code {args.code.resolve()}, data in {data_dir}",
        flush=True,
    )
    results = []
    try:
        stack.up()
        password = f"Bench-{secrets.token_urlsafe(12)}-9z"
        stack.run_tool("-m", "services.identity.manage", "create-admin", "--phone", ADMIN_PHONE, "--password", password)
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        with httpx.Client(base_url=base_url, timeout=30) as client:
            token = client.post("/api/v1/auth/login", json={"phone": ADMIN_PHONE, "password": password}).json()
            client.headers["Authorization"] = f"Bearer {token['access_token']}"
            tag = f"n{secrets.token_hex(3)}"
            root = client.post("/api/v1/orgs", json={"name": f"基准党委{tag}", "type": "committee", "slug": tag})
            root_id = root.json()["id"]
        with pymongo.MongoClient(stack.env["MONGO_URI"]) as mongo:
            db = mongo[f"{REGION.replace('-', '_')}_content"]
            wait_for(lambda: db["mirror_orgs"].find_one({"tenant": REGION, "org_id": root_id}), "the mirror", 60)
            started = time.perf_counter()
            seed(db, root_id, args.recipients)
            print(f"  seeded {args.recipients} people in content's mirror in {time.perf_counter() - started:.1f} s")
            content_port = layout.service_ports(3)[0]
            metadata = (("authorization", f"Bearer {token['access_token']}"), ("x-tenant", REGION))
            with grpc.insecure_channel(f"127.0.0.1:{content_port}") as channel:
                stub = notice_pb2_grpc.NoticeServiceStub(channel)
                for run in range(args.runs):
                    print(f"  run {run + 1}: load {os.getloadavg()[0]:.1f}", flush=True)
                    results.append(publish_once(stub, metadata, db, root_id, args.recipients, args.timeout))
    finally:
        stack.down()
        if not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
    for key in ("answered", "published"):
        figures = ", ".join(f"{r[key]:.2f}" for r in results)
        print(f"  {key:<10} s: {figures}")
    code = "" if args.code.resolve() == ROOT else f" --code {args.code}"
    print(f"command: .venv/bin/python -m bench.notices --recipients {args.recipients} --runs {args.runs}{code}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
