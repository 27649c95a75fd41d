"""Forums' rules (论坛): limits, who a board and its threads are for, and what a thread's state allows.

A board belongs to an org. It is read by the org's subtree, or by everyone in the region when it is
public; its threads carry the board's audience (visibility.py), so a thread moved to another board takes
that board's audience. A closed board is kept readable but takes no new threads or replies; a locked
thread takes no new replies. Pure: no I/O.
"""

from __future__ import annotations

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs
from services.content.domain.visibility import ORG, PUBLIC, Audience, audience_keys

BOARD_NAME_MAX = 40
BOARD_DESCRIPTION_MAX = 500
BOARDS_PER_ORG = 50  # an org's boards are listed whole, so they are bounded
THREAD_TITLE_MAX = 100
THREAD_TEXT_MAX = 10_000
REPLY_TEXT_MAX = 5_000
MENTIONS_MAX = 20
PINS_PER_BOARD = 10  # pinned threads come whole at the top of a board's first page
MODERATORS_PER_BOARD = 20


def audience(author_id: str, org_id: str, public: bool) -> Audience:
    """The audience of a board (its creator as author) or of a thread on it (the thread's author)."""
    return Audience(author_id, PUBLIC if public else ORG, "" if public else org_id)


def keys(author_id: str, org_id: str, public: bool) -> list[str]:
    return audience_keys(audience(author_id, org_id, public))


def board_name(value: str) -> str:
    return inputs.text(value, "name", BOARD_NAME_MAX)


def board_description(value: str) -> str:
    return inputs.text(value, "description", BOARD_DESCRIPTION_MAX, required=False)


def thread_title(value: str) -> str:
    return inputs.text(value, "title", THREAD_TITLE_MAX)


def thread_text(value: str) -> str:
    return inputs.text(value, "text", THREAD_TEXT_MAX)


def reply_text(value: str) -> str:
    return inputs.text(value, "text", REPLY_TEXT_MAX)


def mentions(values, author_id: str) -> list[str]:
    """Mentioned account ids: distinct, well formed, bounded; mentioning oneself is dropped."""
    return [m for m in inputs.ids(values, "mention_ids", MENTIONS_MAX) if m != author_id]


def check_open_for_threads(board_closed: bool) -> None:
    if board_closed:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_board_closed", "board_id")


def check_open_for_replies(board_closed: bool, thread_locked: bool) -> None:
    check_open_for_threads(board_closed)
    if thread_locked:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_thread_locked", "thread_id")


def check_pin_room(pinned_now: int) -> None:
    if pinned_now >= PINS_PER_BOARD:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "forum_pins_full", "thread_id", max=PINS_PER_BOARD)


def may_moderate(manages_org: bool, moderates_board: bool) -> bool:
    """Pin, lock, move and remove on a board: its org's forum managers (and above) or its moderators."""
    return manages_org or moderates_board


def may_remove_own(author_id: str, actor_id: str) -> bool:
    """Authors remove their own threads and replies; everything else needs a moderator."""
    return author_id == actor_id
