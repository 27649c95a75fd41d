"""Membership transfers (组织关系转接): requested, approved by the outgoing org, accepted by the incoming one.

The rules (states, steps, who may take each) are pure, in domain/transfer.py; this module stores them.
Every step is one conditional update on the transfer's (state, version): a retried or concurrent step
matches nothing the second time, and is then answered from the transfer as it stands (a no-op).

The membership document stays the single source of a member's home org (one per account, unique
index): acceptance rewrites its org in the same transaction that completes the transfer, so at every
moment the member has exactly one home org.

The dossier moves with the membership: its pipeline history and dues paid-up-to are on the membership
document itself; the attendance summary of the last twelve months (domain/dossier.py) is taken when the
outgoing org approves, kept on the transfer (the incoming org reads it before accepting), and written
onto the history step the transfer adds, so the new org keeps reading it with the membership.

Extension point for cross-region transfers (the federation issue): `SIDES` maps the incoming region
("" = this region) to an `IncomingSide`. A remote side would answer `manages` from the remote region's
decision (relayed by the federation gateway) and, in `receive`, hand the dossier (the membership's
history and dues, and `arrival_step(...)`, which carries the attendance snapshot) to the federation
outbox and mark the local membership transferred_out instead of moving it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from kernel import context, messages
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.orgs import access, events, federation, life, members, mobile, tree
from services.orgs import transfers_remote as remote
from services.orgs.domain import dossier, pipeline
from services.orgs.domain import transfer as rules
from services.orgs.store import AttendanceSnapshot, AttendanceTally, Membership, Org, StatusStep

# A step that lost a race is decided again on the fresh transfer; more rounds than this means a storm.
_ATTEMPTS = 4


class TransferStepRecord(me.EmbeddedDocument):
    step = me.StringField(required=True)
    actor_id = me.StringField(default="")
    from_state = me.StringField(required=True)
    to_state = me.StringField(required=True)
    reason = me.StringField(default="")
    at = me.DateTimeField(required=True)


class Transfer(TenantDocument):
    membership_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    from_org_id = me.StringField(required=True)
    from_org_path = me.ListField(me.StringField())  # as at the request: for "transfers of my subtree"
    to_org_id = me.StringField(required=True)
    to_org_path = me.ListField(me.StringField())
    to_region = me.StringField(default="")  # "" = this region
    to_org_name = me.StringField(default="")  # of a remote incoming org (as its region named it)
    # A mirror of another region's transfer into this one (services/orgs/federation.py): the region it
    # comes from and its id there; the authority is that region's transfer, this copy follows its snapshots.
    from_region = me.StringField(default="")
    remote_id = me.StringField(default="")
    from_org_name = me.StringField(default="")
    dossier = me.DictField()  # a mirror's: what arrives with the member (federation.dossier_out)
    awaiting_peer = me.StringField(default="")  # a mirror's: the step sent to the authority, not yet taken
    state = me.StringField(required=True, choices=rules.STATES)
    version = me.IntField(default=1)
    open = me.BooleanField(default=True)  # state in rules.OPEN; indexed so a member has one open transfer
    letter_no = me.StringField()  # set on outgoing approval, unique in the region
    reason = me.StringField(default="")
    requested_by = me.StringField(required=True)
    requested_at = me.DateTimeField(required=True)
    steps = me.EmbeddedDocumentListField(TransferStepRecord)
    attendance = me.EmbeddedDocumentField(AttendanceSnapshot)  # the dossier's, taken on outgoing approval

    meta = {
        "collection": "transfers",
        "indexes": [
            {"fields": ["tenant", "membership_id"], "unique": True, "partialFilterExpression": {"open": True}},
            {
                "fields": ["tenant", "letter_no"],
                "unique": True,
                "partialFilterExpression": {"letter_no": {"$type": "string"}},
            },
            ("tenant", "account_id", "id"),
            ("tenant", "from_org_path", "state", "id"),
            ("tenant", "to_org_path", "state", "id"),
            # for tree.keeps_org_path: a move rewrites the path copies of the moved orgs' transfers
            ("tenant", "from_org_id"),
            ("tenant", "to_org_id"),
            # lookups of a mirror: the partial unique index below is not planned for a plain equality
            {"fields": ["tenant", "from_region", "remote_id"], "name": "tenant_mirror_lookup"},
            {
                "fields": ["tenant", "from_region", "remote_id"],
                "unique": True,
                "partialFilterExpression": {"remote_id": {"$gt": ""}},
            },
        ],
    }


tree.keeps_org_path(Transfer, "from_org_id", "from_org_path")
tree.keeps_org_path(Transfer, "to_org_id", "to_org_path")


class LetterCounter(TenantDocument):
    """The last letter sequence issued in a year, per region."""

    year = me.IntField(required=True)
    value = me.IntField(default=0)

    meta = {"collection": "transfer_letter_counters", "indexes": [{"fields": ["tenant", "year"], "unique": True}]}


def ensure_indexes() -> None:
    Transfer.ensure_indexes()
    LetterCounter.ensure_indexes()


# -- the incoming side -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    org_id: str
    path: list[str]
    name: str
    region: str = ""


class IncomingSide(Protocol):
    """The org a transfer goes to: where it is, who decides for it, and how the member arrives there."""

    def destination(self, org_id: str) -> Destination: ...

    def manages(self, org_id: str) -> bool: ...

    def may_read(self, org_id: str) -> bool: ...

    def receive(self, uow: UnitOfWork, transfer: Transfer, actor_id: str) -> None:
        """Make the member arrive: the dossier (history, dues paid-up-to, transfer.attendance) goes along."""
        ...


def _leaving(uow: UnitOfWork, transfer: Transfer) -> tuple[Org, dict, str]:
    """The outgoing org, the membership (as stored, in uow's transaction) and its status, checked: still in
    the outgoing org and in good standing, or the transfer cannot complete."""
    source = tree.get(transfer.from_org_id)
    found = Membership._get_collection().find_one(
        {"_id": ObjectId(transfer.membership_id), "tenant": uow.tenant}, session=uow.session
    )
    if found is None or found["org_id"] != source.id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_membership_moved", "transfer_id")
    status = found["status"]
    if status not in pipeline.ACTIVE:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_status_invalid", "transfer_id", status=status)
    return source, found, status


class LocalIncoming:
    """Both orgs in this region: acceptance moves the membership document itself."""

    def destination(self, org_id: str) -> Destination:
        org = mobile.org_named(org_id, "to_org_id")
        if org.dissolved:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", "to_org_id")
        return Destination(org.id, list(org.path), org.name)

    def manages(self, org_id: str) -> bool:
        return access.may("member.manage", tree.get(org_id))

    def may_read(self, org_id: str) -> bool:
        return access.may("member.read", tree.get(org_id))

    def receive(self, uow: UnitOfWork, transfer: Transfer, actor_id: str) -> None:
        """Move the membership to the incoming org: org and path, a dossier step, counters and roles."""
        dest = self.destination(transfer.to_org_id)
        source, found, status = _leaving(uow, transfer)
        step = arrival_step(transfer, status, source.name, dest, actor_id)
        # The roles held in the old org end there; the membership starts as a plain member in the new one.
        # Dues paid-up-to, joined_org_on (dues owed follow the member) and the history stay as they are.
        moved = uow.update_one(
            Membership,
            {"_id": found["_id"], "org_id": source.id},
            {
                "$set": {"org_id": dest.org_id, "org_path": dest.path, "roles": ["member"]},
                "$push": {"history": step.to_mongo()},
            },
        )
        if not moved:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_membership_moved", "transfer_id")
        old_path = list(found.get("org_path") or source.path)
        # Common ancestors keep their count: only the orgs left and the orgs entered change.
        tree.bump(uow, [o for o in old_path if o not in dest.path], {status: -1})
        tree.bump(uow, [o for o in dest.path if o not in old_path], {status: 1})
        account_id = found["account_id"]
        for role in found.get("roles") or []:
            uow.emit(
                events.SOURCE,
                events.ROLE_REMOVED,
                {"account_id": account_id, "org_id": source.id, "role": role},
                actor_id,
            )
        uow.emit(
            events.SOURCE,
            events.ROLE_ASSIGNED,
            {"account_id": account_id, "org_id": dest.org_id, "role": "member"},
            actor_id,
        )


def arrival_step(transfer: Transfer, status: str, from_name: str, dest: Destination, actor_id: str) -> StatusStep:
    """The history step a transfer adds to the member's dossier: the letter, both orgs, the status kept,
    and the attendance summary brought from the old org."""
    return history_step(transfer, status, dest.org_id, from_name, dest.name, actor_id)


def history_step(transfer: Transfer, status: str, org_id: str, from_org: str, to_org: str, actor_id: str) -> StatusStep:
    """A transfer's step in a dossier (arriving, or leaving for another region): the status from today, the
    letter and both orgs in the note, the attendance summary the transfer carries."""
    note = messages.render(
        "transfer_history_note",
        messages.DEFAULT_LOCALE,
        {"letter_no": transfer.letter_no or "", "from_org": from_org, "to_org": to_org},
    )
    return StatusStep(
        status=status,
        effective_on=dt.date.today().isoformat(),
        approved_by=actor_id,
        org_id=org_id,
        note=note,
        recorded_at=utcnow(),
        attendance=transfer.attendance,
    )


class RemoteIncoming:
    """The incoming org is in another region, which decides there (federation.py): nobody here manages it,
    and acceptance, taken at the peer's request, marks the membership here transferred_out."""

    def __init__(self, region: str, name: str = ""):
        self.region = region
        self.name = name

    def destination(self, org_id: str) -> Destination:
        if not org_id or len(org_id) > 64:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_unknown", "to_org_id", org_id=org_id[:64])
        return Destination(org_id, [], self.name[:200], federation.check_region(self.region))

    def manages(self, org_id: str) -> bool:
        return False

    def may_read(self, org_id: str) -> bool:
        return False

    def receive(self, uow: UnitOfWork, transfer: Transfer, actor_id: str) -> None:
        """The member leaves this region: transferred_out here (the dossier goes in the completed snapshot)."""
        source, found, status = _leaving(uow, transfer)
        to_org = f"{transfer.to_org_name} ({self.region})"
        step = history_step(transfer, pipeline.TRANSFERRED_OUT, source.id, source.name, to_org, actor_id)
        moved = uow.update_one(
            Membership,
            {"_id": found["_id"], "org_id": source.id, "status": status},
            {
                "$set": {"status": pipeline.TRANSFERRED_OUT, "status_since": step.effective_on, "roles": []},
                "$push": {"history": step.to_mongo()},
            },
        )
        if not moved:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_membership_moved", "transfer_id")
        tree.bump(uow, list(found.get("org_path") or source.path), {status: -1, pipeline.TRANSFERRED_OUT: 1})
        for role in found.get("roles") or []:
            uow.emit(
                events.SOURCE,
                events.ROLE_REMOVED,
                {"account_id": found["account_id"], "org_id": source.id, "role": role},
                actor_id,
            )


SIDES: dict[str, IncomingSide] = {"": LocalIncoming()}


def _side(region: str, name: str = "") -> IncomingSide:
    return SIDES[""] if not region else RemoteIncoming(region, name)


# -- reads -----------------------------------------------------------------------------------------------


def _get(transfer_id: str) -> Transfer:
    tenant = context.current().tenant
    try:
        found = Transfer.in_tenant(tenant).filter(id=ObjectId(transfer_id)).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "transfer_not_found", "transfer_id")
    return found


def parties(transfer: Transfer) -> rules.Parties:
    """How the caller stands to transfer."""
    caller = access.actor().account_id
    if transfer.from_region:  # a mirror: only the incoming org decides here
        return rules.Parties(
            is_member=bool(transfer.account_id) and transfer.account_id == caller,
            manages_incoming=access.may("member.manage", tree.get(transfer.to_org_id)),
        )
    return rules.Parties(
        is_member=transfer.account_id == caller,
        is_requester=transfer.requested_by == caller,
        manages_outgoing=access.may("member.manage", tree.get(transfer.from_org_id)),
        manages_incoming=_side(transfer.to_region).manages(transfer.to_org_id),
    )


def _may_read(transfer: Transfer) -> bool:
    caller = access.actor().account_id
    if transfer.from_region:
        return (bool(transfer.account_id) and caller == transfer.account_id) or access.may(
            "member.read", tree.get(transfer.to_org_id)
        )
    return (
        caller in (transfer.account_id, transfer.requested_by)
        or access.may("member.read", tree.get(transfer.from_org_id))
        or _side(transfer.to_region).may_read(transfer.to_org_id)
    )


def read(transfer_id: str) -> Transfer:
    transfer = _get(transfer_id)
    if not _may_read(transfer):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return transfer


def list_mine(page_size: int, cursor: str):
    """The caller's own transfers (as the member transferred)."""
    caller = access.actor().account_id
    return page(Transfer.in_tenant(context.current().tenant).filter(account_id=caller), page_size, cursor)


def list_for_org(org_id: str, direction: str, state: str, page_size: int, cursor: str):
    """Transfers out of (or into) the org's subtree, for those who may read its members."""
    org = tree.get(org_id)
    access.require("member.read", org)
    query = tree.subtree_listing(
        Transfer.in_tenant(org.tenant),
        org,
        {"outgoing": "from_org_path", "incoming": "to_org_path"},
        direction,
        state,
        rules.STATES,
        DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_direction_invalid", "direction"),
        DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_state_unknown", "state"),
    )
    return page(query, page_size, cursor)


def attendance_summary(tenant: str, account_id: str, until: dt.datetime) -> AttendanceSnapshot:
    """The member's org life in the twelve months before until, as the dossier keeps it (two queries)."""
    invitations = life.member_invitations(tenant, account_id, dossier.window_start(until), until)
    summary = dossier.summarize(invitations, until)

    def tally(meeting_type: str, t: dossier.Tally) -> AttendanceTally:
        return AttendanceTally(meeting_type=meeting_type, invited=t.invited, attended=t.attended, on_leave=t.on_leave)

    return AttendanceSnapshot(
        since=summary.since,
        until=summary.until,
        total=tally("", summary.total),
        by_type=[tally(k, t) for k, t in summary.by_type.items()],
    )


# -- writes ----------------------------------------------------------------------------------------------


def _own_membership() -> Membership:
    found = Membership.in_tenant(context.current().tenant).filter(account_id=access.actor().account_id).first()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "membership_not_found", "membership_id")
    return found


def request(
    membership_id: str, to_org_id: str, reason: str = "", to_region: str = "", to_org_name: str = ""
) -> Transfer:
    """Open a transfer of a membership to another org (the member for themselves, or the outgoing org)."""
    membership = members.get(membership_id) if membership_id else _own_membership()
    who = access.actor().account_id
    source = tree.get(membership.org_id)
    if not rules.may_request(membership.account_id == who, access.may("member.manage", source)):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if membership.status not in pipeline.ACTIVE:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "transfer_status_invalid", "membership_id", status=membership.status
        )
    dest = _side(to_region, to_org_name).destination(to_org_id)
    if dest.org_id == source.id and not dest.region:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_same_org", "to_org_id")
    reason = rules.check_reason("", reason)
    if mobile.active_for(membership.account_id) is not None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_mobile_active", "membership_id")
    transfer = Transfer(
        tenant=membership.tenant,
        membership_id=str(membership.id),
        account_id=membership.account_id,
        display_name=membership.display_name,
        from_org_id=source.id,
        from_org_path=list(source.path),
        to_org_id=dest.org_id,
        to_org_path=list(dest.path),
        to_region=dest.region,
        to_org_name=dest.name if dest.region else "",
        state=rules.REQUESTED,
        version=1,
        open=True,
        reason=reason,
        requested_by=who,
        requested_at=utcnow(),
        steps=[],
    )

    def write(uow: UnitOfWork) -> Transfer:
        uow.insert(transfer)
        uow.emit(events.SOURCE, events.TRANSFER_REQUESTED, _event_data(transfer), who)
        if transfer.to_region:
            federation.send(uow, transfer.to_region, federation.KIND_TRANSFER, snapshot(transfer, source.name), who)
        return transfer

    try:
        return atomically(membership.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "transfer_open_exists", "membership_id") from None


class _LostRace(Exception):
    """The transfer (or the letter counter) changed between our read and our conditional update."""


def take_step(transfer_id: str, step: str, reason: str = "", peer: str = "", peer_actor: str = "") -> Transfer:
    """Approve, reject, accept or cancel; a step already taken answers the transfer as it is.

    peer: the region whose secretary (peer_actor, an account there) took an incoming step on its mirror of
    this transfer; the request was admitted from the peer's signature, and the peer stands for the incoming
    org. Recorded as "<peer>/<their account>"."""
    rules.check_step_name(step)
    reason = rules.check_reason(step, reason)
    who = f"{peer}/{peer_actor[:64]}" if peer else access.actor().account_id
    for _ in range(_ATTEMPTS):
        transfer = _get(transfer_id)
        if transfer.from_region:
            return remote.request_step(transfer, step, reason, parties(transfer))
        if peer:
            if transfer.to_region != peer:
                raise DomainError(ErrorCode.NOT_FOUND, "transfer_not_found", "transfer_id")
            who_stands = rules.Parties(manages_incoming=True)
        else:
            who_stands = parties(transfer)
        decided = rules.plan(transfer.state, step, tuple(s.step for s in transfer.steps), who_stands)
        if not decided.apply:
            return transfer
        # Read before the transaction (org life's data, not the transfer's): the snapshot is as of now.
        attendance = (
            attendance_summary(transfer.tenant, transfer.account_id, utcnow()) if step == rules.APPROVE_OUT else None
        )
        # Leaving the region: the approver reads the member's phone for the dossier (audited by identity).
        phone = (
            federation.read_contact(transfer.account_id, transfer.from_org_id, str(transfer.id)).phone
            if step == rules.APPROVE_OUT and transfer.to_region
            else None
        )
        try:
            atomically(
                transfer.tenant,
                lambda uow, t=transfer, to=decided.to, a=attendance, p=phone: _apply(
                    uow, t, step, to, reason, who, a, p
                ),
            )
        except (_LostRace, DuplicateKeyError):
            continue  # decide again on what won: usually a no-op now, or a clear refusal
        return _get(transfer_id)
    raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_busy", "transfer_id")


def _apply(
    uow: UnitOfWork,
    transfer: Transfer,
    step: str,
    to_state: str,
    reason: str,
    who: str,
    attendance: AttendanceSnapshot | None = None,
    phone: str | None = None,
) -> None:
    record = TransferStepRecord(
        step=step, actor_id=who, from_state=transfer.state, to_state=to_state, reason=reason, at=utcnow()
    )
    changes: dict = {"state": to_state, "open": to_state in rules.OPEN}
    if step == rules.APPROVE_OUT:
        changes["letter_no"] = _allocate_letter(uow, dt.date.today().year)
        changes["attendance"] = attendance.to_mongo()
        if phone is not None:
            changes["dossier"] = {"phone": phone}
    matched = uow.update_one(
        Transfer,
        {"_id": transfer.id, "state": transfer.state, "version": transfer.version},
        {"$set": changes, "$inc": {"version": 1}, "$push": {"steps": record.to_mongo()}},
    )
    if not matched:
        raise _LostRace()
    data = {**_event_data(transfer), "step": step, "state": to_state, "reason": reason}
    if "letter_no" in changes:
        data["letter_no"] = changes["letter_no"]
    leaving = None
    if step == rules.ACCEPT_IN and transfer.to_region:  # the dossier as it stands before the member leaves
        leaving = uow.get(Membership, ObjectId(transfer.membership_id))
    if step == rules.ACCEPT_IN:
        _side(transfer.to_region, transfer.to_org_name).receive(uow, transfer, who)
        if leaving is None:
            uow.emit(events.SOURCE, events.TRANSFER_COMPLETED, data, who)
        else:  # gone to another region: here, the member's status changed (consumers know no remote org)
            status_changed = {
                "membership_id": transfer.membership_id,
                "account_id": transfer.account_id,
                "org_id": transfer.from_org_id,
                "from": leaving.status,
                "to": pipeline.TRANSFERRED_OUT,
                "effective_on": dt.date.today().isoformat(),
            }
            uow.emit(events.SOURCE, events.MEMBERSHIP_STATUS_CHANGED, status_changed, who)
    elif step == rules.APPROVE_OUT:
        uow.emit(events.SOURCE, events.TRANSFER_APPROVED_OUT, data, who)
    elif step in (rules.REJECT_OUT, rules.REJECT_IN):
        uow.emit(events.SOURCE, events.TRANSFER_REJECTED, data, who)
    else:
        uow.emit(events.SOURCE, events.TRANSFER_CANCELLED, data, who)
    if transfer.to_region:  # the incoming region's mirror follows, in this transaction's outbox
        now = uow.get(Transfer, transfer.id)
        dossier = None
        if leaving is not None or to_state == rules.APPROVED_OUT:
            member = leaving or Membership.in_tenant(uow.tenant).filter(id=transfer.membership_id).first()
            dossier = federation.dossier_out(member, (now.dossier or {}).get("phone", ""), uow.tenant)
        federation.send(uow, transfer.to_region, federation.KIND_TRANSFER, snapshot(now, "", dossier), who)


def _allocate_letter(uow: UnitOfWork, year: int) -> str:
    """The next letter number of the year: a conditional update of the year's counter (no find-and-modify).

    Inside the approval's transaction, so a number is spent only if the approval commits. Two approvals
    racing for the same number: one update matches nothing (or the unique letter_no index refuses the
    second), and take_step retries that approval on fresh reads."""
    counters = LetterCounter._get_collection()
    key = {"tenant": uow.tenant, "year": year}
    current = counters.find_one(key, {"value": 1}, session=uow.session)
    if current is None:
        counters.insert_one({**key, "value": 1}, session=uow.session)  # a concurrent first one: DuplicateKeyError
        return rules.letter_number(year, 1)
    sequence = int(current["value"]) + 1
    if not uow.update_one(LetterCounter, {"year": year, "value": current["value"]}, {"$set": {"value": sequence}}):
        raise _LostRace()
    return rules.letter_number(year, sequence)


def _event_data(transfer: Transfer) -> dict:
    return {
        "transfer_id": str(transfer.id),
        "membership_id": transfer.membership_id,
        "account_id": transfer.account_id,
        "from_org_id": transfer.from_org_id,
        "to_org_id": transfer.to_org_id,
        "to_region": transfer.to_region,
        "letter_no": transfer.letter_no or "",
    }


def snapshot(transfer: Transfer, from_org_name: str = "", dossier: dict | None = None) -> dict:
    """The authority's transfer as its incoming region's mirror keeps it (federation.py)."""
    return {
        "transfer_id": str(transfer.id),
        "version": transfer.version,
        "state": transfer.state,
        "letter_no": transfer.letter_no or "",
        "display_name": transfer.display_name,
        "from_org_id": transfer.from_org_id,
        "from_org_name": from_org_name or federation.org_name(transfer.tenant, transfer.from_org_id),
        "to_org_id": transfer.to_org_id,
        "reason": transfer.reason,
        "requested_at": transfer.requested_at.isoformat(),
        "steps": [
            {
                "step": s.step,
                "actor_id": s.actor_id,
                "from_state": s.from_state,
                "to_state": s.to_state,
                "reason": s.reason,
                "at": s.at.isoformat(),
            }
            for s in transfer.steps
        ],
        "attendance": federation.attendance_out(transfer.attendance),
        "dossier": dossier,
    }
