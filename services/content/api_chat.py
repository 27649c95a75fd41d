"""The gRPC servicer of chat (protos/jiceng/content/v1/chat.proto): messages ↔ calls of chat.py."""

from __future__ import annotations

from jiceng.content.v1 import chat_pb2 as pb
from jiceng.content.v1 import chat_pb2_grpc
from kernel.wire import timestamp
from services.content import chat

SERVICE = "jiceng.content.v1.ChatService"

_DONE = pb.ChatDone(ok=True)


def _conversation(v: chat.ConversationView) -> pb.Conversation:
    c, m = v.conversation, v.member
    return pb.Conversation(
        id=str(c.id),
        kind=c.kind,
        title=c.title,
        org_id=c.org_id,
        created_by=c.created_by,
        created_at=timestamp(c.created_at),
        member_count=c.member_count,
        last_seq=c.last_seq,
        last_message_at=timestamp(c.last_message_at) if c.last_message_at else None,
        last_sender_id=c.last_sender_id,
        last_preview=c.last_preview,
        read_seq=m.read_seq,
        unread=v.unread,
        from_seq=m.from_seq,
        role=m.role,
    )


def _message(m: chat.ChatMessage) -> pb.ChatMessage:
    return pb.ChatMessage(
        id=str(m.id),
        conversation_id=m.conversation_id,
        seq=m.seq,
        sender_id=m.sender_id,
        client_message_id=m.client_message_id,
        text=m.text,
        media_ids=list(m.media_ids),
        sent_at=timestamp(m.sent_at),
    )


class ChatApi(chat_pb2_grpc.ChatServiceServicer):
    def OpenDirect(self, request, context):
        return _conversation(chat.open_direct(request.account_id))

    def CreateGroup(self, request, context):
        return _conversation(chat.create_group(request.title, list(request.member_ids)))

    def OpenOrgGroup(self, request, context):
        return _conversation(chat.open_org_group(request.org_id, request.title))

    def GetOrgGroup(self, request, context):
        found = chat.org_group(request.org_id)
        member = chat.ChatMember(account_id="", read_seq=found.last_seq, from_seq=found.last_seq + 1, role="")
        return _conversation(chat.ConversationView(found, member))

    def JoinConversation(self, request, context):
        return _conversation(chat.join(request.conversation_id))

    def InviteMembers(self, request, context):
        return _conversation(chat.invite(request.conversation_id, list(request.account_ids)))

    def LeaveConversation(self, request, context):
        chat.leave(request.conversation_id)
        return _DONE

    def GetConversation(self, request, context):
        v = chat.view(request.conversation_id, with_members=True)
        names = chat.display_names(v.conversation.tenant, [m.account_id for m in v.members])
        members = [
            pb.ChatMember(
                account_id=m.account_id,
                display_name=names.get(m.account_id, ""),
                role=m.role,
                joined_at=timestamp(m.joined_at),
            )
            for m in v.members
        ]
        return pb.ConversationDetail(conversation=_conversation(v), members=members)

    def ListConversations(self, request, context):
        views, cursor = chat.list_conversations(request.page.page_size, request.page.cursor)
        return pb.ListConversationsResponse(conversations=[_conversation(v) for v in views], next_cursor=cursor)

    def SendMessage(self, request, context):
        sent = chat.send(request.conversation_id, request.client_message_id, request.text, list(request.media_ids))
        return _message(sent)

    def ListMessages(self, request, context):
        rows, before = chat.history(request.conversation_id, request.before_seq, request.page_size)
        return pb.ListMessagesResponse(messages=[_message(m) for m in rows], next_before_seq=before)

    def MarkRead(self, request, context):
        return _conversation(chat.mark_read(request.conversation_id, request.seq))

    def Sync(self, request, context):
        synced = chat.sync(dict(request.after), request.limit, list(request.conversation_ids))
        return pb.SyncResponse(
            conversations=[
                pb.SyncedConversation(
                    conversation=_conversation(s.view), messages=[_message(m) for m in s.messages], has_more=s.has_more
                )
                for s in synced
            ]
        )
