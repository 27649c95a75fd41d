"""Who may do what in orgs: decided from the caller's token grants and the target org's path."""

from __future__ import annotations

from kernel import authz, context
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from services.orgs.store import Org


def actor() -> Actor:
    return context.current().require_actor()


def may(action: str, org: Org) -> bool:
    who = actor()
    return authz.decide(action, org.path, who.grants, who.platform_roles).allowed


def require(action: str, org: Org) -> None:
    if not may(action, org):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def is_region_admin() -> bool:
    return authz.REGION_ADMIN in actor().platform_roles
