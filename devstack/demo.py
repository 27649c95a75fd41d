"""The demo region: an admin, an org tree, a secretary and members (see services/identity/manage.py)."""

from __future__ import annotations

import time

import pymongo

from devstack.stack import Stack

ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Jiceng-admin-2026"  # noqa: S105 - the demo admin's, printed by `make up`
DEMO_ORG_COUNT = 6


def seed(stack: Stack, timeout: float = 30.0) -> str:
    """Create the admin and the demo data (idempotent); wait until identity has mirrored the org tree."""
    out = stack.run_tool(
        "-m", "services.identity.manage", "create-admin", "--phone", ADMIN_PHONE, "--password", ADMIN_PASSWORD
    )
    out += stack.run_tool("-m", "services.identity.manage", "seed-demo")
    with pymongo.MongoClient(stack.env["MONGO_URI"], serverSelectionTimeoutMS=2000) as client:
        nodes = client[f"{stack.layout.region.replace('-', '_')}_identity"]["org_nodes"]
        deadline = time.monotonic() + timeout
        while nodes.count_documents({"tenant": stack.layout.region}) < DEMO_ORG_COUNT:
            if time.monotonic() > deadline:
                raise RuntimeError("identity's worker did not mirror the demo org tree; see identity-worker.log")
            time.sleep(0.1)
    return out
