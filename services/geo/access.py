"""Who may do what in geo: the caller's token grants against an org's path in geo's copy of the org tree
(kernel/org_access.py). Location itself is never an officer's to read: members see their own; organizers see
the points of their meeting's check-ins and live sharing (audited, audits.py); officers see aggregates."""

from __future__ import annotations

from kernel.org_access import actor, allowed, may, may_in_region, org_path, require, tenant

MANAGE_MEETING = "member.manage"  # orgs' own action for running an org's meetings (services/orgs/life.py)
STATS = "stats.read"  # aggregates of the subtree

__all__ = ["MANAGE_MEETING", "STATS", "actor", "allowed", "may", "may_in_region", "org_path", "require", "tenant"]
