"""The member's rights over their data (docs/privacy.md): a copy of everything the region holds about them,
gathered from every service, and the deletion of their account."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, client_address
from gateway.ratelimit import RateLimiter
from gateway.routes.common import Body
from jiceng.privacy.v1 import privacy_pb2 as pb
from kernel import authz
from kernel.errors import DomainError, ErrorCode

router = APIRouter(prefix="/api/v1", tags=["privacy"])

EXPORTS_PER_HOUR = 5  # an export reads every service's collections: a few an hour is all anyone needs
DELETIONS_PER_HOUR = 10  # attempts (a wrong password counts towards identity's lockout as well)


def _limit(request: Request, name: str, per_hour: int, key: str) -> None:
    limiters = request.app.state.limiters
    if name not in limiters:
        limiters[name] = RateLimiter(per_hour, window_seconds=3600.0)
    limiters[name].hit(key)


def _person(who: CallerDep) -> str:
    account_id = who.account_id
    if account_id.startswith(authz.APP_PREFIX) or account_id.startswith(authz.PEER_PREFIX):
        raise DomainError(ErrorCode.PERMISSION_DENIED)  # a webhook app or a peer region is nobody's account
    return account_id


class ExportOut(BaseModel):
    account_id: str
    exported_at: str
    services: dict[str, dict[str, Any]] = Field(description="each service's part: its records naming me, and more")


@router.get(
    "/me/export",
    response_model=ExportOut,
    summary="Everything the region holds about me, from every service (PIPL: access and copy)",
)
async def export(request: Request, who: CallerDep):
    account_id = _person(who)
    _limit(request, "exports", EXPORTS_PER_HOUR, account_id)
    services = request.app.state.services.on_behalf_of(client_address(request))
    names = list(services.person_data)
    # identity first and alone: it audits the export, and refuses a deleted account before anyone reads
    replies = [
        await services.call(services.person_data["identity"].ExportPersonData, pb.ExportPersonDataRequest(), who.token)
    ]
    others = [n for n in names if n != "identity"]
    replies += await asyncio.gather(
        *(
            services.call(services.person_data[n].ExportPersonData, pb.ExportPersonDataRequest(), who.token)
            for n in others
        )
    )
    return ExportOut(
        account_id=account_id,
        exported_at=dt.datetime.now(dt.UTC).isoformat(),
        services={r.service: json.loads(r.json) for r in replies},
    )


class DeletionBody(Body):
    password: str = Field("", max_length=128, description="the account's password, or")
    code: str = Field("", max_length=16, description="a login code just sent to the phone (/auth/codes, purpose login)")


class DeletionOut(BaseModel):
    account_id: str
    deleted: bool


@router.post(
    "/me/deletion",
    response_model=DeletionOut,
    summary="Delete my account (password or SMS code again); kept records are anonymized (docs/privacy.md)",
)
async def delete_account(body: DeletionBody, request: Request, who: CallerDep):
    account_id = _person(who)
    _limit(request, "deletions", DELETIONS_PER_HOUR, account_id)
    if not body.password and not body.code:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "reauth_required", "password")
    services = request.app.state.services.on_behalf_of(client_address(request))
    checks = await asyncio.gather(
        *(
            services.call(stub.CheckDeletion, pb.CheckDeletionRequest(), who.token)
            for stub in services.person_data.values()
        )
    )
    for check in checks:
        for blocker in check.blockers:  # an office held, an open transfer: refused before anything changes
            if blocker.key == "account_in_transfer":
                raise DomainError(ErrorCode.FAILED_PRECONDITION, "account_in_transfer")
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "account_holds_office", roles=blocker.params["roles"])
    request_ = pb.DeleteAccountRequest(password=body.password, code=body.code)
    reply = await services.call(services.person_data["identity"].DeleteAccount, request_, who.token)
    request.app.state.erased.add(reply.account_id)  # this process at once; the others from the event
    return DeletionOut(account_id=reply.account_id, deleted=True)
