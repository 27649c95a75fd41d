"""The microblog (微博) over HTTP: posts, reposts, comments, likes, edits, timelines and moderation.

The bounds here are guards against abuse (the body limit applies too); the rules a person meets — 2,000
characters, 9 media ids, 20 mentions — are the content service's, with their own clear messages.
`me` stands for the caller wherever an account id is expected.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId
from jiceng.content.v1 import common_pb2
from jiceng.content.v1 import microblog_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["microblog"])

OptionalId = Annotated[str, Field(max_length=64)]
Text = Annotated[str, Field(max_length=4000)]  # the service allows 2,000 characters and says so
Ids = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=32)]


class CreatePostBody(Body):
    text: Text = ""
    media_ids: Ids = []
    visibility: Annotated[str, Field(max_length=16, examples=["public", "org", "friends", "private"])] = "public"
    audience_org_id: OptionalId = ""
    as_org_id: OptionalId = ""
    repost_of: OptionalId = ""
    mentions: Ids = []
    client_post_id: Annotated[
        str, Field(max_length=64, description="Chosen by the client: the same key again returns the post it made")
    ] = ""


class EditPostBody(Body):
    text: Text
    mentions: Ids = []


class CommentBody(Body):
    text: Annotated[str, Field(max_length=1000)]
    reply_to_comment_id: OptionalId = ""
    mentions: Ids = []


class HiddenBody(Body):
    hidden: bool


class ReportBody(Body):
    target_kind: Annotated[str, Field(max_length=16, examples=["post", "comment"])]
    target_id: Id
    reason: Annotated[str, Field(max_length=16, examples=["spam", "abuse", "illegal", "rumor", "privacy", "other"])]
    note: Annotated[str, Field(max_length=400)] = ""


class ResolveBody(Body):
    action: Annotated[str, Field(max_length=16, examples=["hide", "dismiss"])]


class OriginalOut(BaseModel):
    id: str
    author_id: str
    author_name: str
    as_org_id: str
    visibility: str
    audience_org_id: str
    text: str
    hashtags: list[str]
    mentions: list[str]
    media_ids: list[str]
    created_at: dt.datetime | None = None
    edited_at: dt.datetime | None = None
    likes: int
    comments: int
    reposts: int


class PostOut(OriginalOut):
    repost_of: str
    original: OriginalOut | None = None
    original_unavailable: bool
    edit_count: int
    liked: bool
    hidden: bool


class EditOut(BaseModel):
    editor_id: str
    at: dt.datetime | None = None
    text_before: str
    mentions_before: list[str]


class EditsOut(BaseModel):
    post_id: str
    edits: list[EditOut]


class LikeOut(BaseModel):
    liked: bool
    likes: int


class CommentOut(BaseModel):
    id: str
    post_id: str
    parent_id: str
    author_id: str
    author_name: str
    reply_to_author_id: str
    text: str
    mentions: list[str]
    replies: int
    created_at: dt.datetime | None = None
    hidden: bool


class CommentsOut(BaseModel):
    comments: list[CommentOut]
    next_cursor: str = ""


class TimelineNoticeOut(BaseModel):
    id: str
    org_id: str
    org_name: str = ""
    author_id: str
    title: str
    published_at: dt.datetime | None = None
    read: bool = False
    attachment_count: int = 0


class TimelineItemOut(BaseModel):
    kind: str  # post or notice (home timeline: a notice addressed to you)
    post: PostOut | None = None
    notice: TimelineNoticeOut | None = None


class TimelineOut(BaseModel):
    items: list[TimelineItemOut]
    next_cursor: str = ""


class ReportOut(BaseModel):
    id: str
    target_kind: str
    target_id: str
    post_id: str
    reporter_id: str
    reason: str
    note: str
    excerpt: str
    author_id: str
    state: str
    created_at: dt.datetime | None = None
    resolved_by: str
    resolved_at: dt.datetime | None = None


class ReportsOut(BaseModel):
    reports: list[ReportOut]
    next_cursor: str = ""


class DoneOut(BaseModel):
    ok: bool = True


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "microblog", method_name, message)


def _page(page_size: int, cursor: str) -> common_pb2.Page:
    return common_pb2.Page(page_size=page_size, cursor=cursor)


# -- posts ------------------------------------------------------------------------------------------------


@router.post("/posts", response_model=PostOut, status_code=201, summary="Post, repost (repost_of) or post as an org")
async def create_post(body: CreatePostBody, request: Request, who: CallerDep):
    message = pb.CreatePostRequest(
        text=body.text,
        media_ids=body.media_ids,
        visibility=body.visibility,
        audience_org_id=body.audience_org_id,
        as_org_id=body.as_org_id,
        repost_of=body.repost_of,
        mentions=body.mentions,
        client_post_id=body.client_post_id,
    )
    return await call(request, who, "CreatePost", message)


@router.get("/posts/{post_id}", response_model=PostOut, summary="A post the caller may read")
async def get_post(post_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetPost", pb.PostRef(post_id=post_id))


@router.patch("/posts/{post_id}", response_model=PostOut, summary="Edit a post's text (the author; history kept)")
async def edit_post(post_id: PathId, body: EditPostBody, request: Request, who: CallerDep):
    return await call(
        request, who, "EditPost", pb.EditPostRequest(post_id=post_id, text=body.text, mentions=body.mentions)
    )


@router.get("/posts/{post_id}/edits", response_model=EditsOut, summary="A post's edit history, oldest first")
async def post_edits(post_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ListPostEdits", pb.PostRef(post_id=post_id))


@router.delete("/posts/{post_id}", response_model=DoneOut, summary="Delete a post (the author or a moderator)")
async def delete_post(post_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "DeletePost", pb.PostRef(post_id=post_id))
    return DoneOut()


@router.put("/posts/{post_id}/like", response_model=LikeOut, summary="Like a post (idempotent)")
async def like_post(post_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "LikePost", pb.PostRef(post_id=post_id))


@router.delete("/posts/{post_id}/like", response_model=LikeOut, summary="Take a like back")
async def unlike_post(post_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "UnlikePost", pb.PostRef(post_id=post_id))


# -- comments ---------------------------------------------------------------------------------------------


@router.post("/posts/{post_id}/comments", response_model=CommentOut, status_code=201, summary="Comment or reply")
async def add_comment(post_id: PathId, body: CommentBody, request: Request, who: CallerDep):
    message = pb.AddCommentRequest(
        post_id=post_id, text=body.text, reply_to_comment_id=body.reply_to_comment_id, mentions=body.mentions
    )
    return await call(request, who, "AddComment", message)


@router.get(
    "/posts/{post_id}/comments",
    response_model=CommentsOut,
    summary="Top-level comments, or a comment's replies (parent_id), oldest first",
)
async def list_comments(
    post_id: PathId,
    request: Request,
    who: CallerDep,
    parent_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListCommentsRequest(post_id=post_id, parent_id=parent_id, page=_page(page_size, cursor))
    return await call(request, who, "ListComments", message)


@router.delete("/comments/{comment_id}", response_model=DoneOut, summary="Delete a comment")
async def delete_comment(comment_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "DeleteComment", pb.CommentRef(comment_id=comment_id))
    return DoneOut()


# -- timelines --------------------------------------------------------------------------------------------


@router.get("/timelines/home", response_model=TimelineOut, summary="My home timeline, newest first")
async def home_timeline(request: Request, who: CallerDep, page_size: PageSize = 20, cursor: Cursor = ""):
    return await call(request, who, "HomeTimeline", pb.HomeTimelineRequest(page=_page(page_size, cursor)))


@router.get("/accounts/{account_id}/posts", response_model=TimelineOut, summary="A person's posts ('me' for mine)")
async def person_timeline(
    account_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 20, cursor: Cursor = ""
):
    message = pb.PersonTimelineRequest(
        account_id="" if account_id == "me" else account_id, page=_page(page_size, cursor)
    )
    return await call(request, who, "PersonTimeline", message)


@router.get("/orgs/{org_id}/posts", response_model=TimelineOut, summary="An org's official posts")
async def org_timeline(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 20, cursor: Cursor = ""):
    message = pb.OrgTimelineRequest(org_id=org_id, page=_page(page_size, cursor))
    return await call(request, who, "OrgTimeline", message)


# -- moderation -------------------------------------------------------------------------------------------


@router.put("/posts/{post_id}/hidden", response_model=PostOut, summary="Hide or restore a post (moderators)")
async def hide_post(post_id: PathId, body: HiddenBody, request: Request, who: CallerDep):
    return await call(request, who, "HidePost", pb.HidePostRequest(post_id=post_id, hidden=body.hidden))


@router.put("/comments/{comment_id}/hidden", response_model=CommentOut, summary="Hide or restore a comment")
async def hide_comment(comment_id: PathId, body: HiddenBody, request: Request, who: CallerDep):
    return await call(request, who, "HideComment", pb.HideCommentRequest(comment_id=comment_id, hidden=body.hidden))


@router.post("/reports", response_model=ReportOut, status_code=201, summary="Report a post or comment")
async def report(body: ReportBody, request: Request, who: CallerDep):
    message = pb.ReportContentRequest(
        target_kind=body.target_kind, target_id=body.target_id, reason=body.reason, note=body.note
    )
    return await call(request, who, "ReportContent", message)


@router.get("/orgs/{org_id}/reports", response_model=ReportsOut, summary="The review queue of an org's subtree")
async def list_reports(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListReportsRequest(org_id=org_id, page=_page(page_size, cursor))
    return await call(request, who, "ListReports", message)


@router.post("/reports/{report_id}/resolve", response_model=ReportOut, summary="Hide the reported item or dismiss")
async def resolve_report(report_id: PathId, body: ResolveBody, request: Request, who: CallerDep):
    return await call(request, who, "ResolveReport", pb.ResolveReportRequest(report_id=report_id, action=body.action))
