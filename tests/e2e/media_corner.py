"""The content corner (tests/e2e/content_corner.py) with media's copy of it caught up, and uploads through the
gateway: what every media test module builds on."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pymongo

from tests.conftest import tap_events
from tests.e2e import content_corner
from tests.e2e.content_corner import HOMES, World, eventually
from tests.e2e.test_transfers import ok


def build(gateway_url, identity_events, stack) -> Iterator[tuple[World, pymongo.database.Database]]:
    """The corner, media's mirror of its orgs and people caught up; yields (world, media's database).
    world.events taps content's events; tap media's own with tests.conftest.tap_events(amqp, "media")."""
    for world in content_corner.build(gateway_url, identity_events, stack):
        client = pymongo.MongoClient(stack.env["MONGO_URI"])
        db = client[f"{stack.layout.region}_media"]
        for name, (home, _) in HOMES.items():
            if home:
                eventually(
                    lambda n=name, h=home, d=db, w=world: d["mirror_people"].find_one(
                        {"account_id": w.id(n), "org_id": w.orgs[h]}
                    ),
                    f"{name} in media's mirror",
                )
        try:
            yield world, db
        finally:
            client.close()


def upload(
    world: World, who: str, org: str, data: bytes, content_type: str, filename: str = "file", **fields
) -> httpx.Response:
    """Authorize, PUT the bytes to the presigned address, finalize: the finalize reply."""
    body = {"org_id": world.orgs.get(org, org), "filename": filename, "content_type": content_type}
    body |= {"size": max(len(data), 1), **fields}
    upload = ok(world.post(who, "/media/uploads", body), 201)
    put = httpx.put(upload["put_url"], content=data, headers={"Content-Type": content_type}, timeout=60)
    assert put.status_code == 200, put.text
    return world.post(who, f"/media/{upload['media']['id']}/finalize")


def wait_processed(world: World, who: str, media_id: str, timeout: float = 120.0) -> dict:
    """Poll the item until it leaves `processing`; its last state."""
    deadline = time.monotonic() + timeout
    while True:
        item = ok(world.get(who, f"/media/{media_id}"))
        if item["status"] != "processing":
            return item
        assert time.monotonic() < deadline, f"media {media_id} still processing after {timeout}s"
        time.sleep(0.3)


__all__ = ["build", "upload", "wait_processed", "tap_events"]
