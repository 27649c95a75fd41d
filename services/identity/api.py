"""The gRPC servicer: translates messages to domain calls and back; no rules live here."""

from __future__ import annotations

import json

from jiceng.identity.v1 import federation_pb2 as fpb
from jiceng.identity.v1 import federation_pb2_grpc, identity_pb2_grpc
from jiceng.identity.v1 import identity_pb2 as pb
from jiceng.privacy.v1 import privacy_pb2 as privacy_pb
from kernel import context, person_data
from kernel import federation as fed
from kernel.wire import timestamp
from services.identity import accounts, app_tokens, audit, deletion, federation, roles
from services.identity.domain import phone as phones
from services.identity.personal_data import PersonalDataVault, PersonalDataView
from services.identity.sessions import OpenedSession, Sessions
from services.identity.store import Account, AuditEntry, RoleGrant

SERVICE = "jiceng.identity.v1.IdentityService"
ANONYMOUS = {
    f"/{SERVICE}/{m}"
    for m in (
        "RequestCode",
        "Register",
        "Login",
        "LoginWithCode",
        "Refresh",
        "Logout",
        "ResetPassword",
        "GetJwks",
        "ExchangeAppToken",
    )
}

FEDERATION_SERVICE = "jiceng.identity.v1.FederationService"
FEDERATION_ANONYMOUS = {f"/{FEDERATION_SERVICE}/{m}" for m in ("AdmitPeerRequest", "RecordOutbound", "ListPeers")}

_PURPOSES = {
    pb.CODE_PURPOSE_LOGIN: "login",
    pb.CODE_PURPOSE_REGISTER: "register",
    pb.CODE_PURPOSE_RESET_PASSWORD: "reset_password",
}


def grant_message(g: RoleGrant) -> pb.RoleGrant:
    return pb.RoleGrant(
        id=str(g.id),
        account_id=g.account_id,
        role=g.role,
        org_id=g.org_id,
        granted_by=g.granted_by,
        granted_at=timestamp(g.granted_at),
    )


def account_message(account: Account, grants: list[RoleGrant]) -> pb.Account:
    return pb.Account(
        id=str(account.id),
        phone_masked=phones.mask(account.phone),
        display_name=account.display_name,
        has_password=bool(account.password_hash),
        platform_roles=[g.role for g in grants if not g.org_id],
        roles=[grant_message(g) for g in grants if g.org_id],
        created_at=timestamp(account.created_at),
    )


def session_message(s: OpenedSession) -> pb.Session:
    return pb.Session(
        access_token=s.access.token,
        access_expires_at=timestamp(s.access.expires_at),
        refresh_token=s.refresh_token,
        refresh_expires_at=timestamp(s.refresh_expires_at),
        account=account_message(s.account, s.grants),
    )


def personal_message(v: PersonalDataView) -> pb.PersonalData:
    return pb.PersonalData(
        account_id=v.account_id, real_name=v.real_name, id_card_number=v.id_card_number, unmasked=v.unmasked
    )


def audit_message(e: AuditEntry) -> pb.AuditEntry:
    return pb.AuditEntry(
        id=str(e.id),
        at=timestamp(e.at),
        action=e.action,
        actor_id=e.actor_id,
        target_id=e.target_id,
        request_id=e.request_id,
        outcome=e.outcome,
        details=e.details,
    )


class IdentityApi(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, sessions: Sessions, vault: PersonalDataVault, jwks_json: callable):
        self.sessions = sessions
        self.vault = vault
        self.jwks_json = jwks_json

    def RequestCode(self, request, context):
        expires_in, resend_after = self.sessions.request_code(request.phone, _PURPOSES.get(request.purpose, ""))
        return pb.RequestCodeResponse(expires_in_seconds=expires_in, resend_after_seconds=resend_after)

    def Register(self, request, context):
        return session_message(
            self.sessions.register(request.phone, request.code, request.password, request.display_name)
        )

    def Login(self, request, context):
        return session_message(self.sessions.login(request.phone, request.password))

    def LoginWithCode(self, request, context):
        return session_message(self.sessions.login_with_code(request.phone, request.code))

    def Refresh(self, request, context):
        return session_message(self.sessions.refresh(request.refresh_token))

    def Logout(self, request, context):
        return pb.LogoutResponse(sessions_revoked=self.sessions.logout(request.refresh_token))

    def LogoutEverywhere(self, request, context):
        return pb.LogoutResponse(sessions_revoked=self.sessions.logout_everywhere())

    def ChangePassword(self, request, context):
        self.sessions.change_password(request.current_password, request.new_password)
        return pb.ChangePasswordResponse()

    def ResetPassword(self, request, context):
        self.sessions.reset_password(request.phone, request.code, request.new_password)
        return pb.ChangePasswordResponse()

    def GetMe(self, request, context):
        return account_message(*self.sessions.me())

    def GrantRole(self, request, context):
        return grant_message(roles.grant(request.account_id, request.role, request.org_id))

    def RevokeRole(self, request, context):
        roles.revoke(request.grant_id)
        return pb.RevokeRoleResponse()

    def ListRoles(self, request, context):
        return pb.ListRolesResponse(grants=[grant_message(g) for g in roles.list_grants(request.account_id)])

    def CheckPermission(self, request, context):
        decision = roles.check(request.account_id, request.action, request.org_id)
        via = pb.RoleGrant(role=decision.role, org_id=decision.org_id) if decision.allowed else None
        return pb.CheckPermissionResponse(allowed=decision.allowed, via=via)

    def SetPersonalData(self, request, context):
        return personal_message(self.vault.set_own(request.real_name, request.id_card_number))

    def GetPersonalData(self, request, context):
        return personal_message(self.vault.read(request.account_id, request.unmask, request.reason))

    def ListAuditEntries(self, request, context):
        entries, cursor = audit.list_entries(
            request.action, request.actor_id, request.target_id, request.page_size, request.cursor
        )
        return pb.ListAuditEntriesResponse(entries=[audit_message(e) for e in entries], next_cursor=cursor)

    def EnsureAccounts(self, request, context):
        people = [(p.phone, p.display_name) for p in request.people]
        return pb.EnsureAccountsResponse(
            accounts=[
                pb.EnsuredAccount(
                    phone=a.phone,
                    account_id=a.account_id,
                    created=a.created,
                    display_name=a.display_name,
                    phone_masked=phones.mask(a.phone),
                )
                for a in accounts.ensure(people, request.create_missing)
            ]
        )

    def GetJwks(self, request, context):
        return pb.GetJwksResponse(jwks_json=self.jwks_json())

    def IssueAppToken(self, request, context):
        row, token = app_tokens.issue(request.org_id, request.app_id, request.label, list(request.scopes))
        return pb.IssuedAppToken(info=app_token_message(row), token=token)

    def RevokeAppToken(self, request, context):
        return app_token_message(app_tokens.revoke(request.token_id))

    def ListAppTokens(self, request, context):
        return pb.ListAppTokensResponse(tokens=[app_token_message(t) for t in app_tokens.list_for(request.org_id)])

    def ExchangeAppToken(self, request, context):
        issued, _ = app_tokens.exchange(self.sessions.issuer, request.token)
        return pb.ExchangedAppToken(access_token=issued.token, access_expires_at=timestamp(issued.expires_at))


def app_token_message(t) -> pb.AppTokenInfo:
    return pb.AppTokenInfo(
        id=t.id,
        org_id=t.org_id,
        app_id=t.app_id,
        label=t.label,
        scopes=t.scopes,
        created_by=t.created_by,
        created_at=timestamp(t.created_at),
        revoked_at=timestamp(t.revoked_at) if t.revoked_at else None,
        last_used_at=timestamp(t.last_used_at) if t.last_used_at else None,
    )


class FederationApi(federation_pb2_grpc.FederationServiceServicer):
    """Peer regions' signed requests (services/identity/federation.py)."""

    def __init__(self, sessions: Sessions, peers: dict[str, fed.Peer]):
        self.sessions = sessions
        self.peers = peers

    def AdmitPeerRequest(self, request, context):
        peer, issued = federation.admit(
            self.sessions.issuer,
            self.peers,
            request.method,
            request.path,
            dict(request.headers),
            request.body,
            request.subject,
        )
        return fpb.AdmittedPeer(region=peer.region, role=peer.role, access_token=issued.token)

    def RecordOutbound(self, request, context):
        federation.record_outbound(
            request.to_region,
            request.method,
            request.path,
            request.status,
            request.subject,
            request.on_behalf_of,
            dict(request.details),
        )
        return fpb.RecordOutboundResponse()

    def ReadTransferContact(self, request, context):
        account = federation.read_transfer_contact(request.account_id, request.org_id, request.purpose)
        return fpb.TransferContact(account_id=str(account.id), phone=account.phone, display_name=account.display_name)

    def ListPeers(self, request, context):
        return fpb.ListPeersResponse(
            region=_region(),
            peers=[fpb.Peer(region=p.region, role=p.role, url=p.url) for p in self.peers.values()],
        )


def _region() -> str:
    # not inline: a servicer method's `context` argument (gRPC's) hides the kernel module there
    return context.current().tenant


class PersonDataApi(person_data.PersonDataApi):
    """identity's part of the member's export, and the account's deletion (services/identity/deletion.py)."""

    def __init__(self, sessions: Sessions, cipher):
        super().__init__("identity", deletion.HOLDINGS, blockers=deletion.blockers)
        self.sessions = sessions
        self.cipher = cipher

    def ExportPersonData(self, request, context):
        data = deletion.export(self.cipher)
        return privacy_pb.PersonDataExport(service="identity", json=json.dumps(data, ensure_ascii=False, default=str))

    def DeleteAccount(self, request, context):
        who = deletion.delete(self.sessions, request.password, request.code)
        return privacy_pb.DeleteAccountResponse(account_id=who, pseudonym=who)
