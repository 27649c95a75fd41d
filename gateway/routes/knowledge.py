"""The knowledge base (知识管理) over HTTP: an org's articles with versions and diffs, tags and categories;
questions and answers; articles made from a forum thread or a question, keeping their attribution; ratings
and "I used this". Permissions and limits are decided by content.

Writing an article takes up to 50,000 characters, more than the gateway's 64 KiB of JSON for CJK text
escaped as \\uXXXX: its two routes are in DOCUMENT_PATHS, with their own limit (max_document_bytes).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId, page_request
from jiceng.content.v1 import knowledge_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

DOCUMENT_PATHS = (
    re.compile(r"/api/v1/orgs/[^/]{1,64}/knowledge/articles"),
    re.compile(r"/api/v1/knowledge/articles/[^/]{1,64}"),
)

Tag = Annotated[str, Query(max_length=100, description="only items with this tag (normalized like tags are)")]
Tags = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]
Scope = Annotated[str, Field(max_length=16, examples=["org", "public"])]


# -- bodies (limits here only bound what is carried; content names the field and its own limit) ----------


class ArticleBody(Body):
    title: Annotated[str, Field(max_length=400)]
    body: Annotated[str, Field(max_length=60_000)]
    tags: Tags = []
    category_id: Annotated[str, Field(max_length=64)] = ""
    scope: Scope = "org"  # the org's subtree, or the whole region (public); fixed once written
    note: Annotated[str, Field(max_length=1_000)] = ""


class ArticleEditBody(Body):
    based_on_version: Annotated[int, Field(ge=0, le=1_000_000_000, description="the version this edit was made from")]
    title: Annotated[str, Field(max_length=400)]
    body: Annotated[str, Field(max_length=60_000)]
    tags: Tags = []
    category_id: Annotated[str, Field(max_length=64)] = ""
    note: Annotated[str, Field(max_length=1_000)] = ""


class RatingBody(Body):
    stars: Annotated[int, Field(ge=-1_000, le=1_000, description="1 to 5")]


class FromThreadBody(Body):
    thread_id: Id
    scope: Scope = "org"
    title: Annotated[str, Field(max_length=400)] = ""  # "": the thread's
    tags: Tags = []
    category_id: Annotated[str, Field(max_length=64)] = ""
    reply_ids: Annotated[list[Id], Field(max_length=200)] = []  # none: every reply


class FromQuestionBody(Body):
    question_id: Id
    scope: Scope = "org"
    title: Annotated[str, Field(max_length=400)] = ""  # "": the question's
    tags: Tags = []  # none: the question's
    category_id: Annotated[str, Field(max_length=64)] = ""
    answer_ids: Annotated[list[Id], Field(max_length=200)] = []  # none: every answer


class CategoryBody(Body):
    name: Annotated[str, Field(max_length=200)]


class QuestionBody(Body):
    title: Annotated[str, Field(max_length=400)]
    text: Annotated[str, Field(max_length=20_000)]
    tags: Tags = []
    scope: Scope = "org"


class AnswerBody(Body):
    text: Annotated[str, Field(max_length=20_000)]


class AcceptBody(Body):
    answer_id: Id


# -- answers -------------------------------------------------------------------------------------------


class SourceOut(BaseModel):
    kind: str  # thread or question
    id: str
    title: str


class ContributorOut(BaseModel):
    account_id: str
    display_name: str
    contributions: list[str]  # thread, reply, question, answer, accepted_answer


class ArticleOut(BaseModel):
    id: str
    org_id: str
    org_name: str
    author_id: str
    author_name: str
    title: str
    body: str = ""  # empty in listings
    excerpt: str
    tags: list[str]
    category_id: str
    category_name: str
    scope: str
    version: int
    sources: list[SourceOut]
    contributors: list[ContributorOut]
    rating_average: float
    rating_count: int
    reuse_count: int
    my_rating: int
    reused_by_me: bool
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    updated_by: str
    editable: bool


class ArticlesOut(BaseModel):
    articles: list[ArticleOut]
    next_cursor: str = ""


class VersionOut(BaseModel):
    number: int
    title: str
    body: str = ""  # empty in the list of versions
    tags: list[str]
    category_id: str
    editor_id: str
    editor_name: str
    note: str
    at: dt.datetime | None = None


class VersionsOut(BaseModel):
    versions: list[VersionOut]
    next_cursor: str = ""
    current: int


class DiffLineOut(BaseModel):
    op: str  # kept, added, removed
    text: str


class HunkOut(BaseModel):
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLineOut]


class DiffOut(BaseModel):
    article_id: str
    from_version: VersionOut
    to_version: VersionOut
    hunks: list[HunkOut]


class CategoryOut(BaseModel):
    id: str
    org_id: str
    name: str
    articles: int
    created_at: dt.datetime | None = None


class CategoriesOut(BaseModel):
    categories: list[CategoryOut]


class AnswerOut(BaseModel):
    id: str
    question_id: str
    author_id: str
    author_name: str
    text: str
    accepted: bool
    created_at: dt.datetime | None = None
    removable: bool


class QuestionOut(BaseModel):
    id: str
    org_id: str
    org_name: str
    author_id: str
    author_name: str
    title: str
    text: str = ""  # empty in listings
    tags: list[str]
    scope: str
    answer_count: int
    accepted_answer_id: str
    accepted_answer: AnswerOut | None = None
    created_at: dt.datetime | None = None
    last_activity_at: dt.datetime | None = None
    manageable: bool


class QuestionsOut(BaseModel):
    questions: list[QuestionOut]
    next_cursor: str = ""


class AnswersOut(BaseModel):
    answers: list[AnswerOut]
    next_cursor: str = ""


class DoneOut(BaseModel):
    ok: bool = True


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "knowledge", method_name, message)


# -- articles ------------------------------------------------------------------------------------------


@router.post(
    "/orgs/{org_id}/knowledge/articles",
    response_model=ArticleOut,
    status_code=201,
    summary="Write an article in the org's knowledge base (members of its subtree; published as version 1)",
)
async def create_article(org_id: PathId, body: ArticleBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateArticle", pb.ArticleInput(org_id=org_id, **body.model_dump()))


@router.get(
    "/orgs/{org_id}/knowledge/articles",
    response_model=ArticlesOut,
    summary="An org's articles you may read, newest first (optionally with a tag, or in one of its categories)",
)
async def list_org_articles(
    org_id: PathId,
    request: Request,
    who: CallerDep,
    tag: Tag = "",
    category_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListArticlesRequest(
        org_id=org_id, tag=tag, category_id=category_id, page=page_request(page_size, cursor)
    )
    return await call(request, who, "ListArticles", message)


@router.get(
    "/knowledge/articles",
    response_model=ArticlesOut,
    summary="Articles of every org you may read, newest first (optionally with a tag)",
)
async def list_articles(request: Request, who: CallerDep, tag: Tag = "", page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListArticlesRequest(tag=tag, page=page_request(page_size, cursor))
    return await call(request, who, "ListArticles", message)


@router.get(
    "/knowledge/articles/{article_id}", response_model=ArticleOut, summary="An article, its attribution and rating"
)
async def get_article(article_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetArticle", pb.ArticleRef(article_id=article_id))


@router.put(
    "/knowledge/articles/{article_id}",
    response_model=ArticleOut,
    summary="A new version, made from based_on_version (409 knowledge_version_conflict if the article moved on)",
)
async def edit_article(article_id: PathId, body: ArticleEditBody, request: Request, who: CallerDep):
    return await call(request, who, "EditArticle", pb.EditArticleRequest(article_id=article_id, **body.model_dump()))


@router.delete(
    "/knowledge/articles/{article_id}", response_model=DoneOut, summary="Remove an article (its author or curators)"
)
async def remove_article(article_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveArticle", pb.ArticleRef(article_id=article_id))
    return DoneOut()


@router.get(
    "/knowledge/articles/{article_id}/versions",
    response_model=VersionsOut,
    summary="An article's versions, newest first (without bodies)",
)
async def list_versions(
    article_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListVersionsRequest(article_id=article_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListVersions", message)


@router.get(
    "/knowledge/articles/{article_id}/versions/{number}", response_model=VersionOut, summary="One version with its body"
)
async def get_version(
    article_id: PathId, number: Annotated[int, Path(ge=-1_000, le=1_000_000_000)], request: Request, who: CallerDep
):
    return await call(request, who, "GetVersion", pb.VersionRef(article_id=article_id, number=number))


@router.get(
    "/knowledge/articles/{article_id}/diff",
    response_model=DiffOut,
    summary="Line-based difference of two versions (default: the newest against the one before it)",
)
async def diff_versions(
    article_id: PathId,
    request: Request,
    who: CallerDep,
    from_version: Annotated[int, Query(ge=-1_000, le=1_000_000_000)] = 0,
    to_version: Annotated[int, Query(ge=-1_000, le=1_000_000_000)] = 0,
):
    message = pb.DiffVersionsRequest(article_id=article_id, from_version=from_version, to_version=to_version)
    return await call(request, who, "DiffVersions", message)


@router.put(
    "/knowledge/articles/{article_id}/rating",
    response_model=ArticleOut,
    summary="Rate an article 1–5 (once; again replaces your stars)",
)
async def rate_article(article_id: PathId, body: RatingBody, request: Request, who: CallerDep):
    return await call(request, who, "RateArticle", pb.RateArticleRequest(article_id=article_id, stars=body.stars))


@router.post(
    "/knowledge/articles/{article_id}/reuses",
    response_model=ArticleOut,
    summary='"I used this": counted once a person (again: no change)',
)
async def reuse_article(article_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ReuseArticle", pb.ArticleRef(article_id=article_id))


@router.post(
    "/orgs/{org_id}/knowledge/articles/from-thread",
    response_model=ArticleOut,
    status_code=201,
    summary="Turn a forum thread into an article of the org, crediting its people (curators, or its author)",
)
async def article_from_thread(org_id: PathId, body: FromThreadBody, request: Request, who: CallerDep):
    return await call(
        request, who, "ArticleFromThread", pb.ArticleFromThreadRequest(org_id=org_id, **body.model_dump())
    )


@router.post(
    "/orgs/{org_id}/knowledge/articles/from-question",
    response_model=ArticleOut,
    status_code=201,
    summary="Turn a question and its answers into an article of the org (the accepted answer first)",
)
async def article_from_question(org_id: PathId, body: FromQuestionBody, request: Request, who: CallerDep):
    message = pb.ArticleFromQuestionRequest(org_id=org_id, **body.model_dump())
    return await call(request, who, "ArticleFromQuestion", message)


# -- categories ----------------------------------------------------------------------------------------


@router.post(
    "/orgs/{org_id}/knowledge/categories",
    response_model=CategoryOut,
    status_code=201,
    summary="A category of the org's knowledge base (curators)",
)
async def create_category(org_id: PathId, body: CategoryBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateCategory", pb.CategoryInput(org_id=org_id, name=body.name))


@router.get("/orgs/{org_id}/knowledge/categories", response_model=CategoriesOut, summary="The org's categories")
async def list_categories(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ListCategories", pb.ListCategoriesRequest(org_id=org_id))


@router.patch("/knowledge/categories/{category_id}", response_model=CategoryOut, summary="Rename a category")
async def rename_category(category_id: PathId, body: CategoryBody, request: Request, who: CallerDep):
    message = pb.RenameCategoryRequest(category_id=category_id, name=body.name)
    return await call(request, who, "RenameCategory", message)


@router.delete(
    "/knowledge/categories/{category_id}",
    response_model=DoneOut,
    summary="Remove a category no article is filed under (409 knowledge_category_in_use otherwise)",
)
async def remove_category(category_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveCategory", pb.CategoryRef(category_id=category_id))
    return DoneOut()


# -- questions and answers -----------------------------------------------------------------------------


@router.post(
    "/orgs/{org_id}/knowledge/questions",
    response_model=QuestionOut,
    status_code=201,
    summary="Ask a question in the org's knowledge base (members of its subtree)",
)
async def ask_question(org_id: PathId, body: QuestionBody, request: Request, who: CallerDep):
    return await call(request, who, "AskQuestion", pb.QuestionInput(org_id=org_id, **body.model_dump()))


@router.get(
    "/orgs/{org_id}/knowledge/questions",
    response_model=QuestionsOut,
    summary="An org's questions you may read, latest activity first",
)
async def list_org_questions(
    org_id: PathId, request: Request, who: CallerDep, tag: Tag = "", page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListKnowledgeQuestionsRequest(org_id=org_id, tag=tag, page=page_request(page_size, cursor))
    return await call(request, who, "ListKnowledgeQuestions", message)


@router.get(
    "/knowledge/questions",
    response_model=QuestionsOut,
    summary="Questions of every org you may read, latest activity first (optionally with a tag)",
)
async def list_questions(
    request: Request, who: CallerDep, tag: Tag = "", page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListKnowledgeQuestionsRequest(tag=tag, page=page_request(page_size, cursor))
    return await call(request, who, "ListKnowledgeQuestions", message)


@router.get(
    "/knowledge/questions/{question_id}", response_model=QuestionOut, summary="A question with its accepted answer"
)
async def get_question(question_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetQuestion", pb.QuestionRef(question_id=question_id))


@router.delete(
    "/knowledge/questions/{question_id}", response_model=DoneOut, summary="Remove a question (its asker or curators)"
)
async def remove_question(question_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveQuestion", pb.QuestionRef(question_id=question_id))
    return DoneOut()


@router.post(
    "/knowledge/questions/{question_id}/answers",
    response_model=AnswerOut,
    status_code=201,
    summary="Answer a question (anyone who may read it)",
)
async def answer_question(question_id: PathId, body: AnswerBody, request: Request, who: CallerDep):
    return await call(request, who, "AnswerQuestion", pb.AnswerInput(question_id=question_id, text=body.text))


@router.get(
    "/knowledge/questions/{question_id}/answers",
    response_model=AnswersOut,
    summary="A question's answers in the order they were made",
)
async def list_answers(
    question_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListAnswersRequest(question_id=question_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListAnswers", message)


@router.put(
    "/knowledge/questions/{question_id}/accepted",
    response_model=QuestionOut,
    summary="Accept an answer (the asker or curators; accepting another one replaces it)",
)
async def accept_answer(question_id: PathId, body: AcceptBody, request: Request, who: CallerDep):
    message = pb.AcceptAnswerRequest(question_id=question_id, answer_id=body.answer_id)
    return await call(request, who, "AcceptAnswer", message)


@router.delete(
    "/knowledge/answers/{answer_id}", response_model=DoneOut, summary="Remove an answer (its author or curators)"
)
async def remove_answer(answer_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveAnswer", pb.AnswerRef(answer_id=answer_id))
    return DoneOut()
