"""The knowledge base's rules (services/content/domain/knowledge.py): tags, diffs of versions, the version
conflict, who writes and edits, whose readers a converted article may reach, attribution, input checks."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import knowledge as rules
from services.content.domain.knowledge import ADDED, KEPT, REMOVED, DiffLine, Discussion, Part

pytestmark = pytest.mark.unit


def _refused(call, code: ErrorCode, field: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.field) == (code, field), caught.value
    return caught.value


# -- tags -----------------------------------------------------------------------------------------------


def test_tags_are_trimmed_folded_and_distinct():
    assert rules.tags([" 党建 ", "#党建", "ＡＩ", "ai", "组织  生活", "", "   "]) == ["党建", "ai", "组织 生活"]
    assert rules.tag("  #Python3 ") == "python3"
    assert rules.tags([]) == []


def test_a_long_tag_is_named_by_its_place():
    err = _refused(lambda: rules.tags(["党建", "长" * 21]), ErrorCode.INVALID_ARGUMENT, "tags[1]")
    assert err.params == {"max": rules.TAG_MAX}
    assert rules.tags(["长" * 20]) == ["长" * 20]


def test_at_most_ten_distinct_tags():
    assert len(rules.tags([f"t{i}" for i in range(10)] + ["t0", "T1"])) == 10  # duplicates don't count
    _refused(lambda: rules.tags([f"t{i}" for i in range(11)]), ErrorCode.INVALID_ARGUMENT, "tags")


# -- input checks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: rules.title(""), "title"),
        (lambda: rules.title("题" * 101), "title"),
        (lambda: rules.body("   "), "body"),
        (lambda: rules.body("字" * 50_001), "body"),
        (lambda: rules.note("注" * 201), "note"),
        (lambda: rules.question_text(""), "text"),
        (lambda: rules.answer_text("答" * 10_001), "text"),
        (lambda: rules.category_name(""), "name"),
        (lambda: rules.category_name("类" * 31), "name"),
        (lambda: rules.scope("friends"), "scope"),
        (lambda: rules.stars(0), "stars"),
        (lambda: rules.stars(6), "stars"),
        (lambda: rules.based_on(0), "based_on_version"),
        (lambda: rules.version_number(0, "to_version"), "to_version"),
    ],
)
def test_bad_input_names_the_field(call, field):
    _refused(call, ErrorCode.INVALID_ARGUMENT, field)


def test_texts_at_their_limits_pass():
    assert rules.body("字" * 50_000) == "字" * 50_000
    assert rules.body("  # 标题\n\n正文  ") == "# 标题\n\n正文"  # Markdown kept as given, outer blanks trimmed
    assert rules.note("") == ""
    assert rules.scope("") == rules.SCOPE_ORG
    assert rules.category_name("  工作  经验 ") == "工作 经验"
    assert [rules.stars(n) for n in (1, 5)] == [1, 5]


def test_an_excerpt_collapses_blanks_and_is_bounded():
    assert rules.excerpt("第一段\n\n第二段") == "第一段 第二段"
    long = rules.excerpt("字" * 500)
    assert len(long) == rules.EXCERPT_CHARS and long.endswith("…")


# -- versions -------------------------------------------------------------------------------------------


def test_an_edit_from_an_older_version_is_a_conflict():
    rules.check_current(3, 3)
    err = _refused(lambda: rules.check_current(4, 3), ErrorCode.FAILED_PRECONDITION, "based_on_version")
    assert err.key == "knowledge_version_conflict" and err.params == {"current": 4}


def test_equal_bodies_have_no_hunks():
    assert rules.diff("一\n二\n三", "一\n二\n三") == []
    assert rules.diff("", "") == []


def test_a_changed_line_is_removed_and_added_with_context():
    old = "\n".join(f"第{i}行" for i in range(1, 11))
    new = old.replace("第5行", "第五行")
    [hunk] = rules.diff(old, new)
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (2, 7, 2, 7)
    assert hunk.lines == (
        DiffLine(KEPT, "第2行"),
        DiffLine(KEPT, "第3行"),
        DiffLine(KEPT, "第4行"),
        DiffLine(REMOVED, "第5行"),
        DiffLine(ADDED, "第五行"),
        DiffLine(KEPT, "第6行"),
        DiffLine(KEPT, "第7行"),
        DiffLine(KEPT, "第8行"),
    )


def test_distant_changes_are_separate_hunks_and_near_ones_merge():
    old = "\n".join(str(i) for i in range(1, 31))
    far = old.replace("\n3\n", "\n三\n").replace("\n25\n", "\n二十五\n")
    assert len(rules.diff(old, far)) == 2
    near = old.replace("\n3\n", "\n三\n").replace("\n7\n", "\n七\n")
    [hunk] = rules.diff(old, near)
    assert [x.op for x in hunk.lines].count(ADDED) == 2


def test_added_and_removed_lines_alone():
    [added] = rules.diff("甲\n乙", "甲\n乙\n丙")
    assert [(x.op, x.text) for x in added.lines] == [(KEPT, "甲"), (KEPT, "乙"), (ADDED, "丙")]
    assert (added.new_start, added.new_lines, added.old_lines) == (1, 3, 2)
    [removed] = rules.diff("甲\n乙\n丙", "甲\n丙")
    assert [(x.op, x.text) for x in removed.lines] == [(KEPT, "甲"), (REMOVED, "乙"), (KEPT, "丙")]
    [first] = rules.diff("", "新的开始")
    assert [(x.op, x.text) for x in first.lines] == [(ADDED, "新的开始")]


def test_line_endings_do_not_count_as_changes():
    assert rules.diff("一\r\n二\r\n", "一\n二") == []


# -- who writes, edits, converts; whose readers a conversion may reach ---------------------------------


def test_members_of_the_subtree_write_and_curators_anywhere_below():
    assert rules.may_write("b1", ("root", "r", "b1", "g1"), manages=False)
    assert not rules.may_write("b1", ("root", "r"), manages=False)  # above the org: not a member of it
    assert rules.may_write("b1", ("root", "r"), manages=True)
    assert not rules.may_write("b1", (), manages=False)


def test_authors_edit_their_own_and_curators_everything():
    assert rules.may_edit("a", "a", manages=False)
    assert not rules.may_edit("a", "b", manages=False)
    assert rules.may_edit("a", "b", manages=True)


def test_a_discussion_becomes_an_article_by_curators_or_its_author_where_they_write():
    assert rules.may_convert(is_discussion_author=False, manages_target=True, writes_target=True)
    assert rules.may_convert(is_discussion_author=True, manages_target=False, writes_target=True)
    assert not rules.may_convert(is_discussion_author=True, manages_target=False, writes_target=False)
    assert not rules.may_convert(is_discussion_author=False, manages_target=False, writes_target=True)


@pytest.mark.parametrize(
    ("discussion", "target_path", "scope", "allowed"),
    [
        (["author:a", "public"], ("root", "s"), "public", True),
        (["author:a", "public"], ("root", "s"), "org", True),
        (["author:a", "org:r"], ("root", "r", "b1"), "org", True),  # an org of the discussion's subtree
        (["author:a", "org:r"], ("root", "r"), "org", True),
        (["author:a", "org:r"], ("root",), "org", False),  # above it: more readers
        (["author:a", "org:r"], ("root", "s"), "org", False),  # a sibling
        (["author:a", "org:r"], ("root", "r", "b1"), "public", False),
        (["author:a"], ("root", "r"), "org", False),  # the author's alone
    ],
)
def test_an_article_never_reaches_readers_the_discussion_was_not_for(discussion, target_path, scope, allowed):
    assert rules.within(discussion, target_path, scope) is allowed


def test_audience_keys_and_reach():
    assert rules.keys("a", "b1", "org") == ["author:a", "org:b1"]
    assert rules.keys("a", "b1", "public") == ["author:a", "public"]
    assert rules.reach("b1", "org") == "org:b1" and rules.reach("b1", "public") == "public"


def test_authors_do_not_rate_their_own():
    rules.may_rate("a", "b")
    _refused(lambda: rules.may_rate("a", "a"), ErrorCode.FAILED_PRECONDITION, "article_id")
    assert rules.average(0, 0) == 0.0
    assert rules.average(9, 2) == 4.5
    assert rules.average(10, 3) == 3.33


# -- attribution ----------------------------------------------------------------------------------------

THREAD = Discussion(
    "thread", "t1", "组织关系转接怎么办", "u1", "张三", "下月调动工作，怎么转？", ("author:u1", "public")
)
QUESTION = Discussion("question", "q1", "党费基数怎么算", "u1", "张三", "工资有奖金怎么算？", ("author:u1", "org:b1"))


def test_a_thread_credits_its_author_and_repliers_in_order():
    parts = [
        Part("r1", "u2", "李四", "先开介绍信。"),
        Part("r2", "u3", "", "再到新支部报到。"),
        Part("r3", "u2", "李四", "记得带党费证明。"),
    ]
    body, contributors = rules.assemble(THREAD, rules.selected(parts, [], "reply_ids"), "reply_ids")
    assert body.startswith("> 整理自论坛帖子「组织关系转接怎么办」")
    assert body.index("### 张三（发帖）\n\n下月调动工作") < body.index("### 李四（回复）\n\n先开介绍信")
    assert "### u3（回复）\n\n再到新支部报到。" in body  # no name known: the account id
    assert [(c.account_id, c.contributions) for c in contributors] == [
        ("u1", ("thread",)),
        ("u2", ("reply",)),
        ("u3", ("reply",)),
    ]


def test_a_question_puts_the_accepted_answer_first_and_says_so():
    parts = [
        Part("a1", "u2", "李四", "按月工资算。"),
        Part("a2", "u3", "王五", "奖金不计入。", accepted=True),
        Part("a3", "u1", "张三", "补充：以上年度为准。"),
    ]
    chosen = rules.selected(parts, [], "answer_ids")
    assert [p.id for p in chosen] == ["a2", "a1", "a3"]
    body, contributors = rules.assemble(QUESTION, chosen, "answer_ids")
    assert body.index("王五（采纳的回答）") < body.index("李四（回答）") < body.index("张三（回答）")
    assert [(c.account_id, c.contributions) for c in contributors] == [
        ("u1", ("question", "answer")),  # asked, then answered too: one contributor, both contributions
        ("u3", ("accepted_answer",)),
        ("u2", ("answer",)),
    ]


def test_only_the_chosen_parts_are_taken():
    parts = [Part(f"r{i}", f"u{i}", f"人{i}", f"第{i}条") for i in range(1, 5)]
    chosen = rules.selected(parts, ["r3", "r1"], "reply_ids")
    assert [p.id for p in chosen] == ["r1", "r3"]  # in the order they were made
    body, contributors = rules.assemble(THREAD, chosen, "reply_ids")
    assert "第1条" in body and "第3条" in body and "第2条" not in body
    assert [(c.account_id, c.contributions) for c in contributors] == [("u1", ("thread", "reply")), ("u3", ("reply",))]


def test_an_unknown_or_excessive_choice_is_named():
    parts = [Part("r1", "u2", "李四", "一")]
    err = _refused(
        lambda: rules.selected(parts, ["r1", "nope"], "reply_ids"), ErrorCode.INVALID_ARGUMENT, "reply_ids[1]"
    )
    assert err.key == "knowledge_part_unknown"
    _refused(lambda: rules.selected(parts, ["bad id!"], "reply_ids"), ErrorCode.INVALID_ARGUMENT, "reply_ids")
    many = [Part(f"r{i}", "u2", "李四", "一") for i in range(rules.PARTS_MAX + 1)]
    _refused(lambda: rules.selected(many, [], "reply_ids"), ErrorCode.INVALID_ARGUMENT, "reply_ids")
    assert len(rules.selected(many[:-1], [], "reply_ids")) == rules.PARTS_MAX


def test_an_article_too_long_for_its_body_asks_for_fewer_parts():
    parts = [Part(f"a{i}", "u2", "李四", "长" * 9_000) for i in range(6)]
    err = _refused(lambda: rules.assemble(QUESTION, parts, "answer_ids"), ErrorCode.INVALID_ARGUMENT, "answer_ids")
    assert err.key == "knowledge_parts_too_long"
    body, _ = rules.assemble(QUESTION, parts[:5], "answer_ids")
    assert len(body) <= rules.BODY_MAX
