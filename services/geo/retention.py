"""The retention job (geo's worker runs it every GEO_RETENTION_SECONDS): what was kept for a purpose goes when
the purpose no longer needs it — check-ins older than 90 days keep only that the member attended, live
positions go when their meeting ends, a city 180 days after its last report, a device's last fix after 24 h.
TTL indexes remove live positions and cities too (within a minute on this database); the job does not rely
on them. Idempotent: running it twice changes nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kernel.store import utcnow
from services.geo import checkins, devices, live, whereabouts
from services.geo.domain.consent import DEVICE_FIX_KEPT


@dataclass(frozen=True)
class Swept:
    check_ins_reduced: int
    live_points_dropped: int
    cities_dropped: int
    device_fixes_dropped: int


def run(tenant: str, now: dt.datetime | None = None) -> Swept:
    now = now or utcnow()
    fixes = devices.Device._get_collection().update_many(
        {"last_fix_at": {"$lt": now - DEVICE_FIX_KEPT}}, {"$set": {"last_fix": None, "last_fix_at": None}}
    )
    return Swept(
        checkins.reduce_older(tenant, now),
        live.drop_ended(tenant, now),
        whereabouts.drop_expired(tenant, now),
        fixes.modified_count,
    )
