"""The org tree's rules: types and where they may sit, categories, slugs, no cycles."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kernel.errors import DomainError, ErrorCode
from kernel.text import has_control

COMMITTEE, GENERAL_BRANCH, BRANCH, GROUP = "committee", "general_branch", "branch", "group"
TYPES = (COMMITTEE, GENERAL_BRANCH, BRANCH, GROUP)  # 党委, 党总支, 党支部, 党小组

# type -> the parent types it may sit under (None: may be a root)
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    COMMITTEE: (None, COMMITTEE),
    GENERAL_BRANCH: (COMMITTEE,),
    BRANCH: (COMMITTEE, GENERAL_BRANCH),
    GROUP: (BRANCH,),
}

CATEGORIES = (
    "enterprise",
    "social_organization",
    "government",
    "community",
    "village",
    "school",
    "park",
    "office_tower",
    "residential_compound",
    "mobile_member_org",
)

NAME_MAX = 100
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_type(org_type: str, field: str = "type") -> str:
    if org_type not in TYPES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_type_invalid", field)
    return org_type


def check_category(category: str, field: str = "category") -> str:
    if category and category not in CATEGORIES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_category_invalid", field)
    return category


def check_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= NAME_MAX or has_control(name):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_name_invalid", field)
    return name


def check_slug(slug: str, field: str = "slug") -> str:
    if slug and not _SLUG.match(slug):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_slug_invalid", field)
    return slug


def check_placement(org_type: str, parent_type: str | None, field: str = "parent_id") -> None:
    """A group only under a branch, a branch under a committee or general branch, and so on."""
    if parent_type not in ALLOWED_PARENTS[org_type]:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_placement_invalid", field, type=f"type.{org_type}")


def check_move(org_path: Sequence[str], new_parent_path: Sequence[str], field: str = "new_parent_id") -> None:
    """No cycles: an org can't move under itself or anything below it."""
    org_id = org_path[-1]
    if org_id in new_parent_path:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_move_cycle", field)
    if list(new_parent_path) == list(org_path[:-1]):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_move_same_parent", field)


def check_location(lng: float, lat: float, field: str = "location") -> tuple[float, float]:
    """WGS-84 longitude and latitude."""
    if not (-180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "location_invalid", field)
    return lng, lat


def rebased(path: Sequence[str], old_prefix: Sequence[str], new_prefix: Sequence[str]) -> list[str]:
    """The path of a node of a moved subtree: old_prefix … becomes new_prefix …."""
    if list(path[: len(old_prefix)]) != list(old_prefix):
        raise ValueError(f"{path} is not under {old_prefix}")
    return [*new_prefix, *path[len(old_prefix) :]]
