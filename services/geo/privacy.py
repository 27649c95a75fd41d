"""What geo holds about a person (kernel/erasure.py; the table is in docs/privacy.md). Location is sensitive
personal information (PIPL art. 28): after an account is deleted, everything goes — consents and their
history, devices, check-ins with their points (orgs keeps the attendance they made), the current city,
live positions. The log of who read locations stays: it is the audit. The export is export.py's
(its own shape, with points in WGS-84), and the reads this person made."""

from __future__ import annotations

import json

from kernel.erasure import Holding
from kernel.erasure import erase as erase_holdings
from kernel.person_data import database
from services.geo import export

HOLDINGS = [
    Holding("consents", "account_id", "delete", export=False),
    Holding("consent_history", "account_id", "delete", export=False),
    Holding("devices", "account_id", "delete", export=False),
    Holding("check_ins", "account_id", "delete", export=False),
    Holding("whereabouts", "account_id", "delete", export=False),
    Holding("mobile_members", "account_id", "delete", export=False),
    Holding("live_points", "account_id", "delete", export=False),
    Holding("location_reads", "reader", "keep", why="the audit of location reads"),
]


def erase(tenant: str, account_id: str) -> dict[str, int]:
    return erase_holdings(database(), tenant, account_id, HOLDINGS)


def export_mine(tenant: str, account_id: str) -> dict:
    return {"geo": json.loads(export.my_data())}
