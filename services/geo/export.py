"""Everything geo keeps about the caller, as one JSON document (PIPL's right to access and copy): consents
and their history, devices (not their keys), check-ins with their points while kept, the current city and
cells, live positions."""

from __future__ import annotations

import datetime as dt
import json

from kernel.clock import aware
from services.geo import access, checkins, consents, devices, live, whereabouts


def _time(value: dt.datetime | None) -> str | None:
    return aware(value).isoformat() if value else None


def my_data() -> str:
    tenant, who = access.tenant(), access.actor().account_id
    views, history = consents.listing()
    city = whereabouts.mine(tenant, who)
    data = {
        "account_id": who,
        "consents": [
            {
                "purpose": v.purpose,
                "granted": v.granted,
                "version": v.granted_version,
                "changed_at": _time(v.changed_at),
            }
            for v in views
        ],
        "consent_history": [
            {"purpose": r.purpose, "action": r.action, "version": r.version, "at": _time(r.at)} for r in history
        ],
        "devices": [
            {
                "device_id": d.id,
                "name": d.name,
                "platform": d.platform,
                "active": d.active,
                "registered_at": _time(d.registered_at),
                "unregistered_at": _time(d.unregistered_at),
                "last_fix": ({**d.last_fix, "at": _time(d.last_fix.get("at"))} if d.last_fix else None),
            }
            for d in devices.listing()
        ],
        "check_ins": [
            {
                "check_in_id": str(c.id),
                "meeting_id": c.meeting_id,
                "status": c.status,
                "flags": list(c.flags),
                "at": _time(c.at),
                "point": [c.lng, c.lat] if c.has_point else None,
                "accuracy_m": c.accuracy_m,
            }
            for c in checkins.mine(tenant, who)
        ],
        "city": (
            {
                "division": city.division,
                "city": city.city,
                "cells": dict(city.cells),
                "mobile": city.mobile,
                "reported_at": _time(city.reported_at),
                "expires_at": _time(city.expires_at),
            }
            if city
            else None
        ),
        "live_locations": [
            {
                "meeting_id": p.meeting_id,
                "point": [p.lng, p.lat],
                "accuracy_m": p.accuracy_m,
                "at": _time(p.at),
                "expires_at": _time(p.expires_at),
            }
            for p in live.mine(tenant, who)
        ],
        "datum": "wgs84",
    }
    return json.dumps(data, ensure_ascii=False)
