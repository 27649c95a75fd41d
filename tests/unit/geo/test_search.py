"""The cells a nearest-orgs search reads (services/geo/domain/search.py): they hold every point of the circle,
stay few, and the radius grows with the density seen."""

from __future__ import annotations

import math
import random

import pytest

from services.geo.domain import cells, geometry, search


def _level(radius_m: float) -> float:
    return next((s for s in search.LEVELS if s >= radius_m / 2), search.LEVELS[-1])


@pytest.mark.parametrize("radius_m", [62.5, 100.0, 250.0, 700.0, 1000.0, 4000.0, 15000.0, 50000.0])
def test_the_cover_holds_every_point_within_the_radius(radius_m):
    rng = random.Random(int(radius_m))
    for _ in range(300):
        center = (rng.uniform(73, 135), rng.uniform(18, 53))  # China, south to north
        covering = set(search.cover(center, radius_m))
        assert len(covering) <= 36
        size = _level(radius_m)
        for _ in range(30):
            angle, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, radius_m)
            point = search._offset(center, d * math.cos(angle), d * math.sin(angle))
            if geometry.distance_m(center, point) <= radius_m:
                assert cells.cell_of(point[0], point[1], size) in covering, (center, radius_m, point)


def test_a_place_is_indexed_at_every_level():
    ids = search.cell_ids((117.2, 39.1))
    assert len(ids) == len(search.LEVELS) and len(set(ids)) == len(ids)
    assert all(i.startswith(f"{s}:") for i, s in zip(ids, search.LEVELS, strict=True))


def test_the_next_radius_follows_the_density_seen():
    covering = search.cover((117.2, 39.1), 62.5)
    dense = search.next_radius(62.5, covering, 60, 10, 50_000)  # many places around: barely grow
    assert 62.5 * 1.5 <= dense < 125
    assert search.next_radius(62.5, covering, 0, 10, 50_000) == 125  # nothing seen: double
    wide = search.cover((117.2, 39.1), 1000)
    assert search.next_radius(1000, wide, 1, 10, 50_000) == 2000  # too few to judge: double
    assert 1500 <= search.next_radius(1000, wide, 5, 10, 50_000) <= 4000  # sparse: further, at most 4×
    assert search.next_radius(40_000, search.cover((117.2, 39.1), 40_000), 0, 10, 50_000) == 50_000
    assert search.next_radius(50_000, search.cover((117.2, 39.1), 50_000), 0, 10, 50_000) is None


def test_nearest_orders_by_distance_and_says_when_it_is_final():
    here = (117.2, 39.1)
    candidates = [("far", search._offset(here, 900, 0)), ("near", search._offset(here, 100, 0))]
    found, final = search.nearest(here, candidates, 1000, 2)
    assert [c for c, _ in found] == ["near", "far"] and final
    found, final = search.nearest(here, candidates, 500, 2)
    assert [c for c, _ in found] == ["near"] and not final
