"""GCJ-02 (the "Mars" datum that maps published in China display in) and WGS-84 (what GPS gives).

geo keeps everything in WGS-84; a request may send GCJ-02 points (picked on a Chinese map) and ask for GCJ-02
back. The forward shift is the published closed form (a few hundred metres, smooth); its inverse has no
closed form, so it is found by iterating the forward one. Outside China's rough box nothing is shifted.
Pure: no I/O.
"""

from __future__ import annotations

import math

from kernel.errors import DomainError, ErrorCode

WGS84, GCJ02 = "wgs84", "gcj02"
DATUMS = (WGS84, GCJ02)

# Krasovsky 1940's semi-major axis and eccentricity squared, as the GCJ-02 algorithm uses them.
_A = 6378245.0
_EE = 0.00669342162296594323
_INVERSE_TOLERANCE_DEG = 1e-7
_INVERSE_MAX_STEPS = 30


def check_datum(value: str, field: str = "datum") -> str:
    """The datum a request names: "" means wgs84; else wgs84 or gcj02."""
    datum = (value or "").strip().lower()
    if not datum:
        return WGS84
    if datum not in DATUMS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_datum_invalid", field)
    return datum


def out_of_china(lng: float, lat: float) -> bool:
    """Outside the rough box where GCJ-02 applies (such points are not shifted)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return value


def _shift_lng(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return value


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 point a Chinese map shows for a WGS-84 one."""
    if out_of_china(lng, lat):
        return lng, lat
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = math.radians(lat)
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = dlng * 180.0 / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is (lng, lat), to about a centimetre."""
    if out_of_china(lng, lat):
        return lng, lat
    # The shift changes slowly with position, so correcting a guess by the forward error converges fast.
    guess_lng, guess_lat = lng, lat
    for _ in range(_INVERSE_MAX_STEPS):
        shifted_lng, shifted_lat = wgs84_to_gcj02(guess_lng, guess_lat)
        error_lng, error_lat = shifted_lng - lng, shifted_lat - lat
        if abs(error_lng) < _INVERSE_TOLERANCE_DEG and abs(error_lat) < _INVERSE_TOLERANCE_DEG:
            break
        guess_lng, guess_lat = guess_lng - error_lng, guess_lat - error_lat
    return guess_lng, guess_lat


def to_wgs84(point: tuple[float, float], datum: str) -> tuple[float, float]:
    """A point sent in datum, in WGS-84."""
    return gcj02_to_wgs84(*point) if datum == GCJ02 else (point[0], point[1])


def from_wgs84(point: tuple[float, float], datum: str) -> tuple[float, float]:
    """A WGS-84 point, in the datum asked for."""
    return wgs84_to_gcj02(*point) if datum == GCJ02 else (point[0], point[1])
