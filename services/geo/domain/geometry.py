"""Points, distances and geofences (a circle or a polygon, concave allowed) on WGS-84 (lng, lat).

A fence is small (every vertex within 10 km of the first), so its tests run in a local plane in metres: an
equirectangular projection at the fence's mean latitude. It is affine in (lng, lat), so a point on an edge
stays on the projected edge, and its scale error (about 0.1 % at 10 km from the mean latitude) leaves a
distance of a metre or two from an edge, which is what the 0.5 m boundary tolerance judges, unchanged.
Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode

EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180

# A point this close to a fence's edge counts as inside: GPS noise, rounding and the projection never turn a
# member standing on the line into an absent one.
BOUNDARY_TOLERANCE_M = 0.5
RADIUS_MIN_M, RADIUS_MAX_M = 10.0, 5000.0
RING_MIN, RING_MAX = 3, 200
FENCE_SPAN_MAX_M = 10_000.0
AREA_MIN_M2 = 20.0

CIRCLE, POLYGON = "circle", "polygon"

Point = tuple[float, float]


@dataclass(frozen=True)
class Circle:
    center: Point
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    ring: tuple[Point, ...]  # the outer ring, not closed (the first vertex is not repeated at the end)


Fence = Circle | Polygon


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lng, lat) points (haversine)."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_point(lng: float, lat: float, field: str) -> Point:
    """A usable WGS-84 point: finite, in range, and not (0, 0) (what a GPS without a fix reports)."""
    if not (_is_number(lng) and _is_number(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_point_invalid", field)
    if lng == 0 and lat == 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_point_invalid", field)
    return float(lng), float(lat)


def _name(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# -- the local plane ---------------------------------------------------------------------------------------
class _Plane:
    """An equirectangular projection in metres around (lng0, lat0)."""

    def __init__(self, lng0: float, lat0: float):
        self.lng0, self.lat0 = lng0, lat0
        self.kx = _M_PER_DEG * max(math.cos(math.radians(lat0)), 1e-9)

    @classmethod
    def around(cls, ring: tuple[Point, ...] | list[Point]) -> _Plane:
        return cls(ring[0][0], sum(p[1] for p in ring) / len(ring))

    def xy(self, p: Point) -> tuple[float, float]:
        dlng = (p[0] - self.lng0 + 180.0) % 360.0 - 180.0  # a fence astride the antimeridian stays whole
        return dlng * self.kx, (p[1] - self.lat0) * _M_PER_DEG

    def lnglat(self, x: float, y: float) -> Point:
        lng = (self.lng0 + x / self.kx + 180.0) % 360.0 - 180.0
        return lng, self.lat0 + y / _M_PER_DEG


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _nearest_on_segment(p, a, b) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return a[0] + t * dx, a[1] + t * dy


def _on_segment(p, a, b) -> bool:
    """p, known collinear with a-b, lies between them."""
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_meet(a, b, c, d) -> bool:
    """Segments a-b and c-d share at least one point (touching counts)."""
    d1, d2, d3, d4 = _cross(c, d, a), _cross(c, d, b), _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(a, c, d))
        or (d2 == 0 and _on_segment(b, c, d))
        or (d3 == 0 and _on_segment(c, a, b))
        or (d4 == 0 and _on_segment(d, a, b))
    )


def _signed_area(points: list[tuple[float, float]]) -> float:
    n = len(points)
    return sum(points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n)) / 2


def _self_intersecting(xy: list[tuple[float, float]]) -> bool:
    n = len(xy)
    edges = [(xy[i], xy[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        # Neighbouring edges share a vertex; they cross only by folding back over each other (a spike).
        a, b = edges[i]
        c = edges[(i + 1) % n][1]
        u, v = (b[0] - a[0], b[1] - a[1]), (c[0] - b[0], c[1] - b[1])
        cross = u[0] * v[1] - u[1] * v[0]
        if abs(cross) <= 1e-12 * math.hypot(*u) * math.hypot(*v) and u[0] * v[0] + u[1] * v[1] < 0:
            return True
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            if _segments_meet(*edges[i], *edges[j]):
                return True
    return False


# -- fences ------------------------------------------------------------------------------------------------
def check_fence(
    shape: str, center: Point | None, radius_m: float, ring: list[Point] | tuple[Point, ...], field: str = ""
) -> Fence:
    """A geofence from a request's parts, checked (fields: shape, center, radius_m, ring, ring[i])."""
    if shape == CIRCLE:
        if center is None:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_point_invalid", _name(field, "center"))
        point = check_point(center[0], center[1], _name(field, "center"))
        if not _is_number(radius_m) or not RADIUS_MIN_M <= radius_m <= RADIUS_MAX_M:
            raise DomainError(
                ErrorCode.INVALID_ARGUMENT,
                "geo_radius_invalid",
                _name(field, "radius_m"),
                min=int(RADIUS_MIN_M),
                max=int(RADIUS_MAX_M),
            )
        return Circle(point, float(radius_m))
    if shape == POLYGON:
        return _check_polygon(list(ring or ()), field)
    raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_fence_shape_invalid", _name(field, "shape"))


def _check_polygon(ring: list[Point], field: str) -> Polygon:
    ring_field = _name(field, "ring")
    if len(ring) >= 2 and tuple(ring[0]) == tuple(ring[-1]):
        ring = ring[:-1]  # a closed ring (GeoJSON's habit) is accepted
    if len(ring) < RING_MIN:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_ring_too_short", ring_field, min=RING_MIN)
    if len(ring) > RING_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_ring_too_long", ring_field, max=RING_MAX)
    points = [check_point(p[0], p[1], f"{ring_field}[{i}]") for i, p in enumerate(ring)]
    for i, p in enumerate(points):
        if p == points[i - 1]:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_ring_repeated_vertex", f"{ring_field}[{i}]")
    for i, p in enumerate(points):
        if distance_m(points[0], p) > FENCE_SPAN_MAX_M:
            raise DomainError(
                ErrorCode.INVALID_ARGUMENT,
                "geo_fence_too_large",
                f"{ring_field}[{i}]",
                max_km=int(FENCE_SPAN_MAX_M // 1000),
            )
    plane = _Plane.around(points)
    xy = [plane.xy(p) for p in points]
    if _self_intersecting(xy):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_ring_self_intersecting", ring_field)
    if abs(_signed_area(xy)) < AREA_MIN_M2:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_fence_too_small", ring_field, min_m2=int(AREA_MIN_M2))
    return Polygon(tuple(points))


def _inside_ring(p: tuple[float, float], xy: list[tuple[float, float]]) -> bool:
    """Even-odd ray casting (a ray towards +x), right for concave rings."""
    inside = False
    n = len(xy)
    for i in range(n):
        a, b = xy[i], xy[(i + 1) % n]
        if (a[1] > p[1]) != (b[1] > p[1]):
            x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if p[0] < x:
                inside = not inside
    return inside


def _nearest_on_ring(p: tuple[float, float], xy: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(xy)
    candidates = (_nearest_on_segment(p, xy[i], xy[(i + 1) % n]) for i in range(n))
    return min(candidates, key=lambda q: math.hypot(q[0] - p[0], q[1] - p[1]))


def contains(fence: Fence, point: Point) -> bool:
    """The point is inside the fence; the boundary counts as inside (within BOUNDARY_TOLERANCE_M of it)."""
    if isinstance(fence, Circle):
        return distance_m(fence.center, point) <= fence.radius_m + BOUNDARY_TOLERANCE_M
    plane = _Plane.around(fence.ring)
    xy = [plane.xy(v) for v in fence.ring]
    p = plane.xy(point)
    if _inside_ring(p, xy):
        return True
    q = _nearest_on_ring(p, xy)
    return math.hypot(q[0] - p[0], q[1] - p[1]) <= BOUNDARY_TOLERANCE_M


def distance_to_fence_m(fence: Fence, point: Point) -> float:
    """0 when the fence contains the point, else the metres from it to the fence's nearest boundary point."""
    if contains(fence, point):
        return 0.0
    if isinstance(fence, Circle):
        return distance_m(fence.center, point) - fence.radius_m
    plane = _Plane.around(fence.ring)
    xy = [plane.xy(v) for v in fence.ring]
    nearest = _nearest_on_ring(plane.xy(point), xy)
    # The plane picks the nearest boundary point; the great circle measures to it (right far away too).
    return distance_m(point, plane.lnglat(*nearest))


def fence_geojson(fence: Fence) -> dict:
    """A GeoJSON geometry: a closed counter-clockwise Polygon, or a circle's centre as a Point."""
    if isinstance(fence, Circle):
        return {"type": "Point", "coordinates": [fence.center[0], fence.center[1]]}
    ring = list(fence.ring)
    plane = _Plane.around(ring)
    if _signed_area([plane.xy(p) for p in ring]) < 0:
        ring.reverse()
    return {"type": "Polygon", "coordinates": [[[lng, lat] for lng, lat in [*ring, ring[0]]]]}


def bbox_check(values: list[float], field: str = "bbox") -> tuple[float, float, float, float] | None:
    """A (west, south, east, north) box, or None for no box ([] or all zeros)."""
    values = list(values or ())
    if not values or all(v == 0 for v in values):
        return None
    if len(values) != 4 or not all(_is_number(v) for v in values):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_bbox_invalid", field)
    west, south, east, north = (float(v) for v in values)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_bbox_invalid", field)
    return west, south, east, north
