"""Finding places near a point on this database without a geospatial index.

SecantusDB accepts 2dsphere indexes, `$geoNear`, `$near` and `$geoWithin`, but answers them by scanning: 35–44 s
a query among 300,000 orgs here. So each place carries the ids of the grid cells holding it at a few sizes
(`cells.cell_of`), in one multikey index, and a search asks for the cells covering a circle: growing radii, each
answered by the cells of the smallest level at least that large (9 cell ids, one `$in`), until enough places are
known to lie within the radius. Distances are exact (haversine); the cells only narrow the candidates.
"""

from __future__ import annotations

import math

from services.geo.domain import cells, geometry

# cell sizes every place is indexed at, metres (a 250 m cell holds a handful of orgs in a dense city); each
# twice the last, so a search that must look further reads at most four times the area, not sixteen
LEVELS = (250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000)
MAX_RADIUS_M = 50_000.0
DEFAULT_RADIUS_M = MAX_RADIUS_M
MAX_LIMIT = 50
DEFAULT_LIMIT = 10

_M_PER_DEG_LAT = cells.M_PER_DEG_LAT


def cell_ids(point: tuple[float, float]) -> list[str]:
    """The ids of the cells holding a place, one per level."""
    return [cells.cell_of(point[0], point[1], size) for size in LEVELS]


def _offset(point: tuple[float, float], dx_m: float, dy_m: float) -> tuple[float, float]:
    lng, lat = point
    lat2 = max(-89.9999, min(89.9999, lat + dy_m / _M_PER_DEG_LAT))
    lng2 = lng + dx_m / (_M_PER_DEG_LAT * max(math.cos(math.radians(lat2)), 1e-6))
    return ((lng2 + 180.0) % 360.0) - 180.0, lat2


def cover(point: tuple[float, float], radius_m: float) -> list[str]:
    """Cell ids (of one level, at least radius_m large) whose union holds every point within radius_m.

    Any interval of length ≥ r that meets [-r, r] holds one of -r, 0, r: so the cells of the nine points at
    those offsets (east-west and north-south) are every cell of that size meeting the circle's bounding box."""
    size = next((s for s in LEVELS if s >= radius_m), LEVELS[-1])
    ids = {
        cells.cell_of(*_offset(point, dx, dy), size)
        for dx in (-radius_m, 0, radius_m)
        for dy in (-radius_m, 0, radius_m)
    }
    return sorted(ids)


def radii(limit_radius_m: float) -> list[float]:
    """The radii a search may try in turn: each level's size up to the asked radius, then the radius itself."""
    steps = [float(s) for s in LEVELS if s < limit_radius_m]
    return [*steps, float(limit_radius_m)]


def next_radius(tried_m: float, found: int, limit: int, limit_radius_m: float) -> float | None:
    """After a search of radius tried_m found `found` (< limit) within it, the next radius to try (None: the
    asked radius was searched). Where orgs are sparse it jumps to where `limit` of them may be expected at the
    density just seen, so a rural point near a dense city does not read the city at every size on the way."""
    expected = tried_m * math.sqrt(limit / found) if found else tried_m * 4
    for radius in radii(limit_radius_m):
        if radius > tried_m and radius >= min(expected, limit_radius_m):
            return radius
    return None


def nearest(
    point: tuple[float, float], candidates: list[tuple[str, tuple[float, float]]], radius_m: float, limit: int
) -> tuple[list[tuple[str, float]], bool]:
    """Of candidates (id, point), those within radius_m, nearest first, at most limit; and whether that is
    final for this radius (limit reached within it, so a larger radius cannot add nearer ones)."""
    within = sorted(
        ((cid, d) for cid, p in candidates if (d := geometry.distance_m(point, p)) <= radius_m),
        key=lambda pair: (pair[1], pair[0]),
    )
    return within[:limit], len(within) >= limit
