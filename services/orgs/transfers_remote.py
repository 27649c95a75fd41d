"""The incoming side of a cross-region transfer: the mirror of another region's transfer into this one.

The protocol and why it keeps exactly one home org are in federation.py. Here:
- `on_snapshot` applies a peer's snapshot of a transfer into this region; `on_step` takes the step a peer's
  secretary asked for on a transfer out of this region (`transfers.take_step(..., peer=region)`).
- `request_step` is what accepting or rejecting does on a mirror: it records the request and sends it to
  the authority; the mirror changes state only when the authority's next snapshot arrives.
- `arrive` makes the membership here from the completed snapshot's dossier.
"""

from __future__ import annotations

import datetime as dt

from kernel import context, messages
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, atomically
from services.orgs import access, events, federation, transfers, tree
from services.orgs.domain import pipeline
from services.orgs.domain import transfer as rules
from services.orgs.store import Membership

MAX_TEXT = 500


def on_step(region: str, body: dict) -> None:
    """A step the peer's secretary took on its mirror of a transfer out of this region: taken here; one that
    can no longer be taken (cancelled meanwhile, say) is answered with the transfer as it stands, so the
    peer's mirror learns why."""
    step = str(body.get("step", ""))
    if step not in (rules.ACCEPT_IN, rules.REJECT_IN):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_step_invalid", "step")
    transfer_id, reason = str(body.get("transfer_id", "")), str(body.get("reason", ""))[:MAX_TEXT]
    federation.take_or_answer(
        region,
        federation.KIND_TRANSFER,
        lambda: transfers.take_step(transfer_id, step, reason, peer=region, peer_actor=str(body.get("actor_id", ""))),
        lambda: transfers.snapshot(transfers._get(transfer_id)),
    )


# -- the mirror -----------------------------------------------------------------------------------------


def on_snapshot(region: str, snap: dict) -> None:
    """Create or advance the mirror of the peer's transfer into this region (federation.follow); the completed
    snapshot makes the member arrive, in the same transaction."""
    remote_id = str(snap.get("transfer_id", ""))[:64]
    version = snap.get("version")
    state = snap.get("state")
    if not remote_id or not isinstance(version, int) or state not in rules.STATES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_message_invalid", "body")
    org = federation.local_org(str(snap.get("to_org_id", "")))
    if org is None:  # no such org here (or dissolved): the incoming side refuses a new transfer at once
        tenant = context.current().tenant
        known = transfers.Transfer.in_tenant(tenant).filter(from_region=region, remote_id=remote_id).first()
        if known is None and state == rules.REQUESTED:
            atomically(tenant, lambda uow: _refuse_unknown_org(uow, region, remote_id))
        return
    fields = {
        "state": state,
        "version": version,
        "open": state in rules.OPEN,
        "letter_no": f"{region}/{snap['letter_no']}" if snap.get("letter_no") else None,
        "display_name": str(snap.get("display_name", ""))[:64],
        "from_org_id": f"{region}/{str(snap.get('from_org_id', ''))[:64]}",
        "from_org_name": str(snap.get("from_org_name", ""))[:200],
        "reason": str(snap.get("reason", ""))[:MAX_TEXT],
        "steps": [
            transfers.TransferStepRecord(
                step=str(s.get("step", "")),
                actor_id=str(s.get("actor_id", "")),
                from_state=str(s.get("from_state", "")),
                to_state=str(s.get("to_state", "")),
                reason=str(s.get("reason", ""))[:MAX_TEXT],
                at=federation.parse_when(s.get("at", "")),
            ).to_mongo()
            for s in snap.get("steps") or []
        ],
        "attendance": _mongo(federation.attendance_in(snap.get("attendance"))),
        "dossier": dict(snap["dossier"]) if snap.get("dossier") else None,
        "awaiting_peer": "" if state != rules.APPROVED_OUT else None,  # the authority decided
    }

    def make() -> transfers.Transfer:
        return transfers.Transfer(
            tenant=context.current().tenant,
            membership_id=f"{region}/{remote_id}",
            account_id="",
            to_org_id=org.id,
            to_org_path=list(org.path),
            from_org_path=[],
            from_region=region,
            remote_id=remote_id,
            requested_by=f"{region}/",
            requested_at=federation.parse_when(snap.get("requested_at", "")),
            state=state,
            from_org_id=fields["from_org_id"],
        )

    def changed(uow: UnitOfWork, before: transfers.Transfer | None, mirror_id) -> None:
        if state == rules.COMPLETED and (before is None or before.state != rules.COMPLETED):
            arrive(uow, uow.get(transfers.Transfer, mirror_id))

    federation.follow(transfers.Transfer, region, remote_id, version, fields, make, changed)


def _mongo(value):
    return value.to_mongo() if value is not None else None


def _refuse_unknown_org(uow: UnitOfWork, region: str, remote_id: str) -> None:
    reason = messages.render("transfer_remote_org_unknown", messages.DEFAULT_LOCALE, {})
    federation.send(
        uow,
        region,
        federation.KIND_TRANSFER_STEP,
        {"transfer_id": remote_id, "step": rules.REJECT_IN, "reason": reason},
    )


# -- deciding on a mirror --------------------------------------------------------------------------------


def request_step(mirror: transfers.Transfer, step: str, reason: str, parties: rules.Parties) -> transfers.Transfer:
    """Accept or reject a transfer into this region: sent to the outgoing region, which takes it."""
    if step not in (rules.ACCEPT_IN, rules.REJECT_IN):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "transfer_step_forbidden", "step", step=step)
    rules.plan(mirror.state, step, (), parties)  # permission and state, as for a local transfer
    if mirror.awaiting_peer == step:
        return mirror  # asked already; the outgoing region answers when it can
    if mirror.awaiting_peer:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_remote_pending", "step")
    who = access.actor().account_id
    account_id = mirror.account_id
    if step == rules.ACCEPT_IN:
        dossier = mirror.dossier or {}
        account_id = federation.ensure_account(str(dossier.get("phone", "")), str(dossier.get("display_name", "")))
        current = Membership.in_tenant(mirror.tenant).filter(account_id=account_id).first()
        if current is not None and current.status in pipeline.ACTIVE:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "already_member", "transfer_id")

    def write(uow: UnitOfWork) -> None:
        matched = uow.update_one(
            transfers.Transfer,
            {"_id": mirror.id, "version": mirror.version, "awaiting_peer": ""},
            {"$set": {"awaiting_peer": step, "account_id": account_id}},
        )
        if not matched:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_busy", "transfer_id")
        body = {"transfer_id": mirror.remote_id, "step": step, "reason": reason, "actor_id": who}
        federation.send(uow, mirror.from_region, federation.KIND_TRANSFER_STEP, body, who)

    atomically(mirror.tenant, write)
    return transfers._get(str(mirror.id))


# -- arrival -----------------------------------------------------------------------------------------------


def arrive(uow: UnitOfWork, mirror: transfers.Transfer) -> None:
    """The completed transfer's member becomes a member of the incoming org here, with the dossier."""
    dossier = mirror.dossier or {}
    status = str(dossier.get("status", ""))
    if status not in pipeline.ACTIVE or not mirror.account_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_status_invalid", "transfer_id", status=status)
    org = tree.get(mirror.to_org_id)
    today = dt.date.today().isoformat()
    from_org = f"{mirror.from_org_name} ({mirror.from_region})"
    history = federation.history_in(list(dossier.get("history") or []))
    history.append(transfers.history_step(mirror, status, org.id, from_org, org.name, _accepted_by(mirror)))
    fields = {
        "display_name": str(dossier.get("display_name", ""))[:64] or mirror.display_name,
        "org_id": org.id,
        "org_path": list(org.path),
        "status": status,
        "status_since": str(dossier.get("status_since", "")) or today,
        "roles": ["member"],
        "dues_paid_up_to": str(dossier.get("dues_paid_up_to", "")),
        "joined_org_on": today,
        "history": [h.to_mongo() for h in history],
    }
    found = Membership._get_collection().find_one(
        {"tenant": uow.tenant, "account_id": mirror.account_id}, session=uow.session
    )
    if found is None:
        membership = Membership(
            tenant=uow.tenant, account_id=mirror.account_id, **{k: v for k, v in fields.items() if k != "history"}
        )
        membership.history = history
        uow.insert(membership)
        membership_id = str(membership.id)
    else:  # was a member here once (transferred out, say): the same dossier row continues
        uow.update_one(Membership, {"_id": found["_id"]}, {"$set": fields})
        tree.bump(uow, list(found.get("org_path") or []), {found["status"]: -1})
        membership_id = str(found["_id"])
    tree.bump(uow, list(org.path), {status: 1})
    uow.update_one(transfers.Transfer, {"_id": mirror.id}, {"$set": {"membership_id": membership_id}})
    actor = _accepted_by(mirror)
    data = {"membership_id": membership_id, "account_id": mirror.account_id, "org_id": org.id, "status": status}
    uow.emit(events.SOURCE, events.MEMBERSHIP_ADDED, data, actor)
    uow.emit(
        events.SOURCE,
        events.ROLE_ASSIGNED,
        {"account_id": mirror.account_id, "org_id": org.id, "role": "member"},
        actor,
    )


def _accepted_by(mirror: transfers.Transfer) -> str:
    """This region's secretary who accepted (the authority recorded them as "<this region>/<id>")."""
    for s in mirror.steps:
        if s.step == rules.ACCEPT_IN:
            return s.actor_id.rpartition("/")[2]
    return ""
