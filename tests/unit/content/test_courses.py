"""Courses' rules: lessons and their ids across edits, scopes, assignment deadlines, when a course is finished."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import courses as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)
TEXT = rules.Lesson("", "党章第一章", rules.TEXT, body="党员必须履行下列义务……")
VIDEO = rules.Lesson("", "专题党课", rules.VIDEO, media_id="vid_01", minutes=45)


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def test_new_lessons_get_ids_and_kept_ones_keep_them():
    first = rules.lessons([TEXT, VIDEO])
    assert all(len(x.id) == 12 for x in first) and first[0].id != first[1].id
    kept = rules.lessons(
        [rules.Lesson(first[1].id, "专题党课（新版）", rules.VIDEO, media_id="vid_02")], known=[x.id for x in first]
    )
    assert kept[0].id == first[1].id and kept[0].title == "专题党课（新版）"
    unknown = _refused(lambda: rules.lessons([rules.Lesson("abc", "t", rules.TEXT, body="b")], known=[first[0].id]))
    assert (unknown.code, unknown.field) == (ErrorCode.INVALID_ARGUMENT, "lessons[0].id")
    twice = [rules.Lesson(first[0].id, "a", rules.TEXT, body="b")] * 2
    assert _refused(lambda: rules.lessons(twice, known=[first[0].id])).field == "lessons[1].id"


def test_lessons_are_checked_naming_the_lesson():
    assert _refused(lambda: rules.lessons([TEXT, rules.Lesson("", "t", "slides")])).field == "lessons[1].kind"
    assert _refused(lambda: rules.lessons([rules.Lesson("", "t", rules.TEXT)])).field == "lessons[0].body"
    assert _refused(lambda: rules.lessons([rules.Lesson("", "t", rules.AUDIO)])).field == "lessons[0].media_id"
    bad_media = rules.Lesson("", "t", rules.AUDIO, media_id="../etc/passwd")
    assert _refused(lambda: rules.lessons([bad_media])).field == "lessons[0].media_id"
    long = rules.Lesson("", "t", rules.VIDEO, media_id="v", minutes=rules.LESSON_MINUTES_MAX + 1)
    assert _refused(lambda: rules.lessons([long])).field == "lessons[0].minutes"
    assert _refused(lambda: rules.lessons([TEXT] * (rules.LESSONS_MAX + 1))).field == "lessons"
    assert rules.lessons([VIDEO])[0].body == ""  # notes are optional under a recording


def test_scope_and_publishing():
    assert rules.scope("") == rules.SCOPE_ORG and rules.scope("public") == rules.SCOPE_PUBLIC
    assert _refused(lambda: rules.scope("world")).field == "scope"
    empty = _refused(lambda: rules.publishable([]))
    assert (empty.code, empty.field) == (ErrorCode.FAILED_PRECONDITION, "lessons")


def test_an_assignment_deadline_lies_between_an_hour_and_a_year_ahead():
    assert rules.assignment_deadline(NOW + dt.timedelta(days=30), NOW) == NOW + dt.timedelta(days=30)
    naive = (NOW + dt.timedelta(days=1)).replace(tzinfo=None)
    assert rules.assignment_deadline(naive, NOW).tzinfo == dt.UTC
    for bad in (None, NOW, NOW + dt.timedelta(minutes=59), NOW + dt.timedelta(days=367)):
        assert _refused(lambda b=bad: rules.assignment_deadline(b, NOW)).field == "deadline"


def test_a_course_is_finished_with_every_current_lesson_and_its_exam():
    assert rules.finished(["a", "b"], ["b", "a"], needs_exam=False, exam_passed=False)
    assert not rules.finished(["a", "b"], ["a"], needs_exam=False, exam_passed=False)
    assert rules.finished(["a"], ["a", "removed"], needs_exam=False, exam_passed=False)
    assert not rules.finished(["a"], ["a"], needs_exam=True, exam_passed=False)
    assert rules.finished(["a"], ["a"], needs_exam=True, exam_passed=True)
    assert not rules.finished([], [], needs_exam=False, exam_passed=True)  # nothing to study is not done
    assert rules.progress_percent(["a", "b", "c"], ["a", "x"]) == 33 and rules.progress_percent([], ["a"]) == 0
