"""Grid cells for aggregates, and k-anonymity: an org sees how many of its members are where, never a group so
small that it points at a person.

Rows are size_m metres of latitude; each row is cut into columns of size_m metres measured along the row's
middle latitude, so a cell is roughly square anywhere. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode

CELL_SIZES = (1000, 5000, 20000)
DEFAULT_CELL_M = 5000
M_PER_DEG_LAT = 111_320.0
# The smallest group shown: fewer people than this in one place could be picked out.
K_MIN = 10


def check_cell_size(m: int, field: str = "cell_m") -> int:
    """A cell size in metres: 0 means the default (5000), else one of CELL_SIZES."""
    if m == 0:
        return DEFAULT_CELL_M
    if isinstance(m, bool) or m not in CELL_SIZES:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "geo_cell_size_invalid", field, sizes=", ".join(map(str, CELL_SIZES))
        )
    return int(m)


def _row_span(size_m: int, row: int) -> tuple[float, float]:
    return row * size_m / M_PER_DEG_LAT, (row + 1) * size_m / M_PER_DEG_LAT


def _column_degrees(size_m: int, row: int) -> float:
    south, north = _row_span(size_m, row)
    middle = min((south + north) / 2, 89.9999)
    return size_m / (M_PER_DEG_LAT * math.cos(math.radians(middle)))


def cell_of(lng: float, lat: float, size_m: int) -> str:
    """The id of the cell of size_m metres holding the point: "size:row:col"."""
    row = math.floor(lat * M_PER_DEG_LAT / size_m)
    col = math.floor(lng / _column_degrees(size_m, row))
    return f"{size_m}:{row}:{col}"


def cell_bounds(cell_id: str, field: str = "cell_id") -> tuple[tuple[float, float], tuple[float, float]]:
    """((west, south), (east, north)) of a cell id made by cell_of."""
    try:
        size_text, row_text, col_text = cell_id.split(":")
        size_m, row, col = int(size_text), int(row_text), int(col_text)
    except (AttributeError, ValueError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_cell_invalid", field) from None
    if size_m not in CELL_SIZES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_cell_invalid", field)
    if not math.floor(-90 * M_PER_DEG_LAT / size_m) <= row <= math.floor(90 * M_PER_DEG_LAT / size_m):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_cell_invalid", field)
    width = _column_degrees(size_m, row)
    if not math.floor(-180 / width) <= col <= math.floor(180 / width):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_cell_invalid", field)
    south, north = _row_span(size_m, row)
    return (col * width, south), ((col + 1) * width, north)


@dataclass
class Withheld:
    groups: dict[str, int]  # the groups shown: each of at least k people
    others: int  # the people of smaller groups together, or 0 when even they are fewer than k
    total: int  # everyone counted


def withhold(counts: dict[str, int], k: int = K_MIN) -> Withheld:
    """Keep the groups of at least k; sum the rest into others, itself shown only when it reaches k."""
    groups = {key: count for key, count in counts.items() if count >= k}
    rest = sum(count for key, count in counts.items() if key not in groups)
    return Withheld(groups=groups, others=rest if rest >= k else 0, total=sum(counts.values()))
