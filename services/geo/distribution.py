"""For an org's officers (stats.read): how the members of its subtree who share their current city are
spread — by grid cell (1, 5 or 20 km) or by city — with every group smaller than k (10) withheld, so that
no individual can be picked out. Mobile members only, on request (流动党员 by current city)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.geo import access
from services.geo.domain import cells, divisions
from services.geo.domain import datum as datums
from services.geo.whereabouts import Whereabouts

BY_CELL, BY_CITY = "cell", "city"


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    count: int
    south_west: tuple[float, float] | None = None  # a cell's corners, in the datum asked
    north_east: tuple[float, float] | None = None


@dataclass(frozen=True)
class Distribution:
    groups: list[Group]
    others: int
    k: int
    total: int


def _city_name(code: str) -> str:
    province = divisions.province_name(code)
    return province if code.endswith("0000") else f"{province} {code}"


def distribution(org_id: str, by: str, cell_m: int, mobile_only: bool, datum: str) -> Distribution:
    by = by or BY_CELL
    if by not in (BY_CELL, BY_CITY):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_group_by_invalid", "by")
    size = cells.check_cell_size(cell_m) if by == BY_CELL else 0
    datum = datums.check_datum(datum)
    access.require(access.STATS, org_id)
    query: dict = {"tenant": access.tenant(), "org_path": org_id}
    if mobile_only:
        query["mobile"] = True
    counts: Counter[str] = Counter()
    for row in Whereabouts._get_collection().find(query, {"_id": 0, "city": 1, "cells": 1}):
        key = row["city"] if by == BY_CITY else (row.get("cells") or {}).get(str(size))
        if key:
            counts[key] += 1
    kept = cells.withhold(dict(counts))
    groups = []
    for key, count in sorted(kept.groups.items(), key=lambda kv: (-kv[1], kv[0])):
        if by == BY_CITY:
            groups.append(Group(key, _city_name(key), count))
        else:
            (w, s), (e, n) = cells.cell_bounds(key)
            groups.append(Group(key, key, count, datums.from_wgs84((w, s), datum), datums.from_wgs84((e, n), datum)))
    return Distribution(groups, kept.others, cells.K_MIN, kept.total)
