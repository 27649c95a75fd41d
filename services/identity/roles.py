"""Roles scoped to org subtrees, platform roles, and the decision "may A do X on org Y"."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from kernel import authz, context
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, atomically, utcnow
from services.identity import audit, events
from services.identity.store import Account, OrgNode, RoleGrant


def org_path(tenant: str, org_id: str) -> list[str]:
    """Root … org, from identity's mirror of the org tree."""
    node = OrgNode.in_tenant(tenant).filter(org_id=org_id, dissolved=False).only("path").first()
    if node is None:
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", "org_id", org_id=org_id)
    return list(node.path)


def stored_grants(tenant: str, account_id: str) -> tuple[list[str], list[tuple[str, str]]]:
    """An account's current (platform roles, org grants), read fresh: revocations count at once."""
    grants = RoleGrant.in_tenant(tenant).filter(account_id=account_id).only("role", "org_id")
    platform = [g.role for g in grants if not g.org_id]
    return platform, [(g.role, g.org_id) for g in grants if g.org_id]


def decide_for(tenant: str, account_id: str, action: str, org_id: str) -> authz.Decision:
    if not authz.is_known_action(action):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "action_unknown", "action", action=action)
    path = org_path(tenant, org_id)
    platform, grants = stored_grants(tenant, account_id)
    return authz.decide(action, path, grants, platform)


def _require(tenant: str, actor: Actor, action: str, org_id: str) -> None:
    if not decide_for(tenant, actor.account_id, action, org_id).allowed:
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def _is_region_admin(tenant: str, actor: Actor) -> bool:
    platform, _ = stored_grants(tenant, actor.account_id)
    return authz.REGION_ADMIN in platform


def _account_exists(tenant: str, account_id: str) -> bool:
    try:
        oid = ObjectId(account_id)
    except (InvalidId, TypeError):
        return False
    return Account.in_tenant(tenant).filter(id=oid).only("id").first() is not None


def grant(account_id: str, role: str, org_id: str) -> RoleGrant:
    ctx = context.current()
    actor = ctx.require_actor()
    if role in authz.PLATFORM_ROLES:
        if org_id:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "platform_role_no_org", "org_id")
        if not _is_region_admin(ctx.tenant, actor):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
    elif role in authz.ORG_ROLES:
        if not org_id:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "role_needs_org", "org_id")
        _require(ctx.tenant, actor, "role.grant", org_id)
    else:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "role_unknown", "role", role=role)
    if not _account_exists(ctx.tenant, account_id):
        raise DomainError(ErrorCode.NOT_FOUND, "account_not_found", "account_id")

    record = RoleGrant(
        tenant=ctx.tenant,
        account_id=account_id,
        role=role,
        org_id=org_id,
        granted_by=actor.account_id,
        granted_at=utcnow(),
    )

    def write(uow: UnitOfWork) -> RoleGrant:
        uow.insert(record)
        data = {"grant_id": str(record.id), "account_id": account_id, "role": role, "org_id": org_id}
        uow.emit(events.SOURCE, events.ROLE_GRANTED, data, actor_id=actor.account_id)
        audit.record("role.granted", target_id=account_id, uow=uow, role=role, org_id=org_id)
        return record

    try:
        return atomically(ctx.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_exists", "role") from None


def revoke(grant_id: str) -> None:
    ctx = context.current()
    actor = ctx.require_actor()
    try:
        record = RoleGrant.in_tenant(ctx.tenant).filter(id=ObjectId(grant_id)).first()
    except (InvalidId, TypeError):
        record = None
    if record is None:
        raise DomainError(ErrorCode.NOT_FOUND, "grant_not_found", "grant_id")
    if record.org_id:
        _require(ctx.tenant, actor, "role.grant", record.org_id)
    elif not _is_region_admin(ctx.tenant, actor):
        raise DomainError(ErrorCode.PERMISSION_DENIED)

    def write(uow: UnitOfWork) -> None:
        RoleGrant._get_collection().delete_one({"_id": record.id, "tenant": ctx.tenant}, session=uow.session)
        data = {
            "grant_id": grant_id,
            "account_id": record.account_id,
            "role": record.role,
            "org_id": record.org_id,
        }
        uow.emit(events.SOURCE, events.ROLE_REVOKED, data, actor_id=actor.account_id)
        audit.record("role.revoked", target_id=record.account_id, uow=uow, role=record.role, org_id=record.org_id)

    atomically(ctx.tenant, write)


def list_grants(account_id: str) -> list[RoleGrant]:
    """Your own grants; another account's only where you may grant roles (or as admin/auditor)."""
    ctx = context.current()
    actor = ctx.require_actor()
    account_id = account_id or actor.account_id
    grants = list(RoleGrant.in_tenant(ctx.tenant).filter(account_id=account_id))
    if account_id == actor.account_id:
        return grants
    platform, mine = stored_grants(ctx.tenant, actor.account_id)
    if {authz.REGION_ADMIN, authz.CENTRAL_AUDITOR} & set(platform):
        return grants
    visible = []
    for g in grants:
        if g.org_id and authz.decide("role.grant", org_path_or_empty(ctx.tenant, g.org_id), mine).allowed:
            visible.append(g)
    return visible


def org_path_or_empty(tenant: str, org_id: str) -> list[str]:
    try:
        return org_path(tenant, org_id)
    except DomainError:
        return []


def check(account_id: str, action: str, org_id: str) -> authz.Decision:
    """Decide for the caller, or for another account if the caller administers that org."""
    ctx = context.current()
    actor = ctx.require_actor()
    if not org_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "org_id")
    if account_id and account_id != actor.account_id:
        if not (
            _is_region_admin(ctx.tenant, actor)
            or decide_for(ctx.tenant, actor.account_id, "role.grant", org_id).allowed
        ):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
    return decide_for(ctx.tenant, account_id or actor.account_id, action, org_id)


# -- the org-tree mirror, fed by orgs' events (worker.py) ------------------------------------------


def mirror_org_created(tenant: str, org_id: str, name: str, path: list[str]) -> None:
    if not path or path[-1] != org_id:
        raise ValueError(f"org_created for {org_id}: path must end with the org itself")
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(
        upsert=True, set__name=name, set__path=path, set__dissolved=False
    )


def mirror_org_moved(tenant: str, org_id: str, old_path: list[str], new_path: list[str]) -> int:
    """Re-root the moved org's whole subtree; returns how many nodes changed."""
    moved = 0
    for node in OrgNode.in_tenant(tenant).filter(path=org_id).only("id", "path"):
        path = list(node.path)
        if path[: len(old_path)] == old_path:
            OrgNode.in_tenant(tenant).filter(id=node.id).update_one(set__path=new_path + path[len(old_path) :])
            moved += 1
    return moved


def mirror_org_dissolved(tenant: str, org_id: str) -> None:
    OrgNode.in_tenant(tenant).filter(org_id=org_id).update_one(set__dissolved=True)


def apply_org_role(tenant: str, account_id: str, role: str, org_id: str, actor_id: str, assigned: bool) -> None:
    """A role given or taken in orgs (the system of record for roles in an org) becomes a grant here."""
    if role not in authz.ORG_ROLES:
        raise ValueError(f"orgs announced an unknown role {role!r}")
    grants = RoleGrant.in_tenant(tenant).filter(account_id=account_id, role=role, org_id=org_id)
    if assigned:
        grants.update_one(upsert=True, set_on_insert__granted_by=actor_id or "orgs", set_on_insert__granted_at=utcnow())
    else:
        grants.delete()


def apply_imported_roles(tenant: str, members: list[dict], actor_id: str) -> int:
    """Every role of a roster chunk (orgs' memberships_imported) granted in one unordered bulk upsert.

    Returns how many grants were new; a redelivered chunk adds none."""
    rows = [(m["account_id"], role, m["org_id"]) for m in members for role in m.get("roles", [])]
    unknown = sorted({role for _, role, _ in rows} - set(authz.ORG_ROLES))
    if unknown:
        raise ValueError(f"orgs announced unknown roles {unknown!r}")
    if not rows:
        return 0
    now, by = utcnow(), actor_id or "orgs"
    upserts = [
        UpdateOne(
            {"tenant": tenant, "account_id": account_id, "role": role, "org_id": org_id},
            {"$setOnInsert": {"granted_by": by, "granted_at": now}},
            upsert=True,
        )
        for account_id, role, org_id in rows
    ]
    try:
        return RoleGrant._get_collection().bulk_write(upserts, ordered=False).upserted_count
    except BulkWriteError as err:  # another delivery upserted some meanwhile: those grants exist, as wanted
        if any(e.get("code") != 11000 for e in err.details.get("writeErrors", [])):
            raise
        return err.details.get("nUpserted", 0)
