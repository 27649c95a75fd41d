"""Notices' rules (通知公告): limits, whom a notice reaches, how read receipts are counted, reminders.

A notice is published from an org (its sender) to one or more target orgs, each in the sender's subtree
(the sender itself by default), optionally only to holders of some roles there ("the secretaries of
the branches below"). Its recipients are fixed at publication. Every recipient is counted for each org
on their path from the target org down to their own org, so the counter of any org of the audience
tells how many of its people received the notice and how many have read it, without adding anything
up at read time. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence

from kernel import authz
from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

TITLE_MAX = 100
BODY_MAX = 10_000
TARGETS_MAX = 50
REMINDER_INTERVAL = dt.timedelta(hours=1)
REMINDER_CHUNK = 1000  # account ids a notice_reminder event carries (~40 KB)
RECEIPT_BATCH = 1000  # receipts written per insert at publication
# Publishing: a notice to at most INLINE_MAX people is written by the call; a bigger one by content's
# worker, DELIVERY_BATCH recipients a transaction, in rounds of at most ROUND_SECONDS (each round's last
# batch hands over to a fresh event, so no handler outlives its inbox lease). Until its last batch the
# notice is PUBLISHING: its receipts, counts and recipient_count grow batch by batch.
INLINE_MAX = 2000
DELIVERY_BATCH = 100  # a big transaction stalls SecantusDB (services/content/README.md)
ROUND_SECONDS = 20.0
PUBLISHING, PUBLISHED = "publishing", "published"


def title(value: str) -> str:
    return inputs.text(value, "title", TITLE_MAX)


def body(value: str) -> str:
    return inputs.text(value, "body", BODY_MAX)


# Roles a notice may be addressed to: every member holds "member", so a notice to everyone names no role.
ROLES = tuple(r for r in authz.ORG_ROLES if r != "member")


def roles(values: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(values))
    for role in chosen:
        if role not in ROLES:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "notice_role_invalid", "roles", roles=", ".join(ROLES))
    return chosen


def targets(sender_id: str, target_paths: dict[str, Sequence[str]]) -> list[str]:
    """The target orgs that matter: each must lie in the sender's subtree (PERMISSION_DENIED naming the
    field otherwise); a target inside another target adds nobody and is dropped."""
    for path in target_paths.values():
        if sender_id not in path:
            raise DomainError(ErrorCode.PERMISSION_DENIED, "notice_target_outside", "target_org_ids")
    kept = []
    for org_id, path in target_paths.items():
        if not any(other in path[:-1] for other in target_paths if other != org_id):
            kept.append(org_id)
    return kept


def path_below(path: Sequence[str], roots: Iterable[str]) -> list[str]:
    """The part of an org path from the first of roots on it down to the org itself ([] if none)."""
    root_set = set(roots)
    for i, org_id in enumerate(path):
        if org_id in root_set:
            return list(path[i:])
    return []


def counts_by_org(recipient_paths: Iterable[Sequence[str]]) -> tuple[Counter, dict[str, str]]:
    """Recipients per org (each counted on every org of its path below the target) and each org's parent
    within the audience ("" for a target itself)."""
    counts: Counter = Counter()
    parents: dict[str, str] = {}
    for path in recipient_paths:
        counts.update(path)
        for i, org_id in enumerate(path):
            parents.setdefault(org_id, path[i - 1] if i else "")
    return counts, parents


def reminder_wait(remind_after: dt.datetime, now: dt.datetime) -> int:
    """Seconds until the next reminder may be sent (0: now); each sets the next one REMINDER_INTERVAL on."""
    return max(0, math.ceil((remind_after - now).total_seconds()))


def chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
