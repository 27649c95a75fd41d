"""Mobile members hosted in another region (流动党员跨区域): the home region keeps the member and the
authoritative registration (mobile.py); the host region keeps a mirror of it, on which its officers accept
the inflow, and through which the member is invited to the host org's meetings while hosted.

    home region (authority)                          host region (mirror)
    register_outflow ──── snapshot v1 ─────────────▶ mirror: outflow_registered (host org's list)
                     ◀─── step accept_inflow ─────── officer accepts (account found or made by phone)
    accept_inflow ─────── snapshot v2 ─────────────▶ mirror: hosted → invited to the host org's meetings
    end_period ────────── snapshot v3 ─────────────▶ mirror: ended → no longer invited

Delivery and idempotency as for transfers (federation.py): snapshots apply only when newer, steps taken
twice are no-ops.
"""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, atomically, utcnow
from services.orgs import access, events, federation, mobile
from services.orgs.domain import mobile as rules


def on_step(region: str, body: dict) -> None:
    """The host region's officer accepted the inflow on its mirror: taken here; a registration that ended
    meanwhile is answered with its snapshot, so the mirror learns why."""
    if body.get("step") != rules.ACCEPT_INFLOW:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_message_invalid", "step")
    registration_id = str(body.get("registration_id", ""))
    federation.take_or_answer(
        region,
        federation.KIND_MOBILE,
        lambda: mobile.accept_inflow_for_peer(registration_id, region, str(body.get("actor_id", ""))),
        lambda: mobile.snapshot(mobile._get(registration_id)),
    )


def on_snapshot(region: str, snap: dict) -> None:
    """Create or advance the mirror (federation.follow); becoming hosted or ended is announced here as for a
    local registration (orgs' worker then invites to or withdraws from the host's meetings). A host org this
    region does not have (or dissolved) gets no mirror: the home region sees it never accepted."""
    remote_id = str(snap.get("registration_id", ""))[:64]
    version, state = snap.get("version"), snap.get("state")
    if not remote_id or not isinstance(version, int) or state not in rules.STATES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_message_invalid", "body")
    host = federation.local_org(str(snap.get("host_org_id", "")))
    if host is None:
        return
    fields = {
        "state": state,
        "active": state in rules.ACTIVE,
        "version": version,
        "display_name": str(snap.get("display_name", ""))[:64],
        "home_org_id": f"{region}/{str(snap.get('home_org_id', ''))[:64]}",
        "home_org_name": str(snap.get("home_org_name", ""))[:200],
        "destination": str(snap.get("destination", ""))[: rules.MAX_DESTINATION],
        "reason": str(snap.get("reason", ""))[: rules.MAX_REASON],
        "left_on": str(snap.get("left_on", ""))[:10],
        "expected_return_on": str(snap.get("expected_return_on", ""))[:10],
        "returned_on": str(snap.get("returned_on", ""))[:10],
        "contact_phone": str(snap.get("phone", ""))[:20],
        "awaiting_peer": "" if state != rules.OUTFLOW_REGISTERED else None,
    }

    def make() -> mobile.MobileRegistration:
        return mobile.MobileRegistration(
            tenant=context.current().tenant,
            membership_id=f"{region}/{remote_id}",
            account_id=f"{region}/{remote_id}",  # until the host accepts and the member's account here is known
            home_org_path=[],
            host_org_id=host.id,
            host_org_path=list(host.path),
            from_region=region,
            remote_id=remote_id,
            created_at=utcnow(),
            **{k: v for k, v in fields.items() if v is not None},
        )

    def changed(uow: UnitOfWork, before: mobile.MobileRegistration | None, _mirror_id) -> None:
        if before is None or before.account_id.startswith(f"{region}/"):
            return  # never accepted here: nobody to invite or withdraw
        data = {**mobile._event_data(before), "host_org_id": host.id}
        if state == rules.HOSTED and before.state != rules.HOSTED:
            uow.emit(events.SOURCE, events.MOBILE_INFLOW_ACCEPTED, data, before.accepted_by)
        elif state == rules.ENDED and before.state != rules.ENDED:
            uow.emit(events.SOURCE, events.MOBILE_PERIOD_ENDED, {**data, "returned_on": fields["returned_on"]})

    federation.follow(mobile.MobileRegistration, region, remote_id, version, fields, make, changed)


def request_step(mirror: mobile.MobileRegistration, step: str, parties: rules.Parties) -> mobile.MobileRegistration:
    """Accept the inflow on a mirror: the member's account here is found or made by phone, and the step goes
    to the home region, which takes it; the mirror is hosted when the home region's snapshot says so."""
    if step != rules.ACCEPT_INFLOW:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "mobile_step_forbidden", "registration_id")
    if rules.next_state(mirror.state, step, parties) is None or mirror.awaiting_peer == step:
        return mirror
    account_id = federation.ensure_account(mirror.contact_phone, mirror.display_name)
    who = access.actor().account_id

    def write(uow: UnitOfWork) -> None:
        matched = uow.update_one(
            mobile.MobileRegistration,
            {"_id": mirror.id, "version": mirror.version, "awaiting_peer": ""},
            {"$set": {"awaiting_peer": step, "account_id": account_id, "accepted_by": who}},
        )
        if not matched:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_busy", "registration_id")
        body = {"registration_id": mirror.remote_id, "step": step, "actor_id": who}
        federation.send(uow, mirror.from_region, federation.KIND_MOBILE_STEP, body, who)

    try:
        atomically(mirror.tenant, write)
    except DuplicateKeyError:  # the account is on another active registration here
        raise DomainError(ErrorCode.ALREADY_EXISTS, "mobile_already_active", "registration_id") from None
    return mobile._get(str(mirror.id))
