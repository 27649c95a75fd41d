"""The notification inbox over HTTP: my notifications, the unread count, marking read, preferences.

Titles are rendered here in the reader's language (Accept-Language) from the catalog key the service
returns; new notifications are also pushed live over the WebSocket (gateway/live.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, PathId
from jiceng.content.v1 import common_pb2
from jiceng.content.v1 import inbox_pb2 as pb
from kernel import messages

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class KindPreferenceIn(Body):
    kind: Annotated[str, Field(min_length=1, max_length=16, examples=["mention", "like", "chat"])]
    in_app: bool = True
    sms: bool = False
    push: bool = False


class PreferencesIn(Body):
    kinds: Annotated[list[KindPreferenceIn], Field(min_length=1, max_length=16)]


class KindPreferenceOut(BaseModel):
    kind: str
    in_app: bool
    sms: bool
    push: bool


class PreferencesOut(BaseModel):
    kinds: list[KindPreferenceOut]


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(description="mention, comment, reply, like, notice, chat, service, answer, answer_accepted")
    title: str = Field(description="in the reader's language")
    ref_kind: str = Field(description="what to open: post, thread, notice, conversation, service_request, question")
    ref_id: str
    actor_ids: list[str]
    actor_name: str
    count: int
    subject: str
    body: str
    read: bool
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class NotificationsOut(BaseModel):
    notifications: list[NotificationOut]
    next_cursor: str = ""


class UnreadOut(BaseModel):
    unread: int
    capped: bool = Field(description="more than `unread`: show 999+")


class MarkedOut(BaseModel):
    marked: int


def titled(notification: dict, locale: str) -> dict:
    """A notification (JSON from the service or an inbox_updated event) with its title in locale."""
    params = {
        "actor": notification.get("actor_name", ""),
        "count": notification.get("count", 1),
        "subject": notification.get("subject", ""),
    }
    key = notification.get("title_key") or f"inbox.title.{notification.get('kind', '')}"
    return {**notification, "title": messages.render(key, locale, params)}


def _locale(request: Request) -> str:
    return messages.negotiate(request.headers.get("accept-language"))


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "inbox", method_name, message)


@router.get("/notifications", response_model=NotificationsOut, summary="My notifications, the latest first")
async def list_notifications(
    request: Request,
    who: CallerDep,
    unread_only: bool = False,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=64)] = "",
):
    message = pb.ListNotificationsRequest(
        page=common_pb2.Page(page_size=page_size, cursor=cursor), unread_only=unread_only
    )
    reply = await call(request, who, "ListNotifications", message)
    locale = _locale(request)
    return {**reply, "notifications": [titled(n, locale) for n in reply["notifications"]]}


@router.get("/notifications/unread-count", response_model=UnreadOut, summary="How many are unread")
async def unread_count(request: Request, who: CallerDep):
    return await call(request, who, "GetUnreadCount", pb.GetUnreadCountRequest())


@router.post("/notifications/read-all", response_model=MarkedOut, summary="Mark every notification read")
async def mark_all_read(request: Request, who: CallerDep):
    return await call(request, who, "MarkAllNotificationsRead", pb.MarkAllNotificationsReadRequest())


@router.post("/notifications/{notification_id}/read", response_model=MarkedOut, summary="Mark one read")
async def mark_read(notification_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "MarkNotificationRead", pb.NotificationRef(notification_id=notification_id))


@router.get("/notifications/preferences", response_model=PreferencesOut, summary="Per kind: in app, sms, push")
async def get_preferences(request: Request, who: CallerDep):
    return await call(request, who, "GetPreferences", pb.GetPreferencesRequest())


@router.put(
    "/notifications/preferences",
    response_model=PreferencesOut,
    summary="Change the kinds named (the others keep theirs)",
)
async def put_preferences(body: PreferencesIn, request: Request, who: CallerDep):
    kinds = [pb.KindPreference(kind=k.kind, in_app=k.in_app, sms=k.sms, push=k.push) for k in body.kinds]
    return await call(request, who, "UpdatePreferences", pb.Preferences(kinds=kinds))
