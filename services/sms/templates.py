"""The region's templates and settings: the built-in templates (domain/rules.py SYSTEM_TEMPLATES, which an
admin may reword and give provider codes) and the admins' own, the signature and the monthly limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mongoengine as me

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, utcnow
from services.sms import access
from services.sms.domain import rules


class Template(TenantDocument):
    code = me.StringField(required=True)
    name = me.StringField(required=True)
    text = me.StringField(required=True)
    provider_code = me.StringField(default="")
    active = me.BooleanField(default=True)
    updated_at = me.DateTimeField()
    updated_by = me.StringField(default="")

    meta = {"collection": "templates", "indexes": [{"fields": ["tenant", "code"], "unique": True}]}


class RegionSettings(TenantDocument):
    id = me.StringField(primary_key=True)  # the tenant
    signature = me.StringField(default="")
    monthly_quota = me.IntField(default=0)  # parts; 0: the deployment's default

    meta = {"collection": "region_settings"}


DOCUMENTS = (Template, RegionSettings)


@dataclass(frozen=True)
class TemplateView:
    code: str
    name: str
    text: str
    provider_code: str
    system: bool
    active: bool
    updated_at: dt.datetime | None

    @property
    def variables(self) -> list[str]:
        return rules.variables_of(self.text)


def _view(code: str, row: Template | None) -> TemplateView:
    builtin = rules.SYSTEM_TEMPLATES.get(code)
    if row is None:
        return TemplateView(code, builtin.name, builtin.text, "", True, True, None)
    return TemplateView(
        code,
        row.name,
        row.text,
        row.provider_code,
        builtin is not None,
        row.active or builtin is not None,
        row.updated_at,
    )


def find(tenant: str, code: str) -> TemplateView | None:
    row = Template.in_tenant(tenant).filter(code=code).first()
    if row is None and code not in rules.SYSTEM_TEMPLATES:
        return None
    return _view(code, row)


def all_of(tenant: str) -> list[TemplateView]:
    rows = {t.code: t for t in Template.in_tenant(tenant)}
    codes = list(rules.SYSTEM_TEMPLATES) + sorted(c for c in rows if c not in rules.SYSTEM_TEMPLATES)
    return [_view(code, rows.get(code)) for code in codes]


def list_templates() -> list[TemplateView]:
    """Anyone who may send somewhere, or the region's admins, reads them (they are not secret; the check
    keeps members from probing)."""
    access.actor()
    return all_of(access.tenant())


def put(code: str, name: str, text: str, provider_code: str, active: bool) -> TemplateView:
    if not access.may_in_region(access.TEMPLATES):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    code = rules.check_code(code)
    name, text, provider_code = rules.check_template(name, text, provider_code)
    builtin = rules.SYSTEM_TEMPLATES.get(code)
    if builtin is not None and set(rules.variables_of(text)) != set(rules.variables_of(builtin.text)):
        # the platform fills the built-in ones: their variables stay what it gives
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT,
            "sms_template_variables_fixed",
            "text",
            variables=", ".join(rules.variables_of(builtin.text)),
        )
    tenant = access.tenant()
    Template.in_tenant(tenant).filter(code=code).update_one(
        upsert=True,
        set__name=name,
        set__text=text,
        set__provider_code=provider_code,
        set__active=active or builtin is not None,
        set__updated_at=utcnow(),
        set__updated_by=access.actor().account_id,
    )
    return find(tenant, code)


# -- region settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    signature: str
    monthly_quota: int
    price_li: int


def region(tenant: str, defaults) -> Region:
    """defaults: the deployment's settings (services/sms/settings.py SmsSettings)."""
    row = RegionSettings.in_tenant(tenant).filter(id=tenant).first()
    return Region(
        (row.signature if row else "") or defaults.sms_signature,
        (row.monthly_quota if row else 0) or defaults.sms_region_monthly_quota,
        defaults.sms_price_li,
    )


def read_region(defaults) -> Region:
    if not access.may_in_region(access.TEMPLATES):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return region(access.tenant(), defaults)


def update_region(signature: str, monthly_quota: int, defaults) -> Region:
    if not access.may_in_region(access.TEMPLATES):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    changes = {}
    if signature:
        changes["set__signature"] = rules.check_signature(signature)
    if monthly_quota < 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_quota_invalid", "monthly_quota")
    if monthly_quota:
        changes["set__monthly_quota"] = monthly_quota
    tenant = access.tenant()
    if changes:
        RegionSettings.in_tenant(tenant).filter(id=tenant).update_one(upsert=True, **changes)
    return region(tenant, defaults)
