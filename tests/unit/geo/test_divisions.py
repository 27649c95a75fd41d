"""GB/T 2260 division codes: checking, a division's city, its province's name."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError
from services.geo.domain import divisions

pytestmark = pytest.mark.unit


def test_valid_codes_pass():
    for code in ("110105", "130102", "440305", "654002", "820000", "710000", "110000"):
        assert divisions.check_division(code) == code


@pytest.mark.parametrize(
    "bad", ["", "11010", "1101055", "990105", "100105", "240101", "11010a", "１１０１０５", " 110105", None, 110105]
)
def test_invalid_codes_are_refused(bad):
    with pytest.raises(DomainError) as caught:
        divisions.check_division(bad)
    assert (caught.value.key, caught.value.field) == ("geo_division_invalid", "report.division")


def test_there_are_34_provincial_level_divisions():
    assert len(divisions.PROVINCES) == 34
    expected = {*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)}
    assert {int(p) for p in divisions.PROVINCES} == expected | {71, 81, 82}


def test_the_city_of_a_county_is_its_prefecture():
    assert divisions.city_of("440305") == "440300"  # 深圳市南山区 → 深圳市
    assert divisions.city_of("130102") == "130100"  # 石家庄市长安区 → 石家庄市
    assert divisions.city_of("440300") == "440300"


def test_a_municipality_is_its_own_city():
    assert divisions.city_of("110105") == "110000"  # 北京市朝阳区 → 北京市
    assert divisions.city_of("120101") == "120000"
    assert divisions.city_of("310115") == "310000"
    assert divisions.city_of("500235") == "500000"  # 重庆's counties too
    assert divisions.city_of("810001") == "810000"
    assert divisions.city_of("820001") == "820000"
    assert divisions.city_of("710100") == "710000"


def test_province_names():
    assert divisions.province_name("110105") == "北京"
    assert divisions.province_name("440305") == "广东"
    assert divisions.province_name("150102") == "内蒙古"
    assert divisions.province_name("650102") == "新疆"
    assert divisions.province_name("820000") == "澳门"
    with pytest.raises(DomainError):
        divisions.province_name("990000")
