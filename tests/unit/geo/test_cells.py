"""Grid cells for aggregates and k-anonymity (withhold)."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError
from services.geo.domain import cells
from services.geo.domain.geometry import distance_m

pytestmark = pytest.mark.unit

POINTS = [
    (116.397128, 39.916527),
    (121.4737, 31.2304),
    (87.6168, 43.8256),
    (110.3312, 20.031),
    (-74.006, 40.7128),
    (-43.1729, -22.9068),
    (151.2093, -33.8688),
    (0.0001, 0.0001),
    (-0.0001, -0.0001),
    (179.999, 89.99),
    (-180.0, -89.99),
    (25.0, 70.0),
]


def inside(point, bounds) -> bool:
    (west, south), (east, north) = bounds
    return west <= point[0] <= east and south <= point[1] <= north


@pytest.mark.parametrize("size", cells.CELL_SIZES)
def test_a_point_lies_in_its_cells_bounds(size):
    for point in POINTS:
        cell = cells.cell_of(*point, size)
        assert cell.startswith(f"{size}:")
        assert inside(point, cells.cell_bounds(cell)), (point, cell)


@pytest.mark.parametrize("size", cells.CELL_SIZES)
def test_cells_are_about_size_metres_square(size):
    (west, south), (east, north) = cells.cell_bounds(cells.cell_of(116.397128, 39.916527, size))
    middle = (south + north) / 2
    assert distance_m((west, middle), (east, middle)) == pytest.approx(size, rel=0.01)
    assert distance_m((west, south), (west, north)) == pytest.approx(size, rel=0.01)


@pytest.mark.parametrize("size", cells.CELL_SIZES)
def test_neighbours_are_other_cells(size):
    lng, lat = 116.397128, 39.916527
    here = cells.cell_of(lng, lat, size)
    (west, south), (east, north) = cells.cell_bounds(here)
    step_lng, step_lat = (east - west), (north - south)
    around = {
        cells.cell_of(lng + dx * step_lng, lat + dy * step_lat, size)
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
        if (dx, dy) != (0, 0)
    }
    assert len(around) == 8 and here not in around
    # and a point a hundredth of a cell away stays in the same one (unless it crossed an edge)
    centre = ((west + east) / 2, (south + north) / 2)
    assert cells.cell_of(centre[0] + step_lng / 100, centre[1], size) == cells.cell_of(*centre, size)


def test_cell_size():
    assert cells.check_cell_size(0) == 5000
    assert [cells.check_cell_size(m) for m in cells.CELL_SIZES] == [1000, 5000, 20000]
    for bad in (500, 2000, -1000, 50_000):
        with pytest.raises(DomainError) as caught:
            cells.check_cell_size(bad)
        assert (caught.value.key, caught.value.field) == ("geo_cell_size_invalid", "cell_m")


@pytest.mark.parametrize(
    "bad", ["", "5000", "5000:1", "5000:1:2:3", "3000:1:1", "5000:a:1", "5000:99999:0", "5000:0:99999", "x:y:z"]
)
def test_a_malformed_cell_id_is_refused(bad):
    with pytest.raises(DomainError) as caught:
        cells.cell_bounds(bad)
    assert caught.value.key == "geo_cell_invalid"


def test_groups_under_k_are_withheld():
    result = cells.withhold({"a": 25, "b": 10, "c": 9, "d": 3})
    assert result.groups == {"a": 25, "b": 10}
    assert result.others == 12  # 9 + 3: together they reach k
    assert result.total == 47


def test_others_under_k_are_withheld_too():
    result = cells.withhold({"a": 25, "c": 6, "d": 3})
    assert (result.groups, result.others, result.total) == ({"a": 25}, 0, 34)
    empty = cells.withhold({"c": 9})
    assert (empty.groups, empty.others, empty.total) == ({}, 0, 9)
    assert cells.withhold({}).total == 0


def test_k_is_ten_unless_told():
    assert cells.K_MIN == 10
    assert cells.withhold({"a": 3, "b": 2}, k=3).groups == {"a": 3}
    assert cells.withhold({"a": 3, "b": 2}, k=2).groups == {"a": 3, "b": 2}
