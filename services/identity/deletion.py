"""The member's account deletion (PIPL art. 47) and export of what identity holds (art. 45).

Deletion asks for the password or a fresh login code, refuses while the person holds an office, then in one
transaction frees the phone, erases the name, the ID-card number and the password, revokes every session,
drops the roles and announces account_deleted (every service then erases or anonymizes its data:
docs/privacy.md). The account row stays as a tombstone so the id, kept in official records, stays a
pseudonym that no one can log in as; the phone may register again as a new person."""

from __future__ import annotations

from bson import ObjectId

from kernel import context
from kernel.erasure import ERASED_NAME, Holding, forget_events, section
from kernel.errors import DomainError, ErrorCode
from kernel.identifiers import mask_mobile
from kernel.store import UnitOfWork, atomically, utcnow
from services.identity import audit, events
from services.identity.pii import FieldCipher
from services.identity.sessions import Sessions
from services.identity.store import Account, AuditEntry, OneTimeCode, RefreshToken, RoleGrant

ERASED_FIELDS = ("password_hash", "real_name", "id_card_sealed", "id_card_key_id", "id_card_masked", "locked_until")
HOLDINGS = [
    Holding("refresh_tokens", "account_id", "delete", omit=("secret_hash",)),
    Holding("role_grants", "account_id", "delete"),
    Holding("audit_log", "target_id", "keep", why="the security audit log (SPEC: login, personal-data read, export)"),
    Holding("audit_log", "actor_id", "keep", why="the security audit log"),
]


def _account(tenant: str, account_id: str) -> Account:
    account = Account.in_tenant(tenant).filter(id=ObjectId(account_id)).first()
    if account is None or account.deleted_at is not None:
        raise DomainError(ErrorCode.NOT_FOUND, "account_not_found")
    return account


def blockers(tenant: str, account_id: str) -> list[tuple[str, dict[str, str]]]:
    offices = sorted({g.role for g in RoleGrant.in_tenant(tenant).filter(account_id=account_id) if g.role != "member"})
    return [("account_holds_office", {"roles": ", ".join(offices)})] if offices else []


def export(cipher: FieldCipher) -> dict:
    """The caller's account, personal data unmasked (their own), sessions, roles and the audit about them."""
    ctx = context.current()
    who = ctx.require_actor().account_id
    account = _account(ctx.tenant, who)
    number = cipher.open(account.id_card_sealed, who) if account.id_card_sealed else ""
    audit.record("account.exported", target_id=who, unmask=True, reason="own_export")
    return section(
        Account._get_db(),
        ctx.tenant,
        who,
        HOLDINGS,
        account={
            "id": who,
            "phone": account.phone,
            "display_name": account.display_name,
            "has_password": bool(account.password_hash),
            "created_at": account.created_at.isoformat(),
        },
        personal_data={"real_name": account.real_name or "", "id_card_number": number},
    )


def delete(sessions: Sessions, password: str, code: str) -> str:
    ctx = context.current()
    who = ctx.require_actor().account_id
    tenant = ctx.tenant
    account = _account(tenant, who)
    if password:
        if not sessions.hasher.verify(account.password_hash, password):
            audit.record("account.delete_refused", target_id=who, outcome="denied", reason="wrong_password")
            sessions._count_failure(account, utcnow())  # counts towards the lockout, and raises
    elif code:
        sessions._consume_code(tenant, account.phone, "login", code)
    else:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "reauth_required", "password")
    for _, params in blockers(tenant, who):
        audit.record("account.delete_refused", target_id=who, outcome="denied", reason="account_holds_office")
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "account_holds_office", **params)
    phone = account.phone

    def write(uow: UnitOfWork) -> None:
        uow.update_one(
            Account,
            {"_id": account.id, "deleted_at": None},
            {
                "$set": {"phone": f"deleted:{who}", "display_name": ERASED_NAME, "deleted_at": utcnow()},
                "$unset": {field: "" for field in ERASED_FIELDS},
            },
        )
        uow.update_many(RefreshToken, {"account_id": who}, {"$set": {"status": "revoked"}})
        uow.emit(events.SOURCE, events.ACCOUNT_DELETED, {"account_id": who}, actor_id=who)
        audit.record("account.deleted", target_id=who, uow=uow)

    atomically(tenant, write)
    # What stays outside the transaction is idempotent clean-up of copies that name the phone.
    RoleGrant.in_tenant(tenant).filter(account_id=who).delete()
    RefreshToken.in_tenant(tenant).filter(account_id=who).delete()
    OneTimeCode.in_tenant(tenant).filter(phone=phone).delete()
    AuditEntry.in_tenant(tenant).filter(target_id=phone).update(set__target_id=mask_mobile(phone))
    forget_events(Account._get_db(), tenant, who, {"data.phone": phone})
    return who
