"""kernel/authz.decide: a grant covers its org's subtree; platform roles cover the region."""

from __future__ import annotations

import itertools

import pytest

from kernel import authz
from kernel.authz import CENTRAL_AUDITOR, REGION_ADMIN, Decision, decide

pytestmark = pytest.mark.unit

# root → city → district → branch, with a sibling district beside the first.
ROOT, CITY, DISTRICT, BRANCH, SIBLING = "org-root", "org-city", "org-district", "org-branch", "org-district-2"
PATH_TO_BRANCH = (ROOT, CITY, DISTRICT, BRANCH)
PATH_TO_DISTRICT = (ROOT, CITY, DISTRICT)
PATH_TO_SIBLING = (ROOT, CITY, SIBLING)


@pytest.mark.parametrize("holder", [ROOT, CITY, DISTRICT, BRANCH])
def test_grant_on_the_target_or_an_ancestor_covers_it(holder):
    decision = decide("member.manage", PATH_TO_BRANCH, [("secretary", holder)])
    assert decision == Decision(True, "secretary", holder)


def test_grant_on_a_sibling_does_not_cover():
    assert decide("org.read", PATH_TO_DISTRICT, [("secretary", SIBLING)]) == authz.DENY
    assert decide("org.read", PATH_TO_BRANCH, [("secretary", SIBLING)]) == authz.DENY
    # ...but it does cover the sibling itself
    assert decide("org.read", PATH_TO_SIBLING, [("secretary", SIBLING)]).allowed


def test_grant_on_a_descendant_does_not_cover_the_ancestor():
    for target in ((ROOT,), (ROOT, CITY), PATH_TO_DISTRICT):
        assert not decide("org.read", target, [("secretary", BRANCH)]).allowed


def test_no_grants_denies():
    assert decide("org.read", PATH_TO_BRANCH, []) == authz.DENY
    assert not authz.DENY.allowed


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("member", "org.manage"),
        ("member", "member.read"),
        ("committee_member", "member.manage"),
        ("committee_member", "personal_data.read"),
        ("deputy_secretary", "role.grant"),
        ("deputy_secretary", "personal_data.read"),
        ("organization_officer", "role.grant"),
        ("secretary", "audit.read"),  # no org role may read the audit log
        ("committee_member", "service.manage"),  # counsellors and the overdue report: officers only
        ("member", "knowledge.manage"),  # members write in the knowledge base; curating is the committee's
        ("secretary", "no.such.action"),
        ("region_admin", "org.read"),  # a platform role held as an org grant means nothing
        ("janitor", "org.read"),
    ],
)
def test_role_not_allowed_for_the_action_denies(role, action):
    assert decide(action, PATH_TO_BRANCH, [(role, ROOT)]) == authz.DENY


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("member", "org.read"),
        ("committee_member", "member.read"),
        ("committee_member", "notice.publish"),
        ("committee_member", "knowledge.manage"),
        ("committee_member", "stats.read"),
        ("organization_officer", "member.manage"),
        ("organization_officer", "personal_data.read"),
        ("deputy_secretary", "org.manage"),
        ("secretary", "role.grant"),
        ("secretary", "personal_data.read"),
        ("secretary", "service.manage"),
        ("organization_officer", "service.manage"),
    ],
)
def test_role_allowed_for_the_action_allows(role, action):
    assert decide(action, PATH_TO_BRANCH, [(role, CITY)]) == Decision(True, role, CITY)


def test_only_the_grant_whose_role_fits_counts():
    # a member at the root and an officer lower down: manage is allowed through the officer only
    grants = [("member", ROOT), ("organization_officer", DISTRICT)]
    assert decide("org.manage", PATH_TO_BRANCH, grants) == Decision(True, "organization_officer", DISTRICT)
    assert decide("org.manage", PATH_TO_SIBLING, grants) == authz.DENY


@pytest.mark.parametrize("action", [*authz.ACTIONS, "no.such.action"])
def test_region_admin_allows_everything_everywhere(action):
    for path in (PATH_TO_BRANCH, (ROOT,), ()):
        assert decide(action, path, [], [REGION_ADMIN]) == Decision(True, REGION_ADMIN, "")


@pytest.mark.parametrize("action", sorted(authz.ACTIONS))
def test_central_auditor_only_its_actions(action):
    decision = decide(action, PATH_TO_BRANCH, [], [CENTRAL_AUDITOR])
    if action in {"org.read", "stats.read", "audit.read"}:
        assert decision == Decision(True, CENTRAL_AUDITOR, "")
    else:
        assert decision == authz.DENY


def test_central_auditor_can_still_use_org_grants():
    decision = decide("member.manage", PATH_TO_BRANCH, [("secretary", CITY)], [CENTRAL_AUDITOR])
    assert decision == Decision(True, "secretary", CITY)


def test_unknown_platform_role_grants_nothing():
    assert decide("org.read", PATH_TO_BRANCH, [], ["superuser"]) == authz.DENY


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_decision_names_the_grant_nearest_the_root(order):
    grants = [("secretary", BRANCH), ("organization_officer", CITY), ("deputy_secretary", DISTRICT)]
    shuffled = [grants[i] for i in order]
    assert decide("org.manage", PATH_TO_BRANCH, shuffled) == Decision(True, "organization_officer", CITY)


def test_nearest_root_grant_only_among_those_that_allow():
    # the root grant is a member (can't manage); the nearest allowing grant is the district's
    grants = [("secretary", BRANCH), ("member", ROOT), ("deputy_secretary", DISTRICT)]
    assert decide("org.manage", PATH_TO_BRANCH, grants) == Decision(True, "deputy_secretary", DISTRICT)


def test_grants_off_the_path_do_not_affect_the_choice():
    grants = [("secretary", SIBLING), ("secretary", BRANCH)]
    assert decide("org.manage", PATH_TO_BRANCH, grants) == Decision(True, "secretary", BRANCH)


def test_is_known_action():
    assert authz.is_known_action("org.read")
    assert authz.is_known_action("audit.read")
    assert not authz.is_known_action("no.such.action")
    assert not authz.is_known_action("")


def test_policy_only_names_known_roles():
    for action, roles in authz.ACTIONS.items():
        assert roles <= set(authz.ORG_ROLES), action
    for role, actions in authz.PLATFORM_ACTIONS.items():
        assert role in authz.PLATFORM_ROLES
        if actions is not None:
            assert actions <= set(authz.ACTIONS), role
    assert not set(authz.ORG_ROLES) & set(authz.PLATFORM_ROLES)


def test_an_app_grant_allows_its_one_action_on_the_subtree_only():
    grants = [(authz.APP_PREFIX + "notice.publish", "branch")]
    assert authz.decide("notice.publish", ["root", "committee", "branch"], grants).allowed
    assert authz.decide("notice.publish", ["root", "committee", "branch", "group"], grants).allowed
    assert not authz.decide("notice.publish", ["root", "committee"], grants).allowed  # above it
    assert not authz.decide("notice.publish", ["root", "committee", "sibling"], grants).allowed
    assert not authz.decide("poll.publish", ["root", "committee", "branch"], grants).allowed  # another action
    assert set(authz.APP_SCOPES) <= set(authz.ACTIONS)
