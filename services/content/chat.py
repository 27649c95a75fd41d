"""Chat: conversations, their members and their messages, ordered per conversation by a sequence number.

How a message is numbered: each conversation keeps `last_seq`. SendMessage reads it inside a transaction,
moves it from n to n+1 with a conditional update (`{_id, last_seq: n}`), inserts the message with seq n+1
and its `chat_message_sent` event, and commits. Two senders racing for n+1: one commits, the other's
transaction conflicts (retried by the driver) or finds the counter moved (retried here), and a unique
(conversation, seq) index backs both. No find_one_and_update anywhere (SecantusDB scans for it).

Idempotent send: a client names each message (`client_message_id`); a unique (conversation, sender,
client id) index turns a retry into the message already stored, so a timed-out send can be repeated.

A member reads what was sent after they joined (`from_seq`); `read_seq` is their read marker, so the
unread count of a conversation is `last_seq - read_seq` without counting anything. Delivery to the
people connected now is the gateway's business (gateway/live.py, fed by chat_message_sent); what they
missed they fetch with `sync` (everything after the seq they last saw, in each of their conversations).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from kernel.turns import Turns
from services.content import access, cache, events, mirror
from services.content.domain import chat as rules

SEND_ATTEMPTS = 20  # counter moved under us this often in a row: give up with UNAVAILABLE
# Sends to one conversation take turns in this process: two at once would both read its counter, and one
# transaction would abort and retry. Other processes' sends still race; the conditional update on last_seq
# settles those.
_SEND_TURNS = Turns()
MEMBERSHIPS_MAX = 1000  # the conversations one sync looks at (a person in more pages ListConversations)


class ChatConversation(TenantDocument):
    key = me.StringField(required=True)  # direct:<a>:<b>, org:<org id> or group:<uuid> (rules.direct_key …)
    kind = me.StringField(required=True, choices=rules.KINDS)
    title = me.StringField(default="")
    org_id = me.StringField(default="")
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    member_count = me.IntField(default=0)
    last_seq = me.IntField(default=0)
    last_message_at = me.DateTimeField()
    last_sender_id = me.StringField(default="")
    last_preview = me.StringField(default="")

    meta = {"collection": "chat_conversations", "indexes": [{"fields": ["tenant", "key"], "unique": True}]}


class ChatMember(TenantDocument):
    conversation_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    role = me.StringField(default="member", choices=("owner", "member"))
    joined_at = me.DateTimeField(required=True)
    from_seq = me.IntField(default=1)  # the first message this member may read
    read_seq = me.IntField(default=0)  # read marker: every message up to it is read

    meta = {
        "collection": "chat_members",
        "indexes": [
            {"fields": ["tenant", "conversation_id", "account_id"], "unique": True},
            ("tenant", "account_id", "id"),
            ("tenant", "account_id", "conversation_id"),  # some of my conversations (the gateway's gap fill)
        ],
    }


class ChatMessage(TenantDocument):
    conversation_id = me.StringField(required=True)
    seq = me.IntField(required=True)
    sender_id = me.StringField(required=True)
    client_message_id = me.StringField(required=True)
    text = me.StringField(default="")
    media_ids = me.ListField(me.StringField())
    sent_at = me.DateTimeField(required=True)

    meta = {
        "collection": "chat_messages",
        "indexes": [
            {"fields": ["tenant", "conversation_id", "seq"], "unique": True},
            {"fields": ["tenant", "conversation_id", "sender_id", "client_message_id"], "unique": True},
        ],
    }


DOCUMENTS = (ChatConversation, ChatMember, ChatMessage)


@dataclass
class ConversationView:
    """A conversation as one member sees it."""

    conversation: ChatConversation
    member: ChatMember
    members: list[ChatMember] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return rules.unread(self.conversation.last_seq, self.member.read_seq)


@dataclass
class SyncedConversation:
    view: ConversationView
    messages: list[ChatMessage]
    has_more: bool


class _CounterMoved(Exception):
    """Another message took the seq this transaction read: read the counter again."""


# -- reading --------------------------------------------------------------------------------------------


def _object_id(conversation_id: str) -> ObjectId:
    try:
        return ObjectId(conversation_id)
    except (InvalidId, TypeError):
        raise _not_found(conversation_id) from None


def _not_found(conversation_id: str) -> DomainError:
    # Someone else's conversation reads as missing: its existence is not disclosed.
    return DomainError(ErrorCode.NOT_FOUND, "chat_conversation_not_found", "conversation_id", id=conversation_id)


def _conversation(tenant: str, conversation_id: str) -> ChatConversation:
    found = ChatConversation.in_tenant(tenant).filter(id=_object_id(conversation_id)).first()
    if found is None:
        raise _not_found(conversation_id)
    return found


def _membership(tenant: str, conversation_id: str, account_id: str) -> ChatMember:
    member = ChatMember.in_tenant(tenant).filter(conversation_id=conversation_id, account_id=account_id).first()
    if member is None:
        raise _not_found(conversation_id)
    return member


def view(conversation_id: str, with_members: bool = False) -> ConversationView:
    """The caller's view of one of their conversations (NOT_FOUND unless they are a member)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    conversation = _conversation(tenant, conversation_id)
    if with_members:
        members = list(ChatMember.in_tenant(tenant).filter(conversation_id=conversation_id).order_by("id"))
        mine = next((m for m in members if m.account_id == me_id), None)
        if mine is None:
            raise _not_found(conversation_id)
        return ConversationView(conversation, mine, members)
    return ConversationView(conversation, _membership(tenant, conversation_id, me_id))


def display_names(tenant: str, account_ids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for start in range(0, len(account_ids), 100):
        chunk = account_ids[start : start + 100]
        for p in mirror.Person.in_tenant(tenant).filter(account_id__in=chunk).only("account_id", "display_name"):
            names[p.account_id] = p.display_name
    return names


def list_conversations(page_size: int, cursor: str) -> tuple[list[ConversationView], str]:
    """My conversations in the order I joined them (the client sorts by last message), with unread counts."""
    tenant, me_id = access.tenant(), access.actor().account_id
    members, next_cursor = page(ChatMember.in_tenant(tenant).filter(account_id=me_id), page_size, cursor)
    return _views(tenant, members), next_cursor


def _views(tenant: str, members: list[ChatMember]) -> list[ConversationView]:
    by_id: dict[str, ChatConversation] = {}
    ids = [ObjectId(m.conversation_id) for m in members]
    for start in range(0, len(ids), 100):
        for c in ChatConversation.in_tenant(tenant).filter(id__in=ids[start : start + 100]):
            by_id[str(c.id)] = c
    return [ConversationView(by_id[m.conversation_id], m) for m in members if m.conversation_id in by_id]


def history(conversation_id: str, before_seq: int, page_size: int) -> tuple[list[ChatMessage], int]:
    """Messages before `before_seq` (0: the newest), newest first, and the before_seq of the next page (0: none)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    member = _membership(tenant, conversation_id, me_id)
    size = page_size or 50
    if not 1 <= size <= 200:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    if before_seq < 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "before_seq", detail=">= 0")
    query = ChatMessage.in_tenant(tenant).filter(conversation_id=conversation_id)
    if before_seq:
        query = query.filter(seq__lt=before_seq)
    # One range on seq only (SecantusDB plans one range): what precedes the member's joining is cut here.
    rows = [m for m in query.order_by("-seq").limit(size + 1) if m.seq >= member.from_seq]
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].seq if more else 0)


def sync(
    after: dict[str, int], limit: int = rules.SYNC_MESSAGES_MAX, only: list[str] | None = None
) -> list[SyncedConversation]:
    """Every one of my conversations with what came after the seq given for it (default: my read marker).

    At most `limit` messages in all, at most SYNC_PER_CONVERSATION per conversation, oldest first;
    `has_more` says a conversation has more to fetch (ask again from its last seq). `only` restricts it to
    some of my conversations (the gateway fills a gap in one)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    if len(after) > MEMBERSHIPS_MAX or len(only or []) > MEMBERSHIPS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_sync_too_many", "after", max=MEMBERSHIPS_MAX)
    if any(seq < 0 for seq in after.values()):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "after", detail="seq >= 0")
    limit = max(1, min(limit or rules.SYNC_MESSAGES_MAX, rules.SYNC_MESSAGES_MAX))
    query = ChatMember.in_tenant(tenant).filter(account_id=me_id)
    if only:
        query = query.filter(conversation_id__in=list(only))
    members = list(query.order_by("id").limit(MEMBERSHIPS_MAX))
    budget = limit
    synced = []
    for v in _views(tenant, members):
        cid = v.conversation.id
        since = max(after.get(str(cid), v.member.read_seq), v.member.from_seq - 1)
        behind = v.conversation.last_seq > since
        rows: list[ChatMessage] = []
        if behind and budget > 0:
            take = min(budget, rules.SYNC_PER_CONVERSATION)
            query = ChatMessage.in_tenant(tenant).filter(conversation_id=str(cid), seq__gt=since)
            rows = list(query.order_by("seq").limit(take))
            budget -= len(rows)
        last = rows[-1].seq if rows else since
        synced.append(SyncedConversation(v, rows, has_more=v.conversation.last_seq > last))
    return synced


# -- conversations ----------------------------------------------------------------------------------------


def _people(tenant: str, account_ids: list[str], field: str) -> dict[str, mirror.Person]:
    found = {
        p.account_id: p
        for p in mirror.Person.in_tenant(tenant)
        .filter(account_id__in=account_ids)
        .only("account_id", "org_path", "display_name")
    }
    missing = [a for a in account_ids if a not in found]
    if missing:
        raise DomainError(ErrorCode.NOT_FOUND, "chat_person_unknown", field, id=missing[0])
    return found


def _new_member(tenant: str, conversation_id: str, account_id: str, last_seq: int, role: str = "member") -> ChatMember:
    return ChatMember(
        tenant=tenant,
        conversation_id=conversation_id,
        account_id=account_id,
        role=role,
        joined_at=utcnow(),
        from_seq=last_seq + 1,
        read_seq=last_seq,
    )


def _get_or_create(tenant: str, conversation: ChatConversation, member_ids: list[str], owner: str) -> ChatConversation:
    """The conversation with this key, created with its members if there is none (a race: the winner's)."""
    existing = ChatConversation.in_tenant(tenant).filter(key=conversation.key).first()
    if existing is not None:
        return existing

    def create(uow: UnitOfWork) -> ChatConversation:
        uow.insert(conversation)
        cid = str(conversation.id)
        roles = {a: ("owner" if a == owner else "member") for a in member_ids}
        uow.insert_many([_new_member(tenant, cid, a, 0, roles[a]) for a in member_ids])
        return conversation

    try:
        created = atomically(tenant, create)
    except DuplicateKeyError:
        return ChatConversation.in_tenant(tenant).filter(key=conversation.key).first()
    cache.forget_chat_members(tenant, str(created.id))
    return created


def open_direct(other_id: str) -> ConversationView:
    """The one-to-one conversation with other_id (created on first use), if the two may talk."""
    tenant, me_id = access.tenant(), access.actor().account_id
    if other_id == me_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_direct_self", "account_id")
    people = _people(tenant, [me_id, other_id], "account_id")
    friends = mirror.FriendEdge.in_tenant(tenant).filter(owner_id=me_id, friend_id=other_id).first() is not None
    if not rules.may_talk_directly(friends, people[me_id].org_path, people[other_id].org_path):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "chat_direct_not_allowed", "account_id")
    conversation = ChatConversation(
        tenant=tenant,
        key=rules.direct_key(me_id, other_id),
        kind=rules.DIRECT,
        created_by=me_id,
        created_at=utcnow(),
        member_count=2,
    )
    conversation = _get_or_create(tenant, conversation, [me_id, other_id], owner="")
    return ConversationView(conversation, _membership(tenant, str(conversation.id), me_id))


def _check_invitable(tenant: str, me_id: str, invitees: list[str], field: str) -> None:
    """Everyone invited is a person of the region the inviter could talk to one-to-one (no spam groups)."""
    if not invitees:
        return
    people = _people(tenant, [me_id, *invitees], field)
    friends = set(mirror.FriendEdge.in_tenant(tenant).filter(owner_id=me_id).scalar("friend_id"))
    for account_id in invitees:
        if not rules.may_talk_directly(account_id in friends, people[me_id].org_path, people[account_id].org_path):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "chat_invite_not_allowed", field, id=account_id)


def create_group(title: str, member_ids: list[str]) -> ConversationView:
    tenant, me_id = access.tenant(), access.actor().account_id
    title = rules.check_title(title)
    invitees = rules.check_invitees(me_id, member_ids)
    if len(invitees) + 1 > rules.GROUP_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_group_full", "member_ids", max=rules.GROUP_MAX)
    _check_invitable(tenant, me_id, invitees, "member_ids")
    conversation = ChatConversation(
        tenant=tenant,
        key=f"group:{uuid.uuid4().hex}",
        kind=rules.GROUP,
        title=title,
        created_by=me_id,
        created_at=utcnow(),
        member_count=1 + len(invitees),
    )
    conversation = _get_or_create(tenant, conversation, [me_id, *invitees], owner=me_id)
    return ConversationView(conversation, _membership(tenant, str(conversation.id), me_id))


def open_org_group(org_id: str, title: str) -> ConversationView:
    """The org's group chat (created on first use by an officer holding chat.org_group on the org)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    title = rules.check_title(title)
    access.require("chat.org_group", org_id)
    if not title:
        node = mirror.OrgNode.in_tenant(tenant).filter(org_id=org_id).only("name").first()
        title = node.name if node else ""
    conversation = ChatConversation(
        tenant=tenant,
        key=rules.org_key(org_id),
        kind=rules.ORG,
        title=title,
        org_id=org_id,
        created_by=me_id,
        created_at=utcnow(),
        member_count=1,
    )
    conversation = _get_or_create(tenant, conversation, [me_id], owner=me_id)
    member = ChatMember.in_tenant(tenant).filter(conversation_id=str(conversation.id), account_id=me_id).first()
    if member is None:  # opened before by another officer: this one joins it
        return _add(tenant, conversation, [me_id])
    return ConversationView(conversation, member)


def org_group(org_id: str) -> ChatConversation:
    """The org's group chat, for a member of its subtree to find and join."""
    tenant = access.tenant()
    found = ChatConversation.in_tenant(tenant).filter(key=rules.org_key(org_id)).first()
    if found is None or org_id not in access.reader().org_path:
        raise DomainError(ErrorCode.NOT_FOUND, "chat_org_group_not_found", "org_id", org_id=org_id)
    return found


def join(conversation_id: str) -> ConversationView:
    """Join an org's group chat: members of the org's subtree only."""
    tenant, me_id = access.tenant(), access.actor().account_id
    conversation = _conversation(tenant, conversation_id)
    if conversation.kind != rules.ORG or conversation.org_id not in access.reader().org_path:
        raise _not_found(conversation_id)
    mine = ChatMember.in_tenant(tenant).filter(conversation_id=conversation_id, account_id=me_id).first()
    if mine is not None:
        return ConversationView(conversation, mine)
    return _add(tenant, conversation, [me_id])


def invite(conversation_id: str, account_ids: list[str]) -> ConversationView:
    """The group's owner adds people (those already in are skipped)."""
    tenant, me_id = access.tenant(), access.actor().account_id
    v = view(conversation_id, with_members=True)
    if v.conversation.kind != rules.GROUP or v.member.role != "owner":
        raise DomainError(ErrorCode.PERMISSION_DENIED, "chat_invite_owner_only", "conversation_id")
    present = {m.account_id for m in v.members}
    invitees = [a for a in rules.check_invitees(me_id, account_ids, "account_ids") if a not in present]
    _check_invitable(tenant, me_id, invitees, "account_ids")
    return _add(tenant, v.conversation, invitees, me_id) if invitees else ConversationView(v.conversation, v.member)


def _add(tenant: str, conversation: ChatConversation, account_ids: list[str], viewer: str = "") -> ConversationView:
    """Add members if the conversation has room (a conditional update on its member count)."""
    cid = str(conversation.id)
    limit = rules.size_limit(conversation.kind)
    viewer = viewer or account_ids[0]

    def add(uow: UnitOfWork) -> None:
        room = {"_id": conversation.id, "member_count": {"$lte": limit - len(account_ids)}}
        if not uow.update_one(ChatConversation, room, {"$inc": {"member_count": len(account_ids)}}):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "chat_group_full", "conversation_id", max=limit)
        current = ChatConversation._get_collection().find_one(
            {"_id": conversation.id}, {"last_seq": 1}, session=uow.session
        )
        uow.insert_many([_new_member(tenant, cid, a, current["last_seq"]) for a in account_ids])

    try:
        atomically(tenant, add)
    except DuplicateKeyError:
        pass  # joined twice at once: the other call added them
    cache.forget_chat_members(tenant, cid)
    fresh = _conversation(tenant, cid)
    return ConversationView(fresh, _membership(tenant, cid, viewer))


def leave(conversation_id: str) -> None:
    """Leave a group or an org's group chat (a one-to-one conversation can't be left)."""
    tenant = access.tenant()
    v = view(conversation_id)
    if v.conversation.kind == rules.DIRECT:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "chat_direct_leave", "conversation_id")

    def remove(uow: UnitOfWork) -> None:
        gone = ChatMember._get_collection().delete_one({"_id": v.member.id}, session=uow.session).deleted_count
        if gone:
            uow.update_one(ChatConversation, {"_id": v.conversation.id}, {"$inc": {"member_count": -1}})
            if v.member.role == "owner":  # the longest-standing member inherits the group
                heir = ChatMember._get_collection().find_one(
                    {"tenant": tenant, "conversation_id": conversation_id},
                    sort=[("_id", 1)],
                    projection={"_id": 1},
                    session=uow.session,
                )
                if heir is not None:
                    uow.update_one(ChatMember, {"_id": heir["_id"]}, {"$set": {"role": "owner"}})

    atomically(tenant, remove)
    cache.forget_chat_members(tenant, conversation_id)


# -- messages ---------------------------------------------------------------------------------------------


def send(conversation_id: str, client_message_id: str, text: str, media_ids: list[str]) -> ChatMessage:
    """Store the message with the conversation's next seq and its chat_message_sent event, atomically.

    Returns once committed. The same client_message_id again returns the message already stored."""
    tenant, me_id = access.tenant(), access.actor().account_id
    client_message_id, text, media_ids = rules.check_message(client_message_id, text, media_ids)
    oid = _object_id(conversation_id)
    members = cache.chat_members(tenant, conversation_id, lambda: _member_rows(tenant, conversation_id))
    sender_row = next((row_id for row_id, account_id in members if account_id == me_id), None)
    if sender_row is None:
        raise _not_found(conversation_id)
    member_ids = [account_id for _, account_id in members]

    def write(uow: UnitOfWork) -> ChatMessage:
        conv = ChatConversation._get_collection().find_one({"_id": oid}, session=uow.session)
        if conv is None:
            raise _not_found(conversation_id)
        if conv["kind"] == rules.ORG and not _speaks_for(tenant, me_id, conv["org_id"]):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "chat_org_group_outside", "conversation_id")
        seq, now = conv.get("last_seq", 0) + 1, _millis(utcnow())
        preview = rules.preview(text, len(media_ids))
        moved = uow.update_one(
            ChatConversation,
            {"_id": oid, "last_seq": seq - 1},
            {"$set": {"last_seq": seq, "last_message_at": now, "last_sender_id": me_id, "last_preview": preview}},
        )
        if not moved:
            raise _CounterMoved()
        message = uow.insert(
            ChatMessage(
                tenant=tenant,
                conversation_id=conversation_id,
                seq=seq,
                sender_id=me_id,
                client_message_id=client_message_id,
                text=text,
                media_ids=media_ids,
                sent_at=now,
            )
        )
        # What I send, I have read.
        uow.update_one(ChatMember, {"_id": ObjectId(sender_row), "read_seq": {"$lt": seq}}, {"$set": {"read_seq": seq}})
        uow.emit(events.SOURCE, events.CHAT_MESSAGE_SENT, message_sent(message, conv, member_ids, preview), me_id)
        return message

    with _SEND_TURNS.of(conversation_id):
        for _ in range(SEND_ATTEMPTS):
            try:
                return atomically(tenant, write)
            except _CounterMoved:
                continue
            except DuplicateKeyError as err:
                if "client_message_id" in str(err):
                    existing = _sent_before(tenant, conversation_id, me_id, client_message_id)
                    if existing is not None:
                        return existing
                continue  # the seq was taken by a concurrent commit (another process): number it again
    raise DomainError(ErrorCode.UNAVAILABLE, "chat_busy")


def _member_rows(tenant: str, conversation_id: str) -> list[list[str]]:
    rows = ChatMember.in_tenant(tenant).filter(conversation_id=conversation_id).only("account_id")
    return [[str(m.id), m.account_id] for m in rows]


def _sent_before(tenant: str, conversation_id: str, sender_id: str, client_message_id: str) -> ChatMessage | None:
    return (
        ChatMessage.in_tenant(tenant)
        .filter(conversation_id=conversation_id, sender_id=sender_id, client_message_id=client_message_id)
        .first()
    )


def message_sent(message: ChatMessage, conv: dict, member_ids: list[str], preview: str) -> dict:
    """chat_message_sent's data (events.py): enough for the gateway to deliver it without another read."""
    return {
        "conversation_id": message.conversation_id,
        "message_id": str(message.id),
        "seq": message.seq,
        "sender_id": message.sender_id,
        "recipient_ids": [a for a in member_ids if a != message.sender_id],
        "preview": preview,
        "kind": conv["kind"],
        "title": conv.get("title", ""),
        "client_message_id": message.client_message_id,
        "text": message.text,
        "media_ids": list(message.media_ids),
        "sent_at": message.sent_at.isoformat(),
    }


def mark_read(conversation_id: str, seq: int) -> ConversationView:
    """Move my read marker forward to seq (never back, never past the last message); chat_read if it moved."""
    tenant, me_id = access.tenant(), access.actor().account_id
    v = view(conversation_id)
    target = rules.read_target(seq, v.conversation.last_seq)
    if target <= v.member.read_seq:
        return v

    def write(uow: UnitOfWork) -> bool:
        moved = uow.update_one(
            ChatMember, {"_id": v.member.id, "read_seq": {"$lt": target}}, {"$set": {"read_seq": target}}
        )
        if moved:
            data = {"conversation_id": conversation_id, "account_id": me_id, "seq": target}
            uow.emit(events.SOURCE, events.CHAT_READ, data, me_id)
        return bool(moved)

    atomically(tenant, write)
    v.member.read_seq = max(v.member.read_seq, target)
    return v


def _millis(moment):
    """What the database keeps of a time: the live frame and a later read then show the same instant."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _speaks_for(tenant: str, account_id: str, org_id: str) -> bool:
    """In an org's group chat: members of the org's subtree, and the officers who may open it."""
    person = mirror.Person.in_tenant(tenant).filter(account_id=account_id).only("org_path").first()
    return (person is not None and org_id in person.org_path) or access.may("chat.org_group", org_id)
