"""Memberships: one home org per person, the development pipeline, roles, dues."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from kernel import authz, context
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import UnitOfWork, atomically, utcnow
from services.orgs import access, events, tree
from services.orgs.domain import dues as dues_rules
from services.orgs.domain import pipeline
from services.orgs.store import DuesRecord, Membership, Person, StatusStep

# Roles held in an org (the member role comes with the membership itself).
ORG_ROLES = tuple(r for r in authz.ORG_ROLES if r != "member")


def _today() -> dt.date:
    return dt.date.today()


def get(membership_id: str) -> Membership:
    tenant = context.current().tenant
    try:
        found = Membership.in_tenant(tenant).filter(id=ObjectId(membership_id)).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "membership_not_found", "membership_id")
    return found


def _may_read(membership: Membership) -> bool:
    return membership.account_id == access.actor().account_id or access.may("member.read", tree.get(membership.org_id))


def read(membership_id: str) -> Membership:
    membership = get(membership_id)
    if not _may_read(membership):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return membership


def add(
    org_id: str, account_id: str, status: str, effective_on: str, display_name: str = "", note: str = ""
) -> Membership:
    org = tree.get(org_id)
    if org.dissolved:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", "org_id")
    access.require("member.manage", org)
    status = pipeline.check_status(status or pipeline.APPLICANT, pipeline.INITIAL)
    day = pipeline.parse_date(effective_on) if effective_on else _today()
    if day > _today():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_in_future", "effective_on")
    tenant = org.tenant
    person = Person.in_tenant(tenant).filter(account_id=account_id).first() if account_id else None
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "person_unknown", "account_id")
    who = access.actor().account_id
    membership = Membership(
        tenant=tenant,
        account_id=account_id,
        display_name=(display_name or person.display_name or "").strip()[:64],
        org_id=org.id,
        org_path=list(org.path),
        status=status,
        status_since=day.isoformat(),
        roles=["member"],
        joined_org_on=day.isoformat(),
        history=[
            StatusStep(
                status=status,
                effective_on=day.isoformat(),
                approved_by=who,
                org_id=org.id,
                note=(note or "")[:500],
                recorded_at=utcnow(),
            )
        ],
    )

    def write(uow: UnitOfWork) -> Membership:
        uow.insert(membership)
        tree.bump(uow, list(org.path), {status: 1})
        data = {"membership_id": str(membership.id), "account_id": account_id, "org_id": org.id, "status": status}
        uow.emit(events.SOURCE, events.MEMBERSHIP_ADDED, data, who)
        uow.emit(
            events.SOURCE, events.ROLE_ASSIGNED, {"account_id": account_id, "org_id": org.id, "role": "member"}, who
        )
        return membership

    try:
        return atomically(tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_member", "account_id") from None


def change_status(membership_id: str, to_status: str, effective_on: str, note: str = "") -> Membership:
    membership = get(membership_id)
    org = tree.get(membership.org_id)
    access.require("member.manage", org)
    if to_status == pipeline.TRANSFERRED_OUT:  # only the transfer procedure moves people out
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION,
            "status_step_invalid",
            "to_status",
            current=f"status.{membership.status}",
            to=f"status.{to_status}",
        )
    day = pipeline.parse_date(effective_on) if effective_on else _today()
    pipeline.check_step(
        membership.status, pipeline.parse_date(membership.status_since, "status_since"), to_status, day, _today()
    )
    who = access.actor().account_id
    step = StatusStep(
        status=to_status,
        effective_on=day.isoformat(),
        approved_by=who,
        org_id=org.id,
        note=(note or "")[:500],
        recorded_at=utcnow(),
    )
    before = membership.status

    def write(uow: UnitOfWork) -> None:
        # The status guard makes a repeated or concurrent request a no-op, not a second step.
        changed = uow.update_one(
            Membership,
            {"_id": membership.id, "status": before},
            {"$set": {"status": to_status, "status_since": day.isoformat()}, "$push": {"history": step.to_mongo()}},
        )
        if not changed:
            raise DomainError(
                ErrorCode.FAILED_PRECONDITION,
                "status_step_invalid",
                "to_status",
                current=f"status.{before}",
                to=f"status.{to_status}",
            )
        tree.bump(uow, list(membership.org_path), {before: -1, to_status: 1})
        uow.emit(
            events.SOURCE,
            events.MEMBERSHIP_STATUS_CHANGED,
            {
                "membership_id": str(membership.id),
                "account_id": membership.account_id,
                "org_id": org.id,
                "from": before,
                "to": to_status,
                "effective_on": day.isoformat(),
            },
            who,
        )

    atomically(membership.tenant, write)
    return get(membership_id)


def dossier(account_id: str) -> tuple[Membership, list[DuesRecord]]:
    tenant = context.current().tenant
    account_id = account_id or access.actor().account_id
    membership = Membership.in_tenant(tenant).filter(account_id=account_id).first()
    if membership is None:
        raise DomainError(ErrorCode.NOT_FOUND, "membership_not_found", "account_id")
    if not _may_read(membership):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    records = list(DuesRecord.in_tenant(tenant).filter(membership_id=str(membership.id)).order_by("month"))
    return membership, records


def list_members(org_id: str, subtree: bool, status: str, page_size: int, cursor: str):
    org = tree.get(org_id)
    access.require("member.read", org)
    query = Membership.in_tenant(org.tenant)
    query = query.filter(org_path=org.id) if subtree else query.filter(org_id=org.id)
    if status:
        query = query.filter(status=pipeline.check_status(status))
    return page(query, page_size, cursor)


# -- roles ---------------------------------------------------------------------------------------------


def _set_role(membership_id: str, role: str, assign: bool) -> Membership:
    if role not in ORG_ROLES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_role_invalid", "role")
    membership = get(membership_id)
    org = tree.get(membership.org_id)
    access.require("role.grant", org)
    if membership.status not in pipeline.ACTIVE:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "failed_precondition", "membership_id")
    who = access.actor().account_id

    def write(uow: UnitOfWork) -> None:
        op = "$addToSet" if assign else "$pull"
        uow.update_one(Membership, {"_id": membership.id}, {op: {"roles": role}})
        kind = events.ROLE_ASSIGNED if assign else events.ROLE_REMOVED
        uow.emit(events.SOURCE, kind, {"account_id": membership.account_id, "org_id": org.id, "role": role}, who)

    if (role in membership.roles) != assign:
        atomically(membership.tenant, write)
    return get(membership_id)


def assign_role(membership_id: str, role: str) -> Membership:
    return _set_role(membership_id, role, True)


def remove_role(membership_id: str, role: str) -> Membership:
    return _set_role(membership_id, role, False)


# -- dues ----------------------------------------------------------------------------------------------


def record_dues(membership_id: str, month: str, amount_fen: int) -> DuesRecord:
    membership = get(membership_id)
    org = tree.get(membership.org_id)
    access.require("member.manage", org)
    dues_rules.check_month(month)
    dues_rules.check_amount(amount_fen)
    who = access.actor().account_id
    record = DuesRecord(
        tenant=membership.tenant,
        membership_id=str(membership.id),
        account_id=membership.account_id,
        org_id=org.id,
        month=month,
        amount_fen=amount_fen,
        recorded_by=who,
        recorded_at=utcnow(),
    )

    def write(uow: UnitOfWork) -> DuesRecord:
        uow.insert(record)
        # paid-up-to only moves forward, and only over months with no gap before them
        paid = membership.dues_paid_up_to
        if not paid or dues_rules.month_index(month) == dues_rules.month_index(paid) + 1:
            latest = month
            taken = {
                r["month"]
                for r in DuesRecord._get_collection().find(
                    {"tenant": uow.tenant, "membership_id": str(membership.id)}, {"month": 1}, session=uow.session
                )
            }
            while True:  # close any run of months recorded out of order
                nxt = dues_rules.month_index(latest) + 1
                candidate = f"{nxt // 12:04d}-{nxt % 12 + 1:02d}"
                if candidate not in taken:
                    break
                latest = candidate
            uow.update_one(Membership, {"_id": membership.id}, {"$set": {"dues_paid_up_to": latest}})
        uow.emit(
            events.SOURCE,
            events.DUES_RECORDED,
            {
                "membership_id": str(membership.id),
                "account_id": membership.account_id,
                "org_id": org.id,
                "month": month,
                "amount_fen": amount_fen,
            },
            who,
        )
        return record

    try:
        return atomically(membership.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_exists", "month") from None


def list_dues(membership_id: str) -> list[DuesRecord]:
    membership = read(membership_id)
    return list(DuesRecord.in_tenant(membership.tenant).filter(membership_id=str(membership.id)).order_by("month"))


def arrears(org_id: str, as_of_month: str, page_size: int, cursor: str):
    """Active members of the subtree not paid up to as_of_month, with the months each owes."""
    org = tree.get(org_id)
    access.require("member.read", org)
    dues_rules.check_month(as_of_month, "as_of_month")
    paying = (pipeline.PROBATIONARY, pipeline.FULL)
    behind = Membership.in_tenant(org.tenant).filter(org_path=org.id, dues_paid_up_to__lt=as_of_month)
    # One indexed count per paying status; the page below checks the status itself, since no index
    # SecantusDB will plan holds the path, a status list and a dues range at once.
    total = sum(behind.filter(status=status).count() for status in paying)
    rows, next_cursor = page(behind, page_size, cursor)
    rows = [m for m in rows if m.status in paying]
    owed = [
        (m, dues_rules.months_owed(m.dues_paid_up_to, as_of_month, (m.joined_org_on or m.status_since)[:7]))
        for m in rows
    ]
    return owed, next_cursor, total
