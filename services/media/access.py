"""Who may do what in media: the caller's token grants against an org's path in media's copy of the org tree
(kernel/org_access.py)."""

from __future__ import annotations

from kernel.org_access import actor, allowed, belongs, may, org_path, require, tenant

MANAGE = "media.manage"  # the org's files and channels, its storage report
QUOTA = "media.quota"  # set an org's storage quota: region admins

__all__ = ["MANAGE", "QUOTA", "actor", "allowed", "belongs", "may", "org_path", "require", "tenant"]
