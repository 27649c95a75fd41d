"""Consent per purpose (PIPL: location is sensitive personal information): the purposes, the current version of
each one's text, and how long what is kept for each is kept. Pure: no I/O.

A text's wording is in kernel/catalogs/geo.py; changing what a text promises means a new version (and new
keys), which every member must accept again before anything more is kept for that purpose.
"""

from __future__ import annotations

import datetime as dt

from kernel.errors import DomainError, ErrorCode

CHECK_IN, MOBILE_CITY, LIVE_SHARING = "check_in", "mobile_city", "live_sharing"
PURPOSES = (CHECK_IN, MOBILE_CITY, LIVE_SHARING)

CURRENT_VERSION: dict[str, int] = {CHECK_IN: 1, MOBILE_CITY: 1, LIVE_SHARING: 1}

# The catalog keys of each version's text, and of each purpose's one-line retention.
TEXT_KEYS: dict[tuple[str, int], str] = {
    (CHECK_IN, 1): "geo_consent_text_check_in_v1",
    (MOBILE_CITY, 1): "geo_consent_text_mobile_city_v1",
    (LIVE_SHARING, 1): "geo_consent_text_live_sharing_v1",
}
RETENTION_KEYS: dict[str, str] = {
    CHECK_IN: "geo_retention_check_in",
    MOBILE_CITY: "geo_retention_mobile_city",
    LIVE_SHARING: "geo_retention_live_sharing",
}

# Retention. A check-in's point, then only "attended"; a city after the last report that confirmed it; the
# device's last fix, kept only to judge the plausibility of its next report. Live positions go when the
# meeting ends.
CHECK_IN_POINT_KEPT = dt.timedelta(days=90)
CITY_KEPT = dt.timedelta(days=180)
DEVICE_FIX_KEPT = dt.timedelta(hours=24)


def check_purpose(p: str, field: str = "purpose", allowed: tuple[str, ...] = PURPOSES) -> str:
    """One of the allowed purposes."""
    if p not in allowed:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_purpose_invalid", field, allowed=", ".join(allowed))
    return p


def check_version(purpose: str, version: int, field: str = "version") -> int:
    """The version of the text the member read: it must be the current one, else they read an old text."""
    current = CURRENT_VERSION[purpose]
    if version != current:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "geo_consent_version_stale", field, current=current)
    return current
