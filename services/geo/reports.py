"""Location reports that are not check-ins: a member's current city (mobile_city) and live sharing during a
meeting (live_sharing). Each is verified against its device first (devices.py), then kept by its purpose's
module under the member's consent for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiceng.geo.v1 import geo_pb2 as pb
from services.geo import devices, live, whereabouts
from services.geo.domain import consent as purposes

KEPT_CITY, KEPT_LIVE = "city", "live"


@dataclass(frozen=True)
class Result:
    purpose: str
    kept: str
    city: str
    expires_at: dt.datetime
    flags: list[str]


def report(purpose: str, ref: str, signed: pb.SignedReport) -> Result:
    purpose = purposes.check_purpose(purpose, allowed=(purposes.MOBILE_CITY, purposes.LIVE_SHARING))
    verified = devices.verify(signed, purpose, ref)
    if purpose == purposes.MOBILE_CITY:
        row = whereabouts.report(verified)
        return Result(purpose, KEPT_CITY, row.city, row.expires_at, verified.flags)
    point = live.share(verified, ref)
    return Result(purpose, KEPT_LIVE, "", point.expires_at, verified.flags)
