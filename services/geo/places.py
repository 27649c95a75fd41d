"""Where orgs are: geo's copy of each org's name, type, path and location (WGS-84), kept from orgs' events,
for "find a branch near me" (the nearest orgs to a point, how a mobile member finds a host org) and the org
map of a region or subtree.

Search goes through grid cells (domain/search.py: this database answers geospatial operators by scanning):
each place holds its cell ids at every level in one multikey index, (tenant, cells)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import mongoengine as me

from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument
from services.geo import access
from services.geo.domain import datum as datums
from services.geo.domain import search

MAP_DEFAULT, MAP_MAX = 1000, 5000


class OrgPlace(TenantDocument):
    org_id = me.StringField(required=True)
    name = me.StringField(default="")
    type = me.StringField(default="")
    path = me.ListField(me.StringField())  # root … the org itself
    address = me.StringField(default="")
    lng = me.FloatField(null=True)  # WGS-84; None while the org has no location
    lat = me.FloatField(null=True)
    cells = me.ListField(me.StringField())  # domain/search.py cell_ids; [] without a location

    meta = {
        "collection": "places",
        "indexes": [
            {"fields": ["tenant", "org_id"], "unique": True},
            ("tenant", "cells"),  # nearest
            ("tenant", "path", "lat"),  # a subtree's map
            ("tenant", "lat"),  # the region's map
        ],
    }


DOCUMENTS = (OrgPlace,)


def _located(location) -> dict:
    """The fields a location sets (None or [lng, lat] as orgs announces it)."""
    if not location:
        return {"lng": None, "lat": None, "cells": []}
    lng, lat = float(location[0]), float(location[1])
    return {"lng": lng, "lat": lat, "cells": search.cell_ids((lng, lat))}


# -- applying orgs' events -----------------------------------------------------------------------------------


def org_created(tenant: str, d: dict) -> None:
    fields = {
        "name": d.get("name", ""),
        "type": d.get("type", ""),
        "path": list(d["path"]),
        "address": d.get("address", "") or "",
        **_located(d.get("location")),
    }
    OrgPlace.in_tenant(tenant).filter(org_id=d["org_id"]).update_one(
        upsert=True, **{f"set__{k}": v for k, v in fields.items()}
    )


def org_updated(tenant: str, org_id: str, changes: dict) -> None:
    fields = {k: changes[k] for k in ("name", "address") if k in changes}
    if "location" in changes:
        fields.update(_located(changes["location"]))
    if fields:
        OrgPlace.in_tenant(tenant).filter(org_id=org_id).update_one(**{f"set__{k}": v for k, v in fields.items()})


def org_moved(tenant: str, org_id: str, old_path: list[str], new_path: list[str]) -> None:
    for place in OrgPlace.in_tenant(tenant).filter(path=org_id).only("org_id", "path"):
        path = list(place.path)
        if path[: len(old_path)] == old_path:
            OrgPlace.in_tenant(tenant).filter(org_id=place.org_id).update_one(
                set__path=new_path + path[len(old_path) :]
            )


def org_gone(tenant: str, org_id: str) -> None:
    """Dissolved, or merged into another: off the map."""
    OrgPlace.in_tenant(tenant).filter(org_id=org_id).delete()


# -- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    org_id: str
    name: str
    type: str
    point: tuple[float, float]  # WGS-84
    distance_m: float


_FIELDS = {"_id": 0, "org_id": 1, "name": 1, "type": 1, "lng": 1, "lat": 1}


def nearest(point: tuple[float, float], limit: int, radius_m: float, types: list[str]) -> list[Nearby]:
    """The orgs nearest the point (WGS-84), within radius_m, of the given types (any when empty)."""
    access.actor()
    limit = limit or search.DEFAULT_LIMIT
    if not 1 <= limit <= search.MAX_LIMIT:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_limit_invalid", "limit", max=search.MAX_LIMIT)
    radius_m = radius_m or search.DEFAULT_RADIUS_M
    if not 0 < radius_m <= search.MAX_RADIUS_M:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_search_radius_invalid", "radius_m", max=search.MAX_RADIUS_M)
    wanted = set(types)
    collection = OrgPlace._get_collection()
    rows: dict[str, dict] = {}
    found: list[tuple[str, float]] = []
    radius: float | None = search.radii(radius_m)[0]
    while radius is not None:
        covering = search.cover(point, radius)
        fetched = list(collection.find({"tenant": access.tenant(), "cells": {"$in": covering}}, _FIELDS))
        rows = {r["org_id"]: r for r in fetched if not wanted or r["type"] in wanted}
        found, final = search.nearest(point, [(k, (r["lng"], r["lat"])) for k, r in rows.items()], radius, limit)
        if final:
            break
        radius = search.next_radius(radius, covering, len(fetched), limit, radius_m)
    return [
        Nearby(oid, rows[oid]["name"], rows[oid]["type"], (rows[oid]["lng"], rows[oid]["lat"]), round(d, 1))
        for oid, d in found
    ]


@dataclass(frozen=True)
class Map:
    geojson: dict
    count: int
    truncated: bool


def org_map(org_id: str, bbox: tuple[float, float, float, float] | None, datum: str, limit: int) -> Map:
    """The located orgs of a subtree (or the region, org_id ""), inside bbox (WGS-84) when given, as a GeoJSON
    FeatureCollection of Points in the datum asked."""
    access.actor()
    limit = limit or MAP_DEFAULT
    if not 1 <= limit <= MAP_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_limit_invalid", "limit", max=MAP_MAX)
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    query: dict = {"tenant": access.tenant()}
    if org_id:
        access.org_path(org_id)  # NOT_FOUND for an org this region does not have
        query["path"] = org_id
    query["lat"] = {"$gte": south, "$lte": north}  # the index holds one range: longitudes are judged here
    fields = {**_FIELDS, "address": 1}
    rows: list[dict] = []
    for row in OrgPlace._get_collection().find(query, fields).sort("lat", 1).batch_size(limit + 1):
        if west <= row["lng"] <= east:
            rows.append(row)
            if len(rows) > limit:
                break
    features = []
    for r in rows[:limit]:
        lng, lat = datums.from_wgs84((r["lng"], r["lat"]), datum)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]},
                "properties": {
                    "org_id": r["org_id"],
                    "name": r["name"],
                    "type": r["type"],
                    "address": r.get("address", ""),
                },
            }
        )
    return Map({"type": "FeatureCollection", "features": features}, len(features), len(rows) > limit)


def to_json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
