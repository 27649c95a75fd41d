"""Forums (论坛) over HTTP: boards per org, threads, replies, moderation. Permissions are decided by content."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId, page_request
from jiceng.content.v1 import forum_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["forums"])


# Text limits are the service's (it names the field and the limit); these only bound what is carried.
class BoardBody(Body):
    name: Annotated[str, Field(max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    public: bool = False


class BoardPatchBody(Body):
    name: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    closed: bool | None = None


class ThreadBody(Body):
    title: Annotated[str, Field(max_length=400)]
    text: Annotated[str, Field(max_length=20_000)]


class ReplyBody(Body):
    text: Annotated[str, Field(max_length=10_000)]
    mention_ids: Annotated[list[Id], Field(max_length=20)] = []


class PinBody(Body):
    pinned: bool


class LockBody(Body):
    locked: bool


class MoveBody(Body):
    to_board_id: Id


class BoardOut(BaseModel):
    id: str
    org_id: str
    name: str
    description: str
    public: bool
    closed: bool
    created_by: str
    created_at: dt.datetime | None = None


class BoardsOut(BaseModel):
    boards: list[BoardOut]


class ModeratorOut(BaseModel):
    board_id: str
    account_id: str
    display_name: str
    appointed_by: str
    appointed_at: dt.datetime | None = None


class ModeratorsOut(BaseModel):
    moderators: list[ModeratorOut]


class ThreadOut(BaseModel):
    id: str
    board_id: str
    org_id: str
    author_id: str
    author_name: str
    title: str
    text: str = ""
    pinned: bool
    locked: bool
    reply_count: int
    created_at: dt.datetime | None = None
    last_activity_at: dt.datetime | None = None


class ThreadsOut(BaseModel):
    pinned: list[ThreadOut]
    threads: list[ThreadOut]
    next_cursor: str = ""


class ReplyOut(BaseModel):
    id: str
    thread_id: str
    author_id: str
    author_name: str
    text: str
    mention_ids: list[str]
    created_at: dt.datetime | None = None


class RepliesOut(BaseModel):
    replies: list[ReplyOut]
    next_cursor: str = ""


class DoneOut(BaseModel):
    ok: bool = True


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "forums", method_name, message)


# -- boards ---------------------------------------------------------------------------------------------


@router.post(
    "/orgs/{org_id}/boards", response_model=BoardOut, status_code=201, summary="Create a board (forum managers)"
)
async def create_board(org_id: PathId, body: BoardBody, request: Request, who: CallerDep):
    message = pb.CreateBoardRequest(org_id=org_id, name=body.name, description=body.description, public=body.public)
    return await call(request, who, "CreateBoard", message)


@router.get("/orgs/{org_id}/boards", response_model=BoardsOut, summary="An org's boards that you read")
async def list_org_boards(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ListBoards", pb.ListBoardsRequest(org_id=org_id))


@router.get("/forum/boards", response_model=BoardsOut, summary="The boards of your org and the orgs above it")
async def list_my_boards(request: Request, who: CallerDep):
    return await call(request, who, "ListBoards", pb.ListBoardsRequest())


@router.get("/boards/{board_id}", response_model=BoardOut)
async def get_board(board_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetBoard", pb.BoardRef(board_id=board_id))


@router.patch("/boards/{board_id}", response_model=BoardOut, summary="Rename, describe, close or reopen a board")
async def update_board(board_id: PathId, body: BoardPatchBody, request: Request, who: CallerDep):
    message = pb.UpdateBoardRequest(board_id=board_id)
    if body.name is not None:
        message.name = body.name
    if body.description is not None:
        message.description = body.description
    if body.closed is not None:
        message.closed = body.closed
    return await call(request, who, "UpdateBoard", message)


@router.get("/boards/{board_id}/moderators", response_model=ModeratorsOut)
async def list_moderators(board_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ListModerators", pb.BoardRef(board_id=board_id))


@router.put("/boards/{board_id}/moderators/{account_id}", response_model=ModeratorOut, summary="Appoint a moderator")
async def appoint_moderator(board_id: PathId, account_id: PathId, request: Request, who: CallerDep):
    message = pb.ModeratorRequest(board_id=board_id, account_id=account_id)
    return await call(request, who, "AppointModerator", message)


@router.delete("/boards/{board_id}/moderators/{account_id}", response_model=DoneOut)
async def dismiss_moderator(board_id: PathId, account_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "DismissModerator", pb.ModeratorRequest(board_id=board_id, account_id=account_id))
    return DoneOut()


# -- threads and replies --------------------------------------------------------------------------------


@router.post("/boards/{board_id}/threads", response_model=ThreadOut, status_code=201, summary="Start a thread")
async def create_thread(board_id: PathId, body: ThreadBody, request: Request, who: CallerDep):
    message = pb.CreateThreadRequest(board_id=board_id, title=body.title, text=body.text)
    return await call(request, who, "CreateThread", message)


@router.get(
    "/boards/{board_id}/threads",
    response_model=ThreadsOut,
    summary="A board's threads, latest activity first (pinned ones on the first page)",
)
async def list_threads(
    board_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListThreadsRequest(board_id=board_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListThreads", message)


@router.get("/forum/threads", response_model=ThreadsOut, summary="Latest threads of every board you read")
async def list_recent_threads(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListRecentThreadsRequest(page=page_request(page_size, cursor))
    return await call(request, who, "ListRecentThreads", message)


@router.get("/threads/{thread_id}", response_model=ThreadOut)
async def get_thread(thread_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetThread", pb.ThreadRef(thread_id=thread_id))


@router.delete("/threads/{thread_id}", response_model=DoneOut, summary="Remove a thread (its author or a moderator)")
async def remove_thread(thread_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveThread", pb.ThreadRef(thread_id=thread_id))
    return DoneOut()


@router.post("/threads/{thread_id}/replies", response_model=ReplyOut, status_code=201, summary="Reply to a thread")
async def reply(thread_id: PathId, body: ReplyBody, request: Request, who: CallerDep):
    message = pb.ReplyRequest(thread_id=thread_id, text=body.text, mention_ids=body.mention_ids)
    return await call(request, who, "ReplyToThread", message)


@router.get("/threads/{thread_id}/replies", response_model=RepliesOut, summary="A thread's replies in order")
async def list_replies(
    thread_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListRepliesRequest(thread_id=thread_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListReplies", message)


@router.delete("/replies/{reply_id}", response_model=DoneOut, summary="Remove a reply (its author or a moderator)")
async def remove_reply(reply_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveReply", pb.ReplyRef(reply_id=reply_id))
    return DoneOut()


# -- moderation -----------------------------------------------------------------------------------------


@router.put("/threads/{thread_id}/pin", response_model=ThreadOut, summary="Pin or unpin a thread (moderators)")
async def pin_thread(thread_id: PathId, body: PinBody, request: Request, who: CallerDep):
    return await call(request, who, "PinThread", pb.PinThreadRequest(thread_id=thread_id, pinned=body.pinned))


@router.put("/threads/{thread_id}/lock", response_model=ThreadOut, summary="Lock or unlock a thread (moderators)")
async def lock_thread(thread_id: PathId, body: LockBody, request: Request, who: CallerDep):
    return await call(request, who, "LockThread", pb.LockThreadRequest(thread_id=thread_id, locked=body.locked))


@router.post(
    "/threads/{thread_id}/move", response_model=ThreadOut, summary="Move a thread to another board (moderator of both)"
)
async def move_thread(thread_id: PathId, body: MoveBody, request: Request, who: CallerDep):
    message = pb.MoveThreadRequest(thread_id=thread_id, to_board_id=body.to_board_id)
    return await call(request, who, "MoveThread", message)
