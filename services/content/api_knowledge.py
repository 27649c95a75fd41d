"""The gRPC servicer of the knowledge base (知识管理): messages ↔ calls of knowledge.py and questions.py."""

from __future__ import annotations

from jiceng.content.v1 import knowledge_pb2 as pb
from jiceng.content.v1 import knowledge_pb2_grpc
from kernel.wire import timestamp
from services.content import access, knowledge, people, questions
from services.content.domain import knowledge as rules

SERVICE = "jiceng.content.v1.KnowledgeService"

_DONE = pb.KnowledgeDone()


def _article(
    a: knowledge.Article,
    names: dict[str, str],
    orgs: dict[str, str],
    categories: dict[str, str],
    full: bool = False,
    editable: bool = False,
    mine: tuple[int, bool] = (0, False),
) -> pb.KnowledgeArticle:
    return pb.KnowledgeArticle(
        id=str(a.id),
        org_id=a.org_id,
        org_name=orgs.get(a.org_id, ""),
        author_id=a.author_id,
        author_name=names.get(a.author_id, ""),
        title=a.title,
        body=a.body if full else "",
        excerpt=a.excerpt,
        tags=a.tags,
        category_id=a.category_id,
        category_name=categories.get(a.category_id, ""),
        scope=a.scope,
        version=a.version,
        sources=[pb.KnowledgeSource(kind=s["kind"], id=s["id"], title=s.get("title", "")) for s in a.sources],
        contributors=[
            pb.Contributor(
                account_id=c["account_id"],
                display_name=names.get(c["account_id"], ""),
                contributions=c["contributions"],
            )
            for c in a.contributors
        ],
        rating_average=rules.average(a.rating_sum, a.rating_count),
        rating_count=a.rating_count,
        reuse_count=a.reuse_count,
        my_rating=mine[0],
        reused_by_me=mine[1],
        published_at=timestamp(a.published_at),
        updated_at=timestamp(a.updated_at),
        updated_by=a.updated_by,
        editable=editable,
    )


def _one_article(a: knowledge.Article, editable: bool | None = None) -> pb.KnowledgeArticle:
    """One article in full, with the caller's own rating and reuse."""
    if editable is None:
        editable = rules.may_edit(a.author_id, access.actor().account_id, knowledge.manages(a.org_id))
    names = people.names([a.author_id, *(c["account_id"] for c in a.contributors)])
    return _article(
        a,
        names,
        people.org_names([a.org_id]),
        knowledge.category_names([a.category_id]),
        full=True,
        editable=editable,
        mine=knowledge.mine(a),
    )


def _version(v: knowledge.ArticleVersion, names: dict[str, str], full: bool = False) -> pb.ArticleVersion:
    return pb.ArticleVersion(
        number=v.number,
        title=v.title,
        body=v.body if full else "",
        tags=v.tags,
        category_id=v.category_id,
        editor_id=v.editor_id,
        editor_name=names.get(v.editor_id, ""),
        note=v.note,
        at=timestamp(v.at),
    )


def _category(c: knowledge.Category) -> pb.KnowledgeCategory:
    return pb.KnowledgeCategory(
        id=str(c.id), org_id=c.org_id, name=c.name, articles=max(c.uses, 0), created_at=timestamp(c.created_at)
    )


def _answer(a: questions.Answer, names: dict[str, str], accepted_id: str, manager: bool = False) -> pb.KnowledgeAnswer:
    return pb.KnowledgeAnswer(
        id=str(a.id),
        question_id=a.question_id,
        author_id=a.author_id,
        author_name=names.get(a.author_id, ""),
        text=a.text,
        accepted=str(a.id) == accepted_id,
        created_at=timestamp(a.created_at),
        removable=rules.may_edit(a.author_id, access.actor().account_id, manager),
    )


def _question(
    q: questions.Question,
    names: dict[str, str],
    orgs: dict[str, str],
    full: bool = False,
    manager: bool = False,
    accepted: questions.Answer | None = None,
) -> pb.KnowledgeQuestion:
    return pb.KnowledgeQuestion(
        id=str(q.id),
        org_id=q.org_id,
        org_name=orgs.get(q.org_id, ""),
        author_id=q.author_id,
        author_name=names.get(q.author_id, ""),
        title=q.title,
        text=q.text if full else "",
        tags=q.tags,
        scope=q.scope,
        answer_count=q.answer_count,
        accepted_answer_id=q.accepted_answer_id,
        accepted_answer=_answer(accepted, names, q.accepted_answer_id, manager) if accepted else None,
        created_at=timestamp(q.created_at),
        last_activity_at=timestamp(q.last_activity_at),
        manageable=rules.may_edit(q.author_id, access.actor().account_id, manager),
    )


def _one_question(q: questions.Question, manager: bool) -> pb.KnowledgeQuestion:
    accepted = questions.accepted_answer(q)
    names = people.names([q.author_id, *([accepted.author_id] if accepted else [])])
    return _question(q, names, people.org_names([q.org_id]), full=True, manager=manager, accepted=accepted)


class KnowledgeApi(knowledge_pb2_grpc.KnowledgeServiceServicer):
    # -- articles --------------------------------------------------------------------------------------
    def CreateArticle(self, request, context):
        r = request
        article = knowledge.create(r.org_id, r.title, r.body, list(r.tags), r.category_id, r.scope, r.note)
        return _one_article(article, editable=True)

    def EditArticle(self, request, context):
        r = request
        article = knowledge.edit(r.article_id, r.based_on_version, r.title, r.body, list(r.tags), r.category_id, r.note)
        return _one_article(article, editable=True)

    def GetArticle(self, request, context):
        article, editable = knowledge.readable(request.article_id)
        return _one_article(article, editable)

    def ListArticles(self, request, context):
        r = request
        rows, cursor = knowledge.list_articles(r.org_id, r.tag, r.category_id, r.page.page_size, r.page.cursor)
        names = people.names(a.author_id for a in rows)
        orgs = people.org_names(a.org_id for a in rows)
        categories = knowledge.category_names(a.category_id for a in rows)
        return pb.ListArticlesResponse(
            articles=[_article(a, names, orgs, categories) for a in rows], next_cursor=cursor
        )

    def RemoveArticle(self, request, context):
        knowledge.remove(request.article_id)
        return _DONE

    def ListVersions(self, request, context):
        article, rows, cursor = knowledge.list_versions(request.article_id, request.page.page_size, request.page.cursor)
        names = people.names(v.editor_id for v in rows)
        return pb.ListVersionsResponse(
            versions=[_version(v, names) for v in rows], next_cursor=cursor, current=article.version
        )

    def GetVersion(self, request, context):
        _, row = knowledge.version(request.article_id, request.number)
        return _version(row, people.names([row.editor_id]), full=True)

    def DiffVersions(self, request, context):
        article, old, new, hunks = knowledge.diff(request.article_id, request.from_version, request.to_version)
        names = people.names([old.editor_id, new.editor_id])
        return pb.ArticleDiff(
            article_id=str(article.id),
            from_version=_version(old, names),
            to_version=_version(new, names),
            hunks=[
                pb.DiffHunk(
                    old_start=h.old_start,
                    old_lines=h.old_lines,
                    new_start=h.new_start,
                    new_lines=h.new_lines,
                    lines=[pb.DiffLine(op=x.op, text=x.text) for x in h.lines],
                )
                for h in hunks
            ],
        )

    def RateArticle(self, request, context):
        return _one_article(knowledge.rate(request.article_id, request.stars))

    def ReuseArticle(self, request, context):
        return _one_article(knowledge.reuse(request.article_id))

    def ArticleFromThread(self, request, context):
        r = request
        article = knowledge.from_thread(
            r.thread_id, list(r.reply_ids), r.org_id, r.scope, r.title, list(r.tags), r.category_id
        )
        return _one_article(article)

    def ArticleFromQuestion(self, request, context):
        r = request
        article = knowledge.from_question(
            r.question_id, list(r.answer_ids), r.org_id, r.scope, r.title, list(r.tags), r.category_id
        )
        return _one_article(article)

    # -- categories ------------------------------------------------------------------------------------
    def CreateCategory(self, request, context):
        return _category(knowledge.create_category(request.org_id, request.name))

    def RenameCategory(self, request, context):
        return _category(knowledge.rename_category(request.category_id, request.name))

    def RemoveCategory(self, request, context):
        knowledge.remove_category(request.category_id)
        return _DONE

    def ListCategories(self, request, context):
        rows = knowledge.list_categories(request.org_id)
        return pb.ListCategoriesResponse(categories=[_category(c) for c in rows])

    # -- questions and answers -------------------------------------------------------------------------
    def AskQuestion(self, request, context):
        r = request
        question = questions.ask(r.org_id, r.title, r.text, list(r.tags), r.scope)
        return _one_question(question, questions.manages(question.org_id))

    def GetQuestion(self, request, context):
        question, manager = questions.readable(request.question_id)
        return _one_question(question, manager)

    def ListKnowledgeQuestions(self, request, context):
        r = request
        rows, cursor = questions.list_questions(r.org_id, r.tag, r.page.page_size, r.page.cursor)
        names = people.names(q.author_id for q in rows)
        orgs = people.org_names(q.org_id for q in rows)
        return pb.ListKnowledgeQuestionsResponse(
            questions=[_question(q, names, orgs) for q in rows], next_cursor=cursor
        )

    def RemoveQuestion(self, request, context):
        questions.remove_question(request.question_id)
        return _DONE

    def AnswerQuestion(self, request, context):
        row = questions.answer(request.question_id, request.text)
        return _answer(row, people.names([row.author_id]), "", manager=False)

    def ListAnswers(self, request, context):
        question, manager, rows, cursor = questions.list_answers(
            request.question_id, request.page.page_size, request.page.cursor
        )
        names = people.names(a.author_id for a in rows)
        return pb.ListAnswersResponse(
            answers=[_answer(a, names, question.accepted_answer_id, manager) for a in rows], next_cursor=cursor
        )

    def AcceptAnswer(self, request, context):
        question = questions.accept(request.question_id, request.answer_id)
        return _one_question(question, questions.manages(question.org_id))

    def RemoveAnswer(self, request, context):
        questions.remove_answer(request.answer_id)
        return _DONE
