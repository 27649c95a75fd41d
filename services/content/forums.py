"""Forums (论坛): boards per org, threads and replies, pin, lock, move, remove, board moderators.

Who reads: a board is read by its org's subtree (or the whole region when public), so a member reads
the boards of their own org and of every org above it; a thread carries its board's audience keys
(domain/visibility.py) and cross-board listings filter on them inside the query. An org's forum managers
(forum.manage on the org or above) and a board's moderators read the board whoever they are.
Who acts: forum managers create, rename, close and reopen boards and appoint moderators; a board's
moderators (and its managers) pin, lock, move and remove threads there; moving a thread needs that
right on both boards. Authors remove their own threads and replies.
"""

from __future__ import annotations

import mongoengine as me

from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id
from services.content import access, events, mirror, recent
from services.content.domain import forums as rules
from services.content.domain import inputs
from services.content.domain.visibility import Reader, may_read, reader_keys

MANAGE = "forum.manage"


# -- documents -----------------------------------------------------------------------------------------


class Board(TenantDocument):
    org_id = me.StringField(required=True)
    name = me.StringField(required=True)
    description = me.StringField(default="")
    public = me.BooleanField(default=False)
    closed = me.BooleanField(default=False)
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    audience = me.ListField(me.StringField())

    meta = {"collection": "forum_boards", "indexes": [("tenant", "org_id", "audience")]}


class BoardModerator(TenantDocument):
    board_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    appointed_by = me.StringField(required=True)
    appointed_at = me.DateTimeField(required=True)

    meta = {
        "collection": "forum_moderators",
        "indexes": [{"fields": ["tenant", "board_id", "account_id"], "unique": True}],
    }


class Thread(TenantDocument):
    board_id = me.StringField(required=True)
    org_id = me.StringField(required=True)  # the board's org
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    text = me.StringField(required=True)
    audience = me.ListField(me.StringField())  # the board's audience with the thread's author
    pinned = me.BooleanField(default=False)
    locked = me.BooleanField(default=False)
    removed = me.BooleanField(default=False)
    reply_count = me.IntField(default=0)
    created_at = me.DateTimeField(required=True)
    last_activity_at = me.DateTimeField(required=True)  # created, or last replied to

    meta = {
        "collection": "forum_threads",
        "indexes": [
            ("tenant", "board_id", "removed", "pinned", "-last_activity_at"),
            ("tenant", "audience", "removed", "-last_activity_at"),
        ],
    }


class Reply(TenantDocument):
    thread_id = me.StringField(required=True)
    author_id = me.StringField(required=True)
    text = me.StringField(required=True)
    mention_ids = me.ListField(me.StringField())
    removed = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "forum_replies", "indexes": [("tenant", "thread_id", "removed", "id")]}


DOCUMENTS = (Board, BoardModerator, Thread, Reply)


# -- lookups and rights --------------------------------------------------------------------------------


def _board(board_id: str, field: str = "board_id") -> Board:
    oid = object_id(board_id)
    board = Board.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if board is None:
        raise DomainError(ErrorCode.NOT_FOUND, "forum_board_not_found", field)
    return board


def _thread(thread_id: str) -> Thread:
    oid = object_id(thread_id)
    thread = Thread.in_tenant(access.tenant()).filter(id=oid).first() if oid else None
    if thread is None or thread.removed:
        raise DomainError(ErrorCode.NOT_FOUND, "forum_thread_not_found", "thread_id")
    return thread


def _is_moderator(board_id: str, account_id: str) -> bool:
    rows = BoardModerator.in_tenant(access.tenant()).filter(board_id=board_id, account_id=account_id)
    return rows.only("id").first() is not None


def _moderates(board: Board) -> bool:
    return rules.may_moderate(access.may(MANAGE, board.org_id), _is_moderator(str(board.id), access.actor().account_id))


def _reads(reader: Reader, board: Board, audience_author: str = "") -> bool:
    audience = rules.audience(audience_author or board.created_by, board.org_id, board.public)
    return may_read(reader, audience) or _moderates(board)


def _readable_board(board_id: str, field: str = "board_id") -> Board:
    board = _board(board_id, field)
    if not _reads(access.reader(), board):
        raise DomainError(ErrorCode.NOT_FOUND, "forum_board_not_found", field)  # as if it did not exist
    return board


def _readable_thread(thread_id: str) -> tuple[Thread, Board]:
    thread = _thread(thread_id)
    board = _board(thread.board_id)
    if not _reads(access.reader(), board, thread.author_id):
        raise DomainError(ErrorCode.NOT_FOUND, "forum_thread_not_found", "thread_id")
    return thread, board


def _moderated_thread(thread_id: str) -> tuple[Thread, Board]:
    thread, board = _readable_thread(thread_id)
    if not _moderates(board):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "forum_not_moderator", "thread_id")
    return thread, board


# -- boards --------------------------------------------------------------------------------------------


def create_board(org_id: str, name: str, description: str, public: bool) -> Board:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)  # NOT_FOUND naming org_id before a permission answer
    access.require(MANAGE, org_id)
    tenant, who = access.tenant(), access.actor().account_id
    name, description = rules.board_name(name), rules.board_description(description)
    if Board.in_tenant(tenant).filter(org_id=org_id).count() >= rules.BOARDS_PER_ORG:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_boards_full", "org_id", max=rules.BOARDS_PER_ORG)
    board = Board(
        tenant=tenant,
        org_id=org_id,
        name=name,
        description=description,
        public=public,
        created_by=who,
        created_at=now_ms(),
        audience=rules.keys(who, org_id, public),
    )
    return atomically(tenant, lambda uow: uow.insert(board))


def update_board(board_id: str, name: str | None, description: str | None, closed: bool | None) -> Board:
    """Rename, describe, close or reopen a board (its audience is fixed at creation)."""
    board = _board(board_id)
    access.require(MANAGE, board.org_id)
    changes = {}
    if name is not None:
        changes["name"] = rules.board_name(name)
    if description is not None:
        changes["description"] = rules.board_description(description)
    if closed is not None:
        changes["closed"] = closed
    if changes:
        atomically(access.tenant(), lambda uow: uow.update_one(Board, {"_id": board.id}, {"$set": changes}))
        for field, value in changes.items():
            setattr(board, field, value)
    return board


def list_boards(org_id: str) -> list[Board]:
    """The boards of one org the caller reads, or ("") the boards of the caller's own org and every org
    above it (each addressed to the caller's subtree or public). Bounded: BOARDS_PER_ORG an org, so the
    audience is checked on the rows read rather than in a second `$in` (which SecantusDB would scan for)."""
    tenant, reader = access.tenant(), access.reader()
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        access.org_path(org_id)
        query = Board.in_tenant(tenant).filter(org_id=org_id)
        if not access.may(MANAGE, org_id):
            query = query.filter(audience__in=reader_keys(reader))
        return sorted(query, key=lambda b: b.created_at)
    query = Board.in_tenant(tenant).filter(org_id__in=list(reader.org_path))
    boards = [b for b in query if may_read(reader, rules.audience(b.created_by, b.org_id, b.public))]
    return sorted(boards, key=lambda b: (-reader.org_path.index(b.org_id), b.created_at))


def get_board(board_id: str) -> Board:
    return _readable_board(board_id)


def appoint_moderator(board_id: str, account_id: str) -> BoardModerator:
    board = _board(board_id)
    access.require(MANAGE, board.org_id)
    account_id = inputs.one_id(account_id, "account_id")
    tenant = access.tenant()
    person = mirror.Person.in_tenant(tenant).filter(account_id=account_id).only("org_path").first()
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "forum_person_unknown", "account_id")
    candidate = Reader(account_id=account_id, org_path=tuple(person.org_path))
    if not may_read(candidate, rules.audience(board.created_by, board.org_id, board.public)):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "forum_moderator_outside", "account_id")
    existing = BoardModerator.in_tenant(tenant).filter(board_id=str(board.id), account_id=account_id).first()
    if existing:
        return existing
    if BoardModerator.in_tenant(tenant).filter(board_id=str(board.id)).count() >= rules.MODERATORS_PER_BOARD:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_moderators_full", "account_id")
    moderator = BoardModerator(
        tenant=tenant,
        board_id=str(board.id),
        account_id=account_id,
        appointed_by=access.actor().account_id,
        appointed_at=now_ms(),
    )
    return atomically(tenant, lambda uow: uow.insert(moderator))


def dismiss_moderator(board_id: str, account_id: str) -> None:
    board = _board(board_id)
    access.require(MANAGE, board.org_id)
    BoardModerator.in_tenant(access.tenant()).filter(board_id=str(board.id), account_id=account_id).delete()


def list_moderators(board_id: str) -> list[BoardModerator]:
    board = _readable_board(board_id)
    rows = BoardModerator.in_tenant(access.tenant()).filter(board_id=str(board.id))
    return sorted(rows.limit(rules.MODERATORS_PER_BOARD), key=lambda m: m.appointed_at)


# -- threads and replies -------------------------------------------------------------------------------


def create_thread(board_id: str, title: str, text: str) -> Thread:
    board = _readable_board(board_id)
    rules.check_open_for_threads(board.closed)
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    thread = Thread(
        tenant=tenant,
        board_id=str(board.id),
        org_id=board.org_id,
        author_id=who,
        title=rules.thread_title(title),
        text=rules.thread_text(text),
        audience=rules.keys(who, board.org_id, board.public),
        created_at=now,
        last_activity_at=now,
    )

    def write(uow: UnitOfWork) -> Thread:
        uow.insert(thread)
        uow.emit(
            events.SOURCE,
            events.THREAD_CREATED,
            {
                "thread_id": str(thread.id),
                "board_id": thread.board_id,
                "org_id": thread.org_id,
                "author_id": who,
                "title": thread.title,
                "text": thread.text,
                "audience": list(thread.audience),
            },
            who,
        )
        return thread

    return atomically(tenant, write)


def get_thread(thread_id: str) -> tuple[Thread, Board]:
    return _readable_thread(thread_id)


def list_threads(board_id: str, page_size: int, cursor: str) -> tuple[list[Thread], list[Thread], str]:
    """A board's pinned threads (on the first page only) and the rest, latest activity first."""
    board = _readable_board(board_id)
    threads = Thread.in_tenant(access.tenant()).filter(board_id=str(board.id), removed=False)
    pinned = [] if cursor else list(threads.filter(pinned=True).order_by("-last_activity_at"))
    rows, next_cursor = recent.page(threads.filter(pinned=False), "last_activity_at", page_size, cursor)
    return pinned, rows, next_cursor


def list_recent_threads(page_size: int, cursor: str) -> tuple[list[Thread], str]:
    """Threads of every board the caller reads (their orgs' and public ones), latest activity first: the
    audience keys are matched inside the queries (one a key, merged), never filtered after paging.
    Friends' keys are left out: no thread is addressed to an author's friends."""
    keys = [k for k in reader_keys(access.reader()) if not k.startswith("friends-of:")]
    threads = Thread.in_tenant(access.tenant()).filter(removed=False)
    return recent.page_merged([threads.filter(audience=k) for k in keys], "last_activity_at", page_size, cursor)


def _mentions(values: list[str], thread: Thread, author_id: str) -> list[str]:
    """Mentioned people must exist here and be able to read the thread (a mention tells them of it)."""
    wanted = rules.mentions(values, author_id)
    if not wanted:
        return []
    people = {
        p.account_id: p
        for p in mirror.Person.in_tenant(access.tenant()).filter(account_id__in=wanted).only("account_id", "org_path")
    }
    audience = rules.audience(thread.author_id, thread.org_id, "public" in thread.audience)
    for account_id in wanted:
        person = people.get(account_id)
        if person is None:
            raise DomainError(ErrorCode.NOT_FOUND, "forum_person_unknown", "mention_ids")
        if not may_read(Reader(account_id=account_id, org_path=tuple(person.org_path)), audience):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "forum_mention_cannot_read", "mention_ids")
    return wanted


def reply(thread_id: str, text: str, mention_ids: list[str]) -> Reply:
    thread, board = _readable_thread(thread_id)
    rules.check_open_for_replies(board.closed, thread.locked)
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    text = rules.reply_text(text)
    mentions = _mentions(mention_ids, thread, who)
    row = Reply(tenant=tenant, thread_id=str(thread.id), author_id=who, text=text, mention_ids=mentions, created_at=now)

    def write(uow: UnitOfWork) -> Reply:
        # Locked or removed meanwhile: the condition makes the reply fail rather than slip in.
        matched = uow.update_one(
            Thread,
            {"_id": thread.id, "locked": False, "removed": False},
            {"$inc": {"reply_count": 1}, "$set": {"last_activity_at": now}},
        )
        if not matched:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_thread_locked", "thread_id")
        uow.insert(row)
        uow.emit(
            events.SOURCE,
            events.THREAD_REPLIED,
            {
                "thread_id": str(thread.id),
                "reply_id": str(row.id),
                "board_id": thread.board_id,
                "thread_author_id": thread.author_id,
                "author_id": who,
                "text": text,
                "mentions": mentions,
                "audience": list(thread.audience),
            },
            who,
        )
        return row

    return atomically(tenant, write)


def list_replies(thread_id: str, page_size: int, cursor: str) -> tuple[list[Reply], str]:
    """A thread's replies in the order they were made."""
    thread, _ = _readable_thread(thread_id)
    query = Reply.in_tenant(access.tenant()).filter(thread_id=str(thread.id), removed=False)
    return page(query, page_size, cursor)


# -- moderation ----------------------------------------------------------------------------------------


def pin(thread_id: str, pinned: bool) -> Thread:
    thread, board = _moderated_thread(thread_id)
    if pinned and not thread.pinned:
        count = Thread.in_tenant(access.tenant()).filter(board_id=thread.board_id, removed=False, pinned=True).count()
        rules.check_pin_room(count)
    atomically(access.tenant(), lambda uow: uow.update_one(Thread, {"_id": thread.id}, {"$set": {"pinned": pinned}}))
    thread.pinned = pinned
    return thread


def lock(thread_id: str, locked: bool) -> Thread:
    thread, _ = _moderated_thread(thread_id)
    atomically(access.tenant(), lambda uow: uow.update_one(Thread, {"_id": thread.id}, {"$set": {"locked": locked}}))
    thread.locked = locked
    return thread


def move(thread_id: str, to_board_id: str) -> Thread:
    """Move a thread to another board: moderator rights on both; it takes the new board's audience and
    leaves its pin behind (pins belong to a board)."""
    thread, source = _moderated_thread(thread_id)
    target = _board(to_board_id, "to_board_id")
    if str(target.id) == str(source.id):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "forum_move_same_board", "to_board_id")
    if not _moderates(target):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "forum_not_moderator", "to_board_id")
    rules.check_open_for_threads(target.closed)
    audience = rules.keys(thread.author_id, target.org_id, target.public)
    changes = {"board_id": str(target.id), "org_id": target.org_id, "audience": audience, "pinned": False}

    def write(uow: UnitOfWork) -> None:
        uow.update_one(Thread, {"_id": thread.id}, {"$set": changes})
        uow.emit(
            events.SOURCE,
            events.THREAD_MOVED,
            {
                "thread_id": str(thread.id),
                "from_board_id": str(source.id),
                "board_id": str(target.id),
                "audience": audience,
            },
            access.actor().account_id,
        )

    atomically(access.tenant(), write)
    for field, value in changes.items():
        setattr(thread, field, value)
    return thread


def remove_thread(thread_id: str) -> None:
    thread, board = _readable_thread(thread_id)
    if not (rules.may_remove_own(thread.author_id, access.actor().account_id) or _moderates(board)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "forum_not_moderator", "thread_id")

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(Thread, {"_id": thread.id, "removed": False}, {"$set": {"removed": True}}):
            uow.emit(
                events.SOURCE,
                events.THREAD_REMOVED,
                {"thread_id": str(thread.id), "board_id": thread.board_id},
                access.actor().account_id,
            )

    atomically(access.tenant(), write)


def remove_reply(reply_id: str) -> None:
    tenant = access.tenant()
    oid = object_id(reply_id)
    row = Reply.in_tenant(tenant).filter(id=oid).first() if oid else None
    if row is None or row.removed:
        raise DomainError(ErrorCode.NOT_FOUND, "forum_reply_not_found", "reply_id")
    thread, board = _readable_thread(row.thread_id)
    if not (rules.may_remove_own(row.author_id, access.actor().account_id) or _moderates(board)):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "forum_not_moderator", "reply_id")

    def write(uow: UnitOfWork) -> None:
        if uow.update_one(Reply, {"_id": row.id, "removed": False}, {"$set": {"removed": True}}):
            uow.update_one(Thread, {"_id": thread.id}, {"$inc": {"reply_count": -1}})

    atomically(tenant, write)
