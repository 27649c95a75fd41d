"""Who may do what in content: the caller's token grants against an org's path in content's mirror."""

from __future__ import annotations

from kernel import authz, context
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from services.content import mirror
from services.content.domain.visibility import Reader


def actor() -> Actor:
    return context.current().require_actor()


def tenant() -> str:
    return context.current().tenant


def reader() -> Reader:
    """The caller as a reader: home org path and friends, from the mirror (two indexed reads)."""
    return mirror.reader(tenant(), actor().account_id)


def org_path(org_id: str, field: str = "org_id") -> list[str]:
    """The org's path, or NOT_FOUND naming the field (an org this region does not have, or not yet)."""
    try:
        return mirror.org_path(tenant(), org_id)
    except mirror.MirrorLag:
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", field, org_id=org_id) from None


def may(action: str, org_id: str) -> bool:
    who = actor()
    return authz.decide(action, org_path(org_id), who.grants, who.platform_roles).allowed


def require(action: str, org_id: str) -> None:
    if not may(action, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def may_in_region(action: str) -> bool:
    """Region-wide actions (no org to scope them): only a platform role allows them."""
    who = actor()
    return authz.decide(action, (), who.grants, who.platform_roles).allowed
