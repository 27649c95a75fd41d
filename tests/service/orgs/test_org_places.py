"""An org's place travels with org_created, when the org is created and when orgs' state is announced again (geo
keeps its copy of org places from these), on the real database and broker."""

from __future__ import annotations

import secrets

import pytest

from services.orgs import manage, members, tree
from tests.conftest import tap_events
from tests.service.orgs.test_life_rosters import people

pytestmark = pytest.mark.service


def test_org_created_carries_location_and_address_when_created_and_when_announced(db, stack, api, identity_events):
    region, tag = stack.layout.region, secrets.token_hex(3)
    with tap_events(stack.env["AMQP_URI"], "orgs") as orgs_events:

        def created(org_id: str, actor_id: str) -> dict:
            return orgs_events.wait_for(
                lambda m: (
                    m["type"] == "org_created" and m["data"]["org_id"] == org_id and m.get("actor_id") == actor_id
                ),
                timeout=30,
            )["data"]

        address, location = " 天津市和平区南京路1号 ", (117.2, 39.12)
        placed = tree.create("demo-committee", f"有位置的支部 {tag}", "branch", address=address, location=location)
        unplaced = tree.create("demo-committee", f"无位置的支部 {tag}", "branch")
        first = created(placed.id, "orgs-service-test")
        assert (first["location"], first["address"]) == ([117.2, 39.12], "天津市和平区南京路1号")
        assert first["path"] == list(placed.path) and first["type"] == "branch"
        bare = created(unplaced.id, "orgs-service-test")
        assert (bare["location"], bare["address"]) == (None, "")

        # A late consumer's re-announcement (here only one member's orgs) carries the same place.
        (account,) = people(api, identity_events, 1, region)
        members.add(placed.id, account, "full", "2020-07-01")
        manage.announce(region, [account])
        again = created(placed.id, "manage")
        assert {k: again[k] for k in ("location", "address", "path")} == {
            k: first[k] for k in ("location", "address", "path")
        }
        assert {"location", "address"} <= set(created("demo-committee", "manage"))  # its ancestors too
