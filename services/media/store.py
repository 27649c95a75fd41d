"""media's database (its own): the indexes of every area's documents, created at start-up."""

from __future__ import annotations

from kernel import home_orgs as mirror
from services.media import audits, broadcasts, calls, channels, files

# each area module lists its documents in DOCUMENTS
AREAS = [mirror, files, channels, broadcasts, calls, audits]


def ensure_indexes() -> None:
    for area in AREAS:
        for model in area.DOCUMENTS:
            model.ensure_indexes()
