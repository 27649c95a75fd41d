"""Accounts and sessions: codes, registration, logins, refresh-token rotation, passwords."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

from kernel import context
from kernel.clock import aware
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, atomically, utcnow
from kernel.text import has_control
from kernel.tokens import IssuedToken, TokenIssuer
from services.identity import audit, events
from services.identity.domain import codes, lockout, passwords
from services.identity.domain import phone as phones
from services.identity.settings import IdentityConfig
from services.identity.store import Account, OneTimeCode, RefreshToken, RoleGrant

DISPLAY_NAME_MAX = 32


@dataclass(frozen=True)
class OpenedSession:
    access: IssuedToken
    refresh_token: str
    refresh_expires_at: dt.datetime
    account: Account
    grants: list[RoleGrant]


def _required(value: str, field: str) -> str:
    if not value:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", field)
    return value


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Sessions:
    def __init__(self, config: IdentityConfig):
        self.config = config
        self.hasher = passwords.PasswordHasher(config.argon2_time_cost, config.argon2_memory_kib)
        self.issuer = TokenIssuer(config.keys_dir, config.region, config.access_ttl_seconds)
        self.pepper = base64.b64decode(config.otp_pepper)
        self.lockout = config.lockout
        self.code_policy = config.codes

    # -- one-time codes ---------------------------------------------------------------------------

    def request_code(self, raw_phone: str, purpose: str) -> tuple[int, int]:
        """Send a code (as an event for sms); returns (expires_in, resend_after) in seconds."""
        phone = phones.normalize(raw_phone)
        if purpose not in codes.PURPOSES:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "code_purpose_invalid", "purpose")
        tenant = context.current().tenant
        account = Account.in_tenant(tenant).filter(phone=phone).only("id").first()
        if purpose == "register" and account is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "phone_registered", "phone")
        if purpose == "reset_password" and account is None:
            raise DomainError(ErrorCode.NOT_FOUND, "account_not_found", "phone")

        key = f"{tenant}:{phone}:{purpose}"
        now = utcnow()
        existing = OneTimeCode.in_tenant(tenant).filter(id=key).first()
        sent_before = [aware(t) for t in existing.sent_at] if existing else []
        wait = codes.send_wait(sent_before, now, self.code_policy)
        if wait:
            raise DomainError(ErrorCode.RATE_LIMITED, "code_too_soon", "phone", retry_after=wait)
        code = codes.generate(self.code_policy.length)
        recent = [t for t in sent_before if now - t < dt.timedelta(hours=1)] + [now]
        expires_at = now + self.code_policy.ttl

        def write(uow: UnitOfWork) -> None:
            fields = {
                "tenant": tenant,
                "phone": phone,
                "purpose": purpose,
                "digest": codes.digest(self.pepper, phone, purpose, code),
                "expires_at": expires_at,
                "attempts": 0,
                "sent_at": recent,
            }
            if existing is None:
                uow.insert(OneTimeCode(id=key, **fields))
            # The sent_at guard makes two concurrent requests send one code, not two.
            elif not uow.update_one(OneTimeCode, {"_id": key, "sent_at": existing.sent_at}, {"$set": fields}):
                raise DomainError(ErrorCode.RATE_LIMITED, "code_too_soon", "phone", retry_after=1)
            uow.emit(
                events.SOURCE,
                events.OTP_REQUESTED,
                {
                    "phone": phone,
                    "purpose": purpose,
                    "code": code,
                    "expires_in": int(self.code_policy.ttl.total_seconds()),
                },
            )

        try:
            atomically(tenant, write)
        except DuplicateKeyError:
            raise DomainError(ErrorCode.RATE_LIMITED, "code_too_soon", "phone", retry_after=1) from None
        return int(self.code_policy.ttl.total_seconds()), int(self.code_policy.resend_after.total_seconds())

    def _consume_code(self, tenant: str, phone: str, purpose: str, code: str) -> None:
        """Check a code and use it up; wrong guesses are counted and capped."""
        key = f"{tenant}:{phone}:{purpose}"
        doc = OneTimeCode.in_tenant(tenant).filter(id=key).first()
        now = utcnow()
        if doc is None or not doc.digest or aware(doc.expires_at) <= now:
            raise DomainError(ErrorCode.INVALID_CODE, "invalid_code", "code")
        if doc.attempts >= self.code_policy.max_attempts:
            raise DomainError(ErrorCode.INVALID_CODE, "code_attempts_exceeded", "code")
        collection = OneTimeCode._get_collection()
        if not codes.matches(self.pepper, phone, purpose, code, doc.digest):
            collection.update_one({"_id": key, "digest": doc.digest}, {"$inc": {"attempts": 1}})
            audit.record("code.failed", target_id=phone, outcome="denied", purpose=purpose)
            raise DomainError(ErrorCode.INVALID_CODE, "invalid_code", "code")
        used = collection.update_one({"_id": key, "digest": doc.digest}, {"$unset": {"digest": "", "expires_at": ""}})
        if used.modified_count != 1:  # used by a concurrent request a moment ago
            raise DomainError(ErrorCode.INVALID_CODE, "invalid_code", "code")

    # -- registration and login -------------------------------------------------------------------

    def register(self, raw_phone: str, code: str, password: str, display_name: str) -> OpenedSession:
        phone = phones.normalize(raw_phone)
        _required(code, "code")
        passwords.check_policy(password)
        display_name = (display_name or "").strip()
        if len(display_name) > DISPLAY_NAME_MAX or has_control(display_name):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "display_name_invalid", "display_name")
        tenant = context.current().tenant
        if Account.in_tenant(tenant).filter(phone=phone).only("id").first() is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "phone_registered", "phone")
        self._consume_code(tenant, phone, "register", code)
        account = self._create_account(tenant, phone, display_name, self.hasher.hash(password))
        return self._open_session(account)

    def _create_account(self, tenant: str, phone: str, display_name: str, password_hash: str | None) -> Account:
        account = Account(
            tenant=tenant,
            phone=phone,
            display_name=display_name or phones.mask(phone),
            password_hash=password_hash,
            created_at=utcnow(),
        )

        def write(uow: UnitOfWork) -> Account:
            uow.insert(account)
            announced = events.registered(str(account.id), phone, account.display_name)
            uow.emit_many(events.SOURCE, announced, actor_id=str(account.id))
            audit.record("account.registered", actor_id=str(account.id), target_id=str(account.id), uow=uow)
            return account

        try:
            return atomically(tenant, write)
        except DuplicateKeyError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "phone_registered", "phone") from None

    def login(self, raw_phone: str, password: str) -> OpenedSession:
        phone = phones.normalize(raw_phone)
        _required(password, "password")
        tenant = context.current().tenant
        now = utcnow()
        account = Account.in_tenant(tenant).filter(phone=phone).first()
        if account is not None:
            wait = lockout.retry_after(self._failure_state(account), now)
            if wait:
                audit.record("login.locked", actor_id=str(account.id), target_id=str(account.id), outcome="denied")
                raise DomainError(ErrorCode.ACCOUNT_LOCKED, "account_locked", retry_after=wait)
        if not self.hasher.verify(account.password_hash if account else None, password):
            if account is None:
                audit.record("login.failed", target_id=phone, outcome="denied", reason="unknown_phone")
                raise DomainError(ErrorCode.INVALID_CREDENTIALS, "invalid_credentials")
            if not account.password_hash:
                raise DomainError(ErrorCode.FAILED_PRECONDITION, "no_password_set", "password")
            self._count_failure(account, now)
        self._clear_failures(account)
        if self.hasher.needs_rehash(account.password_hash):
            Account.in_tenant(account.tenant).filter(id=account.id).update_one(
                set__password_hash=self.hasher.hash(password)
            )
        audit.record("login.succeeded", actor_id=str(account.id), target_id=str(account.id), method="password")
        return self._open_session(account)

    @staticmethod
    def _failure_state(account: Account) -> lockout.FailureState:
        return lockout.FailureState(
            account.failed_logins or 0, aware(account.failure_window_started), aware(account.locked_until)
        )

    def _count_failure(self, account: Account, now: dt.datetime) -> None:
        """Record a failed login (optimistically, against concurrent failures) and raise."""
        for _ in range(5):
            before = self._failure_state(account)
            after = lockout.after_failure(before, now, self.lockout)
            updated = Account._get_collection().update_one(
                {
                    "_id": account.id,
                    "failed_logins": account.failed_logins or 0,
                    "locked_until": account.locked_until,
                },
                {
                    "$set": {
                        "failed_logins": after.failures,
                        "failure_window_started": after.window_started,
                        "locked_until": after.locked_until,
                    }
                },
            )
            if updated.matched_count:
                break
            account.reload()
        audit.record("login.failed", actor_id=str(account.id), target_id=str(account.id), outcome="denied")
        wait = lockout.retry_after(after, now)
        if wait:
            audit.record("account.locked", actor_id=str(account.id), target_id=str(account.id), seconds=wait)
            raise DomainError(ErrorCode.ACCOUNT_LOCKED, "account_locked", retry_after=wait)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "invalid_credentials")

    @staticmethod
    def _clear_failures(account: Account) -> None:
        if account.failed_logins or account.locked_until:
            Account.in_tenant(account.tenant).filter(id=account.id).update_one(
                set__failed_logins=0, unset__failure_window_started=True, unset__locked_until=True
            )

    def login_with_code(self, raw_phone: str, code: str) -> OpenedSession:
        """SMS-code login; a first login creates the account (the phone is proven by the code)."""
        phone = phones.normalize(raw_phone)
        _required(code, "code")
        tenant = context.current().tenant
        self._consume_code(tenant, phone, "login", code)
        account = Account.in_tenant(tenant).filter(phone=phone).first()
        if account is None:
            try:
                account = self._create_account(tenant, phone, "", None)
            except DomainError:  # created by a concurrent first login
                account = Account.in_tenant(tenant).filter(phone=phone).first()
        self._clear_failures(account)
        audit.record("login.succeeded", actor_id=str(account.id), target_id=str(account.id), method="sms_code")
        return self._open_session(account)

    # -- sessions ---------------------------------------------------------------------------------

    def _open_session(self, account: Account, family_id: str = "") -> OpenedSession:
        tenant = account.tenant
        grants = list(RoleGrant.in_tenant(tenant).filter(account_id=str(account.id)))
        family_id = family_id or uuid.uuid4().hex
        token_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(32)
        now = utcnow()
        refresh = RefreshToken(
            id=token_id,
            tenant=tenant,
            secret_hash=_secret_hash(secret),
            account_id=str(account.id),
            family_id=family_id,
            status="active",
            issued_at=now,
            expires_at=now + dt.timedelta(days=self.config.refresh_ttl_days),
        )
        refresh.save(force_insert=True)
        actor = Actor(
            account_id=str(account.id),
            session_id=family_id,
            platform_roles=tuple(g.role for g in grants if not g.org_id),
            grants=tuple((g.role, g.org_id) for g in grants if g.org_id),
        )
        return OpenedSession(self.issuer.issue(actor), f"{token_id}.{secret}", refresh.expires_at, account, grants)

    def _find_refresh(self, tenant: str, presented: str) -> RefreshToken:
        token_id, _, secret = (presented or "").partition(".")
        doc = RefreshToken.in_tenant(tenant).filter(id=token_id).first() if token_id and secret else None
        if doc is None or not hmac.compare_digest(doc.secret_hash, _secret_hash(secret)):
            raise DomainError(ErrorCode.UNAUTHENTICATED, "refresh_token_invalid", "refresh_token")
        return doc

    def refresh(self, presented: str) -> OpenedSession:
        """Rotate: the presented token is spent and a new one issued in the same family. Presenting a
        spent token again means it was stolen (or replayed): the whole family is revoked."""
        _required(presented, "refresh_token")
        tenant = context.current().tenant
        doc = self._find_refresh(tenant, presented)
        now = utcnow()
        if doc.status == "active" and aware(doc.expires_at) > now:
            spent = RefreshToken._get_collection().update_one(
                {"_id": doc.id, "status": "active"}, {"$set": {"status": "rotated"}}
            )
            if spent.modified_count == 1:
                account = Account.in_tenant(tenant).filter(id=doc.account_id).first()
                if account is None:
                    raise DomainError(ErrorCode.UNAUTHENTICATED, "refresh_token_invalid", "refresh_token")
                return self._open_session(account, doc.family_id)
            doc.reload()
        if doc.status == "rotated":
            revoked = self._revoke(tenant, {"family_id": doc.family_id}, doc.account_id)
            audit.record(
                "token.reuse_detected",
                actor_id=doc.account_id,
                target_id=doc.account_id,
                outcome="denied",
                family=doc.family_id,
                revoked=revoked,
            )
            raise DomainError(ErrorCode.REFRESH_TOKEN_REUSED, "refresh_token_reused", "refresh_token")
        raise DomainError(ErrorCode.UNAUTHENTICATED, "refresh_token_invalid", "refresh_token")

    def _revoke(self, tenant: str, query: dict, account_id: str) -> int:
        """Revoke matching live refresh tokens and announce it; returns how many families ended."""
        query = {**query, "account_id": account_id, "status": {"$in": ["active", "rotated"]}}

        def write(uow: UnitOfWork) -> int:
            families = RefreshToken._get_collection().distinct(
                "family_id", {**query, "tenant": tenant, "status": "active"}, session=uow.session
            )
            uow.update_many(RefreshToken, query, {"$set": {"status": "revoked"}})
            if families:
                uow.emit(events.SOURCE, events.SESSIONS_REVOKED, {"account_id": account_id, "families": families})
            return len(families)

        return atomically(tenant, write)

    def logout(self, presented: str) -> int:
        _required(presented, "refresh_token")
        tenant = context.current().tenant
        doc = self._find_refresh(tenant, presented)
        revoked = self._revoke(tenant, {"family_id": doc.family_id}, doc.account_id)
        audit.record("logout", actor_id=doc.account_id, target_id=doc.account_id)
        return revoked

    def logout_everywhere(self) -> int:
        ctx = context.current()
        actor = ctx.require_actor()
        revoked = self._revoke(ctx.tenant, {}, actor.account_id)
        audit.record("logout.everywhere", target_id=actor.account_id, sessions=revoked)
        return revoked

    # -- passwords --------------------------------------------------------------------------------

    def change_password(self, current: str, new: str) -> None:
        ctx = context.current()
        actor = ctx.require_actor()
        _required(current, "current_password")
        passwords.check_policy(new, "new_password")
        account = Account.in_tenant(ctx.tenant).filter(id=actor.account_id).first()
        if account is None:
            raise DomainError(ErrorCode.NOT_FOUND, "account_not_found")
        if not self.hasher.verify(account.password_hash, current):
            audit.record("password.change_failed", target_id=actor.account_id, outcome="denied")
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "current_password_wrong", "current_password")
        self._set_password(account, new, keep_family=actor.session_id)

    def reset_password(self, raw_phone: str, code: str, new: str) -> None:
        phone = phones.normalize(raw_phone)
        _required(code, "code")
        passwords.check_policy(new, "new_password")
        tenant = context.current().tenant
        account = Account.in_tenant(tenant).filter(phone=phone).first()
        if account is None:
            raise DomainError(ErrorCode.INVALID_CODE, "invalid_code", "code")
        self._consume_code(tenant, phone, "reset_password", code)
        self._clear_failures(account)
        self._set_password(account, new, keep_family="")

    def _set_password(self, account: Account, new: str, keep_family: str) -> None:
        """Set the password and end every other session: whoever knew the old one is logged out."""
        new_hash = self.hasher.hash(new)

        def write(uow: UnitOfWork) -> None:
            uow.update_one(Account, {"_id": account.id}, {"$set": {"password_hash": new_hash}})
            uow.emit(events.SOURCE, events.PASSWORD_CHANGED, {"account_id": str(account.id)})
            audit.record("password.changed", target_id=str(account.id), actor_id=str(account.id), uow=uow)

        atomically(account.tenant, write)
        others = {"family_id": {"$ne": keep_family}} if keep_family else {}
        self._revoke(account.tenant, others, str(account.id))

    # -- the caller -------------------------------------------------------------------------------

    def me(self) -> tuple[Account, list[RoleGrant]]:
        ctx = context.current()
        actor = ctx.require_actor()
        account = Account.in_tenant(ctx.tenant).filter(id=actor.account_id).first()
        if account is None or account.deleted_at is not None:
            raise DomainError(ErrorCode.NOT_FOUND, "account_not_found")
        return account, list(RoleGrant.in_tenant(ctx.tenant).filter(account_id=actor.account_id))
