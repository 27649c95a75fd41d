"""Questions and answers of an org's knowledge base (知识管理 · 问答).

A member of the org's subtree asks a question for the subtree (`org`) or the whole region (`public`);
anyone who may read it answers; the asker (or the org's curators, knowledge.manage) accepts one answer and
may change their mind. Questions carry their audience keys like articles (knowledge.py), and listings match
the reader's keys inside the query. The asker and the curators remove a question, an answer's author and
the curators an answer; removed items answer NOT_FOUND and leave search. Rules: domain/knowledge.py.
"""

from __future__ import annotations

import mongoengine as me

from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id
from services.content import access, events, recent
from services.content.domain import inputs
from services.content.domain import knowledge as rules
from services.content.domain.visibility import PUBLIC, Audience, may_read

MANAGE = "knowledge.manage"


# -- documents -----------------------------------------------------------------------------------------


class Question(TenantDocument):
    org_id = me.StringField(required=True)
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    text = me.StringField(required=True)
    tags = me.ListField(me.StringField())
    scope = me.StringField(required=True)  # rules.SCOPES
    audience = me.ListField(me.StringField())  # audience_keys (domain/visibility.py)
    reach = me.StringField(required=True)  # the non-author key, matched by listings (rules.reach)
    answer_count = me.IntField(default=0)
    accepted_answer_id = me.StringField(default="")
    removed = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True)
    last_activity_at = me.DateTimeField(required=True)  # asked, or last answered

    meta = {
        "collection": "knowledge_questions",
        "indexes": [
            ("tenant", "reach", "removed", "-last_activity_at"),
            ("tenant", "tags", "reach", "removed", "-last_activity_at"),
            ("tenant", "org_id", "reach", "removed", "-last_activity_at"),
            ("tenant", "org_id", "tags", "reach", "removed", "-last_activity_at"),
        ],
    }


class Answer(TenantDocument):
    question_id = me.StringField(required=True)
    author_id = me.StringField(required=True)
    text = me.StringField(required=True)
    removed = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "knowledge_answers", "indexes": [("tenant", "question_id", "removed", "id")]}


DOCUMENTS = (Question, Answer)


def audience_of(question: Question) -> Audience:
    return rules.audience(question.author_id, question.org_id, question.scope)


# -- lookups and rights --------------------------------------------------------------------------------


def manages(org_id: str) -> bool:
    return access.may(MANAGE, org_id)


def _question(question_id: str) -> Question:
    oid = object_id(question_id)
    question = Question.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if question is None or question.removed:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_question_not_found", "question_id")
    return question


def readable(question_id: str) -> tuple[Question, bool]:
    """The question and whether the caller curates its org; NOT_FOUND for one they may not read."""
    question = _question(question_id)
    manager = manages(question.org_id)
    if not manager and not may_read(access.reader(), audience_of(question)):
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_question_not_found", "question_id")
    return question, manager


def _answer(answer_id: str) -> Answer:
    oid = object_id(answer_id)
    answer = Answer.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if answer is None or answer.removed:
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_answer_not_found", "answer_id")
    return answer


def answers_of(question: Question, ids: list[str] | None = None, limit: int = 0) -> list[Answer]:
    """A question's answers in the order they were made: those named (ids), or the first limit ones."""
    query = Answer.in_tenant(access.tenant()).filter(question_id=str(question.id), removed=False)
    if ids is not None:
        query = query.filter(id__in=[oid for oid in map(object_id, ids) if oid])
    query = query.order_by("id")
    return list(query.limit(limit) if limit else query)


# -- questions -----------------------------------------------------------------------------------------


def ask(org_id: str, title: str, text: str, tags: list[str], scope: str) -> Question:
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    if not rules.may_write(org_id, access.reader().org_path, manages(org_id)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_write_denied", "org_id")
    scope = rules.scope(scope)
    question = Question(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=rules.title(title),
        text=rules.question_text(text),
        tags=rules.tags(tags),
        scope=scope,
        audience=rules.keys(who, org_id, scope),
        reach=rules.reach(org_id, scope),
        created_at=now,
        last_activity_at=now,
    )

    def write(uow: UnitOfWork) -> Question:
        uow.insert(question)
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_QUESTION_ASKED,
            {
                "question_id": str(question.id),
                "org_id": org_id,
                "author_id": who,
                "title": question.title,
                "text": question.text,
                "tags": list(question.tags),
                "scope": scope,
                "audience": list(question.audience),
            },
            who,
        )
        return question

    return atomically(tenant, write)


def list_questions(org_id: str, tag: str, page_size: int, cursor: str) -> tuple[list[Question], str]:
    """Questions the caller may read, latest activity first: one org's, or every org's they read (by tag)."""
    tenant, reader = access.tenant(), access.reader()
    rows = Question.in_tenant(tenant).filter(removed=False).exclude("text")
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        access.org_path(org_id)
        keys = [PUBLIC, *([f"org:{org_id}"] if org_id in reader.org_path or manages(org_id) else [])]
        rows = rows.filter(org_id=org_id)
    else:
        keys = [PUBLIC, *(f"org:{o}" for o in reader.org_path)]
    wanted = rules.tag(tag)
    if wanted:
        rows = rows.filter(tags=wanted)
    return recent.page_merged([rows.filter(reach=k) for k in keys], "last_activity_at", page_size, cursor)


def remove_question(question_id: str) -> None:
    question, manager = readable(question_id)
    who = access.actor().account_id
    if not rules.may_edit(question.author_id, who, manager):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_edit_denied", "question_id")

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(Question, {"_id": question.id, "removed": False}, {"$set": {"removed": True}}):
            uow.emit(
                events.SOURCE,
                events.KNOWLEDGE_QUESTION_REMOVED,
                {"question_id": str(question.id), "org_id": question.org_id},
                who,
            )

    atomically(access.tenant(), write)


# -- answers -------------------------------------------------------------------------------------------


def answer(question_id: str, text: str) -> Answer:
    question, _ = readable(question_id)
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    row = Answer(
        tenant=tenant, question_id=str(question.id), author_id=who, text=rules.answer_text(text), created_at=now
    )

    def write(uow: UnitOfWork) -> Answer:
        # Removed meanwhile: the condition makes the answer fail rather than slip in.
        matched = uow.update_one(
            Question,
            {"_id": question.id, "removed": False},
            {"$inc": {"answer_count": 1}, "$set": {"last_activity_at": now}},
        )
        if not matched:
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_question_not_found", "question_id")
        uow.insert(row)
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_ANSWER_ADDED,
            {
                "question_id": str(question.id),
                "answer_id": str(row.id),
                "org_id": question.org_id,
                "question_author_id": question.author_id,
                "author_id": who,
                "text": row.text,
                "audience": list(question.audience),
            },
            who,
        )
        return row

    return atomically(tenant, write)


def list_answers(question_id: str, page_size: int, cursor: str) -> tuple[Question, bool, list[Answer], str]:
    """A question's answers in the order they were made (the accepted one is flagged, and is on the question),
    with whether the caller curates its org."""
    question, manager = readable(question_id)
    query = Answer.in_tenant(access.tenant()).filter(question_id=str(question.id), removed=False)
    rows, next_cursor = page(query, page_size, cursor)
    return question, manager, rows, next_cursor


def accepted_answer(question: Question) -> Answer | None:
    if not question.accepted_answer_id:
        return None
    oid = object_id(question.accepted_answer_id)
    return Answer.in_tenant(access.tenant()).filter(id=oid, removed=False).first() if oid else None


def accept(question_id: str, answer_id: str) -> Question:
    """The asker (or a curator) accepts one answer of the question; accepting another one replaces it."""
    question, manager = readable(question_id)
    who = access.actor().account_id
    if not rules.may_edit(question.author_id, who, manager):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_accept_denied", "question_id")
    row = _answer(answer_id)
    if row.question_id != str(question.id):
        raise DomainError(ErrorCode.NOT_FOUND, "knowledge_answer_not_found", "answer_id")
    if question.accepted_answer_id == answer_id:
        return question

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(
            Question, {"_id": question.id, "removed": False}, {"$set": {"accepted_answer_id": answer_id}}
        ):
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_question_not_found", "question_id")
        still = Answer._get_collection().find_one(
            {"_id": row.id, "tenant": uow.tenant, "removed": False}, {"_id": 1}, session=uow.session
        )
        if still is None:  # removed meanwhile
            raise DomainError(ErrorCode.NOT_FOUND, "knowledge_answer_not_found", "answer_id")
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_ANSWER_ACCEPTED,
            {
                "question_id": str(question.id),
                "answer_id": answer_id,
                "org_id": question.org_id,
                "question_author_id": question.author_id,
                "answer_author_id": row.author_id,
                "by": who,
            },
            who,
        )

    atomically(access.tenant(), write)
    question.accepted_answer_id = answer_id
    return question


def remove_answer(answer_id: str) -> None:
    row = _answer(answer_id)
    question, manager = readable(row.question_id)
    who = access.actor().account_id
    if not rules.may_edit(row.author_id, who, manager):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "knowledge_edit_denied", "answer_id")

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(Answer, {"_id": row.id, "removed": False}, {"$set": {"removed": True}}):
            return  # removed already
        uow.update_one(Question, {"_id": question.id}, {"$inc": {"answer_count": -1}})
        uow.update_one(
            Question, {"_id": question.id, "accepted_answer_id": answer_id}, {"$set": {"accepted_answer_id": ""}}
        )
        uow.emit(
            events.SOURCE,
            events.KNOWLEDGE_ANSWER_REMOVED,
            {"question_id": str(question.id), "answer_id": answer_id, "org_id": question.org_id},
            who,
        )

    atomically(access.tenant(), write)
