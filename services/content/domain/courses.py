"""Courses' rules (党员教育): lessons of text, audio or video, who may see a course, assignments to a subtree
with a deadline, and when a member has finished a course.

A course is published by an org for its subtree (`org`) or for the whole region (`public`); it starts as a
draft that only those who manage education on its org see. Its lessons keep their ids across edits, so a
member's progress survives a lesson added or reworded; a lesson removed no longer counts. A course with an
exam is finished when every lesson is done and the exam passed. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

TITLE_MAX = 100
SUMMARY_MAX = 2_000
LESSONS_MAX = 100
LESSON_BODY_MAX = 20_000
LESSON_MINUTES_MAX = 600
ASSIGN_DEADLINE_MIN = dt.timedelta(hours=1)
ASSIGN_DEADLINE_MAX = dt.timedelta(days=366)

TEXT, AUDIO, VIDEO = "text", "audio", "video"
LESSON_KINDS = (TEXT, AUDIO, VIDEO)
SCOPE_ORG, SCOPE_PUBLIC = "org", "public"
SCOPES = (SCOPE_ORG, SCOPE_PUBLIC)
DRAFT, PUBLISHED = "draft", "published"


@dataclass(frozen=True)
class Lesson:
    id: str  # "" for a lesson added by this edit: it gets a new id
    title: str
    kind: str
    body: str = ""  # the text of a text lesson; notes under an audio or video one
    media_id: str = ""  # audio and video lessons: the media service's id of the recording
    minutes: int = 0  # how long it takes, as the publisher says (shown, not enforced)


def new_lesson_id() -> str:
    return secrets.token_hex(6)


def title(value: str) -> str:
    return inputs.text(value, "title", TITLE_MAX)


def summary(value: str) -> str:
    return inputs.text(value, "summary", SUMMARY_MAX, required=False)


def scope(value: str) -> str:
    value = value or SCOPE_ORG
    if value not in SCOPES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_scope_invalid", "scope")
    return value


def lessons(raw: Sequence[Lesson], known: Iterable[str] = ()) -> list[Lesson]:
    """Validated lessons (fields named lessons[i].…), each with an id: a given id must be one of the
    course's (known), a blank one is new."""
    if len(raw) > LESSONS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_lessons_count", "lessons", max=LESSONS_MAX)
    known, seen, out = set(known), set(), []
    for i, lesson in enumerate(raw):
        field = f"lessons[{i}]"
        if lesson.kind not in LESSON_KINDS:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_lesson_kind_invalid", f"{field}.kind")
        if lesson.id and (lesson.id not in known or lesson.id in seen):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_lesson_unknown", f"{field}.id")
        body = inputs.text(lesson.body, f"{field}.body", LESSON_BODY_MAX, required=lesson.kind == TEXT)
        media = ""
        if lesson.kind != TEXT:
            if not lesson.media_id:
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_lesson_media_missing", f"{field}.media_id")
            media = inputs.media_ids([lesson.media_id], f"{field}.media_id")[0]
        if not 0 <= lesson.minutes <= LESSON_MINUTES_MAX:
            raise DomainError(
                ErrorCode.INVALID_ARGUMENT, "course_lesson_minutes", f"{field}.minutes", max=LESSON_MINUTES_MAX
            )
        lesson_id = lesson.id or new_lesson_id()
        seen.add(lesson_id)
        out.append(
            Lesson(
                lesson_id,
                inputs.text(lesson.title, f"{field}.title", TITLE_MAX),
                lesson.kind,
                body,
                media,
                lesson.minutes,
            )
        )
    return out


def publishable(lesson_list: Sequence[Lesson]) -> None:
    """A course is published with at least one lesson: an empty course could never be finished."""
    if not lesson_list:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "course_has_no_lessons", "lessons")


def assignment_deadline(deadline: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if deadline is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_deadline_missing", "deadline")
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=dt.UTC)
    if not now + ASSIGN_DEADLINE_MIN <= deadline <= now + ASSIGN_DEADLINE_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_deadline_invalid", "deadline")
    return deadline


def finished(lesson_ids: Iterable[str], done: Iterable[str], needs_exam: bool, exam_passed: bool) -> bool:
    """Every current lesson done (a removed lesson no longer counts) and the exam passed, if there is one."""
    ids = set(lesson_ids)
    return bool(ids) and ids <= set(done) and (exam_passed or not needs_exam)


def progress_percent(lesson_ids: Sequence[str], done: Iterable[str]) -> int:
    if not lesson_ids:
        return 0
    return 100 * len(set(lesson_ids) & set(done)) // len(lesson_ids)
