"""sms's database (its own): the indexes of every area's documents, created at start-up."""

from __future__ import annotations

from services.sms import messages, mirror, optouts, replies, sends, templates, usage

# each area module lists its documents in DOCUMENTS
AREAS = [mirror, templates, usage, sends, messages, optouts, replies]


def ensure_indexes() -> None:
    for area in AREAS:
        for model in area.DOCUMENTS:
            model.ensure_indexes()
