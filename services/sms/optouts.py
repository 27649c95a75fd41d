"""Opt-outs: a phone that replied 退订/TD/STOP (or whose owner turned SMS off in the app) gets no more
notifications, invitations or officers' sends from then on — one-time codes still come (they are asked for).
Checked when a send is resolved and again by the sender just before each submit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mongoengine as me

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, utcnow
from services.sms import access, mirror
from services.sms.domain import rules

IN_CHUNK = 1000
VIA_SMS, VIA_APP = "sms", "app"


class OptOut(TenantDocument):
    phone = me.StringField(required=True)
    opted_out = me.BooleanField(default=True)
    via = me.StringField(default=VIA_SMS)
    at = me.DateTimeField(required=True)

    meta = {"collection": "optouts", "indexes": [{"fields": ["tenant", "phone"], "unique": True}]}


DOCUMENTS = (OptOut,)


def set_opt_out(tenant: str, phone: str, opted_out: bool, via: str) -> None:
    OptOut.in_tenant(tenant).filter(phone=phone).update_one(
        upsert=True, set__opted_out=opted_out, set__via=via, set__at=utcnow()
    )


def opted_out(tenant: str, phones: list[str]) -> set[str]:
    """Those of phones that opted out."""
    out: set[str] = set()
    for start in range(0, len(phones), IN_CHUNK):
        chunk = phones[start : start + IN_CHUNK]
        rows = OptOut.in_tenant(tenant).filter(phone__in=chunk).only("phone", "opted_out").as_pymongo()
        out.update(r["phone"] for r in rows if r.get("opted_out"))
    return out


@dataclass(frozen=True)
class Mine:
    opted_out: bool
    via: str
    at: dt.datetime | None
    phone_masked: str


def _my_phone() -> str:
    phone = mirror.Phone.in_tenant(access.tenant()).filter(account_id=access.actor().account_id).first()
    if phone is None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "sms_phone_unknown", "")
    return phone.phone


def mine() -> Mine:
    phone = _my_phone()
    row = OptOut.in_tenant(access.tenant()).filter(phone=phone).first()
    if row is None:
        return Mine(False, "", None, rules.mask(phone))
    return Mine(row.opted_out, row.via, row.at, rules.mask(phone))


def set_mine(opted_out: bool) -> Mine:
    set_opt_out(access.tenant(), _my_phone(), opted_out, VIA_APP)
    return mine()
