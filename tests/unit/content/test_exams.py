"""Exams' rules: the bank, drawing papers, grading, fill-in normalization, time limits, attempts and retakes."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import exams as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)
SINGLE = rules.Question("党的最高理想是？", rules.SINGLE, ("共产主义", "小康", "富强"), answer=(0,))
MULTI = rules.Question("“四个意识”包括？", rules.MULTIPLE, ("政治意识", "大局意识", "消费意识", "看齐意识"), (0, 1, 3))
TRUTH = rules.Question("党员应按时交纳党费。", rules.TRUE_FALSE, answer=(1,), points=2)
FILL = rules.Question("中国共产党的英文缩写是？", rules.FILL_IN, accepted=("CPC",), points=3)


def _error(call, code: ErrorCode = ErrorCode.INVALID_ARGUMENT) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code
    return err.value


def _field(call) -> str:
    return _error(call).field


def _bank(per_kind: int = 6) -> list[tuple[str, rules.Question]]:
    bank = []
    for n in range(per_kind):
        bank.append((f"s{n}", rules.Question(f"单选{n}", rules.SINGLE, ("甲", "乙", "丙", "丁"), (n % 4,))))
        bank.append((f"m{n}", rules.Question(f"多选{n}", rules.MULTIPLE, ("甲", "乙", "丙", "丁", "戊"), (0, 2))))
        bank.append((f"t{n}", rules.Question(f"判断{n}", rules.TRUE_FALSE, answer=(n % 2,))))
        bank.append((f"f{n}", rules.Question(f"填空{n}", rules.FILL_IN, accepted=(f"答案{n}",))))
    return bank


def _rule(**overrides) -> rules.PaperRule:
    settings = {"counts": {rules.SINGLE: 3, rules.MULTIPLE: 2, rules.TRUE_FALSE: 2, rules.FILL_IN: 1}}
    return rules.paper_rule(**(settings | overrides))


def _right(item: rules.PaperItem, q: rules.Question) -> rules.Answer:
    """The correct answer as a member would give it, through the shown (shuffled) options."""
    if item.kind in rules.CHOICE_KINDS:
        return rules.Answer(options=tuple(item.order.index(a) for a in q.answer))
    if item.kind == rules.TRUE_FALSE:
        return rules.Answer(truth=q.answer == (1,))
    return rules.Answer(text=q.accepted[0])


# -- the bank ------------------------------------------------------------------------------------------


def test_valid_questions_are_kept_with_their_answers():
    checked = rules.questions([SINGLE, MULTI, TRUTH, FILL])
    assert [q.kind for q in checked] == [rules.SINGLE, rules.MULTIPLE, rules.TRUE_FALSE, rules.FILL_IN]
    assert checked[1].answer == (0, 1, 3) and checked[3].accepted == ("CPC",)
    assert rules.question(rules.Question("  题目  ", rules.MULTIPLE, ("a", "b"), (1, 0)), "q").answer == (0, 1)


def test_a_bad_question_is_refused_naming_the_field():
    def one(q: rules.Question) -> str:
        return _field(lambda: rules.questions([SINGLE, q]))

    assert _field(lambda: rules.questions([])) == "questions"
    assert one(rules.Question("  ", rules.SINGLE, ("a", "b"), (0,))) == "questions[1].text"
    assert one(rules.Question("题" * 501, rules.SINGLE, ("a", "b"), (0,))) == "questions[1].text"
    assert one(rules.Question("?", "essay")) == "questions[1].kind"
    assert one(rules.Question("?", rules.SINGLE, ("a", "b"), (0,), points=0)) == "questions[1].points"
    assert one(rules.Question("?", rules.SINGLE, ("a", "b"), (0,), points=101)) == "questions[1].points"
    assert one(rules.Question("?", rules.SINGLE, ("a",), (0,))) == "questions[1].options"
    assert one(rules.Question("?", rules.SINGLE, tuple("abcdefghijk"), (0,))) == "questions[1].options"
    assert one(rules.Question("?", rules.SINGLE, ("a", "a"), (0,))) == "questions[1].options"
    assert one(rules.Question("?", rules.SINGLE, ("a", "选" * 201), (0,))) == "questions[1].options[1]"
    assert one(rules.Question("?", rules.SINGLE, ("a", "b"), (0, 1))) == "questions[1].answer"
    assert one(rules.Question("?", rules.SINGLE, ("a", "b"), (2,))) == "questions[1].answer"
    assert one(rules.Question("?", rules.MULTIPLE, ("a", "b"), ())) == "questions[1].answer"
    assert one(rules.Question("?", rules.MULTIPLE, ("a", "b"), (1, 1))) == "questions[1].answer"
    assert one(rules.Question("?", rules.SINGLE, ("a", "b"), (0,), accepted=("a",))) == "questions[1].accepted"


def test_true_false_and_fill_in_questions_have_their_own_shape():
    def one(q: rules.Question) -> str:
        return _field(lambda: rules.question(q, "q"))

    assert one(rules.Question("?", rules.TRUE_FALSE, ("对", "错"), (1,))) == "q.options"
    assert one(rules.Question("?", rules.TRUE_FALSE, answer=(2,))) == "q.answer"
    assert one(rules.Question("?", rules.TRUE_FALSE)) == "q.answer"
    assert one(rules.Question("?", rules.FILL_IN, answer=(0,), accepted=("x",))) == "q.answer"
    assert one(rules.Question("?", rules.FILL_IN)) == "q.accepted"
    assert one(rules.Question("?", rules.FILL_IN, accepted=tuple(str(n) for n in range(11)))) == "q.accepted"
    assert one(rules.Question("?", rules.FILL_IN, accepted=("x", "字" * 101))) == "q.accepted[1]"
    # an accepted form of mere punctuation would let a blank answer through
    assert one(rules.Question("?", rules.FILL_IN, accepted=("x", "。"))) == "q.accepted[1]"
    same = rules.question(rules.Question("?", rules.FILL_IN, accepted=("CPC", "ｃｐｃ。", "中共")), "q")
    assert same.accepted == ("CPC", "中共")


def test_fill_in_answers_are_compared_loosely():
    assert rules.normalize_fill("  ＣＰＣ。") == rules.normalize_fill("cpc") == "cpc"
    assert rules.normalize_fill("Serve  the\u3000People！") == "serve the people"
    assert rules.normalize_fill("为人民服务 ；") == "为人民服务"
    assert rules.normalize_fill("1921年。.") == "1921年"
    assert rules.normalize_fill("") == ""


# -- paper rules ---------------------------------------------------------------------------------------


def test_a_paper_rule_is_checked_naming_the_field():
    rule = _rule(time_limit_minutes=45, pass_score=80, max_attempts=3, cooldown_minutes=60)
    assert rule.counts == ((rules.SINGLE, 3), (rules.MULTIPLE, 2), (rules.TRUE_FALSE, 2), (rules.FILL_IN, 1))
    assert rule.time_limit == dt.timedelta(minutes=45) and rule.cooldown == dt.timedelta(hours=1)
    assert rules.paper_rule({rules.SINGLE: 1, rules.FILL_IN: 0}).counts == ((rules.SINGLE, 1),)
    assert rules.paper_rule({rules.SINGLE: 1}).time_limit is None
    assert _field(lambda: rules.paper_rule({"essay": 1})) == "counts.essay"
    assert _field(lambda: rules.paper_rule({rules.SINGLE: -1, rules.MULTIPLE: 2})) == "counts.single"
    assert _field(lambda: rules.paper_rule({})) == "counts"
    assert _field(lambda: rules.paper_rule({rules.SINGLE: 0})) == "counts"
    assert _field(lambda: rules.paper_rule({rules.SINGLE: 150, rules.MULTIPLE: 51})) == "counts"
    for bad in (-1, 24 * 60 + 1):
        assert _field(lambda bad=bad: _rule(time_limit_minutes=bad)) == "time_limit_minutes"
    for bad in (-1, 101):
        assert _field(lambda bad=bad: _rule(pass_score=bad)) == "pass_score"
    for bad in (-1, 21):
        assert _field(lambda bad=bad: _rule(max_attempts=bad)) == "max_attempts"
    for bad in (-1, 30 * 24 * 60 + 1):
        assert _field(lambda bad=bad: _rule(cooldown_minutes=bad)) == "cooldown_minutes"


# -- drawing -------------------------------------------------------------------------------------------


def test_a_paper_is_the_same_for_a_seed_and_differs_for_another():
    bank, rule = _bank(), _rule()
    paper = rules.draw(bank, rule, seed=7)
    assert rules.draw(bank, rule, seed=7) == paper
    # the store may return the bank in any order: the paper stays the same
    assert rules.draw(list(reversed(bank)), rule, seed=7) == paper
    assert rules.draw(bank, rule, seed=8) != paper


def test_a_paper_has_the_counts_asked_and_never_the_same_question_twice():
    bank = _bank() + [("s0", rules.Question("单选0", rules.SINGLE, ("甲", "乙"), (0,)))]  # a duplicate id
    rule = rules.paper_rule({rules.SINGLE: 6, rules.TRUE_FALSE: 2})
    for seed in range(20):
        paper = rules.draw(bank, rule, seed)
        ids = [item.question_id for item in paper]
        assert len(ids) == len(set(ids)) == 8
        assert sorted(item.kind for item in paper) == [rules.SINGLE] * 6 + [rules.TRUE_FALSE] * 2


def test_questions_are_mixed_across_kinds_and_options_shuffled():
    bank, rule = _bank(), _rule()
    papers = [rules.draw(bank, rule, seed) for seed in range(10)]
    assert len({tuple(item.kind for item in paper) for paper in papers}) > 1
    choices = [item for paper in papers for item in paper if item.kind in rules.CHOICE_KINDS]
    assert any(item.order != tuple(range(len(item.order))) for item in choices)
    q = dict(bank)
    assert all(item.options == tuple(q[item.question_id].options[i] for i in item.order) for item in choices)
    for item in (item for paper in papers for item in paper if item.kind not in rules.CHOICE_KINDS):
        assert item.options == () and item.order == ()


def test_options_keep_their_order_when_shuffling_is_off():
    for item in rules.draw(_bank(), _rule(shuffle_options=False), seed=3):
        if item.kind in rules.CHOICE_KINDS:
            assert item.options == ("甲", "乙", "丙", "丁", "戊")[: len(item.options)]
            assert item.order == tuple(range(len(item.options)))


def test_a_bank_too_small_for_the_paper_is_refused():
    err = _error(lambda: rules.draw(_bank(2), _rule(), seed=1), ErrorCode.FAILED_PRECONDITION)
    assert (err.key, err.field, err.params) == ("exam_bank_too_small", "counts.single", {"have": 2, "need": 3})
    bank = [b for b in _bank() if b[1].kind != rules.FILL_IN]
    assert _error(lambda: rules.draw(bank, _rule(), seed=1), ErrorCode.FAILED_PRECONDITION).field == "counts.fill_in"


# -- grading -------------------------------------------------------------------------------------------


def test_right_answers_through_shuffled_options_score_full_marks():
    bank = _bank()
    key = dict(bank)
    for seed in range(10):
        paper = rules.draw(bank, _rule(), seed)
        graded = rules.grade(paper, key, [_right(item, key[item.question_id]) for item in paper])
        assert graded.score == 100 and graded.earned == graded.possible == len(paper)
        assert graded.correct == (True,) * len(paper)


def _paper() -> tuple[list[rules.PaperItem], dict[str, rules.Question]]:
    key = {"s": SINGLE, "m": MULTI, "t": TRUTH, "f": FILL}
    items = [
        rules.PaperItem("s", rules.SINGLE, SINGLE.text, ("富强", "共产主义", "小康"), (2, 0, 1), 1),
        rules.PaperItem("m", rules.MULTIPLE, MULTI.text, MULTI.options, (0, 1, 2, 3), 1),
        rules.PaperItem("t", rules.TRUE_FALSE, TRUTH.text, (), (), 2),
        rules.PaperItem("f", rules.FILL_IN, FILL.text, (), (), 3),
    ]
    return items, key


def test_the_shown_option_is_what_counts_not_its_original_position():
    items, key = _paper()
    blank = [rules.Answer()] * 3
    assert rules.grade(items, key, [rules.Answer(options=(1,)), *blank]).correct[0]
    assert not rules.grade(items, key, [rules.Answer(options=(0,)), *blank]).correct[0]


def test_multiple_choice_is_all_or_nothing():
    items, key = _paper()

    def right(options: tuple[int, ...]) -> bool:
        return rules.grade(items, key, [rules.Answer(), rules.Answer(options=options), *[rules.Answer()] * 2]).correct[
            1
        ]

    assert right((3, 0, 1))
    assert not right((0, 1))
    assert not right((0, 1, 2, 3))
    assert not right(())


def test_true_false_and_fill_in_grading():
    items, key = _paper()

    def correct(truth: bool | None, text: str) -> tuple[bool, ...]:
        answers = [rules.Answer(), rules.Answer(), rules.Answer(truth=truth), rules.Answer(text=text)]
        return rules.grade(items, key, answers).correct[2:]

    assert correct(True, "  ＣＰＣ。") == (True, True)
    assert correct(False, "CCP") == (False, False)
    assert correct(None, "") == (False, False)


def test_blank_answers_are_wrong_and_the_score_rounds_down():
    items, key = _paper()
    blank = rules.grade(items, key, [rules.Answer()] * 4)
    assert (blank.earned, blank.possible, blank.score, blank.correct) == (0, 7, 0, (False,) * 4)
    two = rules.grade(
        items, key, [rules.Answer(options=(1,)), rules.Answer(), rules.Answer(truth=False), rules.Answer()]
    )
    assert (two.earned, two.score) == (1, 14)  # 1/7 = 14.28…%
    most = rules.grade(items, key, [rules.Answer(), rules.Answer(), rules.Answer(truth=True), rules.Answer(text="cpc")])
    assert (most.earned, most.score) == (5, 71)  # 5/7 = 71.4…%


def test_malformed_answers_are_refused_naming_the_field():
    items, key = _paper()
    blank = [rules.Answer()] * 3
    assert _field(lambda: rules.grade(items, key, blank)) == "answers"
    assert _field(lambda: rules.grade(items, key, [rules.Answer(options=(3,)), *blank])) == "answers[0].options"
    assert _field(lambda: rules.grade(items, key, [rules.Answer(options=(-1,)), *blank])) == "answers[0].options"
    assert _field(lambda: rules.grade(items, key, [rules.Answer(options=(0, 1)), *blank])) == "answers[0].options"
    assert _field(lambda: rules.grade(items, key, [*blank[:1], rules.Answer(options=(1, 1)), *blank[1:]])) == (
        "answers[1].options"
    )
    assert _field(lambda: rules.grade(items, key, [*blank[:2], rules.Answer(options=(0,)), blank[2]])) == (
        "answers[2].options"
    )
    assert _field(lambda: rules.grade(items, key, [*blank, rules.Answer(text="字" * 201)])) == "answers[3].text"


def test_passing_is_at_or_above_the_pass_score():
    rule = _rule(pass_score=60)
    assert rules.passed(60, rule) and rules.passed(100, rule) and not rules.passed(59, rule)


# -- time limits ---------------------------------------------------------------------------------------


def test_a_submission_is_late_only_past_the_limit_and_its_grace():
    limit = rules.expires_at(NOW, _rule(time_limit_minutes=30))
    assert limit == NOW + dt.timedelta(minutes=30)
    assert not rules.is_late(limit, limit + rules.SUBMIT_GRACE)
    assert rules.is_late(limit, limit + rules.SUBMIT_GRACE + dt.timedelta(seconds=1))
    assert rules.expires_at(NOW, _rule()) is None
    assert not rules.is_late(None, NOW + dt.timedelta(days=365))


# -- attempts and retakes ------------------------------------------------------------------------------


def _attempt(minutes_ago: int, score: int = 40, passed: bool = False, finished: bool = True) -> rules.PastAttempt:
    return rules.PastAttempt(NOW - dt.timedelta(minutes=minutes_ago), finished, score, passed)


def test_the_first_attempt_may_always_start():
    rules.check_start(_rule(max_attempts=1, cooldown_minutes=60), [], NOW)


def test_attempts_are_limited_and_unfinished_ones_count():
    rule = _rule(max_attempts=2)
    rules.check_start(rule, [_attempt(300)], NOW)
    err = _error(
        lambda: rules.check_start(rule, [_attempt(300), _attempt(10, finished=False)], NOW),
        ErrorCode.FAILED_PRECONDITION,
    )
    assert (err.key, err.params) == ("exam_attempts_used", {"max": 2})
    rules.check_start(_rule(), [_attempt(300 - n) for n in range(50)], NOW)  # 0: unlimited


def test_a_passed_exam_is_retaken_only_when_allowed():
    past = [_attempt(300, score=90, passed=True)]
    err = _error(lambda: rules.check_start(_rule(), past, NOW), ErrorCode.FAILED_PRECONDITION)
    assert err.key == "exam_already_passed"
    rules.check_start(_rule(retake_after_pass=True), past, NOW)


def test_a_retake_waits_for_the_cooldown_and_says_when():
    rule = _rule(cooldown_minutes=60)
    past = [_attempt(300), _attempt(20)]
    err = _error(lambda: rules.check_start(rule, past, NOW), ErrorCode.FAILED_PRECONDITION)
    assert err.key == "exam_cooldown"
    retry_at = NOW + dt.timedelta(minutes=40)
    assert err.params == {"retry_at": retry_at.isoformat(), "retry_after": 40 * 60}
    rules.check_start(rule, past, retry_at)
    # an unfinished attempt (resumed, not retaken) doesn't start the cooldown
    rules.check_start(rule, [_attempt(300), _attempt(5, finished=False)], NOW)
