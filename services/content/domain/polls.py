"""Polls and surveys' rules (投票、问卷): questions and options, deadlines, ballots, who sees results.

A poll is one question; a survey is several. Each question is single or multiple choice. A poll is
addressed to an org's subtree and closes at its deadline. Everyone in the audience votes once, and a
vote is final: it cannot be changed, because changing an anonymous vote would need to know what the
voter chose before, which an anonymous poll never stores (see services/content/polls.py).

Results are counted per org (each ballot on every org of the voter's path from the poll's org down to
their own). For an anonymous poll an org with fewer than ANONYMITY_FLOOR voters shows its turnout but
not its counts: a branch of one voter would otherwise show how that person voted.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

TITLE_MAX = 100
DESCRIPTION_MAX = 2_000
QUESTIONS_MAX = 20
QUESTION_MAX = 200
OPTIONS_MIN, OPTIONS_MAX = 2, 20
OPTION_MAX = 100
DEADLINE_MIN = dt.timedelta(minutes=5)
DEADLINE_MAX = dt.timedelta(days=366)
ANONYMITY_FLOOR = 3

SINGLE, MULTIPLE = "single", "multiple"
KINDS = (SINGLE, MULTIPLE)
# Who sees the results besides the publisher (and the officers above): nobody else, each voter once
# they voted, or everyone in the audience once the poll closed.
RESULTS_PUBLISHER, RESULTS_VOTERS, RESULTS_CLOSED = "publisher", "voters", "closed"
RESULTS = (RESULTS_PUBLISHER, RESULTS_VOTERS, RESULTS_CLOSED)


@dataclass(frozen=True)
class Question:
    text: str
    kind: str
    options: tuple[str, ...]
    max_choices: int = 0  # multiple choice: at most this many (0: any number)


def title(value: str) -> str:
    return inputs.text(value, "title", TITLE_MAX)


def description(value: str) -> str:
    return inputs.text(value, "description", DESCRIPTION_MAX, required=False)


def results_visibility(value: str) -> str:
    value = value or RESULTS_PUBLISHER
    if value not in RESULTS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_results_invalid", "results_visible_to")
    return value


def questions(raw: Sequence[Question]) -> list[Question]:
    """Validated questions (fields named questions[i].…)."""
    if not raw:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_questions_count", "questions", max=QUESTIONS_MAX)
    if len(raw) > QUESTIONS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_questions_count", "questions", max=QUESTIONS_MAX)
    checked = []
    for i, q in enumerate(raw):
        where = f"questions[{i}]"
        text = inputs.text(q.text, f"{where}.text", QUESTION_MAX)
        if q.kind not in KINDS:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_kind_invalid", f"{where}.kind")
        if not OPTIONS_MIN <= len(q.options) <= OPTIONS_MAX:
            raise DomainError(
                ErrorCode.INVALID_ARGUMENT, "poll_options_count", f"{where}.options", min=OPTIONS_MIN, max=OPTIONS_MAX
            )
        options = tuple(inputs.text(o, f"{where}.options[{j}]", OPTION_MAX) for j, o in enumerate(q.options))
        if len(set(options)) != len(options):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_options_repeated", f"{where}.options")
        max_choices = q.max_choices if q.kind == MULTIPLE else 1
        if q.kind == MULTIPLE and not 0 <= max_choices <= len(options):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_max_choices_invalid", f"{where}.max_choices")
        checked.append(Question(text, q.kind, options, max_choices))
    return checked


def deadline(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None or not now + DEADLINE_MIN <= value <= now + DEADLINE_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_deadline_invalid", "deadline")
    return value


def is_closed(deadline_at: dt.datetime, now: dt.datetime) -> bool:
    return now >= deadline_at


def answers(questions_: Sequence[Question], raw: Sequence[Sequence[int]]) -> list[list[int]]:
    """One answer per question, each the chosen option indexes (sorted, distinct): every question is
    answered; a single-choice one with exactly one option, a multiple-choice one within max_choices."""
    if len(raw) != len(questions_):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_answers_count", "answers", count=len(questions_))
    checked = []
    for i, (q, chosen) in enumerate(zip(questions_, raw, strict=True)):
        picks = sorted(set(chosen))
        field = f"answers[{i}]"
        if len(picks) != len(chosen) or any(not 0 <= p < len(q.options) for p in picks):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_choice_invalid", field)
        limit = 1 if q.kind == SINGLE else (q.max_choices or len(q.options))
        if not 1 <= len(picks) <= limit:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "poll_choice_count", field, max=limit)
        checked.append(picks)
    return checked


def increments(chosen: Sequence[Sequence[int]]) -> dict[str, int]:
    """The counter increments of one ballot: voters, and each chosen option (counts.<question>.<option>)."""
    inc = {"voters": 1}
    for q, picks in enumerate(chosen):
        for option in picks:
            inc[f"counts.{q}.{option}"] = 1
    return inc


def may_see_results(publisher: bool, setting: str, voted: bool, closed: bool) -> bool:
    if publisher:
        return True
    if setting == RESULTS_VOTERS:
        return voted
    if setting == RESULTS_CLOSED:
        return closed
    return False


def withheld(anonymous: bool, voters: int) -> bool:
    """An anonymous poll's counts of an org with too few voters to hide who chose what."""
    return anonymous and 0 < voters < ANONYMITY_FLOOR
