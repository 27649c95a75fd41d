"""A service's copy of the org tree and of people's home orgs (orgs remains their system of record): the
paths that scope permissions and quotas, and who belongs to an org's subtree. Kept from orgs' events by the
service's worker (kernel/mirroring.py HomeOrgMirror with `mirror = kernel.home_orgs`); media and sms use it,
each in its own database (collections mirror_orgs, mirror_people)."""

from __future__ import annotations

import mongoengine as me

from kernel.store import TenantDocument

PRESENT = ("applicant", "activist", "development_target", "probationary", "full", "suspended")


class MirrorLag(RuntimeError):
    """The copy lacks something an event refers to; retried by the worker until it arrives."""


class OrgNode(TenantDocument):
    org_id = me.StringField(required=True)
    name = me.StringField(default="")
    path = me.ListField(me.StringField())  # root … the org itself

    meta = {
        "collection": "mirror_orgs",
        "indexes": [{"fields": ["tenant", "org_id"], "unique": True}, ("tenant", "path", "org_id")],
    }


class HomeOrg(TenantDocument):
    """A person's home org while their membership is present."""

    account_id = me.StringField(required=True)
    org_id = me.StringField(default="")
    org_path = me.ListField(me.StringField())

    meta = {
        "collection": "mirror_people",
        "indexes": [
            {"fields": ["tenant", "account_id"], "unique": True},
            ("tenant", "org_id", "account_id"),
            ("tenant", "org_path", "account_id"),  # who belongs to a subtree (sms's sends), in account order
        ],
    }


DOCUMENTS = [OrgNode, HomeOrg]


def org_path(tenant: str, org_id: str) -> list[str]:
    node = OrgNode.in_tenant(tenant).filter(org_id=org_id).only("path").first()
    if node is None:
        raise MirrorLag(f"org {org_id} not mirrored yet")
    return list(node.path)


def home_path(tenant: str, account_id: str) -> list[str]:
    """The person's home org path ([] when they belong to no org here)."""
    row = HomeOrg.in_tenant(tenant).filter(account_id=account_id).only("org_path").first()
    return list(row.org_path) if row is not None else []


# -- applying orgs' events ---------------------------------------------------------------------------


def org_created(tenant: str, org_id: str, name: str, path: list[str]) -> None:
    if not path or path[-1] != org_id:
        raise ValueError(f"org_created for {org_id}: path must end with the org itself")
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(upsert=True, set__name=name, set__path=path)


def org_moved(tenant: str, org_id: str, old_path: list[str], new_path: list[str]) -> None:
    for node in OrgNode.in_tenant(tenant).filter(path=org_id).only("org_id", "path"):
        path = list(node.path)
        if path[: len(old_path)] == old_path:
            path = new_path + path[len(old_path) :]
            OrgNode.in_tenant(tenant).filter(org_id=node.org_id).update_one(set__path=path)
        HomeOrg.in_tenant(tenant).filter(org_id=node.org_id).update(set__org_path=path)


def org_merged(tenant: str, source_id: str, target_id: str) -> None:
    path = org_path(tenant, target_id)
    HomeOrg.in_tenant(tenant).filter(org_id=source_id).update(set__org_id=target_id, set__org_path=path)


def home_org(tenant: str, account_id: str, org_id: str, present: bool) -> None:
    path = org_path(tenant, org_id) if present else []
    HomeOrg.in_tenant(tenant).filter(account_id=account_id).update_one(
        upsert=True, set__org_id=org_id if present else "", set__org_path=path
    )
