"""Role policy: which roles may do which action, decided from the target org's ancestor path.

A grant of role R on org X covers X and its whole subtree, so "may A do action on org Y" asks whether
any of A's grants names an org on Y's path (root … Y) with a role that allows the action. Platform
roles apply to the whole region. This module is pure: the caller supplies grants and the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ORG_ROLES = ("secretary", "deputy_secretary", "committee_member", "organization_officer", "member")
REGION_ADMIN = "region_admin"
CENTRAL_AUDITOR = "central_auditor"
PLATFORM_ROLES = (REGION_ADMIN, CENTRAL_AUDITOR)
# A peer region's requests, admitted by identity from their signature (kernel/federation.py): the actor is
# "region:<peer>" and holds one of these. Never granted to a person; they allow no ordinary action, only the
# federation calls that check for them.
FEDERATION_PEER = "federation_peer"  # a regional deployment
FEDERATION_CENTRAL = "federation_central"  # the central office
PEER_PREFIX = "region:"

_LEADERS = frozenset({"secretary", "deputy_secretary"})
_OFFICERS = _LEADERS | {"organization_officer"}
_COMMITTEE = _OFFICERS | {"committee_member"}
_EVERYONE = frozenset(ORG_ROLES)

# action -> org roles that allow it on the org where they are held and everything below.
ACTIONS: dict[str, frozenset[str]] = {
    "org.read": _EVERYONE,
    "org.manage": _OFFICERS,
    "member.read": _COMMITTEE,
    "member.manage": _OFFICERS,
    "role.grant": frozenset({"secretary"}),
    "personal_data.read": frozenset({"secretary", "organization_officer"}),
    "notice.publish": _COMMITTEE,
    # content (services/content): hide posts and replies, work the report queue, of the org's subtree
    "content.moderate": _OFFICERS,
    # forums: create, rename and close boards of the org; appoint board moderators
    "forum.manage": _OFFICERS,
    # polls and surveys addressed to the org's subtree, and their results per org
    "poll.publish": _COMMITTEE,
    # group chats of an org (its members join them)
    "chat.org_group": _OFFICERS,
    # education (党员教育): courses, question banks and exams of the org, assigning courses to its subtree,
    # completion reports and exam results of the subtree
    "education.manage": _COMMITTEE,
    # the region's study points rules table: region admins only
    "education.rules": frozenset(),
    # the org's micro-website (创建网站服务): edit its draft, publish it, see the draft
    "site.manage": _COMMITTEE,
    # custom apps (个性化应用): define the org's own, install (and push to the subtree), arrange the menu,
    # read and export the subtree's form submissions
    "app.manage": _OFFICERS,
    # the region's app catalog: region admins only
    "app.catalog": frozenset(),
    # service requests (服务): appoint and remove the org's counsellors, assign its requests to them, read its
    # subtree's overdue report; never the requests' content (services/content/domain/service_requests.py)
    "service.manage": _OFFICERS,
    # knowledge base (知识管理): edit or remove any article, question or answer of the org, manage its
    # categories, turn discussions into its articles (members write there without it)
    "knowledge.manage": _COMMITTEE,
    # media (services/media): the org's files (any of its members' too: read, delete), its radio and TV
    # channels and their schedules and live broadcasts, its storage report
    "media.manage": _COMMITTEE,
    # an org's storage quota: region admins only
    "media.quota": frozenset(),
    # sms (services/sms): send text messages for the org (people of its subtree, phone lists; it pays, within
    # its monthly quota), see its sends and what they cost
    "sms.send": _OFFICERS,
    # the region's SMS templates and signature, and every org's monthly SMS quota: region admins only
    "sms.templates": frozenset(),
    "sms.quota": frozenset(),
    "stats.read": _COMMITTEE,
    "audit.read": frozenset(),
}

# What a webhook app's callback token may be scoped to (identity's app tokens): each becomes a grant of the role
# "app:<action>" on the installing org, allowing exactly that action on the org and its subtree.
APP_PREFIX = "app:"
APP_SCOPES = ("org.read", "member.read", "notice.publish", "poll.publish", "education.manage", "stats.read")

# platform role -> actions it allows anywhere in the region (None: every action).
PLATFORM_ACTIONS: dict[str, frozenset[str] | None] = {
    REGION_ADMIN: None,
    CENTRAL_AUDITOR: frozenset({"org.read", "stats.read", "audit.read"}),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    role: str = ""
    org_id: str = ""  # the org on the path whose grant allowed it; "" for a platform role


DENY = Decision(False)


def is_known_action(action: str) -> bool:
    return action in ACTIONS


def decide(
    action: str,
    org_path: Sequence[str],
    grants: Iterable[tuple[str, str]],
    platform_roles: Iterable[str] = (),
) -> Decision:
    """Allow if a platform role covers the action, or a grant on an org of org_path (root…target) does."""
    for role in platform_roles:
        allowed = PLATFORM_ACTIONS.get(role, frozenset())
        if allowed is None or action in allowed:
            return Decision(True, role)
    roles_for_action = ACTIONS.get(action, frozenset())
    on_path = set(org_path)
    # Prefer the grant nearest the root: it explains the widest authority.
    best: Decision = DENY
    best_depth = len(org_path)
    for role, org_id in grants:
        if (role in roles_for_action or role == APP_PREFIX + action) and org_id in on_path:
            depth = list(org_path).index(org_id)
            if depth < best_depth or not best.allowed:
                best, best_depth = Decision(True, role, org_id), depth
    return best
