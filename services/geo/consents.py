"""Consent per purpose (PIPL: location is sensitive personal information, processed only with separate
consent). A member grants a purpose by accepting the current version of its text and may revoke it any time;
each change is kept in the history. Nothing is stored for a purpose without its active consent: every write of
location data touches the consent document in the same transaction, conditionally on it being granted
(`touch`), so a report racing a revocation either lands before it — and is dropped by it — or is refused.
Revoking drops what was kept for the purpose at once (the droppers registered by the purpose's module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import mongoengine as me

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.geo import access
from services.geo.domain import consent as rules

GRANTED, REVOKED = "granted", "revoked"


def key(tenant: str, account_id: str, purpose: str) -> str:
    """A consent's id: conditional writes filter on `_id` first (a point lookup on this database)."""
    return f"{tenant}:{account_id}:{purpose}"


class Consent(TenantDocument):
    id = me.StringField(primary_key=True)
    account_id = me.StringField(required=True)
    purpose = me.StringField(required=True)
    granted = me.BooleanField(default=False)
    version = me.IntField(default=0)  # of the text accepted
    changed_at = me.DateTimeField()
    uses = me.IntField(default=0)  # location writes made under it (each touches this document)

    meta = {"collection": "consents", "indexes": [{"fields": ["tenant", "account_id", "purpose"], "unique": True}]}


class ConsentRecord(TenantDocument):
    """One grant or revocation, kept as proof of consent as long as the account."""

    account_id = me.StringField(required=True)
    purpose = me.StringField(required=True)
    action = me.StringField(required=True)
    version = me.IntField(default=0)
    at = me.DateTimeField(required=True)
    request_id = me.StringField(default="")

    meta = {"collection": "consent_history", "indexes": [("tenant", "account_id", "at")]}


DOCUMENTS = (Consent, ConsentRecord)

# purpose -> functions dropping what was kept for it about an account, inside the revocation's transaction
_droppers: dict[str, list[Callable[[UnitOfWork, str], None]]] = {}


def drops(purpose: str) -> Callable:
    """Register fn(uow, account_id) as dropping the purpose's data when its consent is revoked."""

    def register(fn: Callable[[UnitOfWork, str], None]) -> Callable[[UnitOfWork, str], None]:
        _droppers.setdefault(purpose, []).append(fn)
        return fn

    return register


@dataclass(frozen=True)
class View:
    purpose: str
    current_version: int
    granted: bool
    granted_version: int
    changed_at: dt.datetime | None
    text_key: str
    retention_key: str


def _view(purpose: str, row: Consent | None) -> View:
    current = rules.CURRENT_VERSION[purpose]
    return View(
        purpose,
        current,
        bool(row and row.granted),
        row.version if row and row.granted else 0,
        row.changed_at if row else None,
        rules.TEXT_KEYS[(purpose, current)],
        rules.RETENTION_KEYS[purpose],
    )


def listing() -> tuple[list[View], list[ConsentRecord]]:
    """The caller's consent per purpose (current texts) and their history, newest first."""
    tenant, who = access.tenant(), access.actor().account_id
    rows = {c.purpose: c for c in Consent.in_tenant(tenant).filter(account_id=who)}
    history = list(ConsentRecord.in_tenant(tenant).filter(account_id=who).order_by("-at").limit(500))
    return [_view(p, rows.get(p)) for p in rules.PURPOSES], history


def is_active(tenant: str, account_id: str, purpose: str) -> bool:
    row = _current(tenant, account_id, purpose)
    return bool(row and row.granted)


def require(tenant: str, account_id: str, purpose: str) -> None:
    """FAILED_PRECONDITION geo_consent_required unless the account consents to the purpose now."""
    if not is_active(tenant, account_id, purpose):
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "geo_consent_required", "purpose", purpose=f"geo.purpose.{purpose}"
        )


def touch(uow: UnitOfWork, account_id: str, purpose: str) -> None:
    """Inside a location write's transaction: the consent is still granted (else the write is refused)."""
    matched = uow.update_one(
        Consent, {"_id": key(uow.tenant, account_id, purpose), "granted": True}, {"$inc": {"uses": 1}}
    )
    if not matched:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "geo_consent_required", "purpose", purpose=f"geo.purpose.{purpose}"
        )


def _record(uow: UnitOfWork, account_id: str, purpose: str, action: str, version: int, now: dt.datetime) -> None:
    from kernel import context  # the request id ties the record to the gateway's logs

    uow.insert(
        ConsentRecord(
            tenant=uow.tenant,
            account_id=account_id,
            purpose=purpose,
            action=action,
            version=version,
            at=now,
            request_id=context.current().request_id,
        )
    )


def grant(purpose: str, version: int) -> View:
    purpose = rules.check_purpose(purpose)
    version = rules.check_version(purpose, version)
    tenant, who = access.tenant(), access.actor().account_id
    now = utcnow()

    cid = key(tenant, who, purpose)

    Consent.objects(id=cid).update_one(  # every field stored: the conditional update below filters on them
        upsert=True,
        set_on_insert__tenant=tenant,
        set_on_insert__account_id=who,
        set_on_insert__purpose=purpose,
        set_on_insert__granted=False,
        set_on_insert__version=0,
        set_on_insert__uses=0,
    )
    before = _current(tenant, who, purpose)
    if before.granted and before.version == version:
        return _view(purpose, before)  # granting what is granted already changes nothing

    def write(uow: UnitOfWork) -> None:
        # from the state read (an `$or` here would scan on this database): of two grants racing, one records
        changed = uow.update_one(
            Consent,
            {"_id": cid, "granted": before.granted, "version": before.version},
            {"$set": {"granted": True, "version": version, "changed_at": now}},
        )
        if changed:
            _record(uow, who, purpose, GRANTED, version, now)

    atomically(tenant, write)
    return _view(purpose, _current(tenant, who, purpose))


def revoke(purpose: str) -> View:
    purpose = rules.check_purpose(purpose)
    tenant, who = access.tenant(), access.actor().account_id
    now = utcnow()

    def write(uow: UnitOfWork) -> None:
        changed = uow.update_one(
            Consent,
            {"_id": key(tenant, who, purpose), "granted": True},
            {"$set": {"granted": False, "changed_at": now}},
        )
        if changed:
            _record(uow, who, purpose, REVOKED, 0, now)
        for drop in _droppers.get(purpose, []):  # also when already revoked: nothing may outlive consent
            drop(uow, who)

    atomically(tenant, write)
    return _view(purpose, _current(tenant, who, purpose))


def _current(tenant: str, account_id: str, purpose: str) -> Consent | None:
    return Consent.objects(id=key(tenant, account_id, purpose)).first()
