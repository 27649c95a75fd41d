"""orgs across regions: transfers to and from another region, and what the central office may ask.

A cross-region transfer runs the same state machine (domain/transfer.py) with one authority: the
**outgoing region's** transfer. The incoming region keeps a *mirror* of it (a Transfer with
`from_region` set), on which its secretaries decide; their decision travels back as a step request,
and the outgoing region takes the step on its transfer as if they were local:

    outgoing region (authority)                      incoming region (mirror)
    request ───────────── snapshot v1 ─────────────▶ mirror: requested (its incoming list)
    approve_out ───────── snapshot v2 + dossier ───▶ mirror: approved_out, dossier to read
                ◀──────── step accept_in ─────────── secretary accepts (account found or made by phone)
    accept_in: membership transferred_out,
    transfer completed ── snapshot v3 ─────────────▶ mirror completed, membership created here (home)

Messages go through orgs' outbox as events `federation.<peer>` (in the transaction of the change they
announce), which the federation relay (gateway/federation/relay.py) signs and delivers to the peer's
gateway until the peer acknowledges: a peer that is down gets them when it is back, in order. Both kinds
are idempotent: a snapshot is applied only if its version is newer than the mirror's, a step already
taken is a no-op — so a redelivered message changes nothing.

Exactly one home: the incoming region creates the membership only from the *completed* snapshot, which
the outgoing region sends in the very transaction that marks its membership transferred_out. Until then
the outgoing membership is the home; from then on its transfer names the incoming org as the home, and the
incoming membership appears when the snapshot arrives (tests/e2e/test_federation.py checks this at every
observed moment, with the incoming region stopped and restarted mid-transfer).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import grpc
from pymongo.errors import DuplicateKeyError

from jiceng.identity.v1 import federation_pb2, federation_pb2_grpc, identity_pb2, identity_pb2_grpc
from kernel import context
from kernel import federation as fed
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.orgs import events, tree
from services.orgs import life as life_area
from services.orgs.domain import life as life_rules
from services.orgs.domain import pipeline
from services.orgs.store import AttendanceSnapshot, AttendanceTally, Membership, Org, Person, StatusStep

KIND_TRANSFER = "transfer"  # a snapshot of the authority's transfer, to the incoming region
KIND_TRANSFER_STEP = "transfer_step"  # a step the incoming region's secretary took, to the authority
KIND_MOBILE = "mobile"  # a snapshot of a mobile member's registration at home, to the host region
KIND_MOBILE_STEP = "mobile_step"  # the host region's officer accepted the inflow, to the home region
KINDS = (KIND_TRANSFER, KIND_TRANSFER_STEP, KIND_MOBILE, KIND_MOBILE_STEP)
_REGION = re.compile(r"^[a-z][a-z0-9-]{1,31}$")

_identity: federation_pb2_grpc.FederationServiceStub | None = None
_accounts: identity_pb2_grpc.IdentityServiceStub | None = None
_timeout = 15.0


def configure(identity_addr: str, timeout: float) -> None:
    """Where identity is: the outgoing side reads the member's phone for the dossier, the incoming side finds
    or makes the member's account by it."""
    global _identity, _accounts, _timeout
    channel = grpc.insecure_channel(identity_addr)
    _identity = federation_pb2_grpc.FederationServiceStub(channel)
    _accounts = identity_pb2_grpc.IdentityServiceStub(channel)
    _timeout = timeout


def check_region(region: str, field: str = "to_region") -> str:
    if not _REGION.match(region or "") or region == context.current().tenant:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_region_unknown", field, region=region)
    return region


# -- outbound ---------------------------------------------------------------------------------------


def send(uow: UnitOfWork, region: str, kind: str, body: dict[str, Any], actor_id: str = "") -> None:
    """Queue a message to a peer region in uow's transaction (delivered by the relay, at least once)."""
    message = {"message_id": uuid.uuid4().hex, "kind": kind, "body": body}
    uow.emit(events.SOURCE, events.FEDERATION_PREFIX + region, message, actor_id)


def take_or_answer(region: str, kind: str, take: Callable[[], Any], current: Callable[[], dict]) -> None:
    """Take the step a peer's officer asked for on its mirror; one that can no longer be taken (the transfer
    cancelled, the period ended meanwhile) is answered with the current snapshot (kind), so the mirror learns
    why instead of waiting."""
    try:
        take()
    except DomainError as err:
        if err.code is not ErrorCode.FAILED_PRECONDITION:
            raise
        snap = current()
        atomically(context.current().tenant, lambda uow: send(uow, region, kind, snap))


def read_contact(account_id: str, org_id: str, purpose: str) -> federation_pb2.TransferContact:
    """The leaving member's phone, from identity, with the caller's rights (audited there)."""
    if _identity is None:
        raise DomainError(ErrorCode.UNAVAILABLE, "federation_not_configured")
    request = federation_pb2.ReadTransferContactRequest(account_id=account_id, org_id=org_id, purpose=purpose)
    return context.call_as_caller(_identity.ReadTransferContact, request, _timeout)


def ensure_account(phone: str, display_name: str) -> str:
    """The account of an arriving member here, found or made by phone, with the caller's rights (the
    incoming org's secretary accepting: identity allows those who manage members)."""
    if _accounts is None:
        raise DomainError(ErrorCode.UNAVAILABLE, "federation_not_configured")
    request = identity_pb2.EnsureAccountsRequest(
        people=[identity_pb2.AccountToEnsure(phone=phone, display_name=display_name)], create_missing=True
    )
    reply = context.call_as_caller(_accounts.EnsureAccounts, request, _timeout)
    return reply.accounts[0].account_id


def local_org(org_id: str) -> Org | None:
    """The org of this region a peer's snapshot names, if it exists and is not dissolved."""
    try:
        org = tree.get(org_id)
    except DomainError:
        return None
    return None if org.dissolved else org


class _Raced(Exception):
    """Another delivery changed the mirror between our read and our conditional write."""


_ATTEMPTS = 4


def follow(
    model: type[TenantDocument],
    region: str,
    remote_id: str,
    version: int,
    fields: dict[str, Any],
    make: Callable[[], TenantDocument],
    changed: Callable[[UnitOfWork, Any, Any], None],
) -> None:
    """Create or advance this region's mirror of a peer's transfer or registration to a snapshot's version.

    A snapshot no newer than the mirror changes nothing (a redelivery, or one overtaken by a newer). Otherwise
    one insert (unique by region and remote id: make() is the new mirror) or one update conditional on the
    mirror's version writes `fields` (None values left out); a delivery that loses the race decides again on
    what won. changed(uow, before, mirror_id) runs in the same transaction (before: the mirror as it was, None
    when just made)."""
    tenant = context.current().tenant
    settable = {k: v for k, v in fields.items() if v is not None}
    for _ in range(_ATTEMPTS):
        mirror = model.in_tenant(tenant).filter(from_region=region, remote_id=remote_id).first()
        if mirror is not None and mirror.version >= version:
            return

        def write(uow: UnitOfWork, before=mirror) -> None:
            if before is None:
                mirror_id = uow.insert(make()).id
                uow.update_one(model, {"_id": mirror_id}, {"$set": settable})
            elif uow.update_one(model, {"_id": before.id, "version": before.version}, {"$set": settable}):
                mirror_id = before.id
            else:
                raise _Raced()
            changed(uow, before, mirror_id)

        try:
            atomically(tenant, write)
            return
        except (_Raced, DuplicateKeyError):
            continue
    raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_busy", "body")


def org_name(tenant: str, org_id: str) -> str:
    """An org's name for a snapshot ("" if it is gone)."""
    org = Org.in_tenant(tenant).filter(id=org_id).only("name").first()
    return org.name if org else ""


# -- dossier (de)serialization: JSON over the wire -------------------------------------------------


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def parse_when(value: str) -> dt.datetime:
    """A peer's ISO time as stored here (naive UTC); now if it sent none or nonsense."""
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=None) if value else utcnow()
    except (TypeError, ValueError):
        return utcnow()


def attendance_out(a: AttendanceSnapshot | None) -> dict | None:
    if a is None:
        return None

    def tally(t: AttendanceTally) -> dict:
        return {"meeting_type": t.meeting_type, "invited": t.invited, "attended": t.attended, "on_leave": t.on_leave}

    return {
        "since": _iso(a.since),
        "until": _iso(a.until),
        "total": tally(a.total),
        "by_type": [tally(t) for t in a.by_type],
    }


def attendance_in(raw: dict | None) -> AttendanceSnapshot | None:
    if not raw:
        return None

    def tally(t: dict) -> AttendanceTally:
        return AttendanceTally(
            meeting_type=str(t.get("meeting_type", "")),
            invited=int(t.get("invited", 0)),
            attended=int(t.get("attended", 0)),
            on_leave=int(t.get("on_leave", 0)),
        )

    return AttendanceSnapshot(
        since=parse_when(raw.get("since", "")),
        until=parse_when(raw.get("until", "")),
        total=tally(raw.get("total") or {}),
        by_type=[tally(t) for t in raw.get("by_type") or []],
    )


def dossier_out(membership: Membership, phone: str, from_region: str) -> dict:
    """What the incoming region keeps of the member: status, history (with this region's ids marked as
    ours), dues paid up to, and the phone that finds the member's account there."""
    return {
        "phone": phone,
        "display_name": membership.display_name,
        "status": membership.status,
        "status_since": membership.status_since,
        "dues_paid_up_to": membership.dues_paid_up_to,
        "history": [
            {
                "status": s.status,
                "effective_on": s.effective_on,
                "approved_by": f"{from_region}/{s.approved_by}" if s.approved_by else "",
                "org_id": f"{from_region}/{s.org_id}" if s.org_id else "",
                "note": s.note,
                "recorded_at": _iso(s.recorded_at),
                "attendance": attendance_out(s.attendance),
            }
            for s in membership.history
        ],
    }


def history_in(raw: list[dict]) -> list[StatusStep]:
    return [
        StatusStep(
            status=str(s.get("status", "")),
            effective_on=str(s.get("effective_on", "")),
            approved_by=str(s.get("approved_by", "")),
            org_id=str(s.get("org_id", "")),
            note=str(s.get("note", ""))[:500],
            recorded_at=parse_when(s.get("recorded_at", "")),
            attendance=attendance_in(s.get("attendance")),
        )
        for s in raw
        if s.get("status") in pipeline.STATUSES
    ]


# -- region statistics and person search, for the central office ------------------------------------


def region_stats(period_text: str = "") -> dict:
    """Members by status and orgs by type of the whole region: the sum of its root orgs' subtree counters
    (each org keeps its subtree's counts, so this reads the roots only); with a period, the org-life
    compliance of the region in numbers (orgs with required meetings, those that missed one, meetings held,
    attendance). Nothing personal."""
    fed.calling_central()
    tenant = context.current().tenant
    period = life_rules.parse_period(period_text) if period_text else None
    members: dict[str, int] = {}
    orgs: dict[str, int] = {}
    life = {"orgs_required": 0, "orgs_missed": 0, "meetings_held": 0, "invited": 0, "present": 0, "on_leave": 0}
    roots = 0
    for root in Org.in_tenant(tenant).filter(parent_id="", dissolved=False):
        roots += 1
        for k, v in (root.members_by_status or {}).items():
            members[k] = members.get(k, 0) + int(v)
        for k, v in (root.orgs_by_type or {}).items():
            orgs[k] = orgs.get(k, 0) + int(v)
        if period is not None:
            report = life_area.compliance_of(root, period)
            life["orgs_required"] += sum(1 for o in report.orgs if o.compliance.items)
            life["orgs_missed"] += sum(1 for o in report.orgs if o.compliance.missed)
            life["meetings_held"] += sum(o.meetings_held for o in report.orgs)
            life["invited"] += report.total.invited
            life["present"] += report.total.present
            life["on_leave"] += report.total.on_leave
    return {"members_by_status": members, "orgs_by_type": orgs, "root_orgs": roots, "life": life if period else None}


MAX_FOUND = 20


def find_people(name: str, phone_masked_tail: str = "") -> list[dict]:
    """People of this region by exact display name (the central office's audited search): their home org
    and status; the phone masked. The admission of the request is audited by identity with its reason."""
    fed.calling_central()
    tenant = context.current().tenant
    rows = list(Membership.in_tenant(tenant).filter(display_name=name).limit(MAX_FOUND))
    accounts = [m.account_id for m in rows]
    masked = {p.account_id: p.phone_masked for p in Person.in_tenant(tenant).filter(account_id__in=accounts)}
    names = {o.id: o.name for o in Org.in_tenant(tenant).filter(id__in=[m.org_id for m in rows]).only("name")}
    return [
        {
            "display_name": m.display_name,
            "phone_masked": masked.get(m.account_id, ""),
            "status": m.status,
            "org_id": m.org_id,
            "org_name": names.get(m.org_id, ""),
            "home": m.status in pipeline.ACTIVE,
        }
        for m in rows
        if masked.get(m.account_id, "").endswith(phone_masked_tail)
    ]
