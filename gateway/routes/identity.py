"""Identity over HTTP: sign-up, login, sessions, passwords, roles, personal data, audit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, client_address
from gateway.routes.common import Body, Id
from jiceng.identity.v1 import identity_pb2 as pb

router = APIRouter(prefix="/api/v1")

Phone = Annotated[str, Field(min_length=1, max_length=32, examples=["13800000001"])]
Code = Annotated[str, Field(min_length=1, max_length=12, examples=["123456"])]
Password = Annotated[str, Field(min_length=1, max_length=128)]


# -- request bodies ---------------------------------------------------------------------------------


class CodeRequest(Body):
    phone: Phone
    purpose: Literal["login", "register", "reset_password"]


class RegisterRequest(Body):
    phone: Phone
    code: Code
    password: Password
    display_name: Annotated[str, Field(max_length=64)] = ""


class LoginRequest(Body):
    phone: Phone
    password: Password


class CodeLoginRequest(Body):
    phone: Phone
    code: Code


class RefreshRequest(Body):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class ChangePasswordRequest(Body):
    current_password: Password
    new_password: Password


class ResetPasswordRequest(Body):
    phone: Phone
    code: Code
    new_password: Password


class GrantRequest(Body):
    account_id: Id
    role: Annotated[str, Field(min_length=1, max_length=64, examples=["secretary"])]
    org_id: Annotated[str, Field(max_length=64)] = ""


class PersonalDataRequest(Body):
    real_name: Annotated[str, Field(min_length=1, max_length=64)]
    id_card_number: Annotated[str, Field(min_length=1, max_length=32)]


# -- responses --------------------------------------------------------------------------------------


class RoleGrantOut(BaseModel):
    id: str
    account_id: str
    role: str
    org_id: str
    granted_by: str
    granted_at: dt.datetime | None


class AccountOut(BaseModel):
    id: str
    phone_masked: str
    display_name: str
    has_password: bool
    platform_roles: list[str]
    roles: list[RoleGrantOut]
    created_at: dt.datetime | None


class SessionOut(BaseModel):
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    access_token: str
    expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime
    account: AccountOut


class CodeOut(BaseModel):
    expires_in_seconds: int
    resend_after_seconds: int


class RevokedOut(BaseModel):
    sessions_revoked: int


class OkOut(BaseModel):
    ok: bool = True


class GrantsOut(BaseModel):
    grants: list[RoleGrantOut]


class DecisionOut(BaseModel):
    allowed: bool
    role: str = ""
    org_id: str = ""


class PersonalDataOut(BaseModel):
    account_id: str
    real_name: str
    id_card_number: str
    unmasked: bool


class AuditEntryOut(BaseModel):
    id: str
    at: dt.datetime | None
    action: str
    actor_id: str
    target_id: str
    request_id: str
    outcome: str
    details: dict[str, str]


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_cursor: str


def _time(ts) -> dt.datetime | None:
    return ts.ToDatetime(tzinfo=dt.UTC) if ts.seconds or ts.nanos else None


def grant_out(g: pb.RoleGrant) -> RoleGrantOut:
    return RoleGrantOut(
        id=g.id,
        account_id=g.account_id,
        role=g.role,
        org_id=g.org_id,
        granted_by=g.granted_by,
        granted_at=_time(g.granted_at),
    )


def account_out(a: pb.Account) -> AccountOut:
    return AccountOut(
        id=a.id,
        phone_masked=a.phone_masked,
        display_name=a.display_name,
        has_password=a.has_password,
        platform_roles=list(a.platform_roles),
        roles=[grant_out(g) for g in a.roles],
        created_at=_time(a.created_at),
    )


def session_out(s: pb.Session) -> SessionOut:
    return SessionOut(
        access_token=s.access_token,
        expires_at=_time(s.access_expires_at),
        refresh_token=s.refresh_token,
        refresh_expires_at=_time(s.refresh_expires_at),
        account=account_out(s.account),
    )


_PURPOSES = {
    "login": pb.CODE_PURPOSE_LOGIN,
    "register": pb.CODE_PURPOSE_REGISTER,
    "reset_password": pb.CODE_PURPOSE_RESET_PASSWORD,
}


def _limit(request: Request, bucket: str, key: str = "") -> None:
    limiter = request.app.state.limiters[bucket]
    limiter.hit(f"{client_address(request)}|{key}")


def _identity(request: Request):
    return request.app.state.services.on_behalf_of(client_address(request))


# -- routes -----------------------------------------------------------------------------------------


@router.post("/auth/codes", response_model=CodeOut, tags=["auth"], summary="Send a one-time code by SMS")
async def request_code(body: CodeRequest, request: Request):
    _limit(request, "codes")
    _limit(request, "codes", body.phone)
    services = _identity(request)
    reply = await services.call(
        services.identity.RequestCode, pb.RequestCodeRequest(phone=body.phone, purpose=_PURPOSES[body.purpose])
    )
    return CodeOut(expires_in_seconds=reply.expires_in_seconds, resend_after_seconds=reply.resend_after_seconds)


@router.post("/auth/register", response_model=SessionOut, status_code=201, tags=["auth"])
async def register(body: RegisterRequest, request: Request):
    _limit(request, "auth")
    services = _identity(request)
    reply = await services.call(
        services.identity.Register,
        pb.RegisterRequest(phone=body.phone, code=body.code, password=body.password, display_name=body.display_name),
    )
    return session_out(reply)


@router.post("/auth/login", response_model=SessionOut, tags=["auth"], summary="Log in with phone and password")
async def login(body: LoginRequest, request: Request):
    _limit(request, "auth")
    services = _identity(request)
    return session_out(
        await services.call(services.identity.Login, pb.LoginRequest(phone=body.phone, password=body.password))
    )


@router.post("/auth/login/code", response_model=SessionOut, tags=["auth"], summary="Log in with an SMS code")
async def login_with_code(body: CodeLoginRequest, request: Request):
    _limit(request, "auth")
    services = _identity(request)
    reply = await services.call(
        services.identity.LoginWithCode, pb.LoginWithCodeRequest(phone=body.phone, code=body.code)
    )
    return session_out(reply)


@router.post("/auth/refresh", response_model=SessionOut, tags=["auth"], summary="Rotate the refresh token")
async def refresh(body: RefreshRequest, request: Request):
    _limit(request, "auth")
    services = _identity(request)
    return session_out(
        await services.call(services.identity.Refresh, pb.RefreshRequest(refresh_token=body.refresh_token))
    )


@router.post("/auth/logout", response_model=RevokedOut, tags=["auth"], summary="End this session")
async def logout(body: RefreshRequest, request: Request):
    services = _identity(request)
    reply = await services.call(services.identity.Logout, pb.LogoutRequest(refresh_token=body.refresh_token))
    return RevokedOut(sessions_revoked=reply.sessions_revoked)


@router.post("/auth/logout-everywhere", response_model=RevokedOut, tags=["auth"], summary="End every session")
async def logout_everywhere(request: Request, who: CallerDep):
    services = _identity(request)
    reply = await services.call(services.identity.LogoutEverywhere, pb.LogoutEverywhereRequest(), who.token)
    return RevokedOut(sessions_revoked=reply.sessions_revoked)


@router.post("/auth/password/change", response_model=OkOut, tags=["auth"])
async def change_password(body: ChangePasswordRequest, request: Request, who: CallerDep):
    _limit(request, "auth")
    services = _identity(request)
    await services.call(
        services.identity.ChangePassword,
        pb.ChangePasswordRequest(current_password=body.current_password, new_password=body.new_password),
        who.token,
    )
    return OkOut()


@router.post("/auth/password/reset", response_model=OkOut, tags=["auth"], summary="Set a new password with an SMS code")
async def reset_password(body: ResetPasswordRequest, request: Request):
    _limit(request, "auth")
    services = _identity(request)
    await services.call(
        services.identity.ResetPassword,
        pb.ResetPasswordRequest(phone=body.phone, code=body.code, new_password=body.new_password),
    )
    return OkOut()


@router.get("/me", response_model=AccountOut, tags=["accounts"], summary="The logged-in account")
async def me(request: Request, who: CallerDep):
    services = _identity(request)
    return account_out(await services.call(services.identity.GetMe, pb.GetMeRequest(), who.token))


@router.put("/me/personal-data", response_model=PersonalDataOut, tags=["accounts"])
async def set_personal_data(body: PersonalDataRequest, request: Request, who: CallerDep):
    services = _identity(request)
    reply = await services.call(
        services.identity.SetPersonalData,
        pb.SetPersonalDataRequest(real_name=body.real_name, id_card_number=body.id_card_number),
        who.token,
    )
    return PersonalDataOut(
        account_id=reply.account_id,
        real_name=reply.real_name,
        id_card_number=reply.id_card_number,
        unmasked=reply.unmasked,
    )


@router.get(
    "/accounts/{account_id}/personal-data",
    response_model=PersonalDataOut,
    tags=["accounts"],
    summary="Read personal data (masked unless unmask=true with a reason; every unmasked read is audited)",
)
async def get_personal_data(
    account_id: Id,
    request: Request,
    who: CallerDep,
    unmask: bool = False,
    reason: Annotated[str, Query(max_length=200)] = "",
):
    services = _identity(request)
    target = who.account_id if account_id == "me" else account_id
    reply = await services.call(
        services.identity.GetPersonalData,
        pb.GetPersonalDataRequest(account_id=target, unmask=unmask, reason=reason),
        who.token,
    )
    return PersonalDataOut(
        account_id=reply.account_id,
        real_name=reply.real_name,
        id_card_number=reply.id_card_number,
        unmasked=reply.unmasked,
    )


@router.post("/roles", response_model=RoleGrantOut, status_code=201, tags=["roles"], summary="Grant a role")
async def grant_role(body: GrantRequest, request: Request, who: CallerDep):
    services = _identity(request)
    reply = await services.call(
        services.identity.GrantRole,
        pb.GrantRoleRequest(account_id=body.account_id, role=body.role, org_id=body.org_id),
        who.token,
    )
    return grant_out(reply)


@router.delete("/roles/{grant_id}", response_model=OkOut, tags=["roles"], summary="Revoke a role grant")
async def revoke_role(grant_id: Id, request: Request, who: CallerDep):
    services = _identity(request)
    await services.call(services.identity.RevokeRole, pb.RevokeRoleRequest(grant_id=grant_id), who.token)
    return OkOut()


@router.get("/accounts/{account_id}/roles", response_model=GrantsOut, tags=["roles"])
async def list_roles(account_id: Id, request: Request, who: CallerDep):
    services = _identity(request)
    target = "" if account_id == "me" else account_id
    reply = await services.call(services.identity.ListRoles, pb.ListRolesRequest(account_id=target), who.token)
    return GrantsOut(grants=[grant_out(g) for g in reply.grants])


@router.get("/authz/check", response_model=DecisionOut, tags=["roles"], summary="May this account do action on org?")
async def check_permission(
    request: Request,
    who: CallerDep,
    action: Annotated[str, Query(min_length=1, max_length=64, examples=["member.manage"])],
    org_id: Annotated[str, Query(min_length=1, max_length=64)],
    account_id: Annotated[str, Query(max_length=64)] = "",
):
    services = _identity(request)
    reply = await services.call(
        services.identity.CheckPermission,
        pb.CheckPermissionRequest(account_id=account_id, action=action, org_id=org_id),
        who.token,
    )
    return DecisionOut(allowed=reply.allowed, role=reply.via.role, org_id=reply.via.org_id)


@router.get(
    "/audit", response_model=AuditPageOut, tags=["audit"], summary="Security audit log (region admins, auditors)"
)
async def list_audit(
    request: Request,
    who: CallerDep,
    action: Annotated[str, Query(max_length=64)] = "",
    actor_id: Annotated[str, Query(max_length=64)] = "",
    target_id: Annotated[str, Query(max_length=64)] = "",
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=64)] = "",
):
    services = _identity(request)
    reply = await services.call(
        services.identity.ListAuditEntries,
        pb.ListAuditEntriesRequest(
            action=action, actor_id=actor_id, target_id=target_id, page_size=page_size, cursor=cursor
        ),
        who.token,
    )
    entries = [
        AuditEntryOut(
            id=e.id,
            at=_time(e.at),
            action=e.action,
            actor_id=e.actor_id,
            target_id=e.target_id,
            request_id=e.request_id,
            outcome=e.outcome,
            details=dict(e.details),
        )
        for e in reply.entries
    ]
    return AuditPageOut(entries=entries, next_cursor=reply.next_cursor)
