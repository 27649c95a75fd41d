"""The demo region: an admin, an org tree, a secretary and members (see services/identity/manage.py)."""

from __future__ import annotations

import time

import pymongo

from devstack.stack import Stack

ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Jiceng-admin-2026"  # noqa: S105 - the demo admin's, printed by `make up`
DEMO_ORG_COUNT = 6


def seed(stack: Stack, timeout: float = 30.0, phone_prefix: str = "1380000000") -> str:
    """Create the admin and the demo region (idempotent); wait until every service has heard of it.
    phone_prefix: the demo people's phones (a second federated region on this machine takes others)."""
    out = stack.run_tool(
        "-m", "services.identity.manage", "create-admin", "--phone", ADMIN_PHONE, "--password", ADMIN_PASSWORD
    )
    out += stack.run_tool("-m", "services.identity.manage", "seed-demo", "--phone-prefix", phone_prefix)
    out += stack.run_tool("-m", "services.orgs.manage", "seed-demo")
    region = stack.layout.region.replace("-", "_")
    # A socket timeout: a database that stops answering is an error here, not a wait until the caller's timeout.
    with pymongo.MongoClient(stack.env["MONGO_URI"], serverSelectionTimeoutMS=2000, socketTimeoutMS=20000) as client:
        identity = client[f"{region}_identity"]
        tenant = {"tenant": stack.layout.region}
        _wait(
            lambda: identity["org_nodes"].count_documents(tenant) >= DEMO_ORG_COUNT,
            timeout,
            "identity's worker did not mirror the demo org tree; see identity-worker.log",
        )
        _wait(
            lambda: identity["role_grants"].count_documents({**tenant, "role": "secretary"}) >= 1,
            timeout,
            "identity's worker did not grant the demo secretary's role; see identity-worker.log",
        )
    return out


# Bump when a service starts consuming state it did not hear of before (a new service's copy of people,
# orgs, the network): `up` then re-announces identity's and orgs' state once in regions made earlier.
ANNOUNCE_VERSION = "geo-places-1"


def announce(stack: Stack, force: bool = False) -> str:
    """Publish identity's and orgs' current state again for consumers that joined late (idempotent for
    them); once per ANNOUNCE_VERSION per region unless forced."""
    marker = stack.layout.data_dir / "announced"
    if not force and marker.exists() and marker.read_text().strip() == ANNOUNCE_VERSION:
        return ""
    out = stack.run_tool("-m", "services.identity.manage", "announce")
    out += stack.run_tool("-m", "services.orgs.manage", "announce")
    marker.write_text(ANNOUNCE_VERSION + "\n")
    return out


def _wait(done, timeout: float, problem: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(problem)
        time.sleep(0.1)
