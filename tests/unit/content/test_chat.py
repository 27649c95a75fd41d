"""Chat's pure rules (services/content/domain/chat.py)."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError
from services.content.domain import chat as rules

pytestmark = pytest.mark.unit


def test_one_conversation_per_pair_whoever_opens_it():
    assert rules.direct_key("b", "a") == rules.direct_key("a", "b") == "direct:a:b"


@pytest.mark.parametrize(
    ("friends", "a", "b", "allowed"),
    [
        (True, [], [], True),  # friends, in no org
        (False, ["r", "g", "b1"], ["r", "g", "b1"], True),  # same branch
        (False, ["r", "g", "b1"], ["r", "g", "b2"], True),  # branches of one general branch: 1 level
        (False, ["r", "g", "b1", "x"], ["r", "g", "b2"], True),  # a group of b1: 2 levels up to g
        (False, ["r", "g", "b1", "x"], ["r", "g", "b2", "y"], True),
        (False, ["r", "g1", "b1"], ["r", "g2", "b2"], True),  # the committee, 2 levels above both
        (False, ["r", "g1", "b1", "x"], ["r", "g2", "b2"], False),  # 3 levels above the group
        (False, [], ["r"], False),  # outside any org, not friends
        (False, ["r1"], ["r2"], False),
    ],
)
def test_who_may_talk_one_to_one(friends, a, b, allowed):
    assert rules.may_talk_directly(friends, a, b) is allowed


def test_levels_to_the_shared_org():
    assert rules.levels_to_shared_org(["r", "g", "b"], ["r", "g", "b"]) == 0
    assert rules.levels_to_shared_org(["r", "g1", "b"], ["r", "g2"]) == 2
    assert rules.levels_to_shared_org(["r"], ["s"]) is None


def _field(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.field


def test_a_message_is_checked_field_by_field():
    assert rules.check_message(" c1 ", "你好", []) == ("c1", "你好", [])
    assert rules.check_message("c1", "", ["m1"]) == ("c1", "", ["m1"])
    assert _field(lambda: rules.check_message("", "hi", [])) == "client_message_id"
    assert _field(lambda: rules.check_message("x" * 65, "hi", [])) == "client_message_id"
    assert _field(lambda: rules.check_message("c", "字" * 2001, [])) == "text"
    assert rules.check_message("c", "字" * 2000, [])[1] == "字" * 2000
    assert _field(lambda: rules.check_message("c", "hi", [f"m{i}" for i in range(10)])) == "media_ids"
    assert _field(lambda: rules.check_message("c", "hi", ["m1", "m1"])) == "media_ids"
    assert _field(lambda: rules.check_message("c", "hi", [""])) == "media_ids"
    assert _field(lambda: rules.check_message("c", "   ", [])) == "text"


def test_invitees_are_distinct_others_and_bounded():
    assert rules.check_invitees("me", ["a", "me", "a", "b"]) == ["a", "b"]
    assert _field(lambda: rules.check_invitees("me", [f"p{i}" for i in range(51)])) == "member_ids"
    assert _field(lambda: rules.check_invitees("me", ["x" * 65], "account_ids")) == "account_ids"
    assert _field(lambda: rules.check_title("群" * 65)) == "title"


def test_read_markers_stop_at_the_last_message():
    assert rules.read_target(10, 7) == 7
    assert rules.read_target(3, 7) == 3
    assert _field(lambda: rules.read_target(-1, 7)) == "seq"
    assert rules.unread(7, 3) == 4
    assert rules.unread(7, 9) == 0


def test_previews_are_short_and_say_media():
    assert rules.preview("a\n b", 0) == "a b"
    assert len(rules.preview("字" * 100, 0)) == rules.PREVIEW_CHARS
    assert rules.preview("", 2) == "[media]"


def test_size_limits():
    assert rules.size_limit(rules.GROUP) == rules.GROUP_MAX
    assert rules.size_limit(rules.ORG) == rules.ORG_GROUP_MAX
    assert rules.size_limit(rules.DIRECT) == 2
