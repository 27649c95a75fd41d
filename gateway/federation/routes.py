"""Federation over HTTP.

- `/federation/v1/…`: what peer regions call here. No bearer token: the request's signature is the
  credential. Identity admits it (allow-list, signature, digest, time, nonce: services/identity/federation.py)
  and answers a one-minute token of the actor `region:<peer>`, with which the gateway calls the service.
- `/api/v1/federation/…`: the central office's views across regions, for its auditors: statistics merged
  from every region (each computes its own; no personal data moves) and an audited person search. Every
  call to a peer is audited here (federation.out) and at the peer (federation.in).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, client_address
from gateway.clients import as_json
from gateway.federation.client import PeerCaller
from gateway.routes.common import Body
from jiceng.content.v1 import education_pb2 as cpb
from jiceng.identity.v1 import federation_pb2 as ipb
from jiceng.orgs.v1 import federation_pb2 as opb
from kernel import authz
from kernel.errors import DomainError, ErrorCode

Period = Annotated[
    str,
    Query(max_length=7, pattern=r"^(\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?)?$", description="'2026-Q3', '2026-07' or '2026'"),
]
SIGNED_HEADERS = ("signature", "signature-input", "content-digest", "jiceng-to")

inbound = APIRouter(prefix="/federation/v1", tags=["federation (peer regions)"])
central = APIRouter(prefix="/api/v1/federation", tags=["federation (central office)"])


# -- models ------------------------------------------------------------------------------------------------


class MessageIn(BaseModel):
    message_id: Annotated[str, Field(min_length=1, max_length=64)]
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    body: dict


class Acknowledged(BaseModel):
    acknowledged: bool = True


class DescribedOrgOut(BaseModel):
    org_id: str
    name: str
    type: str
    dissolved: bool


class LifeOut(BaseModel):
    orgs_required: int = Field(0, description="Orgs with a required meeting (三会一课) in the period")
    orgs_missed: int = Field(0, description="…of which missed at least one")
    meetings_held: int = 0
    invited: int = Field(0, description="Invitations to held meetings")
    present: int = 0
    on_leave: int = 0


class StudyOut(BaseModel):
    assignments: int = Field(0, description="Course assignments due in the period")
    members: int = Field(0, description="Members they reach (each assignment counts its own)")
    finished: int = 0
    truncated: bool = Field(False, description="More assignments were due than one summary reads")


class RegionStatsOut(BaseModel):
    members_by_status: dict[str, int]
    orgs_by_type: dict[str, int]
    root_orgs: int
    life: LifeOut | None = Field(None, description="Org-life compliance of the period asked for")
    study: StudyOut | None = Field(None, description="Study completion of the period (null: content unavailable)")


class PeopleSearchIn(BaseModel):
    name: Annotated[str, Field(min_length=2, max_length=20)]
    phone_tail: Annotated[str, Field(max_length=4, pattern=r"^[0-9]*$")] = ""
    reason: Annotated[str, Field(min_length=4, max_length=200)]
    auditor: Annotated[str, Field(max_length=64)] = ""


class FoundPersonOut(BaseModel):
    display_name: str
    phone_masked: str
    status: str
    org_id: str
    org_name: str
    home: bool


class FoundPeopleOut(BaseModel):
    people: list[FoundPersonOut]


class SearchBody(Body):
    name: Annotated[str, Field(min_length=2, max_length=20, description="The person's name, exactly")]
    phone_tail: Annotated[str, Field(max_length=4, pattern=r"^[0-9]*$", description="Last digits of the phone")] = ""
    reason: Annotated[str, Field(min_length=4, max_length=200, description="Why (kept in every region's audit log)")]


class RegionFoundOut(FoundPersonOut):
    region: str


class CentralSearchOut(BaseModel):
    people: list[RegionFoundOut]
    unavailable: list[str] = Field(description="Regions that could not be asked now")


class CentralStatsOut(BaseModel):
    total: RegionStatsOut
    regions: dict[str, RegionStatsOut]
    unavailable: list[str] = Field(description="Regions that could not be asked now: not in the total")


# -- inbound: peer regions calling this region -----------------------------------------------------------


async def _admit(request: Request, subject: str) -> tuple[str, bytes]:
    """The token to act for the calling peer, and the body it signed; 401 if the request does not verify."""
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    message = ipb.AdmitPeerRequestRequest(
        method=request.method,
        path=path,
        headers={h: request.headers.get(h, "") for h in SIGNED_HEADERS},
        body=body,
        subject=subject,
    )
    services = request.app.state.services
    refusals, address = request.app.state.limiters["federation_refusals"], client_address(request)
    refusals.check(address)
    try:
        reply = await services.call(services.identity_federation.AdmitPeerRequest, message)
    except DomainError as err:
        if err.code is ErrorCode.UNAUTHENTICATED:
            refusals.hit(address)
        raise
    return reply.access_token, body


def _json(body: bytes) -> dict | None:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _parse(body: bytes, model: type[BaseModel], data: dict | None = None):
    """The signed body as model (data: the body already parsed); a peer's malformed message is a 400."""
    try:
        return model.model_validate(data if data is not None else _json(body))
    except ValueError:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_message_invalid", "body") from None


@inbound.post("/messages", response_model=Acknowledged, summary="A message from a peer region (relayed, idempotent)")
async def receive_message(request: Request):
    token, body = await _admit(request, "messages")
    message = _parse(body, MessageIn)
    services = request.app.state.services
    deliver = opb.DeliverRequest(
        message_id=message.message_id, kind=message.kind, body_json=json.dumps(message.body, ensure_ascii=False)
    )
    await services.call(services.orgs_federation.Deliver, deliver, token)
    return Acknowledged()


@inbound.get("/orgs/{org_id}", response_model=DescribedOrgOut, summary="An org of this region a transfer may go to")
async def describe_org(org_id: str, request: Request):
    token, _ = await _admit(request, "orgs.describe")
    services = request.app.state.services
    return as_json(
        await services.call(services.orgs_federation.DescribeOrg, opb.DescribeOrgRequest(org_id=org_id), token)
    )


@inbound.get("/stats", response_model=RegionStatsOut, summary="This region's statistics (the central office only)")
async def region_stats(request: Request, period: Period = ""):
    token, _ = await _admit(request, "stats")
    services = request.app.state.services
    message = opb.RegionStatsRequest(period=period)
    stats = _stats(await services.call(services.orgs_federation.RegionStats, message, token))
    if period:
        since, until = period_days(period)
        try:
            summary = await services.call(
                services.education.GetStudySummary, cpb.StudySummaryRequest(since=since, until=until), token
            )
            stats["study"] = as_json(summary)
        except DomainError as err:  # content down: the rest of the numbers still count
            if err.code not in (ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED):
                raise
    return stats


def period_days(period: str) -> tuple[str, str]:
    """'2026' / '2026-Q3' / '2026-07' as [first day, first day after) in YYYY-MM-DD."""
    year = int(period[:4])
    if len(period) == 4:
        first, months = 1, 12
    elif period[5] == "Q":
        first, months = 3 * (int(period[6]) - 1) + 1, 3
    else:
        first, months = int(period[5:7]), 1
    end_month = first + months
    end = f"{year + (end_month - 1) // 12}-{(end_month - 1) % 12 + 1:02d}-01"
    return f"{year}-{first:02d}-01", end


@inbound.post(
    "/people/search", response_model=FoundPeopleOut, summary="People by name (the central office only; audited)"
)
async def people_search(request: Request):
    data = _json(await request.body())  # the audit entry names who searches and why (the signature covers them)
    subject = (
        f"people.search by {str(data.get('auditor', ''))[:64]}: {str(data.get('reason', ''))[:100]}"
        if data
        else "people.search"
    )
    token, body = await _admit(request, subject)
    query = _parse(body, PeopleSearchIn, data)
    services = request.app.state.services
    found = await services.call(
        services.orgs_federation.FindPeople, opb.FindPeopleRequest(name=query.name, phone_tail=query.phone_tail), token
    )
    return as_json(found)


def _stats(reply) -> dict:
    return {
        "members_by_status": dict(reply.members_by_status),
        "orgs_by_type": dict(reply.orgs_by_type),
        "root_orgs": reply.root_orgs,
        "life": as_json(reply.life) if reply.HasField("life") else None,
    }


# -- the central office ---------------------------------------------------------------------------------------


def _require_auditor(who) -> None:
    if authz.CENTRAL_AUDITOR not in who.verified.actor.platform_roles:
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def peers_of(request: Request) -> PeerCaller:
    caller = request.app.state.peers
    if caller is None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "federation_not_configured")
    return caller


async def audit_outbound(
    request: Request, region: str, method: str, path: str, status: int, subject: str, who: str = "", **details: str
) -> None:
    services = request.app.state.services
    message = ipb.RecordOutboundRequest(
        to_region=region,
        method=method,
        path=path,
        status=status,
        subject=subject,
        on_behalf_of=who,
        details={k: str(v) for k, v in details.items()},
    )
    await services.call(services.identity_federation.RecordOutbound, message)


async def _ask_each(request: Request, method: str, path: str, payload: dict | None, subject: str, who: str, **details):
    """Ask every regional peer at once: {region: body} of those that answered 200, and the others."""
    peers = peers_of(request)
    regions = [p.region for p in peers.peers.regions()]

    async def ask(region: str):
        try:
            status, body = await peers.call(region, method, path, payload)
        except DomainError:
            status, body = 0, {}
        await audit_outbound(request, region, method, path, status, subject, who, **details)
        return region, status, body

    answers = await asyncio.gather(*(ask(r) for r in regions))
    ok = {region: body for region, status, body in answers if status == 200}
    return ok, sorted(region for region, status, _ in answers if status != 200)


@central.get(
    "/stats",
    response_model=CentralStatsOut,
    summary="Members by status and orgs by type, per region and merged (central auditors)",
)
async def central_stats(request: Request, who: CallerDep, period: Period = ""):
    _require_auditor(who)
    path = f"/stats?period={quote(period)}" if period else "/stats"
    answered, unavailable = await _ask_each(request, "GET", path, None, "stats", who.account_id)
    total = {
        "members_by_status": {},
        "orgs_by_type": {},
        "root_orgs": 0,
        "life": LifeOut() if period else None,
        "study": StudyOut() if period else None,
    }
    regions = {}
    for region, body in answered.items():
        stats = RegionStatsOut.model_validate(body)
        regions[region] = stats
        for key in ("members_by_status", "orgs_by_type"):
            for k, v in getattr(stats, key).items():
                total[key][k] = total[key].get(k, 0) + v
        total["root_orgs"] += stats.root_orgs
        if period and stats.life is not None:
            for k in LifeOut.model_fields:
                setattr(total["life"], k, getattr(total["life"], k) + getattr(stats.life, k))
        if period and stats.study is not None:
            for k in ("assignments", "members", "finished"):
                setattr(total["study"], k, getattr(total["study"], k) + getattr(stats.study, k))
            total["study"].truncated |= stats.study.truncated
    return {"total": total, "regions": regions, "unavailable": unavailable}


@central.post(
    "/people/search",
    response_model=CentralSearchOut,
    summary="Find a person across regions by name (central auditors; audited here and in every region)",
)
async def central_people_search(body: SearchBody, request: Request, who: CallerDep):
    _require_auditor(who)
    payload = {"name": body.name, "phone_tail": body.phone_tail, "reason": body.reason, "auditor": who.account_id}
    answered, unavailable = await _ask_each(
        request, "POST", "/people/search", payload, "people.search", who.account_id, name=body.name, reason=body.reason
    )
    people = [
        {**person, "region": region}
        for region, found in sorted(answered.items())
        for person in FoundPeopleOut.model_validate(found).model_dump()["people"]
    ]
    return {"people": people, "unavailable": unavailable}
