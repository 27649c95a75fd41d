"""What SMS costs, per org and month and for the whole region: parts charged against the quotas (reserved
when a send is accepted, given back for what is never handed to the provider), parts sent and their cost.

A send reserves its parts on the org's row and the region's row by conditional increments: two officers
sending at once cannot overrun a quota together. The sender adds what the provider accepted in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import mongoengine as me

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument
from services.sms import access, templates
from services.sms.domain import rules

REGION = ""  # the org id of the region's own row (and of sends no org pays for: one-time codes)


class Usage(TenantDocument):
    id = me.StringField(primary_key=True)  # "<tenant>:<org id or *>:<YYYY-MM>"
    org_id = me.StringField(default="")
    month = me.StringField(required=True)
    charged = me.IntField(default=0)  # parts counted against the quota
    sent = me.IntField(default=0)  # parts the provider accepted
    cost_li = me.IntField(default=0)
    messages = me.IntField(default=0)

    meta = {"collection": "usage", "indexes": [("tenant", "org_id", "month")]}


class OrgQuota(TenantDocument):
    id = me.StringField(primary_key=True)  # "<tenant>:<org id>"
    org_id = me.StringField(required=True)
    monthly_quota = me.IntField(default=0)  # parts; 0: the deployment's default

    meta = {"collection": "org_quotas"}


DOCUMENTS = (Usage, OrgQuota)


def usage_id(tenant: str, org_id: str, month: str) -> str:
    return f"{tenant}:{org_id or '*'}:{month}"


def org_quota(tenant: str, org_id: str, defaults) -> int:
    row = OrgQuota.in_tenant(tenant).filter(id=f"{tenant}:{org_id}").first()
    return (row.monthly_quota if row else 0) or defaults.sms_org_monthly_quota


def _charge(tenant: str, org_id: str, month: str, parts: int, quota: int | None) -> bool:
    """Add parts to the row if they fit under quota (None: no limit)."""
    row_id = usage_id(tenant, org_id, month)
    rows = Usage.in_tenant(tenant)
    rows.filter(id=row_id).update_one(
        upsert=True,
        set_on_insert__org_id=org_id,
        set_on_insert__month=month,
        set_on_insert__charged=0,
        set_on_insert__sent=0,
        set_on_insert__cost_li=0,
        set_on_insert__messages=0,
    )
    if quota is None:
        return bool(rows.filter(id=row_id).update_one(inc__charged=parts))
    return bool(rows.filter(id=row_id, charged__lte=quota - parts).update_one(inc__charged=parts))


def _refused(tenant: str, org_id: str, month: str, parts: int, quota: int) -> DomainError:
    row = Usage.in_tenant(tenant).filter(id=usage_id(tenant, org_id, month)).first()
    used = row.charged if row else 0
    # a 429 says when to try again: when the next month's quota begins
    wait = rules.seconds_until_after(month, dt.datetime.now(dt.UTC))
    details = {"used": used, "quota": quota, "needed": parts, "month": month, "retry_after": wait}
    if org_id:
        return DomainError(ErrorCode.RATE_LIMITED, "sms_quota_exceeded", "org_id", **details)
    return DomainError(ErrorCode.RATE_LIMITED, "sms_region_quota_exceeded", "org_id", **details)


def reserve(tenant: str, org_id: str, month: str, parts: int, defaults, enforce: bool = True) -> None:
    """Charge parts to the region and to the org (if any), or raise sms_quota_exceeded and charge nothing.
    enforce=False (one-time codes: logging in must work) counts without refusing."""
    if parts <= 0:
        return
    region_quota = templates.region(tenant, defaults).monthly_quota if enforce else None
    if not _charge(tenant, REGION, month, parts, region_quota):
        raise _refused(tenant, REGION, month, parts, region_quota)
    if org_id:
        quota = org_quota(tenant, org_id, defaults) if enforce else None
        if not _charge(tenant, org_id, month, parts, quota):
            _give_back(tenant, REGION, month, parts)
            raise _refused(tenant, org_id, month, parts, quota)


def _give_back(tenant: str, org_id: str, month: str, parts: int) -> None:
    Usage.in_tenant(tenant).filter(id=usage_id(tenant, org_id, month)).update_one(inc__charged=-parts)


def refund(tenant: str, org_id: str, month: str, parts: int) -> None:
    """Parts reserved that will never be sent (nobody to send to, cancelled, refused, expired)."""
    if parts > 0:
        _give_back(tenant, REGION, month, parts)
        if org_id:
            _give_back(tenant, org_id, month, parts)


@dataclass
class Sent:
    """What the provider accepted for one org and month, added up by the sender between flushes."""

    parts: int = 0
    messages: int = 0
    cost_li: int = 0


def record_sent(tenant: str, totals: Iterable[tuple[tuple[str, str], Sent]]) -> None:
    """totals: ((org id, month), Sent); each goes to the org's row and the region's."""
    region: dict[str, Sent] = {}
    for (org_id, month), s in totals:
        if org_id:
            Usage.in_tenant(tenant).filter(id=usage_id(tenant, org_id, month)).update_one(
                inc__sent=s.parts, inc__messages=s.messages, inc__cost_li=s.cost_li
            )
        r = region.setdefault(month, Sent())
        r.parts, r.messages, r.cost_li = r.parts + s.parts, r.messages + s.messages, r.cost_li + s.cost_li
    for month, s in region.items():
        Usage.in_tenant(tenant).filter(id=usage_id(tenant, REGION, month)).update_one(
            inc__sent=s.parts, inc__messages=s.messages, inc__cost_li=s.cost_li
        )


# -- reading and setting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    org_id: str
    month: str
    charged: int
    sent: int
    cost_li: int
    quota: int
    messages: int


def report(org_id: str, month: str, defaults, now) -> Report:
    """An org's month (sms.send on it), or the region's (org_id "": region admins)."""
    tenant = access.tenant()
    month = rules.check_month(month, now)
    if org_id:
        access.require(access.SEND, org_id)
        quota = org_quota(tenant, org_id, defaults)
    else:
        if not access.may_in_region(access.QUOTA):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        quota = templates.region(tenant, defaults).monthly_quota
    row = Usage.in_tenant(tenant).filter(id=usage_id(tenant, org_id, month)).first()
    if row is None:
        return Report(org_id, month, 0, 0, 0, quota, 0)
    return Report(org_id, month, row.charged, row.sent, row.cost_li, quota, row.messages)


def set_quota(org_id: str, monthly_quota: int, defaults, now) -> Report:
    if not access.may_in_region(access.QUOTA):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if monthly_quota < 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_quota_invalid", "monthly_quota")
    access.org_path(org_id)
    tenant = access.tenant()
    OrgQuota.in_tenant(tenant).filter(id=f"{tenant}:{org_id}").update_one(
        upsert=True, set__org_id=org_id, set__monthly_quota=monthly_quota
    )
    return report(org_id, "", defaults, now)
