"""The microblog's pure rules: text and media limits, mentions, hashtags, audiences, cursors, windows."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import microblog as rules

pytestmark = pytest.mark.unit


def _fails(call, field: str, code: ErrorCode = ErrorCode.INVALID_ARGUMENT) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code is code and caught.value.field == field, caught.value
    return caught.value


def test_text_counts_characters_not_bytes():
    chinese = "党" * 2000  # 6,000 bytes in UTF-8, 2,000 characters
    assert rules.check_text(chinese, False, False) == chinese
    err = _fails(lambda: rules.check_text(chinese + "党", False, False), "text")
    assert err.params == {"limit": 2000, "length": 2001}


def test_empty_text_needs_media_or_a_repost():
    _fails(lambda: rules.check_text("  ", False, False), "text")
    assert rules.check_text("", True, False) == ""
    assert rules.check_text("", False, True) == ""


def test_media_ids_are_at_most_nine_of_a_safe_form():
    assert rules.check_media_ids([f"m{i}" for i in range(9)]) == [f"m{i}" for i in range(9)]
    _fails(lambda: rules.check_media_ids([f"m{i}" for i in range(10)]), "media_ids")
    _fails(lambda: rules.check_media_ids(["ok", "../etc/passwd"]), "media_ids[1]")
    _fails(lambda: rules.check_media_ids(["x" * 65]), "media_ids[0]")
    _fails(lambda: rules.check_media_ids(["a", "a"]), "media_ids")


def test_mentions_are_distinct_ids_without_the_author():
    assert rules.check_mentions(["b", "me", "c", "b"], "me") == ["b", "c"]
    _fails(lambda: rules.check_mentions([f"a{i}" for i in range(21)], "me"), "mentions")
    _fails(lambda: rules.check_mentions(["ok", "@张三"], "me"), "mentions[1]")


def test_hashtags_are_chinese_style_pairs():
    text = "学习 #二十大精神# 交流，#主题党日#与#二十大精神#，# # 和 #未闭合"
    assert rules.hashtags(text) == ["二十大精神", "主题党日"]
    assert rules.hashtags("#一\n二#") == []
    assert len(rules.hashtags("".join(f"#t{i}#" for i in range(15)))) == rules.MAX_HASHTAGS


PATH = ["committee", "general", "branch"]


def test_org_audience_is_the_home_org_or_an_org_above():
    assert rules.audience_org("org", "", PATH, official=False) == "branch"
    assert rules.audience_org("org", "committee", PATH, official=False) == "committee"
    _fails(lambda: rules.audience_org("org", "sibling", PATH, official=False), "audience_org_id")
    _fails(lambda: rules.audience_org("org", "", [], official=False), "visibility")
    assert rules.audience_org("public", "", PATH, official=False) == ""
    _fails(lambda: rules.audience_org("public", "branch", PATH, official=False), "audience_org_id")
    _fails(lambda: rules.audience_org("everyone", "", PATH, official=False), "visibility")


def test_official_posts_are_public_or_to_an_org():
    assert rules.audience_org("org", "", PATH, official=True) == "branch"
    for visibility in ("friends", "private"):
        _fails(lambda v=visibility: rules.audience_org(v, "", PATH, official=True), "visibility")


def test_cursors_round_trip_and_refuse_anything_else():
    cursor = rules.encode_cursor("65f0c0ffee0000000000abcd", 3)
    assert rules.decode_cursor(cursor) == ("65f0c0ffee0000000000abcd", 3)
    for bad in ("garbage!", "6" * 24, rules.encode_cursor("zz" * 12, 1), rules.encode_cursor("a" * 24, 99), "x" * 80):
        _fails(lambda b=bad: rules.decode_cursor(b), "cursor")


def test_windows_widen_until_they_cover_years():
    widths = [rules.window_seconds(s) for s in range(rules.MAX_STEP + 1)]
    assert widths[0] == 3600 and widths == sorted(widths)
    assert widths[rules.MAX_STEP - 1] > 7 * 365 * 86400


def test_merge_is_newest_first_and_shows_an_item_once():
    merged = rules.merge_newest_first([[9, 5, 1], [8, 5, 2], []], key=lambda x: x, limit=4)
    assert merged == [9, 8, 5, 2]


def test_only_the_author_edits_what_is_not_deleted():
    assert rules.may_edit("a", "a", rules.LIVE) and rules.may_edit("a", "a", rules.HIDDEN)
    assert not rules.may_edit("b", "a", rules.LIVE)
    assert not rules.may_edit("a", "a", rules.DELETED)


def test_reports_name_a_known_reason_and_resolutions_are_hide_or_dismiss():
    rules.check_reason("spam", "广告")
    _fails(lambda: rules.check_reason("dislike", ""), "reason")
    _fails(lambda: rules.check_reason("other", "x" * 201), "note")
    assert rules.check_resolution("hide") == rules.RESOLVED_HIDDEN
    _fails(lambda: rules.check_resolution("delete"), "action")
