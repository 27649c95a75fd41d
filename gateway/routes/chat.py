"""Chat over HTTP: conversations, messages, read markers and catch-up. Live delivery is the WebSocket
(`/api/v1/ws`, gateway/live.py, docs/websocket.md); everything here works without it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId
from jiceng.content.v1 import chat_pb2 as pb
from jiceng.content.v1 import common_pb2
from kernel import messages

router = APIRouter(prefix="/api/v1", tags=["chat"])

Title = Annotated[str, Field(max_length=64)]


class DirectBody(Body):
    account_id: Id


class GroupBody(Body):
    title: Title = ""
    member_ids: Annotated[list[Id], Field(max_length=50)] = []


class OrgGroupBody(Body):
    title: Title = ""


class InviteBody(Body):
    account_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]


class SendBody(Body):
    client_message_id: Annotated[
        str, Field(min_length=1, max_length=64, description="Chosen by the client; a retry with it is safe")
    ]
    # The service counts characters (2,000); this bound only stops absurd bodies early.
    text: Annotated[str, Field(max_length=8000)] = ""
    media_ids: Annotated[list[Id], Field(max_length=32)] = []


class ReadBody(Body):
    seq: Annotated[int, Field(ge=0)]


class SyncBody(Body):
    after: Annotated[
        dict[Annotated[str, Field(max_length=64)], Annotated[int, Field(ge=0)]],
        Field(max_length=1000, description="conversation id → the last seq you have; others: your read marker"),
    ] = {}
    conversation_ids: Annotated[list[Id], Field(max_length=1000, description="only these ([]: all mine)")] = []
    limit: Annotated[int, Field(ge=0, le=500)] = 0


class ConversationOut(BaseModel):
    id: str
    kind: str
    title: str
    org_id: str
    created_by: str
    created_at: dt.datetime | None = None
    member_count: int
    last_seq: int
    last_message_at: dt.datetime | None = None
    last_sender_id: str
    last_preview: str
    read_seq: int
    unread: int
    from_seq: int
    role: str


class MemberOut(BaseModel):
    account_id: str
    display_name: str
    role: str
    joined_at: dt.datetime | None = None


class ConversationDetailOut(BaseModel):
    conversation: ConversationOut
    members: list[MemberOut]


class ConversationsOut(BaseModel):
    conversations: list[ConversationOut]
    next_cursor: str = ""


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_message_id: str
    text: str
    media_ids: list[str]
    sent_at: dt.datetime | None = None


class MessagesOut(BaseModel):
    messages: list[MessageOut] = Field(description="newest first")
    next_before_seq: int = Field(0, description="pass as before_seq for older messages; 0: none")


class SyncedOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut] = Field(description="oldest first")
    has_more: bool


class SyncOut(BaseModel):
    conversations: list[SyncedOut]


class DoneOut(BaseModel):
    ok: bool = True


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "chat", method_name, message)


@router.post(
    "/chat/direct",
    response_model=ConversationOut,
    summary="The one-to-one conversation with a person (friends, or people of your org up to two levels apart)",
)
async def open_direct(body: DirectBody, request: Request, who: CallerDep):
    return await call(request, who, "OpenDirect", pb.OpenDirectRequest(account_id=body.account_id))


@router.post("/chat/groups", response_model=ConversationOut, status_code=201, summary="Start a group and invite people")
async def create_group(body: GroupBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateGroup", pb.CreateGroupRequest(title=body.title, member_ids=body.member_ids))


@router.post(
    "/orgs/{org_id}/chat",
    response_model=ConversationOut,
    summary="Open the org's group chat (officers holding chat.org_group on the org)",
)
async def open_org_group(org_id: PathId, request: Request, who: CallerDep, body: OrgGroupBody | None = None):
    message = pb.OpenOrgGroupRequest(org_id=org_id, title=body.title if body else "")
    return await call(request, who, "OpenOrgGroup", message)


@router.get(
    "/orgs/{org_id}/chat", response_model=ConversationOut, summary="The org's group chat, for its subtree to join"
)
async def get_org_group(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetOrgGroup", pb.GetOrgGroupRequest(org_id=org_id))


@router.get("/chat/conversations", response_model=ConversationsOut, summary="My conversations with unread counts")
async def list_conversations(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListConversationsRequest(page=common_pb2.Page(page_size=page_size, cursor=cursor))
    return await call(request, who, "ListConversations", message)


@router.get("/chat/conversations/{conversation_id}", response_model=ConversationDetailOut)
async def get_conversation(conversation_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetConversation", pb.ConversationRef(conversation_id=conversation_id))


@router.post(
    "/chat/conversations/{conversation_id}/join",
    response_model=ConversationOut,
    summary="Join an org's group chat",
)
async def join(conversation_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "JoinConversation", pb.ConversationRef(conversation_id=conversation_id))


@router.post(
    "/chat/conversations/{conversation_id}/members",
    response_model=ConversationOut,
    summary="Invite people to a group (its owner)",
)
async def invite(conversation_id: PathId, body: InviteBody, request: Request, who: CallerDep):
    message = pb.InviteMembersRequest(conversation_id=conversation_id, account_ids=body.account_ids)
    return await call(request, who, "InviteMembers", message)


@router.delete("/chat/conversations/{conversation_id}/members/me", response_model=DoneOut, summary="Leave a group")
async def leave(conversation_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "LeaveConversation", pb.ConversationRef(conversation_id=conversation_id))
    return DoneOut()


@router.post(
    "/chat/conversations/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Send a message (answered once it is stored; the same client_message_id again returns it)",
)
async def send(conversation_id: PathId, body: SendBody, request: Request, who: CallerDep):
    message = pb.SendMessageRequest(
        conversation_id=conversation_id,
        client_message_id=body.client_message_id,
        text=body.text,
        media_ids=body.media_ids,
    )
    return await call(request, who, "SendMessage", message)


@router.get(
    "/chat/conversations/{conversation_id}/messages",
    response_model=MessagesOut,
    summary="History, newest first, before a seq",
)
async def history(
    conversation_id: PathId,
    request: Request,
    who: CallerDep,
    before_seq: Annotated[int, Query(ge=0)] = 0,
    page_size: PageSize = 50,
):
    message = pb.ListMessagesRequest(conversation_id=conversation_id, before_seq=before_seq, page_size=page_size)
    return await call(request, who, "ListMessages", message)


@router.post(
    "/chat/conversations/{conversation_id}/read",
    response_model=ConversationOut,
    summary="Move my read marker forward to seq",
)
async def mark_read(conversation_id: PathId, body: ReadBody, request: Request, who: CallerDep):
    return await call(request, who, "MarkRead", pb.MarkReadRequest(conversation_id=conversation_id, seq=body.seq))


@router.post(
    "/chat/sync",
    response_model=SyncOut,
    summary="Catch up: in each of my conversations, what came after the seq I have",
)
async def sync(body: SyncBody, request: Request, who: CallerDep):
    message = pb.SyncRequest(after=body.after, conversation_ids=body.conversation_ids, limit=body.limit)
    return await call(request, who, "Sync", message)


@router.get(
    "/ws",
    status_code=426,
    summary="The live WebSocket (connect with ws:// or wss://; this GET only describes it)",
    description=(
        "Live chat messages, read markers and notifications. Connect a WebSocket to this path; authenticate with "
        "`?access_token=` or, better (URLs end up in proxy logs), a first frame "
        '`{"type": "auth", "access_token": "…"}` within 10 s. Then send '
        '`{"type": "sync", "after": {"<conversation id>": <last seq you have>}}` to catch up and start live '
        "delivery. Frames are JSON objects with a `type`: client → `auth`, `sync`, `send`, `read`, `ping`; "
        "server → `hello`, `conversation`, `message`, `synced`, `read`, `notification`, `ack`, `error`, `pong`. "
        "Messages of a conversation arrive in seq order without gaps or repeats. Close codes: 4400 bad frame, "
        "4401 no, invalid or expired token, 4403 another region or account, 4408 no token in time, 4429 too many "
        "sockets, 1009 frame over 16 KiB, 1012 gateway restarting (reconnect and sync). Full protocol: "
        "docs/websocket.md."
    ),
    response_class=JSONResponse,
)
async def websocket_help(request: Request):
    text = messages.render("chat_ws_upgrade", messages.negotiate(request.headers.get("accept-language")))
    return JSONResponse(
        {"error": {"code": "upgrade_required", "message": text, "field": None}},
        status_code=426,
        headers={"Upgrade": "websocket"},
    )
