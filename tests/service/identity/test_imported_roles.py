"""identity grants a roster import's roles in bulk (orgs' memberships_imported), once however often it arrives."""

from __future__ import annotations

import uuid

import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from services.identity import roles
from services.identity.store import RoleGrant

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def tenant(stack):
    me.disconnect(alias="default")
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "identity")
    yield f"imported-roles-{uuid.uuid4().hex[:8]}"  # a tenant of its own: nothing else sees these grants
    me.disconnect(alias="default")


def chunk(*members: tuple[str, str, list[str]]) -> list[dict]:
    return [{"membership_id": "", "account_id": a, "org_id": o, "status": "full", "roles": r} for a, o, r in members]


def grants(tenant: str) -> set[tuple[str, str, str]]:
    return {(g.account_id, g.role, g.org_id) for g in RoleGrant.in_tenant(tenant)}


def test_a_chunk_grants_every_role_and_a_redelivery_adds_none(tenant):
    members = chunk(("a1", "b1", ["member", "secretary"]), ("a2", "b1", ["member"]), ("a3", "b2", ["member"]))

    assert roles.apply_imported_roles(tenant, members, "admin") == 4
    assert roles.apply_imported_roles(tenant, members, "admin") == 0

    assert grants(tenant) == {
        ("a1", "member", "b1"),
        ("a1", "secretary", "b1"),
        ("a2", "member", "b1"),
        ("a3", "member", "b2"),
    }
    assert {g.granted_by for g in RoleGrant.in_tenant(tenant)} == {"admin"}


def test_an_unknown_role_is_refused_before_anything_is_written(tenant):
    before = grants(tenant)
    with pytest.raises(ValueError, match="emperor"):
        roles.apply_imported_roles(tenant, chunk(("a9", "b9", ["member"]), ("a8", "b9", ["emperor"])), "admin")
    assert grants(tenant) == before
