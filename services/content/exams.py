"""Quizzes and exams (测验、考试): question banks of an org, exams drawn from a bank as randomized papers,
time limits, automatic scoring, retakes by rule, study points for a better score.

A paper is drawn when a member starts an attempt and stored on the attempt with its answer key (never sent
to the member): editing the bank later changes no paper already handed out. An attempt is open until it is
submitted or its time runs out (domain/exams.py: a grace of a few seconds for the network); a submission
after that is refused and the attempt counts as taken with no score. Submitting is a conditional update of
the open attempt, so a double submit scores once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict

import mongoengine as me
from pymongo.errors import DuplicateKeyError

from kernel.clock import aware, now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, courses, events, recent, study
from services.content.domain import courses as course_rules
from services.content.domain import exams as rules
from services.content.domain import inputs
from services.content.domain import study_points as points_rules
from services.content.domain.visibility import ORG, PUBLIC, Audience, audience_keys, may_read

MANAGE = courses.MANAGE
BANK_MAX = 2_000  # questions in one bank: a paper is drawn from all of them in memory
ADD_MAX = 100  # questions added in one call
OPEN, SUBMITTED, EXPIRED = "open", "submitted", "expired"


# -- documents -----------------------------------------------------------------------------------------


class QuestionBank(TenantDocument):
    org_id = me.StringField(required=True)
    title = me.StringField(required=True)
    author_id = me.StringField(required=True)
    questions = me.IntField(default=0)
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "question_banks", "indexes": [("tenant", "org_id", "-created_at")]}


class BankQuestion(TenantDocument):
    bank_id = me.StringField(required=True)
    kind = me.StringField(required=True)
    text = me.StringField(required=True)
    options = me.ListField(me.StringField())
    answer = me.ListField(me.IntField())
    accepted = me.ListField(me.StringField())
    points = me.IntField(default=1)
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "bank_questions", "indexes": [("tenant", "bank_id", "id")]}


class Exam(TenantDocument):
    org_id = me.StringField(required=True)
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    bank_id = me.StringField(required=True)
    course_id = me.StringField(default="")
    scope = me.StringField(required=True)  # course_rules.SCOPES (a course's exam has the course's)
    counts = me.ListField(me.ListField())  # [[kind, how many], …]
    time_limit_seconds = me.IntField(default=0)  # 0: no limit
    pass_score = me.IntField(required=True)
    max_attempts = me.IntField(default=0)
    cooldown_seconds = me.IntField(default=0)
    retake_after_pass = me.BooleanField(default=False)
    shuffle_options = me.BooleanField(default=True)
    audience = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "exams",
        "indexes": [
            ("tenant", "org_id", "-created_at"),
            ("tenant", "org_id", "audience", "-created_at"),
            ("tenant", "course_id"),
        ],
    }


class ExamAttempt(TenantDocument):
    exam_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    number = me.IntField(required=True)  # 1, 2, … for this member and exam
    items = me.ListField(me.DictField())  # PaperItem fields, and "key": the question as drawn (answers)
    state = me.StringField(required=True)
    started_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField()
    submitted_at = me.DateTimeField()
    earned = me.IntField(default=0)
    possible = me.IntField(default=0)
    score = me.IntField(default=0)
    passed = me.BooleanField(default=False)
    correct = me.ListField(me.BooleanField())
    points = me.IntField(default=0)  # study points this attempt earned
    org_id = me.StringField(default="")
    org_path = me.ListField(me.StringField())

    meta = {
        "collection": "exam_attempts",
        "indexes": [
            {"fields": ["tenant", "exam_id", "account_id", "number"], "unique": True},
            ("tenant", "exam_id", "org_path", "id"),
        ],
    }


DOCUMENTS = (QuestionBank, BankQuestion, Exam, ExamAttempt)


def rule_of(exam: Exam) -> rules.PaperRule:
    limit = dt.timedelta(seconds=exam.time_limit_seconds) if exam.time_limit_seconds else None
    return rules.PaperRule(
        counts=tuple((kind, int(n)) for kind, n in exam.counts),
        time_limit=limit,
        pass_score=exam.pass_score,
        max_attempts=exam.max_attempts,
        cooldown=dt.timedelta(seconds=exam.cooldown_seconds),
        retake_after_pass=exam.retake_after_pass,
        shuffle_options=exam.shuffle_options,
    )


def _question(row: BankQuestion) -> rules.Question:
    return rules.Question(row.text, row.kind, tuple(row.options), tuple(row.answer), tuple(row.accepted), row.points)


def _exam_by_id(exam_id: str) -> Exam:
    exam = Exam.by_id(access.tenant(), exam_id)
    if exam is None:
        raise DomainError(ErrorCode.NOT_FOUND, "exam_not_found", "exam_id")
    return exam


def _attempt_by_id(attempt_id: str) -> ExamAttempt:
    attempt = ExamAttempt.by_id(access.tenant(), attempt_id)
    if attempt is None:
        raise DomainError(ErrorCode.NOT_FOUND, "exam_attempt_not_found", "attempt_id")
    return attempt


# -- question banks ------------------------------------------------------------------------------------


def create_bank(org_id: str, title: str) -> QuestionBank:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    bank = QuestionBank(
        tenant=access.tenant(),
        org_id=org_id,
        title=course_rules.title(title),
        author_id=access.actor().account_id,
        created_at=now_ms(),
    )
    return atomically(access.tenant(), lambda uow: uow.insert(bank))


def _managed_bank(bank_id: str) -> QuestionBank:
    bank = QuestionBank.by_id(access.tenant(), bank_id)
    if bank is None or not access.may(MANAGE, bank.org_id):
        raise DomainError(ErrorCode.NOT_FOUND, "exam_bank_not_found", "bank_id")  # a bank's answers are secret
    return bank


def add_questions(bank_id: str, raw: list[rules.Question]) -> tuple[QuestionBank, list[BankQuestion]]:
    bank = _managed_bank(bank_id)
    if not 1 <= len(raw) <= ADD_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "exam_questions_count", "questions", max=ADD_MAX)
    checked = rules.questions(raw)
    tenant, now = access.tenant(), now_ms()
    rows = [
        BankQuestion(
            tenant=tenant,
            bank_id=str(bank.id),
            kind=q.kind,
            text=q.text,
            options=list(q.options),
            answer=list(q.answer),
            accepted=list(q.accepted),
            points=q.points,
            created_at=now,
        )
        for q in checked
    ]

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(
            QuestionBank,
            {"_id": bank.id, "questions": {"$lte": BANK_MAX - len(rows)}},
            {"$inc": {"questions": len(rows)}},
        ):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_bank_full", "questions", max=BANK_MAX)
        uow.insert_many(rows)

    atomically(tenant, write)
    return _managed_bank(bank_id), rows


def questions_of(bank_id: str, page_size: int, cursor: str) -> tuple[QuestionBank, list[BankQuestion], str]:
    bank = _managed_bank(bank_id)
    rows, next_cursor = page(BankQuestion.in_tenant(access.tenant()).filter(bank_id=str(bank.id)), page_size, cursor)
    return bank, rows, next_cursor


_BANKS: OrderedDict[tuple[str, str, int], list[tuple[str, rules.Question]]] = OrderedDict()
BANKS_KEPT = 64  # banks' questions kept in this process (a bank only grows: its count is its version)
_BANKS_LOCK = threading.Lock()


def _bank_questions(bank_id: str) -> list[tuple[str, rules.Question]]:
    """A bank's questions; kept by (bank, how many it holds), since questions are only ever added, so each
    start of an attempt reads the bank's counter instead of its up to BANK_MAX questions."""
    tenant = access.tenant()
    bank = QuestionBank.by_id(access.tenant(), bank_id)
    key = (tenant, bank_id, bank.questions if bank else -1)
    with _BANKS_LOCK:  # the server's threads share it
        if key in _BANKS:
            _BANKS.move_to_end(key)
            return _BANKS[key]
    rows = BankQuestion.in_tenant(tenant).filter(bank_id=bank_id).limit(BANK_MAX)
    questions = [(str(r.id), _question(r)) for r in rows]
    if bank is not None and len(questions) == bank.questions:  # a complete read of that version
        with _BANKS_LOCK:
            _BANKS[key] = questions
            if len(_BANKS) > BANKS_KEPT:
                _BANKS.popitem(last=False)
    return questions


# -- exams ---------------------------------------------------------------------------------------------


def create_exam(org_id: str, title: str, bank_id: str, rule: rules.PaperRule, course_id: str, scope: str) -> Exam:
    """An exam of the org drawn from one of its banks (or a bank of an org above it that the caller manages);
    with course_id, the course's exam: finishing the course then needs a pass."""
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    bank = _managed_bank(bank_id)
    course = None
    if course_id:
        course = courses.readable(course_id)[0]
        if course.org_id != org_id or not courses.manages(course):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_course_other_org", "course_id")
        if course.exam_id:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "exam_course_has_exam", "course_id")
        scope = course.scope
    rules.draw(_bank_questions(str(bank.id)), rule, 0)  # refuses now a rule the bank cannot fill
    exam = Exam(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=course_rules.title(title),
        bank_id=str(bank.id),
        course_id=course_id,
        scope=course_rules.scope(scope),
        counts=[[kind, n] for kind, n in rule.counts],
        time_limit_seconds=int(rule.time_limit.total_seconds()) if rule.time_limit else 0,
        pass_score=rule.pass_score,
        max_attempts=rule.max_attempts,
        cooldown_seconds=int(rule.cooldown.total_seconds()),
        retake_after_pass=rule.retake_after_pass,
        shuffle_options=rule.shuffle_options,
        created_at=now,
    )
    kind = PUBLIC if exam.scope == course_rules.SCOPE_PUBLIC else ORG
    exam.audience = audience_keys(Audience(who, kind, org_id))

    def write(uow: UnitOfWork) -> Exam:
        uow.insert(exam)
        if course is not None and not uow.update_one(
            courses.Course, {"_id": course.id, "exam_id": ""}, {"$set": {"exam_id": str(exam.id)}}
        ):
            raise DomainError(ErrorCode.ALREADY_EXISTS, "exam_course_has_exam", "course_id")
        return exam

    return atomically(tenant, write)


def _readable(exam_id: str) -> tuple[Exam, bool]:
    exam = _exam_by_id(exam_id)
    manager = access.may(MANAGE, exam.org_id)
    kind = PUBLIC if exam.scope == course_rules.SCOPE_PUBLIC else ORG
    if not manager and not may_read(access.reader(), Audience(exam.author_id, kind, exam.org_id)):
        raise DomainError(ErrorCode.NOT_FOUND, "exam_not_found", "exam_id")
    return exam, manager


def _attempts(exam_id: str, account_id: str) -> list[ExamAttempt]:
    """The member's attempts at the exam, oldest first, without their papers (tens of questions each)."""
    query = ExamAttempt.in_tenant(access.tenant()).filter(exam_id=exam_id, account_id=account_id)
    return sorted(query.exclude("items", "correct").limit(200), key=lambda a: a.number)


def get_exam(exam_id: str) -> tuple[Exam, bool, list[ExamAttempt]]:
    """The exam, whether the caller manages it, and the caller's attempts (oldest first)."""
    exam, manager = _readable(exam_id)
    return exam, manager, _attempts(str(exam.id), access.actor().account_id)


def _past(attempt: ExamAttempt, now: dt.datetime) -> rules.PastAttempt:
    finished = attempt.state != OPEN or rules.is_late(aware(attempt.expires_at), now)
    return rules.PastAttempt(aware(attempt.started_at), finished, attempt.score, attempt.passed)


def start(exam_id: str) -> ExamAttempt:
    """The caller's open attempt (resumed), or a new one with a freshly drawn paper if the rules allow."""
    exam, _ = _readable(exam_id)
    reader, tenant, now = access.reader(), access.tenant(), now_ms()
    past = _attempts(str(exam.id), reader.account_id)
    if past and past[-1].state == OPEN:
        if not rules.is_late(aware(past[-1].expires_at), now):
            return _attempt_by_id(str(past[-1].id))  # resumed: with its paper
        _expire(past[-1])
    rule = rule_of(exam)
    rules.check_start(rule, [_past(a, now) for a in past], now)
    bank = _bank_questions(exam.bank_id)
    key = dict(bank)
    paper = rules.draw(bank, rule, secrets.randbits(63))
    attempt = ExamAttempt(
        tenant=tenant,
        exam_id=str(exam.id),
        account_id=reader.account_id,
        number=(past[-1].number if past else 0) + 1,
        items=[
            {
                "question_id": item.question_id,
                "kind": item.kind,
                "text": item.text,
                "options": list(item.options),
                "order": list(item.order),
                "points": item.points,
                "key": {"answer": list(key[item.question_id].answer), "accepted": list(key[item.question_id].accepted)},
            }
            for item in paper
        ],
        state=OPEN,
        started_at=now,
        expires_at=rules.expires_at(now, rule),
        org_id=reader.org_id,
        org_path=list(reader.org_path),
    )
    try:
        return atomically(tenant, lambda uow: uow.insert(attempt))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "exam_attempt_started", "exam_id") from None


def _expire(attempt: ExamAttempt) -> None:
    ExamAttempt._get_collection().update_one(
        {"_id": attempt.id, "tenant": attempt.tenant, "state": OPEN}, {"$set": {"state": EXPIRED}}
    )
    attempt.state = EXPIRED


def paper_of(attempt: ExamAttempt) -> list[rules.PaperItem]:
    return [
        rules.PaperItem(i["question_id"], i["kind"], i["text"], tuple(i["options"]), tuple(i["order"]), i["points"])
        for i in attempt.items
    ]


def submit(attempt_id: str, answers: list[rules.Answer]) -> tuple[ExamAttempt, Exam]:
    """Score the caller's open attempt; a pass of a course's exam may finish the course."""
    attempt = _attempt_by_id(attempt_id)
    reader, tenant, now = access.reader(), access.tenant(), now_ms()
    if attempt.account_id != reader.account_id:
        raise DomainError(ErrorCode.NOT_FOUND, "exam_attempt_not_found", "attempt_id")
    if attempt.state != OPEN:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_attempt_closed", "attempt_id")
    if rules.is_late(aware(attempt.expires_at), now):
        _expire(attempt)
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_time_over", "attempt_id")
    exam = _exam_by_id(attempt.exam_id)
    key = {
        i["question_id"]: rules.Question(
            i["text"], i["kind"], (), tuple(i["key"]["answer"]), tuple(i["key"]["accepted"]), i["points"]
        )
        for i in attempt.items
    }
    graded = rules.grade(paper_of(attempt), key, answers)
    passed = rules.passed(graded.score, rule_of(exam))
    earlier = [a.score for a in _attempts(attempt.exam_id, reader.account_id) if a.state == SUBMITTED]
    best_before = max(earlier) if earlier else None
    table = study.table(tenant)
    course = None
    if passed and exam.course_id:
        course = courses.Course.by_id(tenant, exam.course_id)

    changes = {
        "state": SUBMITTED,
        "submitted_at": now,
        "earned": graded.earned,
        "possible": graded.possible,
        "score": graded.score,
        "passed": passed,
        "correct": list(graded.correct),
    }

    def write(uow: UnitOfWork) -> int:
        rule = table[points_rules.EXAM]
        earned = study.award(
            uow,
            reader.account_id,
            reader.org_path,
            rule,
            points_rules.exam_points(rule, best_before, graded.score),
            f"exam:{attempt.id}",
            exam.title,
            now,
        )
        if course is not None:
            earned += courses.exam_passed(uow, course, reader, now)
        # the guard against a second submit: a conditional update of the open attempt (else all of it aborts)
        scored = {"$set": {**changes, "points": earned}}
        if not uow.update_one(ExamAttempt, {"_id": attempt.id, "state": OPEN}, scored):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "exam_attempt_closed", "attempt_id")
        uow.emit(
            events.SOURCE,
            events.EXAM_SUBMITTED,
            {
                "exam_id": attempt.exam_id,
                "attempt_id": str(attempt.id),
                "account_id": reader.account_id,
                "org_id": reader.org_id,
                "course_id": exam.course_id,
                "score": graded.score,
                "passed": passed,
            },
            reader.account_id,
        )
        return earned

    earned = atomically(tenant, write)
    for name, value in {**changes, "points": earned}.items():
        setattr(attempt, name, value)
    return attempt, exam


def results(exam_id: str, org_id: str, page_size: int, cursor: str) -> tuple[Exam, list[ExamAttempt], str]:
    """Attempts of members of an org of the exam's audience (default: the exam's org), for those who manage
    education there, oldest first."""
    exam = _exam_by_id(exam_id)
    org_id = inputs.one_id(org_id, "org_id") if org_id else exam.org_id
    access.org_path(org_id)
    if not access.may(MANAGE, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "exam_results_denied", "org_id")
    query = ExamAttempt.in_tenant(access.tenant()).filter(exam_id=str(exam.id), org_path=org_id)
    rows, next_cursor = page(query, page_size, cursor)
    return exam, rows, next_cursor


def list_exams(org_id: str, page_size: int, cursor: str) -> tuple[list[Exam], str]:
    """One org's exams, newest first: all of them for those who manage education there, else those the
    caller may take (the org's own members: all; others: the public ones)."""
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    exams = Exam.in_tenant(access.tenant()).filter(org_id=org_id)
    if access.may(MANAGE, org_id):
        return recent.page(exams, "created_at", page_size, cursor)
    keys = [PUBLIC, *([f"org:{org_id}"] if org_id in access.reader().org_path else [])]
    return recent.page_merged([exams.filter(audience=k) for k in keys], "created_at", page_size, cursor)
