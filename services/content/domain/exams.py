"""Quizzes and exams' rules (测验、考试): the question bank, drawing a paper, grading it, attempts and retakes.

An exam draws each member's own paper from a bank: so many questions of each kind, in a random order,
choices shuffled, so that neighbours can't copy answers by position. The paper shown to the member
holds no answers; grading looks them up in the bank (the key) and maps the shown option indexes back
through each item's order. An exam allows a number of attempts, optionally spaced by a cooldown, and
may forbid retaking it once passed. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

TEXT_MAX = 500
OPTIONS_MIN, OPTIONS_MAX = 2, 10
OPTION_MAX = 200
ACCEPTED_MIN, ACCEPTED_MAX = 1, 10
ACCEPTED_ITEM_MAX = 100
POINTS_MIN, POINTS_MAX = 1, 100
QUESTIONS_MAX = 500  # one call (an import batch) at most; the bank itself may be larger
PAPER_MAX = 200
TIME_LIMIT_MIN_MINUTES, TIME_LIMIT_MAX_MINUTES = 1, 24 * 60
ATTEMPTS_MAX = 20
COOLDOWN_MAX_MINUTES = 30 * 24 * 60
FILL_ANSWER_MAX = 200
# Network slack: an answer sent in the last second still arrives a little after the limit.
SUBMIT_GRACE = dt.timedelta(seconds=15)

SINGLE, MULTIPLE, TRUE_FALSE, FILL_IN = "single", "multiple", "true_false", "fill_in"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, FILL_IN)
CHOICE_KINDS = (SINGLE, MULTIPLE)

# Sentence punctuation a member may or may not type after a fill-in answer (after NFKC, which turns the
# full-width ．！？；， into their ASCII forms; the ideographic 。 has no ASCII form).
_TRAILING = re.compile(r"[\s。.!?;,]+$")


@dataclass(frozen=True)
class Question:
    text: str
    kind: str
    options: tuple[str, ...] = ()  # single/multiple: the choices
    answer: tuple[int, ...] = ()  # single/multiple: the correct option indexes; true_false: (1,) true, (0,) false
    accepted: tuple[str, ...] = ()  # fill_in: the accepted answers
    points: int = 1


@dataclass(frozen=True)
class PaperRule:
    counts: tuple[tuple[str, int], ...]  # kind → how many questions of that kind are drawn from the bank
    time_limit: dt.timedelta | None
    pass_score: int  # percent, 0..100
    max_attempts: int  # 0: unlimited
    cooldown: dt.timedelta
    retake_after_pass: bool
    shuffle_options: bool


@dataclass(frozen=True)
class PaperItem:
    question_id: str
    kind: str
    text: str
    options: tuple[str, ...]
    order: tuple[int, ...]  # shown index -> original option index
    points: int


@dataclass(frozen=True)
class Answer:
    options: tuple[int, ...] = ()  # choice questions: the SHOWN option indexes
    text: str = ""  # fill_in
    truth: bool | None = None  # true_false


@dataclass(frozen=True)
class Graded:
    earned: int
    possible: int
    score: int  # 0..100, rounded down
    correct: tuple[bool, ...]


@dataclass(frozen=True)
class PastAttempt:
    started_at: dt.datetime
    finished: bool
    score: int
    passed: bool


# -- the bank ------------------------------------------------------------------------------------------


def question(q: Question, field: str) -> Question:
    """The question checked (fields named <field>.text, .kind, .options, …), its answer sorted."""
    text = inputs.text(q.text, f"{field}.text", TEXT_MAX)
    if q.kind not in KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_question_kind_invalid", f"{field}.kind")
    if not POINTS_MIN <= q.points <= POINTS_MAX:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "exam_points_invalid", f"{field}.points", min=POINTS_MIN, max=POINTS_MAX
        )
    options: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    answer = tuple(sorted(set(q.answer)))
    if q.kind in CHOICE_KINDS:
        options = _options(q.options, field)
        in_range = len(answer) == len(q.answer) and all(0 <= a < len(options) for a in answer)
        if not in_range or not answer or (q.kind == SINGLE and len(answer) != 1):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_answer_invalid", f"{field}.answer")
    elif q.kind == TRUE_FALSE:
        if q.options:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_field_unexpected", f"{field}.options")
        if tuple(q.answer) not in ((0,), (1,)):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_answer_invalid", f"{field}.answer")
    else:
        if q.options:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_field_unexpected", f"{field}.options")
        if q.answer:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_field_unexpected", f"{field}.answer")
        accepted = _accepted(q.accepted, field)
    if q.kind != FILL_IN and q.accepted:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_field_unexpected", f"{field}.accepted")
    return Question(text, q.kind, options, answer, accepted, q.points)


def questions(raw: Sequence[Question]) -> list[Question]:
    """Validated questions (fields named questions[i].…)."""
    if not 1 <= len(raw) <= QUESTIONS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_questions_count", "questions", max=QUESTIONS_MAX)
    return [question(q, f"questions[{i}]") for i, q in enumerate(raw)]


def _options(raw: Sequence[str], field: str) -> tuple[str, ...]:
    if not OPTIONS_MIN <= len(raw) <= OPTIONS_MAX:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "exam_options_count", f"{field}.options", min=OPTIONS_MIN, max=OPTIONS_MAX
        )
    options = tuple(inputs.text(o, f"{field}.options[{j}]", OPTION_MAX) for j, o in enumerate(raw))
    if len(set(options)) != len(options):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_options_repeated", f"{field}.options")
    return options


def _accepted(raw: Sequence[str], field: str) -> tuple[str, ...]:
    if not ACCEPTED_MIN <= len(raw) <= ACCEPTED_MAX:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "exam_accepted_count", f"{field}.accepted", min=ACCEPTED_MIN, max=ACCEPTED_MAX
        )
    forms: dict[str, str] = {}
    for j, value in enumerate(raw):
        value = inputs.text(value, f"{field}.accepted[{j}]", ACCEPTED_ITEM_MAX)
        # An accepted form of mere punctuation would normalize to "", and so accept a blank answer.
        if not normalize_fill(value):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_text_empty", f"{field}.accepted[{j}]")
        forms.setdefault(normalize_fill(value), value)
    return tuple(forms.values())


def normalize_fill(value: str) -> str:
    """A fill-in answer as compared: half-width, trimmed, single-spaced, casefolded, no final punctuation."""
    value = unicodedata.normalize("NFKC", value or "")
    value = " ".join(value.split()).casefold()
    return _TRAILING.sub("", value)


# -- the paper -----------------------------------------------------------------------------------------


def paper_rule(
    counts: Mapping[str, int],
    time_limit_minutes: int = 0,
    pass_score: int = 60,
    max_attempts: int = 0,
    cooldown_minutes: int = 0,
    retake_after_pass: bool = False,
    shuffle_options: bool = True,
) -> PaperRule:
    """The checked rule of an exam's papers; a time limit of 0 minutes means none."""
    for kind, count in counts.items():
        if kind not in KINDS:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_question_kind_invalid", f"counts.{kind}")
        if not 0 <= count <= PAPER_MAX:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_paper_size", f"counts.{kind}", max=PAPER_MAX)
    if not 1 <= sum(counts.values()) <= PAPER_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_paper_size", "counts", max=PAPER_MAX)
    if time_limit_minutes and not TIME_LIMIT_MIN_MINUTES <= time_limit_minutes <= TIME_LIMIT_MAX_MINUTES:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT,
            "exam_time_limit_invalid",
            "time_limit_minutes",
            min=TIME_LIMIT_MIN_MINUTES,
            max=TIME_LIMIT_MAX_MINUTES,
        )
    if not 0 <= pass_score <= 100:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_pass_score_invalid", "pass_score")
    if not 0 <= max_attempts <= ATTEMPTS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_max_attempts_invalid", "max_attempts", max=ATTEMPTS_MAX)
    if not 0 <= cooldown_minutes <= COOLDOWN_MAX_MINUTES:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "exam_cooldown_invalid", "cooldown_minutes", max=COOLDOWN_MAX_MINUTES
        )
    return PaperRule(
        # in KINDS order, without the zeros: the same settings make the same rule (and the same draws)
        counts=tuple((kind, counts[kind]) for kind in KINDS if counts.get(kind)),
        time_limit=dt.timedelta(minutes=time_limit_minutes) if time_limit_minutes else None,
        pass_score=pass_score,
        max_attempts=max_attempts,
        cooldown=dt.timedelta(minutes=cooldown_minutes),
        retake_after_pass=retake_after_pass,
        shuffle_options=shuffle_options,
    )


def draw(bank: Sequence[tuple[str, Question]], rule: PaperRule, seed: int) -> list[PaperItem]:
    """A paper drawn from the bank (id, question): the same for the same seed, each question at most once."""
    by_kind: dict[str, dict[str, Question]] = {}
    for question_id, q in bank:
        by_kind.setdefault(q.kind, {}).setdefault(question_id, q)
    rng = random.Random(seed)  # noqa: S311 - fairness, not secrecy: the seed is stored to redraw the paper
    picked: list[tuple[str, Question]] = []
    for kind, count in rule.counts:
        # Sorted by id, so the paper doesn't depend on the order the store happened to return the bank in.
        pool = sorted(by_kind.get(kind, {}).items())
        if len(pool) < count:
            raise DomainError(
                ErrorCode.FAILED_PRECONDITION, "exam_bank_too_small", f"counts.{kind}", have=len(pool), need=count
            )
        picked.extend(rng.sample(pool, count))
    rng.shuffle(picked)
    paper = []
    for question_id, q in picked:
        order = list(range(len(q.options))) if q.kind in CHOICE_KINDS else []
        if rule.shuffle_options:
            rng.shuffle(order)
        options = tuple(q.options[i] for i in order)
        paper.append(PaperItem(question_id, q.kind, q.text, options, tuple(order), q.points))
    return paper


def grade(items: Sequence[PaperItem], key: Mapping[str, Question], answers: Sequence[Answer]) -> Graded:
    """The paper graded against the key (each item's question as drawn); one answer per item, blank is wrong."""
    if len(answers) != len(items):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_answers_count", "answers", count=len(items))
    correct = []
    for i, (item, given) in enumerate(zip(items, answers, strict=True)):
        shown = set(given.options)
        if len(shown) != len(given.options) or any(not 0 <= s < len(item.options) for s in shown):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_choice_invalid", f"answers[{i}].options")
        if item.kind == SINGLE and len(shown) > 1:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_choice_count", f"answers[{i}].options", max=1)
        text = inputs.text(given.text, f"answers[{i}].text", FILL_ANSWER_MAX, required=False)
        q = key[item.question_id]
        if item.kind in CHOICE_KINDS:
            # all or nothing: a multiple-choice answer earns its points only with exactly the right set
            right = bool(shown) and {item.order[s] for s in shown} == set(q.answer)
        elif item.kind == TRUE_FALSE:
            right = given.truth is not None and (1 if given.truth else 0,) == q.answer
        else:
            typed = normalize_fill(text)
            right = bool(typed) and typed in {normalize_fill(a) for a in q.accepted}
        correct.append(right)
    earned = sum(item.points for item, right in zip(items, correct, strict=True) if right)
    possible = sum(item.points for item in items)
    score = earned * 100 // possible if possible else 0
    return Graded(earned, possible, score, tuple(correct))


def passed(score: int, rule: PaperRule) -> bool:
    return score >= rule.pass_score


# -- attempts ------------------------------------------------------------------------------------------


def check_start(rule: PaperRule, past: Sequence[PastAttempt], now: dt.datetime) -> None:
    """Refuse a new attempt once passed (unless retakes are allowed), all used, or within the cooldown.

    Every attempt started counts, finished or not; resuming an unfinished one is the service's business.
    """
    if not rule.retake_after_pass and any(a.finished and a.passed for a in past):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_already_passed")
    if rule.max_attempts and len(past) >= rule.max_attempts:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_attempts_used", max=rule.max_attempts)
    finished = [a.started_at for a in past if a.finished]
    if rule.cooldown and finished:
        retry_at = max(finished) + rule.cooldown
        if now < retry_at:
            raise DomainError(
                ErrorCode.FAILED_PRECONDITION,
                "exam_cooldown",
                retry_at=retry_at.isoformat(),
                # whole seconds, rounded up: the kernel turns it into RetryInfo and the JSON retry_after
                retry_after=math.ceil((retry_at - now).total_seconds()),
            )


def expires_at(started: dt.datetime, rule: PaperRule) -> dt.datetime | None:
    return started + rule.time_limit if rule.time_limit else None


def is_late(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A submission after the time limit and its grace; never late without a limit."""
    return expires_at is not None and now > expires_at + SUBMIT_GRACE
