"""Study points (学习积分): awarded by rule for lessons, courses and exam scores, capped per day, and counted
per org and period for leaderboards.

An award is written inside the transaction of what earned it (a lesson done, an exam submitted):
- a PointsEntry, unique per (account, source): the same lesson or attempt never pays twice;
- the day's PointsDay counter of that rule, raised only while it stays under the rule's daily cap (a
  conditional update, so two awards racing at the cap cannot both pass it);
- PointsTally counters for each period (week, month, year, all) on the member's own row ("" org) and on
  every org of their path: a leaderboard is then one indexed, sorted read of an org's period, whatever the
  size of its subtree. Points stay with the orgs a member belonged to when earning them.
The rules table is the region's (StudyRule rows over domain/study_points.DEFAULTS); region admins change it.
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork
from services.content import access, recent
from services.content.domain import inputs
from services.content.domain import study_points as rules

RULES = "education.rules"  # region admins only (kernel/authz.py)
MANAGE = "education.manage"
LEADERBOARD_MAX = 100
PERSONAL = ""  # PointsTally.org_id of a member's own totals


class StudyRule(TenantDocument):
    name = me.StringField(required=True)
    points = me.IntField(required=True)
    daily_cap = me.IntField(required=True)
    updated_by = me.StringField(default="")
    updated_at = me.DateTimeField()

    meta = {"collection": "study_rules", "indexes": [{"fields": ["tenant", "name"], "unique": True}]}


class PointsEntry(TenantDocument):
    """One award: what earned it (source, unique per account), the rule, and what was granted."""

    account_id = me.StringField(required=True)
    source = me.StringField(required=True)  # e.g. lesson:<course>:<lesson>, exam:<attempt>
    rule = me.StringField(required=True)
    requested = me.IntField(required=True)
    points = me.IntField(required=True)  # granted: less than requested at the daily cap
    title = me.StringField(default="")  # what the member sees in their history
    day = me.StringField(required=True)
    at = me.DateTimeField(required=True)

    meta = {
        "collection": "study_points",
        "indexes": [{"fields": ["tenant", "account_id", "source"], "unique": True}, ("tenant", "account_id", "-at")],
    }


class PointsDay(TenantDocument):
    """What a member earned by one rule on one (China) day: the daily cap's counter."""

    id = me.StringField(primary_key=True)  # day_id(): every write is by _id, so a conditional one is a point lookup
    account_id = me.StringField(required=True)
    day = me.StringField(required=True)
    rule = me.StringField(required=True)
    points = me.IntField(default=0)

    meta = {"collection": "study_points_days", "indexes": [("tenant", "account_id", "day")]}


def day_id(account_id: str, day: str, rule: str) -> str:
    return f"{account_id}|{day}|{rule}"


class PointsTally(TenantDocument):
    org_id = me.StringField(required=True)  # PERSONAL for the member's own totals
    period = me.StringField(required=True)  # study_points.period_key
    account_id = me.StringField(required=True)
    points = me.IntField(default=0)

    meta = {
        "collection": "study_points_tallies",
        "indexes": [
            {"fields": ["tenant", "org_id", "period", "account_id"], "unique": True},
            ("tenant", "org_id", "period", "-points", "account_id"),
            ("tenant", "org_id", "account_id", "period"),  # a member's totals: their periods as one $in
        ],
    }


DOCUMENTS = (StudyRule, PointsEntry, PointsDay, PointsTally)


# -- the rules table -----------------------------------------------------------------------------------


def table(tenant: str) -> dict[str, rules.Rule]:
    """The region's rules: its own rows over the defaults (one small read)."""
    out = dict(rules.DEFAULTS)
    for row in StudyRule.in_tenant(tenant):
        out[row.name] = rules.Rule(row.name, row.points, row.daily_cap)
    return out


def set_rule(name: str, points: int, daily_cap: int) -> rules.Rule:
    tenant, who = access.tenant(), access.actor()
    if not access.may_in_region(RULES):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "study_rules_admin_only")
    rule = rules.rule_update(name, points, daily_cap)
    StudyRule._get_collection().update_one(
        {"tenant": tenant, "name": rule.name},
        {
            "$set": {
                "points": rule.points,
                "daily_cap": rule.daily_cap,
                "updated_by": who.account_id,
                "updated_at": dt.datetime.now(dt.UTC),
            }
        },
        upsert=True,
    )
    return rule


# -- awards --------------------------------------------------------------------------------------------


def award(
    uow: UnitOfWork,
    account_id: str,
    org_path: tuple[str, ...] | list[str],
    rule: rules.Rule,
    requested: int,
    source: str,
    title: str,
    now: dt.datetime,
) -> int:
    """Grant up to `requested` points under the rule's daily cap, once per source; returns what was granted."""
    tenant, day = uow.tenant, rules.day_key(now)
    granted = _under_cap(uow, account_id, day, rule, requested) if requested > 0 else 0
    try:
        uow.insert(
            PointsEntry(
                tenant=tenant,
                account_id=account_id,
                source=source,
                rule=rule.name,
                requested=requested,
                points=granted,
                title=title,
                day=day,
                at=now,
            )
        )
    except DuplicateKeyError:
        raise AlreadyAwarded(source) from None
    if granted:
        tallies = [
            UpdateOne(
                {"tenant": tenant, "org_id": org_id, "period": period, "account_id": account_id},
                {"$inc": {"points": granted}},
                upsert=True,
            )
            for org_id in (PERSONAL, *org_path)
            for period in rules.period_keys(now)
        ]
        PointsTally._get_collection().bulk_write(tallies, ordered=False, session=uow.session)
    return granted


def _under_cap(uow: UnitOfWork, account_id: str, day: str, rule: rules.Rule, requested: int) -> int:
    """Raise the day's counter of the rule by what fits under its cap; returns that. Two round trips: the
    counter (most often absent: a member's first award of the day by this rule), then its write, conditional
    on what was read (a concurrent award makes this transaction conflict and run again)."""
    key = day_id(account_id, day, rule.name)
    days = PointsDay._get_collection()
    row = days.find_one({"_id": key, "tenant": uow.tenant}, {"points": 1}, session=uow.session)
    earned = row["points"] if row else 0
    granted = rules.granted(requested, earned, rule)
    if not granted:
        return 0
    if row is None:
        fields = {"tenant": uow.tenant, "account_id": account_id, "day": day, "rule": rule.name, "points": granted}
        days.update_one({"_id": key}, {"$setOnInsert": fields}, upsert=True, session=uow.session)
    elif not uow.update_one(PointsDay, {"_id": key, "points": earned}, {"$inc": {"points": granted}}):
        raise RuntimeError("study points of the day changed under this transaction")
    return granted


class AlreadyAwarded(Exception):
    """This source paid its points before (a replayed call): the caller's transaction is abandoned."""


# -- reading -------------------------------------------------------------------------------------------


def my_points() -> tuple[dict[str, int], dict[str, int]]:
    """The caller's totals per period (week, month, year, all) and what they earned today per rule."""
    tenant, who, now = access.tenant(), access.actor().account_id, dt.datetime.now(dt.UTC)
    keys = {rules.period_key(p, now): p for p in rules.PERIODS}
    rows = PointsTally.in_tenant(tenant).filter(org_id=PERSONAL, account_id=who, period__in=list(keys))
    totals = dict.fromkeys(rules.PERIODS, 0) | {keys[r.period]: r.points for r in rows}
    today = PointsDay.in_tenant(tenant).filter(account_id=who, day=rules.day_key(now))
    return totals, {r.rule: r.points for r in today}


def history(page_size: int, cursor: str) -> tuple[list[PointsEntry], str]:
    """The caller's awards, newest first."""
    query = PointsEntry.in_tenant(access.tenant()).filter(account_id=access.actor().account_id)
    return recent.page(query, "at", page_size, cursor)


def leaderboard(org_id: str, period: str, limit: int) -> tuple[list[PointsTally], PointsTally | None, int]:
    """The org's top members of the period (members of its subtree and those who manage education there),
    the caller's own row in it and their rank (0 when they have no points there)."""
    tenant, reader = access.tenant(), access.reader()
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    if org_id not in reader.org_path and not access.may(MANAGE, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "study_leaderboard_outside", "org_id")
    if not 1 <= (limit or 20) <= LEADERBOARD_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "limit", max=LEADERBOARD_MAX)
    key = rules.period_key(rules.period(period), dt.datetime.now(dt.UTC))
    board = PointsTally.in_tenant(tenant).filter(org_id=org_id, period=key)
    top = list(board.order_by("-points", "account_id").limit(limit or 20))
    mine = board.filter(account_id=reader.account_id).first()
    rank = board.filter(points__gt=mine.points).count() + 1 if mine else 0
    return top, mine, rank
