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
LEVELS = (62.5, 125, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000)
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
    """Cell ids (of one level, at least half radius_m large: at most 25 cells) whose union holds every point
    within radius_m.

    Any interval of length ≥ s that meets [-r, r] holds one of the offsets -r, -r + s, …, r (spaced at most s
    apart): so the cells of those points, east-west by north-south, are every cell of size s meeting the
    circle's bounding box. Cells half the radius read about a third of the area cells as large as the radius
    would (reading a place is what costs here)."""
    size = next((s for s in LEVELS if s >= radius_m / 2), LEVELS[-1])
    # spaced at most 0.9 of a cell: a column's width is taken at its row's middle latitude, the offsets at theirs
    steps = max(1, math.ceil(2 * radius_m / (0.9 * size)))
    offsets = [-radius_m + 2 * radius_m * i / steps for i in range(steps + 1)]
    ids = {cells.cell_of(*_offset(point, dx, dy), size) for dx in offsets for dy in offsets}
    return sorted(ids)


def radii(limit_radius_m: float) -> list[float]:
    """The radii a search may try in turn: each level's size up to the asked radius, then the radius itself."""
    steps = [float(s) for s in LEVELS if s < limit_radius_m]
    return [*steps, float(limit_radius_m)]


def next_radius(tried_m: float, cover_ids: list[str], fetched: int, limit: int, limit_radius_m: float) -> float | None:
    """After a search read `fetched` places from the cells cover_ids (too few within its radius), the next
    radius to try (None: the asked radius was searched). Reading a place costs ~0.1 ms here, so the search
    starts small and jumps to where `limit` places may be expected at the density just seen (fetched over
    the cells' area) — a dense district is read a little at a time, a rural point does not step through
    every size on its way out."""
    if tried_m >= limit_radius_m:
        return None
    size = float(cover_ids[0].split(":")[0])
    if fetched >= 5:  # enough to judge the density around the point (fewer: a guess, so only double)
        density = fetched / (len(cover_ids) * size * size)  # places per square metre
        expected = math.sqrt(limit / (math.pi * density)) * 1.25
    else:
        expected = tried_m * 2
    return min(max(expected, tried_m * 1.5), tried_m * 4, limit_radius_m)


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
