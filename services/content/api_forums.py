"""The gRPC servicer of forums: messages ↔ calls of services/content/forums.py."""

from __future__ import annotations

from jiceng.content.v1 import forum_pb2 as pb
from jiceng.content.v1 import forum_pb2_grpc
from kernel.wire import timestamp
from services.content import forums, people

SERVICE = "jiceng.content.v1.ForumService"

_DONE = pb.ForumDone()


def _board(b: forums.Board) -> pb.ForumBoard:
    return pb.ForumBoard(
        id=str(b.id),
        org_id=b.org_id,
        name=b.name,
        description=b.description,
        public=b.public,
        closed=b.closed,
        created_by=b.created_by,
        created_at=timestamp(b.created_at),
    )


def _thread(t: forums.Thread, names: dict[str, str], full: bool = False) -> pb.ForumThread:
    return pb.ForumThread(
        id=str(t.id),
        board_id=t.board_id,
        org_id=t.org_id,
        author_id=t.author_id,
        author_name=names.get(t.author_id, ""),
        title=t.title,
        text=t.text if full else "",
        pinned=t.pinned,
        locked=t.locked,
        reply_count=t.reply_count,
        created_at=timestamp(t.created_at),
        last_activity_at=timestamp(t.last_activity_at),
    )


def _one_thread(t: forums.Thread) -> pb.ForumThread:
    return _thread(t, people.names([t.author_id]), full=True)


def _threads(pinned: list, rows: list, cursor: str) -> pb.ListThreadsResponse:
    names = people.names(t.author_id for t in [*pinned, *rows])
    return pb.ListThreadsResponse(
        pinned=[_thread(t, names) for t in pinned], threads=[_thread(t, names) for t in rows], next_cursor=cursor
    )


def _reply(r: forums.Reply, names: dict[str, str]) -> pb.ForumReply:
    return pb.ForumReply(
        id=str(r.id),
        thread_id=r.thread_id,
        author_id=r.author_id,
        author_name=names.get(r.author_id, ""),
        text=r.text,
        mention_ids=list(r.mention_ids),
        created_at=timestamp(r.created_at),
    )


def _moderator(m: forums.BoardModerator, names: dict[str, str]) -> pb.ForumModerator:
    return pb.ForumModerator(
        board_id=m.board_id,
        account_id=m.account_id,
        display_name=names.get(m.account_id, ""),
        appointed_by=m.appointed_by,
        appointed_at=timestamp(m.appointed_at),
    )


class ForumApi(forum_pb2_grpc.ForumServiceServicer):
    def CreateBoard(self, request, context):
        return _board(forums.create_board(request.org_id, request.name, request.description, request.public))

    def UpdateBoard(self, request, context):
        board = forums.update_board(
            request.board_id,
            request.name if request.HasField("name") else None,
            request.description if request.HasField("description") else None,
            request.closed if request.HasField("closed") else None,
        )
        return _board(board)

    def GetBoard(self, request, context):
        return _board(forums.get_board(request.board_id))

    def ListBoards(self, request, context):
        return pb.ListBoardsResponse(boards=[_board(b) for b in forums.list_boards(request.org_id)])

    def AppointModerator(self, request, context):
        moderator = forums.appoint_moderator(request.board_id, request.account_id)
        return _moderator(moderator, people.names([moderator.account_id]))

    def DismissModerator(self, request, context):
        forums.dismiss_moderator(request.board_id, request.account_id)
        return _DONE

    def ListModerators(self, request, context):
        rows = forums.list_moderators(request.board_id)
        names = people.names(m.account_id for m in rows)
        return pb.ListModeratorsResponse(moderators=[_moderator(m, names) for m in rows])

    def CreateThread(self, request, context):
        return _one_thread(forums.create_thread(request.board_id, request.title, request.text))

    def GetThread(self, request, context):
        thread, _ = forums.get_thread(request.thread_id)
        return _one_thread(thread)

    def ListThreads(self, request, context):
        return _threads(*forums.list_threads(request.board_id, request.page.page_size, request.page.cursor))

    def ListRecentThreads(self, request, context):
        rows, cursor = forums.list_recent_threads(request.page.page_size, request.page.cursor)
        return _threads([], rows, cursor)

    def ReplyToThread(self, request, context):
        row = forums.reply(request.thread_id, request.text, list(request.mention_ids))
        return _reply(row, people.names([row.author_id]))

    def ListReplies(self, request, context):
        rows, cursor = forums.list_replies(request.thread_id, request.page.page_size, request.page.cursor)
        names = people.names(r.author_id for r in rows)
        return pb.ListRepliesResponse(replies=[_reply(r, names) for r in rows], next_cursor=cursor)

    def PinThread(self, request, context):
        return _one_thread(forums.pin(request.thread_id, request.pinned))

    def LockThread(self, request, context):
        return _one_thread(forums.lock(request.thread_id, request.locked))

    def MoveThread(self, request, context):
        return _one_thread(forums.move(request.thread_id, request.to_board_id))

    def RemoveThread(self, request, context):
        forums.remove_thread(request.thread_id)
        return _DONE

    def RemoveReply(self, request, context):
        forums.remove_reply(request.reply_id)
        return _DONE
