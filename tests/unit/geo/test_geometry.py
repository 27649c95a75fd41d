"""geo's geometry: distances, points, geofence validation, containment with an inclusive boundary (concave
polygons too), distance to a fence, GeoJSON and boxes."""

from __future__ import annotations

import math

import pytest

from kernel.errors import DomainError, ErrorCode
from services.geo.domain import geometry
from services.geo.domain.geometry import Circle, Polygon

pytestmark = pytest.mark.unit

ORIGIN = (116.3900, 39.9000)  # near Tiananmen
M_PER_DEG = geometry.EARTH_RADIUS_M * math.pi / 180


def at(x_m: float, y_m: float, origin: tuple[float, float] = ORIGIN) -> tuple[float, float]:
    """The point x_m metres east and y_m metres north of origin (flat-earth, fine over a few hundred metres)."""
    return (
        origin[0] + x_m / (M_PER_DEG * math.cos(math.radians(origin[1]))),
        origin[1] + y_m / M_PER_DEG,
    )


def polygon(*xy: tuple[float, float]) -> Polygon:
    fence = geometry.check_fence("polygon", None, 0, [at(x, y) for x, y in xy])
    assert isinstance(fence, Polygon)
    return fence


SQUARE = ((0, 0), (100, 0), (100, 100), (0, 100))
U_SHAPE = ((0, 0), (90, 0), (90, 90), (60, 90), (60, 30), (30, 30), (30, 90), (0, 90))
L_SHAPE = ((0, 0), (60, 0), (60, 30), (30, 30), (30, 60), (0, 60))


def invalid(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT
    return caught.value


# -- distances and points --------------------------------------------------------------------------------
def test_distance_is_the_great_circle_one():
    assert geometry.distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111_195.08, abs=0.01)
    assert geometry.distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195.08, abs=0.01)
    # a degree of longitude shrinks with the cosine of the latitude
    assert geometry.distance_m((10.0, 60.0), (11.0, 60.0)) == pytest.approx(55_596, rel=1e-3)
    beijing, shanghai = (116.4074, 39.9042), (121.4737, 31.2304)
    assert geometry.distance_m(beijing, shanghai) == pytest.approx(1_067_000, rel=0.005)
    assert geometry.distance_m(beijing, shanghai) == geometry.distance_m(shanghai, beijing)
    assert geometry.distance_m(beijing, beijing) == 0


def test_check_point_accepts_a_real_point_and_names_the_field_of_a_bad_one():
    assert geometry.check_point(116, 39.9, "center") == (116.0, 39.9)
    assert geometry.check_point(-180, -90, "center") == (-180.0, -90.0)
    for lng, lat in [(0, 0), (180.5, 10), (10, -90.1), (math.nan, 10), (10, math.inf), (True, 10), ("1", 2)]:
        error = invalid(geometry.check_point, lng, lat, "report.lng")
        assert (error.key, error.field) == ("geo_point_invalid", "report.lng")


# -- fence validation ------------------------------------------------------------------------------------
def test_a_circle_is_checked():
    circle = geometry.check_fence("circle", (116.39, 39.9), 150, [])
    assert circle == Circle((116.39, 39.9), 150.0)
    for radius in (9.9, 5000.1, math.nan, -1):
        error = invalid(geometry.check_fence, "circle", (116.39, 39.9), radius, [])
        assert (error.key, error.field) == ("geo_radius_invalid", "radius_m")
    assert invalid(geometry.check_fence, "circle", None, 100, []).field == "center"
    assert invalid(geometry.check_fence, "circle", (0.0, 0.0), 100, []).field == "center"
    error = invalid(geometry.check_fence, "hexagon", (116.39, 39.9), 100, [])
    assert (error.key, error.field) == ("geo_fence_shape_invalid", "shape")


def test_a_closed_ring_is_accepted_without_its_closing_vertex():
    ring = [at(x, y) for x, y in SQUARE]
    fence = geometry.check_fence("polygon", None, 0, [*ring, ring[0]])
    assert fence == Polygon(tuple(ring))


def test_ring_length_limits():
    error = invalid(geometry.check_fence, "polygon", None, 0, [at(0, 0), at(50, 0)])
    assert (error.key, error.field) == ("geo_ring_too_short", "ring")
    # a closed triangle with one vertex missing is two vertices
    error = invalid(geometry.check_fence, "polygon", None, 0, [at(0, 0), at(50, 0), at(0, 0)])
    assert error.key == "geo_ring_too_short"
    circle = [at(100 * math.cos(t / 201 * 2 * math.pi), 100 * math.sin(t / 201 * 2 * math.pi)) for t in range(201)]
    error = invalid(geometry.check_fence, "polygon", None, 0, circle)
    assert (error.key, error.field) == ("geo_ring_too_long", "ring")
    assert len(geometry.check_fence("polygon", None, 0, circle[:200]).ring) == 200


def test_a_bad_vertex_is_named_by_its_index():
    ring = [at(0, 0), at(100, 0), (200.0, 39.9), at(0, 100)]
    error = invalid(geometry.check_fence, "polygon", None, 0, ring)
    assert (error.key, error.field) == ("geo_point_invalid", "ring[2]")
    error = invalid(geometry.check_fence, "polygon", None, 0, ring, field="geofence")
    assert error.field == "geofence.ring[2]"


def test_consecutive_identical_vertices_are_refused():
    ring = [at(0, 0), at(100, 0), at(100, 0), at(0, 100)]
    error = invalid(geometry.check_fence, "polygon", None, 0, ring)
    assert (error.key, error.field) == ("geo_ring_repeated_vertex", "ring[2]")


def test_a_self_intersecting_ring_is_refused():
    bow_tie = [at(0, 0), at(100, 100), at(100, 0), at(0, 100)]
    error = invalid(geometry.check_fence, "polygon", None, 0, bow_tie)
    assert (error.key, error.field) == ("geo_ring_self_intersecting", "ring")
    # a vertex touching a non-neighbouring edge
    touching = [at(0, 0), at(100, 0), at(100, 100), at(50, 0), at(0, 100)]
    assert invalid(geometry.check_fence, "polygon", None, 0, touching).key == "geo_ring_self_intersecting"
    # an edge folding back over the previous one (a spike)
    spike = [at(0, 0), at(100, 0), at(100, 100), at(100, 50), at(0, 100)]
    assert invalid(geometry.check_fence, "polygon", None, 0, spike).key == "geo_ring_self_intersecting"


def test_a_fence_is_neither_too_large_nor_too_small():
    far = [at(0, 0), at(100, 0), at(10_500, 100), at(0, 100)]
    error = invalid(geometry.check_fence, "polygon", None, 0, far)
    assert (error.key, error.field, error.params) == ("geo_fence_too_large", "ring[2]", {"max_km": 10})
    tiny = [at(0, 0), at(5, 0), at(0, 5)]  # 12.5 m²
    error = invalid(geometry.check_fence, "polygon", None, 0, tiny)
    assert (error.key, error.field) == ("geo_fence_too_small", "ring")
    assert geometry.check_fence("polygon", None, 0, [at(0, 0), at(7, 0), at(0, 7)])  # 24.5 m²


# -- containment ---------------------------------------------------------------------------------------
def test_points_on_an_edge_or_a_vertex_are_inside():
    square = polygon(*SQUARE)
    for x, y in [(50, 0), (100, 50), (50, 100), (0, 50)]:
        assert geometry.contains(square, at(x, y)), (x, y)
    for x, y in SQUARE:
        assert geometry.contains(square, at(x, y)), (x, y)
    # the very vertices given, not recomputed
    for vertex in square.ring:
        assert geometry.contains(square, vertex)
    assert geometry.contains(square, at(50, 50))


def test_the_boundary_tolerance_is_half_a_metre():
    square = polygon(*SQUARE)
    assert geometry.contains(square, at(50, -0.3))
    assert geometry.contains(square, at(100.3, 50))
    assert not geometry.contains(square, at(50, -2))
    assert not geometry.contains(square, at(102, 50))
    assert not geometry.contains(square, at(-0.8, -0.8))  # 1.1 m off a corner, diagonally
    assert geometry.distance_to_fence_m(square, at(50, -0.3)) == 0
    assert geometry.distance_to_fence_m(square, at(50, -2)) == pytest.approx(2, rel=0.01)


@pytest.mark.parametrize("ring", [U_SHAPE, tuple(reversed(U_SHAPE))], ids=["ccw", "cw"])
def test_a_concave_polygons_notch_is_outside_and_its_arms_inside(ring):
    u = polygon(*ring)
    assert not geometry.contains(u, at(45, 60))  # the notch
    assert not geometry.contains(u, at(45, 89))
    assert geometry.contains(u, at(15, 60))  # the left arm
    assert geometry.contains(u, at(75, 60))  # the right arm
    assert geometry.contains(u, at(45, 15))  # the base
    assert geometry.contains(u, at(45, 30))  # the notch's floor is an edge
    assert geometry.contains(u, at(30, 60))  # and its sides
    assert geometry.distance_to_fence_m(u, at(45, 60)) == pytest.approx(15, rel=0.01)
    assert geometry.distance_to_fence_m(u, at(45, 40)) == pytest.approx(10, rel=0.01)


def test_an_l_shapes_missing_corner_is_outside():
    ell = polygon(*L_SHAPE)
    assert not geometry.contains(ell, at(45, 45))
    assert geometry.contains(ell, at(45, 15))
    assert geometry.contains(ell, at(15, 45))
    assert geometry.distance_to_fence_m(ell, at(45, 45)) == pytest.approx(15, rel=0.01)
    assert geometry.distance_to_fence_m(ell, at(70, 40)) == pytest.approx(10 * math.sqrt(2), rel=0.01)  # a corner


def test_the_distance_to_a_polygon_from_afar():
    square = polygon(*SQUARE)
    assert geometry.distance_to_fence_m(square, at(50, 1100)) == pytest.approx(1000, rel=0.01)
    assert geometry.distance_to_fence_m(square, at(-3000, 50)) == pytest.approx(3000, rel=0.01)
    # Shanghai from a fence in Beijing: the great circle, not the plane's idea of it
    shanghai = (121.4737, 31.2304)
    expected = geometry.distance_m(at(0, 0), shanghai)
    assert geometry.distance_to_fence_m(square, shanghai) == pytest.approx(expected, rel=0.01)


def test_a_circles_boundary_is_inside():
    circle = geometry.check_fence("circle", ORIGIN, 100, [])
    north = (ORIGIN[0], ORIGIN[1] + 100 / M_PER_DEG)
    assert geometry.distance_m(ORIGIN, north) == pytest.approx(100, abs=1e-6)
    assert geometry.contains(circle, north)
    assert geometry.contains(circle, (ORIGIN[0], ORIGIN[1] + 100.3 / M_PER_DEG))
    assert not geometry.contains(circle, (ORIGIN[0], ORIGIN[1] + 102 / M_PER_DEG))
    assert geometry.contains(circle, at(-70, 70))  # 99 m away
    assert not geometry.contains(circle, at(-72, 72))  # 101.8 m away
    assert geometry.distance_to_fence_m(circle, (ORIGIN[0], ORIGIN[1] + 102 / M_PER_DEG)) == pytest.approx(2, rel=0.01)
    assert geometry.distance_to_fence_m(circle, at(0, -1100)) == pytest.approx(1000, rel=0.01)
    assert geometry.distance_to_fence_m(circle, ORIGIN) == 0


# -- GeoJSON and boxes -----------------------------------------------------------------------------------
def test_geojson_of_a_polygon_is_closed_and_counter_clockwise_whatever_the_input_order():
    clockwise = polygon(*reversed(SQUARE))
    shape = geometry.fence_geojson(clockwise)
    assert shape["type"] == "Polygon"
    (coords,) = shape["coordinates"]
    assert len(coords) == 5 and coords[0] == coords[-1]
    area2 = sum(coords[i][0] * coords[i + 1][1] - coords[i + 1][0] * coords[i][1] for i in range(4))
    assert area2 > 0  # counter-clockwise
    assert {tuple(c) for c in coords} == set(clockwise.ring)
    ccw = geometry.fence_geojson(polygon(*SQUARE))
    assert ccw["coordinates"][0][:4] == [list(p) for p in polygon(*SQUARE).ring]


def test_geojson_of_a_circle_is_its_centre():
    circle = Circle((116.39, 39.9), 200.0)
    assert geometry.fence_geojson(circle) == {"type": "Point", "coordinates": [116.39, 39.9]}


def test_bbox():
    assert geometry.bbox_check([]) is None
    assert geometry.bbox_check([0, 0, 0, 0]) is None
    assert geometry.bbox_check([116, 39.5, 117, 40.5]) == (116.0, 39.5, 117.0, 40.5)
    for bad in ([117, 39.5, 116, 40.5], [116, 40.5, 117, 39.5], [116, 39.5, 117], [116, 39, 181, 40], [math.nan] * 4):
        error = invalid(geometry.bbox_check, bad)
        assert (error.key, error.field) == ("geo_bbox_invalid", "bbox")
    assert invalid(geometry.bbox_check, [1, 2, 3], field="box").field == "box"
