"""Search (搜索服务) over HTTP: posts, forum threads, notices, orgs, people, and the knowledge base's articles and
questions the caller may read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from gateway.auth import CallerDep
from gateway.clients import call_for
from jiceng.content.v1 import common_pb2
from jiceng.content.v1 import search_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["search"])

KINDS = "post, thread, notice, org, person, article, question, course"


class SearchHitOut(BaseModel):
    kind: str
    id: str
    title_html: str  # escaped text with the matched words in <em>…</em>: safe to insert as HTML
    snippet_html: str
    score: float
    author_id: str
    author_name: str
    org_id: str
    org_name: str
    parent_id: str
    created_at: dt.datetime | None = None


class SearchOut(BaseModel):
    hits: list[SearchHitOut]
    next_cursor: str = ""


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search posts, threads, notices, orgs, people, articles, questions and courses you may read (Chinese)",
)
async def search(
    request: Request,
    who: CallerDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="words to find; all must match")],
    kind: Annotated[
        list[str] | None, Query(max_length=8, description=f"only these kinds ({KINDS}); repeat the parameter")
    ] = None,
    page_size: Annotated[int, Query(ge=1, le=50)] = 20,
    cursor: Annotated[str, Query(max_length=8)] = "",
):
    request.app.state.limiters["search"].hit(who.account_id)
    message = pb.SearchRequest(q=q, kind=kind or [], page=common_pb2.Page(page_size=page_size, cursor=cursor))
    return await call_for(request, who, "search", "Search", message)
