"""A member's current city (流动党员 working away from home): with consent for it, a device's report keeps the
city (from the report's administrative division code) and the grid cells of the point at three sizes — never
the point itself — with the member's home org path and whether they are a mobile member now. Only aggregates
of these are ever shown to anyone else (distribution.py: groups smaller than k withheld). Kept while the
consent lasts and at most 180 days after the last report (a TTL index, and the retention job)."""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from kernel import home_orgs
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.geo import access, consents, devices
from services.geo.devices import Verified
from services.geo.domain import cells, divisions
from services.geo.domain import consent as purposes


class Whereabouts(TenantDocument):
    account_id = me.StringField(required=True)
    division = me.StringField(default="")  # as reported (6 digits)
    city = me.StringField(required=True)  # divisions.city_of(division)
    cells = me.DictField()  # {"1000": cell id, "5000": …, "20000": …}
    org_path = me.ListField(me.StringField())  # the member's home org path (kernel/home_orgs.py)
    mobile = me.BooleanField(default=False)  # a registered outflow now
    reported_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "whereabouts",
        "indexes": [
            {"fields": ["tenant", "account_id"], "unique": True},
            ("tenant", "org_path", "mobile"),  # a subtree's distribution
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            ("tenant", "expires_at"),
        ],
    }


class Mobile(TenantDocument):
    """Who is a mobile member now (orgs' mobile_outflow_registered … mobile_period_ended)."""

    account_id = me.StringField(required=True)
    since = me.DateTimeField()

    meta = {"collection": "mobile_members", "indexes": [{"fields": ["tenant", "account_id"], "unique": True}]}


DOCUMENTS = (Whereabouts, Mobile)


def report(v: Verified) -> Whereabouts:
    tenant, who = access.tenant(), access.actor().account_id
    if not v.division:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_division_invalid", "report.division")
    division = divisions.check_division(v.division)
    now = utcnow()
    fields = {
        "division": division,
        "city": divisions.city_of(division),
        "cells": {str(size): cells.cell_of(v.fix.lng, v.fix.lat, size) for size in cells.CELL_SIZES},
        "org_path": home_orgs.home_path(tenant, who),
        "mobile": Mobile.in_tenant(tenant).filter(account_id=who).first() is not None,
        "reported_at": now,
        "expires_at": now + purposes.CITY_KEPT,
    }

    row = Whereabouts(tenant=tenant, account_id=who, **fields)

    def write(uow: UnitOfWork) -> None:
        consents.touch(uow, who, purposes.MOBILE_CITY)  # refused here without consent (the same error)
        devices.advance(uow, v, keep_fix=False)  # the point is not kept, not even on the device
        if not uow.update_one(Whereabouts, {"account_id": who}, {"$set": fields}):
            uow.insert(row)

    atomically(tenant, write)
    return row


def mine(tenant: str, account_id: str) -> Whereabouts | None:
    return Whereabouts.in_tenant(tenant).filter(account_id=account_id).first()


@consents.drops(purposes.MOBILE_CITY)
def _drop(uow: UnitOfWork, account_id: str) -> None:
    Whereabouts._get_collection().delete_many({"tenant": uow.tenant, "account_id": account_id}, session=uow.session)


def drop_expired(tenant: str, now: dt.datetime) -> int:
    return Whereabouts._get_collection().delete_many({"tenant": tenant, "expires_at": {"$lte": now}}).deleted_count


# -- following orgs' events ------------------------------------------------------------------------------------------


def follow_home(tenant: str, account_id: str) -> None:
    """The person's home org changed (kernel/home_orgs.py has it already): their whereabouts follow."""
    Whereabouts.in_tenant(tenant).filter(account_id=account_id).update_one(
        set__org_path=home_orgs.home_path(tenant, account_id)
    )


def follow_move(tenant: str, org_id: str) -> None:
    """An org moved (its subtree with it): the whereabouts of people below it take their new paths."""
    for row in Whereabouts.in_tenant(tenant).filter(org_path=org_id).only("account_id"):
        follow_home(tenant, row.account_id)


def set_mobile(tenant: str, account_id: str, mobile: bool) -> None:
    if mobile:
        Mobile.in_tenant(tenant).filter(account_id=account_id).update_one(upsert=True, set__since=utcnow())
    else:
        Mobile.in_tenant(tenant).filter(account_id=account_id).delete()
    Whereabouts.in_tenant(tenant).filter(account_id=account_id).update_one(set__mobile=mobile)
