"""Who may do what, for services that keep the shared copy of the org tree (kernel/home_orgs.py): the
caller's token grants (kernel/authz.py) against an org's path in that copy. media and sms use it."""

from __future__ import annotations

from kernel import authz, context
from kernel import home_orgs as mirror
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode


def actor() -> Actor:
    return context.current().require_actor()


def tenant() -> str:
    return context.current().tenant


def org_path(org_id: str, field: str = "org_id") -> list[str]:
    """The org's path (root … org), or NOT_FOUND naming field for an org this region does not have."""
    try:
        return mirror.org_path(tenant(), org_id)
    except mirror.MirrorLag:
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", field, org_id=org_id) from None


def allowed(action: str, path: list[str]) -> bool:
    """May the caller do action on the org of this path (an org_path already read)?"""
    who = actor()
    return authz.decide(action, path, who.grants, who.platform_roles).allowed


def may(action: str, org_id: str) -> bool:
    return allowed(action, org_path(org_id))


def require(action: str, org_id: str) -> None:
    if not may(action, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def may_in_region(action: str) -> bool:
    """A platform role allows the action anywhere in the region (region admins)."""
    return authz.decide(action, [], (), actor().platform_roles).allowed


def belongs(org_id: str) -> bool:
    """The caller's home org is the org or below it."""
    return org_id in mirror.home_path(tenant(), actor().account_id)
