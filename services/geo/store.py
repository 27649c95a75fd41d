"""geo's database (its own): the indexes of every area's documents, created at start-up."""

from __future__ import annotations

from kernel import home_orgs
from services.geo import audits, checkins, consents, devices, live, places, whereabouts

# each area module lists its documents in DOCUMENTS
AREAS = [home_orgs, places, consents, devices, checkins, live, whereabouts, audits]


def ensure_indexes() -> None:
    for area in AREAS:
        for model in area.DOCUMENTS:
            model.ensure_indexes()
