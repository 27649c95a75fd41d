"""Is a device's report believable next to its previous one? Flags, never a verdict: a flagged check-in is held
for the organizer, not refused. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.geo.domain.geometry import distance_m

# Faster than any train in China: a device that moved faster than this between two reports did not.
MAX_SPEED_KMH = 400
IMPOSSIBLE_SPEED = "impossible_speed"
REPEATED_COORDINATES = "repeated_coordinates"
# Coordinates equal at the 7th decimal (about 1 cm), the precision a signed report carries.
_SAME_DEGREES = 5e-8


@dataclass(frozen=True)
class Fix:
    lng: float
    lat: float
    at: dt.datetime  # aware, UTC: when the device took the fix
    accuracy_m: float


def flags(previous: Fix | None, current: Fix) -> list[str]:
    """What is implausible about current after previous (sorted; [] for a device's first fix)."""
    if previous is None:
        return []
    found = set()
    # Both fixes may be off by their accuracy, so only the distance beyond that must be explained by travel.
    moved_m = distance_m((previous.lng, previous.lat), (current.lng, current.lat))
    unexplained_m = moved_m - previous.accuracy_m - current.accuracy_m
    seconds = (current.at - previous.at).total_seconds()
    if unexplained_m > 0 and (seconds <= 0 or unexplained_m / seconds * 3.6 > MAX_SPEED_KMH):
        found.add(IMPOSSIBLE_SPEED)
    # Real GPS jitters between fixes; the very same numbers at another time are replayed or simulated.
    same = abs(current.lng - previous.lng) < _SAME_DEGREES and abs(current.lat - previous.lat) < _SAME_DEGREES
    if same and current.at != previous.at:
        found.add(REPEATED_COORDINATES)
    return sorted(found)
