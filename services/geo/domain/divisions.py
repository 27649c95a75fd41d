"""China's administrative division codes (GB/T 2260): six digits, province, prefecture-level city, county.

A mobile member's report names the division the device is in; geo keeps only its city. Pure: no I/O.
"""

from __future__ import annotations

import re

from kernel.errors import DomainError, ErrorCode

_CODE = re.compile(r"[0-9]{6}")

# The 34 provincial-level divisions by their two-digit prefix, with their short names.
PROVINCES: dict[str, str] = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
# Municipalities and the divisions with no prefecture-level cities: the province is the city.
_PROVINCE_IS_CITY = frozenset({"11", "12", "31", "50", "71", "81", "82"})


def check_division(code: str, field: str = "report.division") -> str:
    """Six digits whose first two are one of China's provincial-level divisions."""
    if not isinstance(code, str) or not _CODE.fullmatch(code) or code[:2] not in PROVINCES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_division_invalid", field)
    return code


def city_of(code: str) -> str:
    """The prefecture-level city's code of a division (for a municipality, the municipality's)."""
    if code[:2] in _PROVINCE_IS_CITY:
        return code[:2] + "0000"
    return code[:4] + "00"


def province_name(code: str) -> str:
    """The short Chinese name of the division's province (北京, 河北, … 澳门)."""
    return PROVINCES[check_division(code, "division")[:2]]
