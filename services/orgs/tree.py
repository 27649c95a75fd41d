"""The org tree: create, update, move, merge, dissolve — with history, counters and events."""

from __future__ import annotations

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, atomically, utcnow
from services.orgs import access, events
from services.orgs.domain import pipeline
from services.orgs.domain import tree as rules
from services.orgs.store import Membership, Org, OrgChange

# Counted in members_by_status but not people the org still has.
_GONE = (pipeline.TRANSFERRED_OUT, pipeline.DECEASED)


def get(org_id: str, *, include_dissolved: bool = True) -> Org:
    tenant = context.current().tenant
    org = Org.in_tenant(tenant).filter(id=org_id).first() if org_id else None
    if org is None or (org.dissolved and not include_dissolved):
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", "org_id", org_id=org_id)
    return org


def _live(org_id: str, field: str) -> Org:
    org = get(org_id)
    if org.dissolved:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", field)
    return org


def snapshot(org: Org) -> dict:
    return {
        "name": org.name,
        "type": org.type,
        "category": org.category,
        "parent_id": org.parent_id,
        "path": list(org.path),
        "slug": org.slug or "",
        "address": org.address,
        "location": (org.location or {}).get("coordinates"),
        "dissolved": org.dissolved,
    }


def _history(uow: UnitOfWork, org_id: str, kind: str, before: dict, after: dict) -> None:
    uow.insert(
        OrgChange(
            tenant=uow.tenant,
            org_id=org_id,
            kind=kind,
            actor_id=access.actor().account_id,
            at=utcnow(),
            before=before,
            after=after,
        )
    )


def bump(uow: UnitOfWork, path: list[str], members: dict[str, int] | None = None, orgs: dict[str, int] | None = None):
    """Add deltas to the subtree counters of every org on path (an org and its ancestors)."""
    inc = {f"members_by_status.{k}": v for k, v in (members or {}).items() if v}
    inc.update({f"orgs_by_type.{k}": v for k, v in (orgs or {}).items() if v})
    if inc and path:
        uow.update_many(Org, {"_id": {"$in": list(path)}}, {"$inc": inc})


def create(
    parent_id: str,
    name: str,
    org_type: str,
    category: str = "",
    slug: str = "",
    address: str = "",
    location: tuple[float, float] | None = None,
    org_id: str = "",
) -> Org:
    """Create an org under parent_id (a root if empty). org_id is for seeds and imports that keep
    their own stable ids; otherwise a new id is made."""
    tenant = context.current().tenant
    name = rules.check_name(name)
    rules.check_type(org_type)
    rules.check_category(category)
    rules.check_slug(slug)
    if location is not None:
        rules.check_location(*location)
    if parent_id:
        parent = _live(parent_id, "parent_id")
        access.require("org.manage", parent)
        rules.check_placement(org_type, parent.type)
        parent_path = list(parent.path)
    else:
        if not access.is_region_admin():
            raise DomainError(ErrorCode.PERMISSION_DENIED, "root_needs_admin")
        rules.check_placement(org_type, None)
        parent_path = []
    org_id = org_id or str(ObjectId())
    org = Org(
        id=org_id,
        tenant=tenant,
        name=name,
        type=org_type,
        category=category,
        parent_id=parent_id,
        path=[*parent_path, org_id],
        slug=slug or None,
        address=(address or "").strip(),
        location={"type": "Point", "coordinates": list(location)} if location else None,
        created_at=utcnow(),
        members_by_status={},
        orgs_by_type={org_type: 1},
    )

    def write(uow: UnitOfWork) -> Org:
        uow.insert(org)
        bump(uow, parent_path, orgs={org_type: 1})
        _history(uow, org_id, "created", {}, snapshot(org))
        uow.emit(
            events.SOURCE,
            events.ORG_CREATED,
            {
                "org_id": org_id,
                "parent_id": parent_id,
                "name": name,
                "type": org_type,
                "category": category,
                "path": org.path,
                "location": list(location) if location else None,
                "address": org.address,
            },
            actor_id=access.actor().account_id,
        )
        return org

    try:
        return atomically(tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "org_slug_taken", "slug") from None


def update(
    org_id: str,
    name: str = "",
    category: str = "",
    address: str = "",
    location: tuple[float, float] | None = None,
    slug: str = "",
) -> Org:
    org = _live(org_id, "org_id")
    access.require("org.manage", org)
    changes: dict = {}
    if name:
        changes["name"] = rules.check_name(name)
    if category:
        changes["category"] = rules.check_category(category)
    if address:
        changes["address"] = address.strip()
    if slug:
        changes["slug"] = rules.check_slug(slug)
    if location is not None:
        changes["location"] = {"type": "Point", "coordinates": list(rules.check_location(*location))}
    if not changes:
        return org
    before = snapshot(org)

    def write(uow: UnitOfWork) -> None:
        uow.update_one(Org, {"_id": org.id}, {"$set": changes})
        _history(uow, org.id, "updated", before, {**before, **changes})
        public = {k: (v["coordinates"] if k == "location" else v) for k, v in changes.items()}
        uow.emit(events.SOURCE, events.ORG_UPDATED, {"org_id": org.id, "changes": public}, access.actor().account_id)

    try:
        atomically(org.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "org_slug_taken", "slug") from None
    return get(org.id)


# Documents that keep a copy of an org's path (for subtree queries) follow a move in its transaction:
# each entry is (document class, the field naming the org, the field holding its path).
PATH_COPIES: list[tuple[type, str, str]] = [(Membership, "org_id", "org_path")]


def keeps_org_path(model: type, org_field: str, path_field: str) -> None:
    """Register a document kind whose path copies a move must rewrite (called by the module defining it)."""
    PATH_COPIES.append((model, org_field, path_field))


def _move_subtree(uow: UnitOfWork, org: Org, new_parent: Org) -> list[str]:
    """Re-root org's subtree under new_parent: paths, members' paths and both paths' counters."""
    old_path = list(org.path)
    new_path = [*new_parent.path, org.id]
    collection = Org._get_collection()
    subtree = list(collection.find({"tenant": uow.tenant, "path": org.id}, {"path": 1}, session=uow.session))
    for node in subtree:
        path = rules.rebased(node["path"], old_path, new_path)
        uow.update_one(Org, {"_id": node["_id"]}, {"$set": {"path": path}})
        for model, org_field, path_field in PATH_COPIES:
            uow.update_many(model, {org_field: node["_id"]}, {"$set": {path_field: path}})
    uow.update_one(Org, {"_id": org.id}, {"$set": {"parent_id": new_parent.id}})
    members = {k: int(v) for k, v in (org.members_by_status or {}).items()}
    orgs = {k: int(v) for k, v in (org.orgs_by_type or {}).items()}
    bump(uow, old_path[:-1], {k: -v for k, v in members.items()}, {k: -v for k, v in orgs.items()})
    bump(uow, list(new_parent.path), members, orgs)
    return new_path


def move(org_id: str, new_parent_id: str) -> Org:
    org = _live(org_id, "org_id")
    new_parent = _live(new_parent_id, "new_parent_id")
    if not org.parent_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_move_cycle", "org_id")
    access.require("org.manage", get(org.parent_id))
    access.require("org.manage", new_parent)
    rules.check_move(org.path, new_parent.path)
    rules.check_placement(org.type, new_parent.type, "new_parent_id")
    before = snapshot(org)

    def write(uow: UnitOfWork) -> None:
        new_path = _move_subtree(uow, org, new_parent)
        _history(uow, org.id, "moved", before, {**before, "parent_id": new_parent.id, "path": new_path})
        uow.emit(
            events.SOURCE,
            events.ORG_MOVED,
            {"org_id": org.id, "old_path": list(org.path), "new_path": new_path},
            access.actor().account_id,
        )

    atomically(org.tenant, write)
    return get(org.id)


def _active_members(org: Org) -> int:
    return sum(int(v) for k, v in (org.members_by_status or {}).items() if k not in _GONE)


def _active_children(org: Org) -> int:
    return Org.in_tenant(org.tenant).filter(parent_id=org.id, dissolved=False).count()


def _dissolve(uow: UnitOfWork, org: Org, before: dict) -> None:
    uow.update_one(Org, {"_id": org.id}, {"$set": {"dissolved": True}, "$unset": {"slug": ""}})
    # A dissolved org stops counting as an org of its type, here and above.
    bump(uow, list(org.path), orgs={org.type: -1})
    _history(uow, org.id, "dissolved", before, {**before, "dissolved": True})
    uow.emit(events.SOURCE, events.ORG_DISSOLVED, {"org_id": org.id}, access.actor().account_id)


def dissolve(org_id: str, reason: str = "") -> Org:
    org = _live(org_id, "org_id")
    access.require("org.manage", get(org.parent_id) if org.parent_id else org)
    if not org.parent_id and not access.is_region_admin():
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if _active_members(org) or _active_children(org):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_has_members", "org_id")
    before = snapshot(org)
    atomically(org.tenant, lambda uow: _dissolve(uow, org, {**before, "reason": reason[:500]}))
    return get(org.id)


def merge(source_id: str, target_id: str) -> Org:
    """The source's child orgs and members move to the target; then the source is dissolved."""
    source = _live(source_id, "source_id")
    target = _live(target_id, "target_id")
    if source.id == target.id or source.id in target.path:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_move_cycle", "target_id")
    if source.type != target.type:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "org_placement_invalid", "target_id", type=f"type.{source.type}"
        )
    access.require("org.manage", get(source.parent_id) if source.parent_id else source)
    access.require("org.manage", target)
    tenant = source.tenant

    def write(uow: UnitOfWork) -> None:
        for child in Org.in_tenant(tenant).filter(parent_id=source.id, dissolved=False):
            _move_subtree(uow, child, Org.in_tenant(tenant).filter(id=target.id).first())
        # Members of the source itself (not of its children, moved above) move to the target.
        direct: dict[str, int] = {}
        for m in Membership.in_tenant(tenant).filter(org_id=source.id).only("status"):
            direct[m.status] = direct.get(m.status, 0) + 1
        uow.update_many(
            Membership, {"org_id": source.id}, {"$set": {"org_id": target.id, "org_path": list(target.path)}}
        )
        bump(uow, list(source.path), {k: -v for k, v in direct.items()})
        bump(uow, list(target.path), direct)
        before = snapshot(source)
        _history(uow, target.id, "absorbed", {}, {"source_id": source.id, "members": direct})
        _history(uow, source.id, "merged_into", before, {**before, "merged_into": target.id})
        uow.emit(
            events.SOURCE,
            events.ORG_MERGED,
            {"source_id": source.id, "target_id": target.id},
            access.actor().account_id,
        )
        uow.update_one(Org, {"_id": source.id}, {"$set": {"members_by_status": {}}})
        _dissolve(uow, source, before)

    atomically(tenant, write)
    return get(target.id)


def history(org_id: str, page_size: int, cursor: str):
    from kernel.paging import page

    org = get(org_id)
    access.require("member.read", org)
    query = OrgChange.in_tenant(org.tenant).filter(org_id=org.id)
    return page(query, page_size, cursor)


# -- reads: the tree is visible to everyone signed in to the region; counts to those who run the org ----


def children(org_id: str, page_size: int, cursor: str):
    from kernel.paging import page

    org = get(org_id)
    access.actor()
    return page(Org.in_tenant(org.tenant).filter(parent_id=org.id, dissolved=False), page_size, cursor, False)


def ancestors(org_id: str) -> list[Org]:
    """Root … the org's parent, in order: one indexed query on the ids of its path."""
    org = get(org_id)
    access.actor()
    # By _id alone (its own index; SecantusDB won't plan tenant + _id $in), the tenant checked here.
    by_id = {o.id: o for o in Org.objects(id__in=org.path[:-1]) if o.tenant == org.tenant}
    return [by_id[i] for i in org.path[:-1] if i in by_id]


def subtree(org_id: str, org_type: str, page_size: int, cursor: str):
    from kernel.paging import page

    org = get(org_id)
    access.actor()
    query = Org.in_tenant(org.tenant).filter(path=org.id, dissolved=False)
    if org_type:
        query = query.filter(type=rules.check_type(org_type))
    return page(query, page_size, cursor, False)


def stats(org_id: str) -> Org:
    org = get(org_id)
    access.require("stats.read", org)
    return org


def subtree_listing(query, org: Org, by_side: dict[str, str], side: str, state: str, states, bad_side, bad_state):
    """A listing of org's subtree (the path field named by `side`), optionally of one state; a side or
    state it doesn't know raises the caller's error (transfers' and mobile members' lists)."""
    if side not in by_side:
        raise bad_side
    query = query.filter(**{by_side[side]: org.id})
    if state:
        if state not in states:
            raise bad_state
        query = query.filter(state=state)
    return query
