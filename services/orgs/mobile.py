"""Mobile members (流动党员): outflow at the home org, inflow at a host org, reports home, the return.

The membership never moves: the home org keeps the member, the host org hosts their org life. The rules
are pure, in domain/mobile.py. For the org-life area: `hosted_members(org_id)` gives the account ids of
the mobile members an org currently hosts (to invite them to its meetings).
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.orgs import access, events, federation, members, tree
from services.orgs.domain import mobile as rules
from services.orgs.domain import pipeline
from services.orgs.store import Membership, Org


class MobileRegistration(TenantDocument):
    membership_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    home_org_id = me.StringField(required=True)
    home_org_path = me.ListField(me.StringField())
    host_org_id = me.StringField(default="")
    host_org_path = me.ListField(me.StringField())
    destination = me.StringField(required=True)
    reason = me.StringField(default="")
    left_on = me.StringField(required=True)  # YYYY-MM-DD
    expected_return_on = me.StringField(default="")
    state = me.StringField(required=True, choices=rules.STATES)
    active = me.BooleanField(default=True)  # state in rules.ACTIVE; indexed: one active period per member
    version = me.IntField(default=1)
    registered_by = me.StringField(default="")
    accepted_by = me.StringField(default="")
    ended_by = me.StringField(default="")
    returned_on = me.StringField(default="")
    end_note = me.StringField(default="")
    created_at = me.DateTimeField(required=True)
    # Hosted in another region (services/orgs/mobile_remote.py). At home (the authority): the host's region
    # and the host org's name there. In the host region (a mirror): the home region and the registration's
    # id there, and the member's phone, which finds or makes their account here when the host accepts.
    host_region = me.StringField(default="")
    host_org_name = me.StringField(default="")
    from_region = me.StringField(default="")
    remote_id = me.StringField(default="")
    home_org_name = me.StringField(default="")
    contact_phone = me.StringField(default="")
    awaiting_peer = me.StringField(default="")

    meta = {
        "collection": "mobile_registrations",
        "indexes": [
            {"fields": ["tenant", "account_id"], "unique": True, "partialFilterExpression": {"active": True}},
            ("tenant", "account_id", "id"),
            ("tenant", "home_org_path", "state", "id"),
            ("tenant", "host_org_path", "state", "id"),
            # for tree.keeps_org_path: a move rewrites the path copies of the moved orgs' registrations
            ("tenant", "home_org_id"),
            ("tenant", "host_org_id"),
            # lookups of a mirror: the partial unique index below is not planned for a plain equality
            {"fields": ["tenant", "from_region", "remote_id"], "name": "tenant_mirror_lookup"},
            {
                "fields": ["tenant", "from_region", "remote_id"],
                "unique": True,
                "partialFilterExpression": {"remote_id": {"$gt": ""}},
            },
        ],
    }


tree.keeps_org_path(MobileRegistration, "home_org_id", "home_org_path")
tree.keeps_org_path(MobileRegistration, "host_org_id", "host_org_path")


class MobileReport(TenantDocument):
    """A report back (思想汇报) from a mobile member to the home org."""

    registration_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    home_org_id = me.StringField(required=True)
    text = me.StringField(required=True)
    submitted_at = me.DateTimeField(required=True)

    meta = {"collection": "mobile_reports", "indexes": [("tenant", "registration_id", "id")]}


def ensure_indexes() -> None:
    MobileRegistration.ensure_indexes()
    MobileReport.ensure_indexes()


# -- for other areas -------------------------------------------------------------------------------------


def hosted_members(org_id: str, subtree: bool = False, tenant: str = "") -> list[str]:
    """Account ids of the mobile members org_id hosts now (subtree: hosted anywhere below it too).

    No permission check: the caller (e.g. org life inviting to a meeting) has checked its own action on
    the org. One indexed query; the tenant defaults to the current call's."""
    tenant = tenant or context.current().tenant
    query = MobileRegistration.in_tenant(tenant).filter(host_org_path=org_id, state=rules.HOSTED)
    rows = query.only("account_id", "host_org_id").order_by("id")
    # host_org_id is checked here: the index serving this query holds the path and the state only
    return [r.account_id for r in rows if subtree or r.host_org_id == org_id]


def active_for(account_id: str, tenant: str = "") -> MobileRegistration | None:
    """The member's registration that is still running, if any."""
    tenant = tenant or context.current().tenant
    return MobileRegistration.in_tenant(tenant).filter(account_id=account_id, active=True).first()


def org_named(org_id: str, field: str) -> Org:
    """The org a request field names (a missing or unknown org is reported on that field)."""
    if not org_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", field)
    try:
        return tree.get(org_id)
    except DomainError:  # tree.get's only refusal: no such org
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", field, org_id=org_id) from None


# -- reads -----------------------------------------------------------------------------------------------


def _get(registration_id: str) -> MobileRegistration:
    tenant = context.current().tenant
    try:
        found = MobileRegistration.in_tenant(tenant).filter(id=ObjectId(registration_id)).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "mobile_registration_not_found", "registration_id")
    return found


def _reads_home(registration: MobileRegistration) -> bool:
    if registration.account_id == access.actor().account_id:
        return True
    return not registration.from_region and access.may("member.read", tree.get(registration.home_org_id))


def _may_read(registration: MobileRegistration) -> bool:
    if _reads_home(registration):
        return True
    hosted_here = bool(registration.host_org_id) and not registration.host_region
    return hosted_here and access.may("member.read", tree.get(registration.host_org_id))


def read(registration_id: str) -> MobileRegistration:
    registration = _get(registration_id)
    if not _may_read(registration):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return registration


def list_mine(page_size: int, cursor: str):
    caller = access.actor().account_id
    return page(MobileRegistration.in_tenant(context.current().tenant).filter(account_id=caller), page_size, cursor)


def list_for_org(org_id: str, side: str, state: str, page_size: int, cursor: str):
    """The org's subtree's members who went out (side home), or the mobile members it hosts (side host)."""
    org = tree.get(org_id)
    access.require("member.read", org)
    query = tree.subtree_listing(
        MobileRegistration.in_tenant(org.tenant),
        org,
        {"home": "home_org_path", "host": "host_org_path"},
        side,
        state,
        rules.STATES,
        DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_side_invalid", "side"),
        DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_state_unknown", "state"),
    )
    return page(query, page_size, cursor)


# -- writes ----------------------------------------------------------------------------------------------


def _day(value: str, field: str) -> dt.date:
    return pipeline.parse_date(value, field)


def register_outflow(
    membership_id: str,
    destination: str,
    reason: str,
    left_on: str,
    expected_return_on: str = "",
    host_org_id: str = "",
    host_region: str = "",
    host_org_name: str = "",
) -> MobileRegistration:
    """The member (or an admin of the home org) registers that the member lives away for a while; the host
    org may be in another region (host_region; the gateway asked that region for its name)."""
    tenant = context.current().tenant
    who = access.actor().account_id
    if membership_id:
        membership = members.get(membership_id)
    else:
        membership = Membership.in_tenant(tenant).filter(account_id=who).first()
        if membership is None:
            raise DomainError(ErrorCode.NOT_FOUND, "membership_not_found", "membership_id")
    home = tree.get(membership.org_id)
    if not rules.may_register(membership.account_id == who, access.may("member.manage", home)):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if membership.status not in pipeline.ACTIVE:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mobile_status_invalid", "membership_id")
    destination = rules.check_text(destination, "destination", rules.MAX_DESTINATION, required=True)
    reason = rules.check_text(reason, "reason", rules.MAX_REASON, required=False)
    if not left_on:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "left_on")
    leaving = _day(left_on, "left_on")
    returning = _day(expected_return_on, "expected_return_on") if expected_return_on else None
    rules.check_period(leaving, returning)
    host_path: list[str] = []
    phone = ""
    if host_region:
        federation.check_region(host_region, "host_region")
        if not host_org_id or len(host_org_id) > 64:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "host_org_id")
        # the host region finds or makes the member's account by phone (identity audits the read)
        phone = federation.read_contact(membership.account_id, home.id, "mobile").phone
    elif host_org_id:
        host = org_named(host_org_id, "host_org_id")
        if host.dissolved:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", "host_org_id")
        if host.id == home.id:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_host_is_home", "host_org_id")
        host_path = list(host.path)
    from services.orgs.transfers import Transfer  # here: transfers imports this module

    if Transfer.in_tenant(tenant).filter(membership_id=str(membership.id), open=True).first() is not None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mobile_transfer_open", "membership_id")
    registration = MobileRegistration(
        tenant=tenant,
        membership_id=str(membership.id),
        account_id=membership.account_id,
        display_name=membership.display_name,
        home_org_id=home.id,
        home_org_path=list(home.path),
        host_org_id=host_org_id,
        host_org_path=host_path,
        destination=destination,
        reason=reason,
        left_on=leaving.isoformat(),
        expected_return_on=returning.isoformat() if returning else "",
        state=rules.OUTFLOW_REGISTERED,
        active=True,
        version=1,
        registered_by=who,
        created_at=utcnow(),
        host_region=host_region,
        host_org_name=host_org_name[:200] if host_region else "",
        contact_phone=phone,
    )

    def write(uow: UnitOfWork) -> MobileRegistration:
        uow.insert(registration)
        if host_region:
            federation.send(uow, host_region, federation.KIND_MOBILE, snapshot(registration, home.name), who)
        data = {
            **_event_data(registration),
            "destination": destination,
            "left_on": registration.left_on,
            "expected_return_on": registration.expected_return_on,
        }
        uow.emit(events.SOURCE, events.MOBILE_OUTFLOW_REGISTERED, data, who)
        return registration

    try:
        return atomically(tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "mobile_already_active", "membership_id") from None


def _parties(registration: MobileRegistration) -> rules.Parties:
    who = access.actor().account_id
    if registration.from_region:  # a mirror: only the host org decides here
        return rules.Parties(manages_host=access.may("member.manage", tree.get(registration.host_org_id)))
    return rules.Parties(
        is_member=registration.account_id == who,
        manages_home=access.may("member.manage", tree.get(registration.home_org_id)),
        manages_host=not registration.host_region
        and bool(registration.host_org_id)
        and access.may("member.manage", tree.get(registration.host_org_id)),
    )


class _LostRace(Exception):
    """The registration changed between our read and our conditional update."""


def _step(
    registration_id: str, step: str, changes: dict, event_type: str, extra: dict, peer: str = "", peer_actor: str = ""
) -> MobileRegistration:
    """Take step with one conditional update on (state, version); a retry of a step taken is a no-op.

    peer: the host region whose officer (peer_actor) accepted on its mirror; it stands for the host org."""
    registration = _get(registration_id)
    if step == rules.ACCEPT_INFLOW and not registration.host_org_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mobile_host_unnamed", "registration_id")
    if registration.from_region:
        from services.orgs import mobile_remote  # here: it imports this module

        return mobile_remote.request_step(registration, step, _parties(registration))
    if peer:
        if registration.host_region != peer or step != rules.ACCEPT_INFLOW:
            raise DomainError(ErrorCode.NOT_FOUND, "mobile_registration_not_found", "registration_id")
        stands = rules.Parties(manages_host=True)
    else:
        stands = _parties(registration)
    target = rules.next_state(registration.state, step, stands)
    if target is None:
        return registration
    who = f"{peer}/{peer_actor[:64]}" if peer else access.actor().account_id
    if peer:
        changes = {**changes, "accepted_by": who}
    changes = {**changes, "state": target, "active": target in rules.ACTIVE}

    def write(uow: UnitOfWork) -> None:
        matched = uow.update_one(
            MobileRegistration,
            {"_id": registration.id, "state": registration.state, "version": registration.version},
            {"$set": changes, "$inc": {"version": 1}},
        )
        if not matched:
            raise _LostRace()
        uow.emit(events.SOURCE, event_type, {**_event_data(registration), **extra}, who)
        if registration.host_region:  # the host region's mirror follows
            fresh = uow.get(MobileRegistration, registration.id)
            federation.send(uow, registration.host_region, federation.KIND_MOBILE, snapshot(fresh), who)

    try:
        atomically(registration.tenant, write)
    except _LostRace:
        # Someone else moved it first: if they took this very step, that is our answer too.
        fresh = _get(registration_id)
        if fresh.state == target:
            return fresh
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "mobile_state_invalid", "registration_id", state=fresh.state
        ) from None
    return _get(registration_id)


def accept_inflow(registration_id: str) -> MobileRegistration:
    """An admin of the named host org takes the mobile member in."""
    who = access.actor().account_id
    return _step(registration_id, rules.ACCEPT_INFLOW, {"accepted_by": who}, events.MOBILE_INFLOW_ACCEPTED, {})


def accept_inflow_for_peer(registration_id: str, peer: str, peer_actor: str) -> MobileRegistration:
    """The host region's officer accepted on its mirror (mobile_remote.py): the home region takes the step."""
    return _step(registration_id, rules.ACCEPT_INFLOW, {}, events.MOBILE_INFLOW_ACCEPTED, {}, peer, peer_actor)


def end_period(registration_id: str, returned_on: str = "", note: str = "") -> MobileRegistration:
    """The member is back (or the home org closes the period)."""
    registration = _get(registration_id)
    day = _day(returned_on, "returned_on") if returned_on else dt.date.today()
    rules.check_return(_day(registration.left_on, "left_on"), day, dt.date.today())
    note = rules.check_text(note, "note", rules.MAX_REASON, required=False)
    who = access.actor().account_id
    changes = {"ended_by": who, "returned_on": day.isoformat(), "end_note": note}
    return _step(registration_id, rules.END, changes, events.MOBILE_PERIOD_ENDED, {"returned_on": day.isoformat()})


def submit_report(registration_id: str, text: str) -> MobileReport:
    """The mobile member reports back to the home org (only the member, only while the period lasts)."""
    registration = _get(registration_id)
    who = access.actor().account_id
    if registration.account_id != who:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if registration.state not in rules.ACTIVE:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "mobile_state_invalid", "registration_id", state=registration.state
        )
    text = rules.check_text(text, "text", rules.MAX_REPORT, required=True)
    report = MobileReport(
        tenant=registration.tenant,
        registration_id=str(registration.id),
        account_id=who,
        home_org_id=registration.home_org_id,
        text=text,
        submitted_at=utcnow(),
    )

    def write(uow: UnitOfWork) -> MobileReport:
        uow.insert(report)
        data = {**_event_data(registration), "report_id": str(report.id)}
        uow.emit(events.SOURCE, events.MOBILE_REPORT_SUBMITTED, data, who)
        return report

    return atomically(registration.tenant, write)


def list_reports(registration_id: str, page_size: int, cursor: str):
    """Reports of one registration: for the member and the home org (not the host)."""
    registration = _get(registration_id)
    if not _reads_home(registration):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    query = MobileReport.in_tenant(registration.tenant).filter(registration_id=str(registration.id))
    return page(query, page_size, cursor)


def snapshot(registration: MobileRegistration, home_org_name: str = "") -> dict:
    """The home region's registration as the host region's mirror keeps it (mobile_remote.py)."""
    return {
        "registration_id": str(registration.id),
        "version": registration.version,
        "state": registration.state,
        "display_name": registration.display_name,
        "home_org_id": registration.home_org_id,
        "home_org_name": home_org_name or federation.org_name(registration.tenant, registration.home_org_id),
        "host_org_id": registration.host_org_id,
        "destination": registration.destination,
        "reason": registration.reason,
        "left_on": registration.left_on,
        "expected_return_on": registration.expected_return_on,
        "returned_on": registration.returned_on,
        "phone": registration.contact_phone,
    }


def _event_data(registration: MobileRegistration) -> dict:
    return {
        "registration_id": str(registration.id),
        "membership_id": registration.membership_id,
        "account_id": registration.account_id,
        "home_org_id": registration.home_org_id,
        "host_org_id": registration.host_org_id,
    }
