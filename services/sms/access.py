"""Who may do what in sms: the caller's token grants against an org's path in sms's copy of the org tree
(kernel/org_access.py)."""

from __future__ import annotations

from kernel.org_access import actor, allowed, may, may_in_region, org_path, require, tenant

SEND = "sms.send"  # send for the org and its subtree, see its sends and costs: officers
TEMPLATES = "sms.templates"  # the region's templates and signature: region admins
QUOTA = "sms.quota"  # an org's monthly quota: region admins

__all__ = ["QUOTA", "SEND", "TEMPLATES", "actor", "allowed", "may", "may_in_region", "org_path", "require", "tenant"]
