"""GCJ-02 ⇄ WGS-84: the published forward shift, its iterated inverse, the box outside which nothing moves."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError
from services.geo.domain import datum
from services.geo.domain.geometry import distance_m

pytestmark = pytest.mark.unit

IN_CHINA = [
    (116.397128, 39.916527),  # Tiananmen
    (121.4737, 31.2304),  # Shanghai
    (87.6168, 43.8256),  # Urumqi
    (110.3312, 20.0310),  # Haikou
    (126.6424, 45.7567),  # Harbin
    (91.1322, 29.6604),  # Lhasa
]


def test_a_known_point_shifts_as_chinese_maps_show_it():
    lng, lat = datum.wgs84_to_gcj02(116.397128, 39.916527)
    assert lng == pytest.approx(116.40337, abs=1e-5)
    assert lat == pytest.approx(39.91793, abs=1e-5)


@pytest.mark.parametrize("point", IN_CHINA)
def test_the_shift_is_a_few_hundred_metres(point):
    assert 50 < distance_m(point, datum.wgs84_to_gcj02(*point)) < 1000


@pytest.mark.parametrize("point", IN_CHINA)
def test_the_inverse_undoes_the_forward_shift(point):
    back = datum.gcj02_to_wgs84(*datum.wgs84_to_gcj02(*point))
    assert back[0] == pytest.approx(point[0], abs=1e-6)
    assert back[1] == pytest.approx(point[1], abs=1e-6)
    assert distance_m(point, back) < 0.01  # about a centimetre
    # and the other way round: a GCJ-02 point picked on a map
    forward = datum.wgs84_to_gcj02(*datum.gcj02_to_wgs84(*point))
    assert forward[0] == pytest.approx(point[0], abs=1e-7)
    assert forward[1] == pytest.approx(point[1], abs=1e-7)


@pytest.mark.parametrize("point", [(-0.1276, 51.5072), (139.6917, 35.6895), (-74.006, 40.7128), (100.5, 60.0)])
def test_outside_china_nothing_moves(point):
    assert datum.out_of_china(*point)
    assert datum.wgs84_to_gcj02(*point) == point
    assert datum.gcj02_to_wgs84(*point) == point


def test_the_box():
    assert not datum.out_of_china(116.4, 39.9)
    assert datum.out_of_china(71.9, 39.9)
    assert datum.out_of_china(116.4, 56.0)


def test_check_datum():
    assert datum.check_datum("") == datum.WGS84
    assert datum.check_datum("wgs84") == datum.WGS84
    assert datum.check_datum("gcj02") == datum.GCJ02
    for bad in ("bd09", "wgs-84", "x"):
        with pytest.raises(DomainError) as caught:
            datum.check_datum(bad, field="report.datum")
        assert (caught.value.key, caught.value.field) == ("geo_datum_invalid", "report.datum")


def test_to_and_from_wgs84():
    point = (116.397128, 39.916527)
    assert datum.to_wgs84(point, datum.WGS84) == point
    assert datum.from_wgs84(point, datum.WGS84) == point
    shown = datum.from_wgs84(point, datum.GCJ02)
    assert shown == datum.wgs84_to_gcj02(*point)
    assert datum.to_wgs84(shown, datum.GCJ02) == pytest.approx(point, abs=1e-7)
