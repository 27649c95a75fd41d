"""The gRPC servicer of the inbox (protos/jiceng/content/v1/inbox.proto): messages ↔ calls of notifications.py."""

from __future__ import annotations

from jiceng.content.v1 import inbox_pb2 as pb
from jiceng.content.v1 import inbox_pb2_grpc
from kernel.wire import timestamp
from services.content import notifications
from services.content.domain import inbox as rules

SERVICE = "jiceng.content.v1.InboxService"


def _notification(e: notifications.Entry) -> pb.Notification:
    n = e.notification
    return pb.Notification(
        id=str(n.id),
        kind=n.kind,
        title_key=rules.title_key(n.kind, n.count),
        ref_kind=n.ref_kind,
        ref_id=n.ref_id,
        actor_ids=list(n.actor_ids),
        actor_name=e.actor_name,
        count=n.count,
        subject=n.subject,
        body=n.body,
        read=n.read,
        created_at=timestamp(n.created_at),
        updated_at=timestamp(n.updated_at),
    )


def _preferences(prefs: dict[str, rules.KindPreference]) -> pb.Preferences:
    return pb.Preferences(
        kinds=[pb.KindPreference(kind=k, in_app=p.in_app, sms=p.sms, push=p.push) for k, p in prefs.items()]
    )


class InboxApi(inbox_pb2_grpc.InboxServiceServicer):
    def ListNotifications(self, request, context):
        entries, cursor = notifications.list_mine(request.page.page_size, request.page.cursor, request.unread_only)
        return pb.ListNotificationsResponse(notifications=[_notification(e) for e in entries], next_cursor=cursor)

    def GetUnreadCount(self, request, context):
        count = notifications.unread_count()
        cap = notifications.UNREAD_COUNT_CAP
        return pb.UnreadCount(unread=min(count, cap), capped=count > cap)

    def MarkNotificationRead(self, request, context):
        notifications.mark_read(request.notification_id)
        return pb.InboxDone(marked=1)

    def MarkAllNotificationsRead(self, request, context):
        return pb.InboxDone(marked=notifications.mark_all_read())

    def GetPreferences(self, request, context):
        return _preferences(notifications.preferences())

    def UpdatePreferences(self, request, context):
        changes = {k.kind: rules.KindPreference(k.in_app, k.sms, k.push) for k in request.kinds}
        return _preferences(notifications.set_preferences(changes))
