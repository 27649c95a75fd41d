"""Roster import throughput: rows/s of a dry run, an import and a re-import, through the gateway.

Starts its own region (like bench/gateway_auth.py), makes an admin and a root committee, then for each
size imports a generated .xlsx roster of new people spread over new branches (20 members a branch):

    .venv/bin/python -m bench.orgs_import --rows 2000
    .venv/bin/python -m bench.orgs_import --rows 500,2000,10000 --format csv

Every person is new, so identity makes an account for each: the import figure includes that. The last
line of each size is the database's own ceiling: one insert_many of the same number of membership rows,
with memberships' indexes and without (an import also writes accounts, people and orgs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path

import bson
import httpx
import pymongo
from openpyxl import Workbook

from devstack.layout import Layout, free_port_base
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
REGION = "bench-import"
ADMIN_PHONE = "13800000000"
PER_BRANCH = 20


def roster(rows: int, tag: str, fmt: str) -> bytes:
    branches = max(1, rows // PER_BRANCH)
    orgs = [["组织编号", "组织名称", "组织类型", "上级组织", "组织类别", "地址"]]
    orgs += [[f"{tag}-b{i}", f"第{i}党支部", "党支部", "", "社区", f"和平路 {i} 号"] for i in range(branches)]
    members = [["姓名", "手机号", "所在党组织", "党员状态", "状态日期", "职务"]]
    statuses = ["正式党员", "预备党员", "积极分子", "申请人"]
    base = 10_000_000 * (1 + secrets.randbelow(80))
    for i in range(rows):
        phone = f"15{base + i:09d}"
        role = "书记" if i % PER_BRANCH == 0 else ""
        status = "正式党员" if role else statuses[i % len(statuses)]
        org = tag if fmt == "csv" else f"{tag}-b{i // PER_BRANCH % branches}"
        members.append([f"成员{i}", phone, org, status, "2020-07-01", role])
    if fmt == "csv":  # one table per CSV: the members go into the root committee itself
        return "\r\n".join(",".join(r) for r in members).encode("utf-8")
    book = Workbook(write_only=True)
    for title, table in (("组织", orgs), ("党员", members)):
        sheet = book.create_sheet(title)
        for row in table:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed_import(client: httpx.Client, org_id: str, content: bytes, dry_run: bool) -> tuple[float, dict]:
    started = time.perf_counter()
    reply = client.post(
        f"/api/v1/orgs/{org_id}/import",
        params={"dry_run": "true"} if dry_run else {},
        content=content,
        headers={"content-type": "application/octet-stream"},
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    if reply.status_code != 200:
        raise RuntimeError(f"import failed: {reply.status_code} {reply.text[:500]}")
    return elapsed, reply.json()


def settle(mongo_uri: str, org_id: str, rows: int, started: float, timeout: float = 600) -> float:
    """Seconds from `started` until identity holds a member grant for every imported person (the events
    of the import have travelled: orgs → broker → identity's worker)."""
    with pymongo.MongoClient(mongo_uri) as client:
        orgs = client[f"{REGION.replace('-', '_')}_orgs"]["orgs"]
        grants = client[f"{REGION.replace('-', '_')}_identity"]["role_grants"]
        ids = [o["_id"] for o in orgs.find({"tenant": REGION, "path": org_id}, {"_id": 1})]
        while time.perf_counter() - started < timeout:
            done = sum(grants.count_documents({"tenant": REGION, "role": "member", "org_id": i}) for i in ids)
            if done >= rows:
                return time.perf_counter() - started
            time.sleep(0.5)
    raise RuntimeError("identity did not receive every role in time")


def database_ceiling(mongo_uri: str, rows: int) -> tuple[float, float]:
    """Seconds the database alone takes to insert `rows` membership rows as an import stores them, in one
    unordered insert_many: (into orgs' memberships collection with its indexes, into a bare collection).
    No import can beat the first figure; a scratch tenant keeps the rows apart, and they are removed."""
    now = dt.datetime.now(dt.UTC)
    scratch = "bench-ceiling"

    def rows_of(i: int) -> dict:
        path = ["root", f"b{i // PER_BRANCH}"]
        step = dict(status="full", effective_on="2020-07-01", approved_by="x", org_id=path[-1], recorded_at=now)
        return dict(
            _id=bson.ObjectId(),
            tenant=scratch,
            account_id=f"acc{i}",
            display_name=f"成员{i}",
            org_id=path[-1],
            org_path=path,
            status="full",
            status_since="2020-07-01",
            roles=["member"],
            dues_paid_up_to="",
            joined_org_on="2026-01-01",
            history=[dict(step, note="")],
        )

    with pymongo.MongoClient(mongo_uri) as client:
        db = client[f"{REGION.replace('-', '_')}_orgs"]
        figures = []
        for collection in (db["memberships"], db["bench_bare"]):
            batch = [rows_of(i) for i in range(rows)]
            started = time.perf_counter()
            collection.insert_many(batch, ordered=False)
            figures.append(time.perf_counter() - started)
            collection.delete_many({"tenant": scratch})
        db.drop_collection("bench_bare")
    return figures[0], figures[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.orgs_import", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2000", help="comma-separated roster sizes (default 2000)")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--keep-data", action="store_true", help="keep the region's data and logs")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.rows.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    os.environ["AUTH_RATE_PER_MINUTE"] = "1000000"
    os.environ.setdefault("IMPORT_TIMEOUT_SECONDS", "600")
    data_dir = Path(tempfile.mkdtemp(prefix="jiceng-bench-import-"))
    layout = Layout(region=REGION, data_dir=data_dir, port_base=free_port_base())
    stack = Stack(layout, root=ROOT)
    print(f"Jiceng benchmark: roster import through the gateway ({os.cpu_count()} cores), data in {data_dir}")
    try:
        stack.up()
        password = f"Bench-{secrets.token_urlsafe(12)}-9z"
        stack.run_tool("-m", "services.identity.manage", "create-admin", "--phone", ADMIN_PHONE, "--password", password)
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        with httpx.Client(base_url=base_url, timeout=30) as client:
            token = client.post("/api/v1/auth/login", json={"phone": ADMIN_PHONE, "password": password}).json()
            client.headers["Authorization"] = f"Bearer {token['access_token']}"
            for rows in sizes:
                tag = f"r{secrets.token_hex(3)}"
                body = {"name": f"基准党委{tag}", "type": "committee", "slug": tag}
                root = client.post("/api/v1/orgs", json=body).json()
                content = roster(rows, tag, args.format)
                dry, report = timed_import(client, root["id"], content, True)
                started = time.perf_counter()
                applied, report = timed_import(client, root["id"], content, False)
                settled = settle(stack.env["MONGO_URI"], root["id"], rows, started)
                again, repeat = timed_import(client, root["id"], content, False)
                assert report["members_added"] == rows and repeat["members_unchanged"] == rows, (report, repeat)
                indexed, bare = database_ceiling(stack.env["MONGO_URI"], rows)
                size = f"{len(content) / 1024:.0f} KiB {args.format}, {report['orgs_created']} new orgs"
                print(
                    f"  {rows:>6} rows ({size}): dry run {dry:6.2f}s = {rows / dry:7.0f} rows/s"
                    f" | import {applied:6.2f}s = {rows / applied:6.0f} rows/s"
                    f" | roles in identity after {settled:6.2f}s"
                    f" | re-import (unchanged) {again:6.2f}s = {rows / again:7.0f} rows/s"
                    f"\n{'':>10}the database alone, one insert_many of the membership rows:"
                    f" {rows / indexed:6.0f} rows/s with memberships' indexes, {rows / bare:6.0f} rows/s without",
                    flush=True,
                )
    finally:
        stack.down()
        if not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"command: .venv/bin/python -m bench.orgs_import --rows {args.rows} --format {args.format}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
