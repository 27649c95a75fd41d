"""Who is on a meeting's roster (services/orgs/domain/life.py invited_as): the rule the scheduling and
orgs' worker share."""

from __future__ import annotations

import pytest

from services.orgs.domain import life as rules

pytestmark = pytest.mark.unit

# committee c > branch b > group g; another branch x
MEMBER_OF_GROUP = rules.Standing("g", ("c", "b", "g"), ("member",))
SECRETARY_OF_BRANCH = rules.Standing("b", ("c", "b"), ("member", "secretary"))
HOSTED_BY_GROUP = rules.Standing("x", ("c", "x"), ("member",), "g", ("c", "b", "g"))
NOWHERE = rules.Standing()


@pytest.mark.parametrize(
    ("org_id", "org_type", "meeting_type", "who", "expected"),
    [
        # a branch's meetings invite its groups' members; a group's its own
        ("b", "branch", rules.PARTY_LECTURE, MEMBER_OF_GROUP, rules.MEMBER),
        ("g", "group", rules.GROUP_MEETING, MEMBER_OF_GROUP, rules.MEMBER),
        ("g", "group", rules.GROUP_MEETING, SECRETARY_OF_BRANCH, ""),
        # an org other than a branch invites its own members only
        ("c", "committee", rules.PARTY_LECTURE, MEMBER_OF_GROUP, ""),
        ("x", "branch", rules.PARTY_LECTURE, MEMBER_OF_GROUP, ""),
        # a committee meeting: the org's own committee roles only
        ("b", "branch", rules.COMMITTEE_MEETING, SECRETARY_OF_BRANCH, rules.MEMBER),
        ("b", "branch", rules.COMMITTEE_MEETING, MEMBER_OF_GROUP, ""),
        ("b", "branch", rules.COMMITTEE_MEETING, HOSTED_BY_GROUP, ""),
        # a hosted mobile member: the host's meetings and its branch's, and their home org's
        ("g", "group", rules.GROUP_MEETING, HOSTED_BY_GROUP, rules.HOSTED_MOBILE),
        ("b", "branch", rules.THEME_PARTY_DAY, HOSTED_BY_GROUP, rules.HOSTED_MOBILE),
        ("x", "branch", rules.THEME_PARTY_DAY, HOSTED_BY_GROUP, rules.MEMBER),
        # someone in no good standing anywhere (left, deceased, suspended)
        ("b", "branch", rules.PARTY_LECTURE, NOWHERE, ""),
    ],
)
def test_who_is_invited(org_id, org_type, meeting_type, who, expected):
    assert rules.invited_as(org_id, org_type, meeting_type, who) == expected
