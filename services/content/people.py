"""Display names of people and orgs from content's mirror, for the listings of forums, notices and polls."""

from __future__ import annotations

from collections.abc import Iterable

from services.content import access, mirror


def names(account_ids: Iterable[str]) -> dict[str, str]:
    """account id → display name, one indexed $in query (a page holds at most 200 people)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    rows = mirror.Person.in_tenant(access.tenant()).filter(account_id__in=wanted).only("account_id", "display_name")
    return {p.account_id: p.display_name for p in rows}


def org_names(org_ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(org_ids))
    if not wanted:
        return {}
    rows = mirror.OrgNode.in_tenant(access.tenant()).filter(org_id__in=wanted).only("org_id", "name")
    return {o.org_id: o.name for o in rows}
