"""The gRPC servicer of notices: messages ↔ calls of services/content/notices.py."""

from __future__ import annotations

from jiceng.content.v1 import notice_pb2 as pb
from jiceng.content.v1 import notice_pb2_grpc
from kernel.wire import timestamp
from services.content import notices, people
from services.content.domain import notices as rules

SERVICE = "jiceng.content.v1.NoticeService"


def _notice(n: notices.Notice, receipt: notices.NoticeReceipt | None, full: bool = True) -> pb.Notice:
    return pb.Notice(
        id=str(n.id),
        org_id=n.org_id,
        author_id=n.author_id,
        title=n.title,
        body=n.body if full else "",
        attachment_ids=list(n.attachment_ids),
        target_org_ids=list(n.target_org_ids),
        roles=list(n.roles),
        recipient_count=n.recipient_count,
        published_at=timestamp(n.published_at),
        recipient=receipt is not None,
        read=bool(receipt and receipt.read),
        read_at=timestamp(receipt.read_at) if receipt and receipt.read_at else None,
        publishing=n.state == rules.PUBLISHING,
    )


def _counts(rows: list[notices.NoticeCount], names: dict[str, str]) -> list[pb.NoticeOrgCount]:
    return [
        pb.NoticeOrgCount(
            org_id=c.org_id,
            org_name=names.get(c.org_id, ""),
            recipients=c.recipients,
            read=c.read,
            unread=c.recipients - c.read,
        )
        for c in rows
    ]


class NoticeApi(notice_pb2_grpc.NoticeServiceServicer):
    def PublishNotice(self, request, context):
        notice = notices.publish(
            request.org_id,
            request.title,
            request.body,
            list(request.attachment_ids),
            list(request.target_org_ids),
            list(request.roles),
        )
        return _notice(notice, None)

    def GetNotice(self, request, context):
        return _notice(*notices.get(request.notice_id))

    def MarkNoticeRead(self, request, context):
        receipt = notices.mark_read(request.notice_id)
        notice, _ = notices.get(request.notice_id)
        return _notice(notice, receipt)

    def ListMyNotices(self, request, context):
        rows, cursor = notices.list_mine(request.page.page_size, request.page.cursor)
        return pb.ListNoticesResponse(notices=[_notice(n, r, full=False) for r, n in rows], next_cursor=cursor)

    def ListOrgNotices(self, request, context):
        rows, cursor = notices.list_sent(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListNoticesResponse(notices=[_notice(n, None, full=False) for n in rows], next_cursor=cursor)

    def GetNoticeReceipts(self, request, context):
        orgs, below, cursor = notices.receipt_counts(
            request.notice_id, request.org_id, request.page.page_size, request.page.cursor
        )
        names = people.org_names(c.org_id for c in [*orgs, *below])
        return pb.NoticeReceipts(orgs=_counts(orgs, names), below=_counts(below, names), next_cursor=cursor)

    def ListNoticeReaders(self, request, context):
        rows, cursor = notices.receipt_people(
            request.notice_id, request.org_id, request.read, request.page.page_size, request.page.cursor
        )
        names = people.names(r.account_id for r in rows)
        return pb.NoticeReaders(
            people=[
                pb.NoticeReader(
                    account_id=r.account_id,
                    display_name=names.get(r.account_id, ""),
                    org_id=r.org_id,
                    read_at=timestamp(r.read_at) if r.read_at else None,
                )
                for r in rows
            ],
            next_cursor=cursor,
        )

    def RemindUnread(self, request, context):
        return pb.NoticeReminder(reminded=notices.remind(request.notice_id))
