"""Polls' rules: questions and options, deadlines, ballots, who sees results, anonymity floor."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import polls as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
SINGLE = rules.Question("书记人选？", rules.SINGLE, ("甲", "乙", "丙"))
MULTI = rules.Question("学习形式？", rules.MULTIPLE, ("线上", "线下", "自学", "其他"), max_choices=2)


def _field(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == ErrorCode.INVALID_ARGUMENT
    return err.value.field


def test_questions_are_checked_naming_the_question():
    assert rules.questions([SINGLE, MULTI])[1].max_choices == 2
    assert _field(lambda: rules.questions([])) == "questions"
    assert _field(lambda: rules.questions([SINGLE, rules.Question("?", "rank", ("a", "b"))])) == "questions[1].kind"
    assert _field(lambda: rules.questions([rules.Question("?", rules.SINGLE, ("a",))])) == "questions[0].options"
    assert _field(lambda: rules.questions([rules.Question("?", rules.SINGLE, ("a", "a"))])) == "questions[0].options"
    long = rules.Question("?", rules.SINGLE, ("a", "选" * (rules.OPTION_MAX + 1)))
    assert _field(lambda: rules.questions([long])) == "questions[0].options[1]"
    assert _field(lambda: rules.questions([rules.Question("?", rules.MULTIPLE, ("a", "b"), 3)])) == (
        "questions[0].max_choices"
    )


def test_the_deadline_lies_ahead_within_a_year():
    assert rules.deadline(NOW + dt.timedelta(days=7), NOW)
    for bad in (None, NOW, NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(days=400)):
        assert _field(lambda bad=bad: rules.deadline(bad, NOW)) == "deadline"
    assert rules.is_closed(NOW, NOW) and not rules.is_closed(NOW + dt.timedelta(seconds=1), NOW)


def test_answers_one_per_question_within_their_limits():
    qs = [SINGLE, MULTI]
    assert rules.answers(qs, [[2], [3, 0]]) == [[2], [0, 3]]
    assert _field(lambda: rules.answers(qs, [[0]])) == "answers"
    assert _field(lambda: rules.answers(qs, [[0, 1], [0]])) == "answers[0]"
    assert _field(lambda: rules.answers(qs, [[5], [0]])) == "answers[0]"
    assert _field(lambda: rules.answers(qs, [[0], [0, 1, 2]])) == "answers[1]"
    assert _field(lambda: rules.answers(qs, [[0], []])) == "answers[1]"
    assert _field(lambda: rules.answers(qs, [[0], [1, 1]])) == "answers[1]"


def test_a_ballot_increments_voters_and_its_options():
    assert rules.increments([[2], [0, 3]]) == {"voters": 1, "counts.0.2": 1, "counts.1.0": 1, "counts.1.3": 1}


def test_who_sees_results():
    for setting in rules.RESULTS:
        assert rules.may_see_results(True, setting, voted=False, closed=False)
    assert not rules.may_see_results(False, rules.RESULTS_PUBLISHER, voted=True, closed=True)
    assert rules.may_see_results(False, rules.RESULTS_VOTERS, voted=True, closed=False)
    assert not rules.may_see_results(False, rules.RESULTS_VOTERS, voted=False, closed=True)
    assert rules.may_see_results(False, rules.RESULTS_CLOSED, voted=False, closed=True)
    assert not rules.may_see_results(False, rules.RESULTS_CLOSED, voted=True, closed=False)
    assert _field(lambda: rules.results_visibility("everyone")) == "results_visible_to"


def test_an_anonymous_poll_withholds_the_counts_of_tiny_orgs():
    assert rules.withheld(True, 1) and rules.withheld(True, rules.ANONYMITY_FLOOR - 1)
    assert not rules.withheld(True, 0) and not rules.withheld(True, rules.ANONYMITY_FLOOR)
    assert not rules.withheld(False, 1)
