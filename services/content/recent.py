"""Newest-first paging by a time field: listings people read from the top (threads by last activity,
notices by publication), each page continuing strictly below the last row shown.

The cursor is kernel.paging's time cursor ("<ms>.<id>"). The query holds one range (field <= the
cursor's time; SecantusDB plans no index for two), and rows at that very time down to the cursor's id
are dropped in Python.
"""

from __future__ import annotations

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from mongoengine import QuerySet

from kernel.errors import DomainError, ErrorCode
from kernel.paging import DEFAULT_PAGE, MAX_PAGE, time_cursor

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIE_ROOM = 8


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def size(page_size: int) -> int:
    value = page_size or DEFAULT_PAGE
    if not 1 <= value <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    return value


def parse(cursor: str) -> tuple[dt.datetime, ObjectId] | None:
    """The (time, id) a cursor points below; None for the first page; INVALID_ARGUMENT if malformed."""
    if not cursor:
        return None
    ms, _, row_id = cursor.partition(".")
    if not (ms.isascii() and ms.isdigit() and len(ms) <= 15):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")
    try:
        return _EPOCH + dt.timedelta(milliseconds=int(ms)), ObjectId(row_id)
    except (InvalidId, TypeError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor") from None


def page(query: QuerySet, field: str, page_size: int, cursor: str) -> tuple[list, str]:
    """One page of query ordered by (field, id) descending, and the next page's cursor ("" at the end)."""
    limit = size(page_size)
    last = parse(cursor)
    if last is not None:
        query = query.filter(**{f"{field}__lte": last[0]})

    def below(row) -> bool:
        return last is None or (_aware(getattr(row, field)), row.id) < last

    batch = limit + 1 + (_TIE_ROOM if last else 0)
    while True:
        raw = list(query.order_by(f"-{field}", "-id").limit(batch))
        rows = [r for r in raw if below(r)]
        if len(rows) > limit or len(raw) < batch:
            break
        batch *= 2  # rows at the cursor's own time filled the batch: read further
    next_cursor = time_cursor(getattr(rows[limit - 1], field), rows[limit - 1].id) if len(rows) > limit else ""
    return rows[:limit], next_cursor
