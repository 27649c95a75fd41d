"""Forums' rules: limits name the field, a board's audience, what a thread's state allows."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import forums as rules
from services.content.domain.visibility import Reader, may_read

pytestmark = pytest.mark.unit


def _fails(call, code: ErrorCode, field: str) -> None:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code and err.value.field == field


def test_texts_are_stripped_and_bounded_naming_the_field():
    assert rules.thread_title("  支部论坛  ") == "支部论坛"
    _fails(lambda: rules.thread_title("   "), ErrorCode.INVALID_ARGUMENT, "title")
    _fails(lambda: rules.thread_text("字" * (rules.THREAD_TEXT_MAX + 1)), ErrorCode.INVALID_ARGUMENT, "text")
    assert rules.reply_text("字" * rules.REPLY_TEXT_MAX)
    _fails(lambda: rules.board_name("名" * (rules.BOARD_NAME_MAX + 1)), ErrorCode.INVALID_ARGUMENT, "name")
    assert rules.board_description("") == ""


def test_mentions_are_distinct_bounded_and_never_oneself():
    assert rules.mentions(["a", "b", "a", "me"], "me") == ["a", "b"]
    _fails(lambda: rules.mentions([f"p{i}" for i in range(21)], "me"), ErrorCode.INVALID_ARGUMENT, "mention_ids")
    _fails(lambda: rules.mentions(["bad id!"], "me"), ErrorCode.INVALID_ARGUMENT, "mention_ids")


def test_a_board_is_read_by_its_org_subtree_or_everyone_when_public():
    inside = Reader("r1", "branch", ("root", "general", "branch"))
    above = Reader("r2", "general", ("root", "general"))
    elsewhere = Reader("r3", "other", ("root", "other"))
    board = rules.audience("creator", "general", public=False)
    assert may_read(inside, board) and may_read(above, board) and not may_read(elsewhere, board)
    assert may_read(elsewhere, rules.audience("creator", "general", public=True))
    assert rules.keys("a", "general", False) == ["author:a", "org:general"]


def test_closed_boards_and_locked_threads_take_nothing_new():
    rules.check_open_for_replies(board_closed=False, thread_locked=False)
    _fails(lambda: rules.check_open_for_threads(True), ErrorCode.FAILED_PRECONDITION, "board_id")
    _fails(lambda: rules.check_open_for_replies(False, True), ErrorCode.FAILED_PRECONDITION, "thread_id")
    _fails(lambda: rules.check_pin_room(rules.PINS_PER_BOARD), ErrorCode.FAILED_PRECONDITION, "thread_id")


def test_moderation_rights():
    assert rules.may_moderate(manages_org=True, moderates_board=False)
    assert rules.may_moderate(manages_org=False, moderates_board=True)
    assert not rules.may_moderate(False, False)
    assert rules.may_remove_own("a", "a") and not rules.may_remove_own("a", "b")
