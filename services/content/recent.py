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

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from kernel.paging import DEFAULT_PAGE, MAX_PAGE, time_cursor

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIE_ROOM = 8


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


def _below(query: QuerySet, field: str, count: int, last: tuple[dt.datetime, ObjectId] | None) -> list:
    """Up to count rows of query strictly below last in (field, id) order, newest first."""
    if last is not None:
        query = query.filter(**{f"{field}__lte": last[0]})

    def below(row) -> bool:
        return last is None or (aware(getattr(row, field)), row.id) < last

    batch = count + (_TIE_ROOM if last else 0)
    while True:
        raw = list(query.order_by(f"-{field}", "-id").limit(batch))
        rows = [r for r in raw if below(r)]
        if len(rows) >= count or len(raw) < batch:
            return rows[:count]
        batch *= 2  # rows at the cursor's own time filled the batch: read further


def _cut(rows: list, field: str, limit: int) -> tuple[list, str]:
    next_cursor = time_cursor(getattr(rows[limit - 1], field), rows[limit - 1].id) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def page(query: QuerySet, field: str, page_size: int, cursor: str) -> tuple[list, str]:
    """One page of query ordered by (field, id) descending, and the next page's cursor ("" at the end)."""
    limit = size(page_size)
    return _cut(_below(query, field, limit + 1, parse(cursor)), field, limit)


def page_merged(queries: list[QuerySet], field: str, page_size: int, cursor: str) -> tuple[list, str]:
    """One newest-first page over the union of several queries (one per audience key a reader holds).

    SecantusDB plans no index for an `$in` together with a range, so "any of these keys, below the
    cursor" is asked as one indexed equality-and-range query a key (a few: public, the reader's own key,
    one per org on their path), each limited to a page, and merged here. A row matching two keys comes once."""
    limit, last = size(page_size), parse(cursor)
    merged = {row.id: row for query in queries for row in _below(query, field, limit + 1, last)}
    rows = sorted(merged.values(), key=lambda r: (aware(getattr(r, field)), r.id), reverse=True)
    return _cut(rows, field, limit)
