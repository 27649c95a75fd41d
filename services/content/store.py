"""content's database (its own): the indexes of every area's documents, created at start-up."""

from __future__ import annotations

from services.content import (
    apps,
    chat,
    courses,
    exams,
    forums,
    knowledge,
    mirror,
    moderation,
    notices,
    notifications,
    polls,
    posts,
    questions,
    search,
    service_requests,
    sites,
    study,
    timelines,
    webhooks,
)

# each area module lists its documents in DOCUMENTS
AREAS = [mirror, forums, notices, polls, posts, timelines, moderation, chat, notifications, search]
AREAS += [courses, exams, study]  # education
AREAS += [sites, apps, webhooks]
AREAS += [service_requests]  # service requests (服务)
AREAS += [knowledge, questions]  # knowledge base


def ensure_indexes() -> None:
    for area in AREAS:
        for model in area.DOCUMENTS:
            model.ensure_indexes()
