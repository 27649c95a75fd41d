"""content's database (its own): the indexes of every area's documents, created at start-up."""

from __future__ import annotations

from services.content import mirror, search

AREAS = [mirror, search]  # each area module lists its documents in DOCUMENTS


def ensure_indexes() -> None:
    for area in AREAS:
        for model in area.DOCUMENTS:
            model.ensure_indexes()
